#pragma once
// Validation and masking of Chinese identity numbers. Check digits catch typing errors at
// the form, before a record that cannot be matched against other systems is stored;
// masking keeps personal information out of lists and logs (个人信息保护法 Art. 51).
#include <string>
#include <string_view>

namespace yiwang::identity {

/// True for an 18-character resident identity number (GB 11643-1999): 17 digits, the
/// first 1-9, a real birth date YYYYMMDD at positions 7-14 with year 1900-2099, and the
/// ISO 7064 MOD 11-2 check character last ('x' accepted as 'X').
bool IsValidResidentId(std::string_view id);

/// The GB 11643-1999 check character ('0'-'9' or 'X') for the first 17 digits. Throws
/// Error(kInvalidInput) unless `first17` is exactly 17 digits.
char ResidentIdCheckChar(std::string_view first17);

/// True for an 18-character unified social credit code (GB 32100-2015): characters from
/// "0123456789ABCDEFGHJKLMNPQRTUWXY" (lowercase accepted), digits at positions 3-8 (the
/// administrative division code), and the MOD 31 check character last.
bool IsValidUscc(std::string_view code);

/// The GB 32100-2015 check character for the first 17 characters (lowercase accepted).
/// Throws Error(kInvalidInput) on a wrong length or a character outside the charset.
char UsccCheckChar(std::string_view first17);

/// True for a mainland China mobile number: 11 digits beginning 13-19.
bool IsValidMobile(std::string_view mobile);

/// A name for display to people who need not see it whole: 张三 -> 张*, 张三丰 -> 张*丰,
/// 欧阳小明 -> 欧**明. Counts UTF-8 code points, not bytes; a one-character name becomes "*".
std::string MaskName(std::string_view utf8_name);

/// An identity number with only the first 6 (region) and last 4 characters visible,
/// e.g. 110105********002X. Inputs of 10 characters or fewer are masked entirely.
std::string MaskIdNumber(std::string_view id_number);

}  // namespace yiwang::identity
