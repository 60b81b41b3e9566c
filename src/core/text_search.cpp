#include "core/text_search.hpp"

#include <cctype>

namespace yiwang::core {
namespace {

/// Decodes one UTF-8 code point at i (advancing i); invalid bytes decode as U+FFFD.
char32_t Next(std::string_view s, std::size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (i + len > s.size()) len = 1;
  char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += len;
  return cp;
}

std::string Encode(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

bool IsCjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
         (cp >= 0xF900 && cp <= 0xFAFF);
}

struct Runs {
  std::vector<std::vector<std::string>> cjk;  // runs of CJK characters
  std::vector<std::string> words;             // ASCII alphanumeric words, lower-cased
};

Runs Split(std::string_view text) {
  Runs r;
  std::vector<std::string> run;
  std::string word;
  auto flush = [&] {
    if (!run.empty()) r.cjk.push_back(std::move(run));
    run.clear();
    if (!word.empty()) r.words.push_back(std::move(word));
    word.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = Next(text, i);
    if (IsCjk(cp)) {
      if (!word.empty()) {
        r.words.push_back(std::move(word));
        word.clear();
      }
      run.push_back(Encode(cp));
    } else if (cp < 0x80 && std::isalnum(static_cast<int>(cp))) {
      if (!run.empty()) {
        r.cjk.push_back(std::move(run));
        run.clear();
      }
      word += static_cast<char>(std::tolower(static_cast<int>(cp)));
    } else {
      flush();
    }
  }
  flush();
  return r;
}

}  // namespace

std::string SearchTokens(std::string_view text) {
  Runs r = Split(text);
  std::string out;
  auto add = [&](const std::string& t) {
    if (!out.empty()) out += ' ';
    out += t;
  };
  for (const auto& run : r.cjk) {
    for (std::size_t i = 0; i < run.size(); ++i) {
      add(run[i]);
      if (i + 1 < run.size()) add(run[i] + run[i + 1]);
    }
  }
  for (const auto& w : r.words) add(w);
  return out;
}

std::vector<std::string> QueryTokens(std::string_view query) {
  Runs r = Split(query);
  std::vector<std::string> out;
  for (const auto& run : r.cjk) {
    if (run.size() == 1) {
      out.push_back(run[0]);
    } else {
      for (std::size_t i = 0; i + 1 < run.size(); ++i) out.push_back(run[i] + run[i + 1]);
    }
  }
  for (const auto& w : r.words) out.push_back(w);
  return out;
}

}  // namespace yiwang::core
