#pragma once
// Time-based one-time passwords (RFC 6238) as the cryptographic second factor that
// 等保 2.0 level 3 requires for privileged staff. Parameters are fixed to what every
// authenticator app supports: HMAC-SHA1, 6 digits, 30-second steps.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace yiwang::identity {

/// RFC 4648 base32, uppercase, without '=' padding (the form authenticator apps expect).
std::string Base32Encode(std::string_view raw);

/// Inverse of Base32Encode. Case-insensitive, ignores spaces (people type secrets in
/// groups) and trailing '=' padding; throws Error(kInvalidInput) on any other character.
std::string Base32Decode(std::string_view encoded);

/// The 6-digit, zero-padded code for the 30-second step containing `unix_seconds`
/// (RFC 4226 dynamic truncation over HMAC-SHA1 of the step counter).
std::string TotpCode(std::string_view raw_secret, std::int64_t unix_seconds);

/// Checks `code` (6 digits; spaces ignored) against the steps within ±window of
/// `unix_seconds`, tolerating clock drift between server and phone. Only steps greater
/// than `last_used_step` count, so a code that was accepted once cannot be replayed;
/// store the returned step as the new last_used_step. Every candidate is computed and
/// compared in constant time. Returns the matched step, or nullopt.
std::optional<std::int64_t> TotpVerify(std::string_view raw_secret, std::string_view code, std::int64_t unix_seconds,
                                       int window = 1, std::int64_t last_used_step = -1);

/// An otpauth://totp/ URI for enrolment by QR code: label "issuer:account" and the
/// issuer parameter percent-encoded as UTF-8, base32 secret, SHA1, 6 digits, period 30.
std::string TotpUri(std::string_view issuer, std::string_view account, std::string_view raw_secret);

/// A fresh 20-byte (160-bit) secret, the HMAC-SHA1 block size RFC 4226 recommends.
std::string NewTotpSecret();

}  // namespace yiwang::identity
