#include "core/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>

#include <memory>

#include "core/error.hpp"

namespace yiwang::core {
namespace {

constexpr std::size_t kSm4KeyBytes = 16;
constexpr std::size_t kSm4IvBytes = 16;
constexpr std::size_t kSm3Bytes = 32;
constexpr std::size_t kSealKeyBytes = 32;
constexpr char kIntegrityMessage[] = "数据完整性校验失败";
constexpr char kCryptoFailure[] = "加密组件出错，请联系系统管理员";

/// A failure inside OpenSSL means a broken installation, not bad user input.
[[noreturn]] void ThrowCryptoFailure() { throw Error(ErrorCode::kInternal, kCryptoFailure); }

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

/// SM3 fetched once; the static local makes the fetch thread-safe and avoids a
/// provider lookup per call.
const EVP_MD* Sm3Md() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SM3", nullptr);
  if (md == nullptr) ThrowCryptoFailure();
  return md;
}

const EVP_CIPHER* Sm4CtrCipher() {
  static const EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "SM4-CTR", nullptr);
  if (cipher == nullptr) ThrowCryptoFailure();
  return cipher;
}

/// sodium_init is idempotent and thread-safe; calling it through a static local keeps the
/// cost to one check per call.
void EnsureSodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) ThrowCryptoFailure();
}

std::string Hmac(const char* digest, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t out_len = 0;
  // OpenSSL rejects a null key pointer even with length 0; an empty key is legal HMAC.
  static const unsigned char kEmpty = 0;
  const void* key_ptr = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key_ptr, key.size(), Bytes(data), data.size(), out,
                sizeof(out), &out_len) == nullptr) {
    ThrowCryptoFailure();
  }
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

/// SM4-CTR is its own inverse, so one function serves sealing and opening.
std::string Sm4Ctr(std::string_view key16, std::string_view iv16, std::string_view input) {
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) ThrowCryptoFailure();
  if (EVP_EncryptInit_ex2(ctx.get(), Sm4CtrCipher(), Bytes(key16), Bytes(iv16), nullptr) != 1) {
    ThrowCryptoFailure();
  }
  std::string output(input.size() + kSm4IvBytes, '\0');
  int written = 0;
  int total = 0;
  auto* out = reinterpret_cast<unsigned char*>(output.data());
  if (!input.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), out, &written, Bytes(input), static_cast<int>(input.size())) != 1) {
      ThrowCryptoFailure();
    }
    total = written;
  }
  if (EVP_EncryptFinal_ex(ctx.get(), out + total, &written) != 1) ThrowCryptoFailure();
  total += written;
  output.resize(static_cast<std::size_t>(total));
  return output;
}

void RequireSealKey(std::string_view key32) {
  if (key32.size() != kSealKeyBytes) {
    throw Error(ErrorCode::kInternal, "加密密钥长度必须为32字节，请检查系统配置");
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Sm3Raw(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &out_len, Sm3Md(), nullptr) != 1) ThrowCryptoFailure();
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

std::string Sm3Hex(std::string_view data) { return HexEncode(Sm3Raw(data)); }

std::string HmacSm3Hex(std::string_view key, std::string_view data) { return HexEncode(Hmac("SM3", key, data)); }

std::string HmacSha1Raw(std::string_view key, std::string_view data) { return Hmac("SHA1", key, data); }

std::string RandomBytes(std::size_t n) {
  EnsureSodium();
  std::string out(n, '\0');
  if (n > 0) randombytes_buf(out.data(), n);
  return out;
}

std::string RandomToken(std::size_t bytes) {
  const std::string raw = RandomBytes(bytes);
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string encoded(sodium_base64_ENCODED_LEN(bytes, kVariant), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), Bytes(raw), raw.size(), kVariant);
  encoded.resize(encoded.find('\0'));  // ENCODED_LEN counts the terminating NUL
  return encoded;
}

std::string HexEncode(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (const char c : raw) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0x0F]);
  }
  return out;
}

std::string HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) throw Error(ErrorCode::kInvalidInput, "十六进制数据长度必须为偶数");
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = HexValue(hex[i]);
    const int low = HexValue(hex[i + 1]);
    if (high < 0 || low < 0) throw Error(ErrorCode::kInvalidInput, "十六进制数据包含无效字符");
    out.push_back(static_cast<char>((high << 4) | low));
  }
  return out;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Sm4Seal(std::string_view key32, std::string_view plaintext) {
  RequireSealKey(key32);
  const std::string iv = RandomBytes(kSm4IvBytes);
  std::string body = iv + Sm4Ctr(key32.substr(0, kSm4KeyBytes), iv, plaintext);
  body += Hmac("SM3", key32.substr(kSm4KeyBytes), body);
  return HexEncode(body);
}

std::string Sm4Open(std::string_view key32, std::string_view sealed_hex) {
  RequireSealKey(key32);
  std::string sealed;
  try {
    sealed = HexDecode(sealed_hex);
  } catch (const Error&) {
    throw Error(ErrorCode::kInvalidInput, kIntegrityMessage);
  }
  if (sealed.size() < kSm4IvBytes + kSm3Bytes) throw Error(ErrorCode::kInvalidInput, kIntegrityMessage);
  const std::string_view all(sealed);
  const std::string_view authenticated = all.substr(0, all.size() - kSm3Bytes);
  const std::string_view tag = all.substr(all.size() - kSm3Bytes);
  if (!ConstantTimeEqual(Hmac("SM3", key32.substr(kSm4KeyBytes), authenticated), tag)) {
    throw Error(ErrorCode::kInvalidInput, kIntegrityMessage);
  }
  return Sm4Ctr(key32.substr(0, kSm4KeyBytes), authenticated.substr(0, kSm4IvBytes),
                authenticated.substr(kSm4IvBytes));
}

std::string DeriveKey(std::string_view secret, std::string_view purpose) {
  if (purpose.empty() || purpose.find(':') != std::string_view::npos) {
    throw Error(ErrorCode::kInternal, "密钥用途标识无效");
  }
  std::string input;
  input.reserve(purpose.size() + 1 + secret.size());
  input.append(purpose).append(":").append(secret);
  return Sm3Raw(input);
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string Base64Decode(std::string_view b64, std::string_view what) {
  std::string out(b64.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(), b64.size(), nullptr, &len,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    throw Error(ErrorCode::kInvalidInput, std::string(what) + "应为 Base64 编码");
  }
  out.resize(len);
  return out;
}

}  // namespace yiwang::core
