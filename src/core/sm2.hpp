#pragma once
// SM2 signatures over SM3 (GB/T 32918, GM/T 0009) with OpenSSL 3 EVP, for electronic seals
// (GB/T 38540-2020: SM2-with-SM3, OID 1.2.156.10197.1.501) and signed exchange packets.
// The signer ID is set explicitly on both sides — OpenSSL 3.0 otherwise uses an empty ID and
// signatures would not verify against other GM/T 0009 implementations.
#include <string>
#include <string_view>

namespace yiwang::core {

/// GM/T 0009 default signer ID.
inline constexpr std::string_view kSm2DefaultId = "1234567812345678";

struct Sm2KeyPair {
  std::string private_pem;  // PKCS#8 PEM
  std::string public_pem;   // SubjectPublicKeyInfo PEM
};

Sm2KeyPair GenerateSm2Key();
/// DER-encoded SM2 signature of data (hashed with SM3 and the signer ID's Z value).
std::string Sm2Sign(std::string_view private_pem, std::string_view data, std::string_view id = kSm2DefaultId);
/// False for a wrong signature, key or data; throws yiwang::Error(kInvalidInput) for an
/// unreadable key.
bool Sm2Verify(std::string_view public_pem, std::string_view data, std::string_view signature_der,
               std::string_view id = kSm2DefaultId);

}  // namespace yiwang::core
