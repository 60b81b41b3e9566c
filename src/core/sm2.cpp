#include "core/sm2.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <map>
#include <memory>
#include <mutex>

#include "core/crypto.hpp"
#include "core/error.hpp"

namespace yiwang::core {
namespace {

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

[[noreturn]] void Fail(const std::string& what) { throw Error(ErrorCode::kInternal, "SM2 " + what + " 失败"); }

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

PkeyPtr ReadKey(std::string_view pem, bool is_private) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  EVP_PKEY* key = is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                             : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (!key) throw Error(ErrorCode::kInvalidInput, is_private ? "SM2 私钥无法读取" : "SM2 公钥无法读取");
  return PkeyPtr(key, &EVP_PKEY_free);
}

/// ReadKey, kept: a department's seal key signs every decision and certificate it issues, and
/// parsing (and for a private key, checking) the PEM costs more than the signature. Keyed by the
/// SM3 of the PEM, so the cache holds no key text; a parsed EVP_PKEY is only read when shared
/// between threads (each operation has its own contexts).
std::shared_ptr<EVP_PKEY> CachedKey(std::string_view pem, bool is_private) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<EVP_PKEY>> cache;
  const std::string id = (is_private ? "k" : "p") + Sm3Raw(pem);
  {
    std::lock_guard lock(mu);
    if (auto it = cache.find(id); it != cache.end()) return it->second;
  }
  std::shared_ptr<EVP_PKEY> key(ReadKey(pem, is_private).release(), &EVP_PKEY_free);
  std::lock_guard lock(mu);
  if (cache.size() >= 1024) cache.clear();  // one per department and zone in practice
  cache.emplace(id, key);
  return key;
}

/// A digest context bound to the key with the signer ID set on its key context.
MdCtxPtr Prepare(EVP_PKEY* key, std::string_view id, PkeyCtxPtr& pctx) {
  pctx.reset(EVP_PKEY_CTX_new(key, nullptr));
  if (!pctx || EVP_PKEY_CTX_set1_id(pctx.get(), id.data(), static_cast<int>(id.size())) <= 0) Fail("设置签名者标识");
  MdCtxPtr md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!md) Fail("初始化");
  EVP_MD_CTX_set_pkey_ctx(md.get(), pctx.get());
  return md;
}

}  // namespace

Sm2KeyPair GenerateSm2Key() {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_generate(ctx.get(), &raw) <= 0) Fail("密钥生成");
  PkeyPtr key(raw, &EVP_PKEY_free);
  BioPtr priv(BIO_new(BIO_s_mem()), &BIO_free), pub(BIO_new(BIO_s_mem()), &BIO_free);
  if (!PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ||
      !PEM_write_bio_PUBKEY(pub.get(), key.get())) {
    Fail("密钥导出");
  }
  return {BioString(priv.get()), BioString(pub.get())};
}

std::string Sm2Sign(std::string_view private_pem, std::string_view data, std::string_view id) {
  const std::shared_ptr<EVP_PKEY> key = CachedKey(private_pem, true);
  PkeyCtxPtr pctx(nullptr, &EVP_PKEY_CTX_free);
  MdCtxPtr md = Prepare(key.get(), id, pctx);
  std::size_t len = 0;
  if (EVP_DigestSignInit(md.get(), nullptr, EVP_sm3(), nullptr, key.get()) <= 0 ||
      EVP_DigestSignUpdate(md.get(), data.data(), data.size()) <= 0 ||
      EVP_DigestSignFinal(md.get(), nullptr, &len) <= 0) {
    Fail("签名");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSignFinal(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len) <= 0) Fail("签名");
  sig.resize(len);
  return sig;
}

bool Sm2Verify(std::string_view public_pem, std::string_view data, std::string_view signature_der, std::string_view id) {
  const std::shared_ptr<EVP_PKEY> key = CachedKey(public_pem, false);
  PkeyCtxPtr pctx(nullptr, &EVP_PKEY_CTX_free);
  MdCtxPtr md = Prepare(key.get(), id, pctx);
  if (EVP_DigestVerifyInit(md.get(), nullptr, EVP_sm3(), nullptr, key.get()) <= 0) Fail("验签初始化");
  if (EVP_DigestVerifyUpdate(md.get(), data.data(), data.size()) <= 0) return false;
  return EVP_DigestVerifyFinal(md.get(), reinterpret_cast<const unsigned char*>(signature_der.data()),
                               signature_der.size()) == 1;
}

}  // namespace yiwang::core
