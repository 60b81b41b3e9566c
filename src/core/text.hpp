#pragma once
// Small text helpers shared by the services' input checks.
#include <cstddef>
#include <string>
#include <string_view>

namespace yiwang::core {

/// Text without leading and trailing spaces, tabs and line breaks (what a form field means).
inline std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

/// Characters (code points) of UTF-8 text, as a user counts them: "不超过 500 字" means 500 of
/// these, not 500 bytes (a Chinese character is 3 bytes). Invalid bytes count as one each.
/// A clause as typed, without its own closing full stops ("。" or "."), for a sentence that
/// adds its own: "理由：" + WithoutFullStop(reason) + "。".
inline std::string WithoutFullStop(std::string s) {
  for (;;) {
    if (s.size() >= 3 && s.compare(s.size() - 3, 3, "\xE3\x80\x82") == 0) {
      s.erase(s.size() - 3);
    } else if (!s.empty() && s.back() == '.') {
      s.pop_back();
    } else {
      return s;
    }
  }
}

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

/// Length of the well-formed UTF-8 sequence starting at s[i] (1–4), or 0 when the bytes there
/// are not one (a stray continuation byte, a sequence cut short, an overlong form, a UTF-16
/// surrogate, beyond U+10FFFF).
inline std::size_t Utf8SequenceAt(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  const std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  const auto b1 = len > 1 ? static_cast<unsigned char>(s[i + 1]) : 0;
  if (len == 2 && b < 0xC2) return 0;
  if (len == 3 && ((b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 >= 0xA0))) return 0;
  if (len == 4 && (b > 0xF4 || (b == 0xF0 && b1 < 0x90) || (b == 0xF4 && b1 >= 0x90))) return 0;
  return len;
}

/// Whether the bytes are well-formed UTF-8 throughout (what PostgreSQL and JSON accept).
inline bool Utf8Valid(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = Utf8SequenceAt(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

/// Text safe to store and show whatever bytes came in (a damaged file, a truncated packet):
/// every byte that does not begin a well-formed UTF-8 sequence becomes U+FFFD.
inline std::string Utf8Sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (const std::size_t len = Utf8SequenceAt(s, i)) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

/// Only visible ASCII (0x21–0x7E): what a protocol token such as an Idempotency-Key may hold.
inline bool IsVisibleAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

}  // namespace yiwang::core
