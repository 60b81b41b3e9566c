#pragma once
// Cryptographic primitives for the platform. SM3/SM4 come from OpenSSL 3 EVP because
// GB/T 39786-2021 expects the national algorithms for integrity and confidentiality of
// stored data; randomness comes from libsodium, whose randombytes_buf never fails and
// never needs reseeding by us. Everything here is pure: no I/O, no configuration.
#include <cstddef>
#include <string>
#include <string_view>

namespace yiwang::core {

/// SM3 digest (GB/T 32905) as 64 lowercase hex characters; used for exchange packet
/// hashes and audit chains, where a printable form is stored and compared.
std::string Sm3Hex(std::string_view data);

/// SM3 digest as 32 raw bytes, for key derivation and further hashing.
std::string Sm3Raw(std::string_view data);

/// HMAC-SM3 as 64 lowercase hex characters; a keyed integrity check with national
/// algorithms (e.g. signed cookies, packet authentication between zones).
std::string HmacSm3Hex(std::string_view key, std::string_view data);

/// HMAC-SHA1 as 20 raw bytes. Only for TOTP (RFC 6238), whose authenticator apps
/// support SHA1 universally; do not use it for anything else.
std::string HmacSha1Raw(std::string_view key, std::string_view data);

/// n bytes from the operating system CSPRNG via libsodium (initialised once, thread-safe).
std::string RandomBytes(std::size_t n);

/// A random, URL-safe token (base64url without padding) from `bytes` random bytes; the
/// default 32 bytes gives 256 bits, enough for session ids, CSRF and reset tokens.
std::string RandomToken(std::size_t bytes = 32);

/// Lowercase hex of arbitrary bytes.
std::string HexEncode(std::string_view raw);

/// Inverse of HexEncode; accepts either case. Throws Error(kInvalidInput) on an odd
/// length or a non-hex character, because hex usually arrives from outside (config, API).
std::string HexDecode(std::string_view hex);

/// Equality that takes the same time wherever the first difference is, so comparing
/// tokens, tags or codes leaks nothing through timing. Lengths are not secret: strings
/// of different length compare unequal immediately.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

/// Authenticated encryption of a secret at rest (GB/T 39786-2021: SM4 for confidentiality,
/// SM3 for integrity). OpenSSL 3.0 (Debian 12) has no SM4-GCM, so this is encrypt-then-MAC:
/// SM4-CTR with key32[0..16) and a random 16-byte IV, tag = HMAC-SM3(key32[16..32),
/// iv || ciphertext). Returns hex(iv || ciphertext || tag). key32 must be exactly 32 bytes
/// (see DeriveKey); otherwise throws Error(kInternal), since that is a configuration bug.
std::string Sm4Seal(std::string_view key32, std::string_view plaintext);

/// Inverse of Sm4Seal. Checks the tag in constant time before decrypting anything; throws
/// Error(kInvalidInput, "数据完整性校验失败") when the data is malformed, was changed, or was
/// sealed with another key.
std::string Sm4Open(std::string_view key32, std::string_view sealed_hex);

/// A 32-byte key for one purpose, SM3(purpose ":" secret). Operators configure a single
/// secret; deriving a separate key per purpose ("totp-secrets", "cookies", ...) means a key
/// leaked or misused in one place does not unlock another. `purpose` is a fixed identifier
/// from code and must not contain ':' (that would make two derivations collide); throws
/// Error(kInternal) if it does or if it is empty.
std::string DeriveKey(std::string_view secret, std::string_view purpose);

/// Standard base64 (RFC 4648 with padding), for file contents inside JSON (exchange packets,
/// the applications API).
std::string Base64Encode(std::string_view bytes);
/// Throws yiwang::Error(kInvalidInput) with `what` in the message on malformed input.
std::string Base64Decode(std::string_view b64, std::string_view what = "内容");

}  // namespace yiwang::core
