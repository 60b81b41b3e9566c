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

}  // namespace yiwang::core
