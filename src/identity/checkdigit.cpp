#include "identity/checkdigit.hpp"

#include <array>
#include <vector>

#include "core/error.hpp"

namespace yiwang::identity {
namespace {

constexpr std::size_t kIdLength = 18;
constexpr std::array<int, 17> kResidentIdWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
/// Check character indexed by (weighted sum mod 11).
constexpr std::string_view kResidentIdCheckChars = "10X98765432";
constexpr int kMinBirthYear = 1900;
constexpr int kMaxBirthYear = 2099;

/// GB 32100-2015 charset: digits and capitals without I, O, Z, S, V (too easily confused).
constexpr std::string_view kUsccCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// 3^i mod 31, as the standard tabulates them.
constexpr std::array<int, 17> kUsccWeights = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
constexpr int kUsccModulus = 31;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  for (const char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

char ToUpperAscii(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

int ParseDigits(std::string_view s) {
  int value = 0;
  for (const char c : s) value = value * 10 + (c - '0');
  return value;
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

/// Expects 8 digits YYYYMMDD.
bool IsRealDate(std::string_view yyyymmdd) {
  const int year = ParseDigits(yyyymmdd.substr(0, 4));
  const int month = ParseDigits(yyyymmdd.substr(4, 2));
  const int day = ParseDigits(yyyymmdd.substr(6, 2));
  if (year < kMinBirthYear || year > kMaxBirthYear || month < 1 || month > 12 || day < 1) return false;
  static constexpr std::array<int, 12> kDaysInMonth = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int days = (month == 2 && IsLeapYear(year)) ? 29 : kDaysInMonth[static_cast<std::size_t>(month - 1)];
  return day <= days;
}

/// Position of an (upper-cased) character in the USCC charset, or -1.
int UsccValue(char c) {
  const std::size_t pos = kUsccCharset.find(ToUpperAscii(c));
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

/// Splits UTF-8 into code points by cutting before every non-continuation byte, which
/// never loses bytes even on malformed input.
std::vector<std::string_view> SplitCodePoints(std::string_view utf8) {
  std::vector<std::string_view> points;
  std::size_t start = 0;
  for (std::size_t i = 1; i <= utf8.size(); ++i) {
    if (i == utf8.size() || (static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80) {
      points.push_back(utf8.substr(start, i - start));
      start = i;
    }
  }
  return points;
}

}  // namespace

char ResidentIdCheckChar(std::string_view first17) {
  if (first17.size() != kResidentIdWeights.size() || !AllDigits(first17)) {
    throw Error(ErrorCode::kInvalidInput, "身份证号码前17位必须为数字");
  }
  int sum = 0;
  for (std::size_t i = 0; i < kResidentIdWeights.size(); ++i) sum += (first17[i] - '0') * kResidentIdWeights[i];
  return kResidentIdCheckChars[static_cast<std::size_t>(sum % 11)];
}

bool IsValidResidentId(std::string_view id) {
  if (id.size() != kIdLength) return false;
  const std::string_view first17 = id.substr(0, 17);
  if (!AllDigits(first17) || id[0] == '0') return false;
  if (!IsRealDate(id.substr(6, 8))) return false;
  return ResidentIdCheckChar(first17) == ToUpperAscii(id[17]);
}

char UsccCheckChar(std::string_view first17) {
  if (first17.size() != kUsccWeights.size()) {
    throw Error(ErrorCode::kInvalidInput, "统一社会信用代码长度不正确");
  }
  int sum = 0;
  for (std::size_t i = 0; i < kUsccWeights.size(); ++i) {
    const int value = UsccValue(first17[i]);
    if (value < 0) throw Error(ErrorCode::kInvalidInput, "统一社会信用代码包含无效字符");
    sum += value * kUsccWeights[i];
  }
  const int check = (kUsccModulus - sum % kUsccModulus) % kUsccModulus;  // 31 maps to 0
  return kUsccCharset[static_cast<std::size_t>(check)];
}

bool IsValidUscc(std::string_view code) {
  if (code.size() != kIdLength) return false;
  for (const char c : code) {
    if (UsccValue(c) < 0) return false;
  }
  if (!AllDigits(code.substr(2, 6))) return false;
  return UsccCheckChar(code.substr(0, 17)) == ToUpperAscii(code[17]);
}

bool IsValidMobile(std::string_view mobile) {
  return mobile.size() == 11 && AllDigits(mobile) && mobile[0] == '1' && mobile[1] >= '3';
}

std::string MaskName(std::string_view utf8_name) {
  const std::vector<std::string_view> points = SplitCodePoints(utf8_name);
  if (points.empty()) return {};
  if (points.size() == 1) return "*";
  std::string masked(points.front());
  if (points.size() == 2) return masked + "*";
  masked.append(points.size() - 2, '*');
  masked.append(points.back());
  return masked;
}

std::string MaskIdNumber(std::string_view id_number) {
  constexpr std::size_t kKeepHead = 6;
  constexpr std::size_t kKeepTail = 4;
  if (id_number.size() <= kKeepHead + kKeepTail) return std::string(id_number.size(), '*');
  std::string masked(id_number.substr(0, kKeepHead));
  masked.append(id_number.size() - kKeepHead - kKeepTail, '*');
  masked.append(id_number.substr(id_number.size() - kKeepTail));
  return masked;
}

}  // namespace yiwang::identity
