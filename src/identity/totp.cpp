#include "identity/totp.hpp"

#include <array>

#include "core/crypto.hpp"
#include "core/error.hpp"

namespace yiwang::identity {
namespace {

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::int64_t kStepSeconds = 30;
constexpr int kDigits = 6;
constexpr std::uint32_t kModulus = 1000000;  // 10^kDigits
constexpr std::size_t kSecretBytes = 20;
/// A window beyond this would accept codes minutes old and only serves brute force.
constexpr int kMaxWindow = 10;

int Base32Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

/// Floor division, so times before 1970 still map to a well-defined step.
std::int64_t StepOf(std::int64_t unix_seconds) {
  std::int64_t step = unix_seconds / kStepSeconds;
  if (unix_seconds % kStepSeconds < 0) --step;
  return step;
}

/// RFC 4226 section 5.3: HMAC-SHA1 of the big-endian counter, dynamic truncation.
std::string HotpCode(std::string_view raw_secret, std::int64_t counter) {
  std::array<char, 8> message{};
  auto value = static_cast<std::uint64_t>(counter);
  for (std::size_t i = message.size(); i-- > 0;) {
    message[i] = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
  const std::string mac = core::HmacSha1Raw(raw_secret, std::string_view(message.data(), message.size()));
  const auto byte = [&mac](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(mac[i])); };
  const std::size_t offset = byte(mac.size() - 1) & 0x0F;
  const std::uint32_t binary =
      ((byte(offset) & 0x7F) << 24) | (byte(offset + 1) << 16) | (byte(offset + 2) << 8) | byte(offset + 3);
  std::string code = std::to_string(binary % kModulus);
  return std::string(static_cast<std::size_t>(kDigits) - code.size(), '0') + code;
}

/// RFC 3986 percent-encoding of everything except unreserved characters, applied to UTF-8
/// bytes so Chinese issuer names survive the QR code.
std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                            (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' || byte == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
  return out;
}

}  // namespace

std::string Base32Encode(std::string_view raw) {
  std::string out;
  out.reserve((raw.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : raw) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32Alphabet[(buffer >> bits) & 0x1F]);
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 0x1F]);
  return out;
}

std::string Base32Decode(std::string_view encoded) {
  const std::size_t end = encoded.find_last_not_of("= ");
  const std::string_view body = end == std::string_view::npos ? std::string_view{} : encoded.substr(0, end + 1);
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : body) {
    if (c == ' ') continue;
    const int value = Base32Value(c);
    if (value < 0) throw Error(ErrorCode::kInvalidInput, "密钥格式不正确，只能包含字母A-Z和数字2-7");
    buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  // Fewer than 8 leftover bits are the encoder's zero fill, not data.
  return out;
}

std::string TotpCode(std::string_view raw_secret, std::int64_t unix_seconds) {
  return HotpCode(raw_secret, StepOf(unix_seconds));
}

std::optional<std::int64_t> TotpVerify(std::string_view raw_secret, std::string_view code, std::int64_t unix_seconds,
                                       int window, std::int64_t last_used_step) {
  std::string digits;
  for (const char c : code) {
    if (c == ' ') continue;
    if (c < '0' || c > '9') return std::nullopt;
    digits.push_back(c);
  }
  if (digits.size() != static_cast<std::size_t>(kDigits)) return std::nullopt;
  if (window < 0) window = 0;
  if (window > kMaxWindow) window = kMaxWindow;

  const std::int64_t current = StepOf(unix_seconds);
  std::optional<std::int64_t> matched;
  for (std::int64_t step = current - window; step <= current + window; ++step) {
    // Compute every candidate so the time taken does not reveal which step matched.
    const bool equal = core::ConstantTimeEqual(HotpCode(raw_secret, step), digits);
    if (equal && step > last_used_step && !matched) matched = step;
  }
  return matched;
}

std::string TotpUri(std::string_view issuer, std::string_view account, std::string_view raw_secret) {
  const std::string encoded_issuer = PercentEncode(issuer);
  std::string uri = "otpauth://totp/";
  uri += encoded_issuer;
  uri += ':';
  uri += PercentEncode(account);
  uri += "?secret=";
  uri += Base32Encode(raw_secret);
  uri += "&issuer=";
  uri += encoded_issuer;
  uri += "&algorithm=SHA1&digits=6&period=30";
  return uri;
}

std::string NewTotpSecret() { return core::RandomBytes(kSecretBytes); }

}  // namespace yiwang::identity
