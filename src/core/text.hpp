#pragma once
// Small text helpers shared by the services' input checks.
#include <cstddef>
#include <string_view>

namespace yiwang::core {

/// Characters (code points) of UTF-8 text, as a user counts them: "不超过 500 字" means 500 of
/// these, not 500 bytes (a Chinese character is 3 bytes). Invalid bytes count as one each.
inline std::size_t Utf8Length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

/// The longest start of UTF-8 text that fits in max_bytes without cutting a character in two
/// (a cut character is invalid UTF-8, which JSON output refuses). For clipping audit details.
inline std::string_view Utf8Prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // s[n] begins the next character
  return s.substr(0, n);
}

}  // namespace yiwang::core
