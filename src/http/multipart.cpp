#include "http/multipart.hpp"

#include <algorithm>
#include <cctype>

#include "core/error.hpp"

namespace yiwang::http {
namespace {

constexpr std::size_t kMaxParts = 200;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

[[noreturn]] void Malformed(const std::string& what) {
  throw Error(ErrorCode::kInvalidInput, "上传的表单格式有误（" + what + "），请刷新页面后重新上传");
}

/// Header parameters "form-data; name=\"file\"; filename=\"a.csv\"" -> {name: file, filename:
/// a.csv}, names lower-cased; the first item (the value itself) under "".
std::vector<std::pair<std::string, std::string>> Params(std::string_view v) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  bool first = true;
  while (i <= v.size()) {
    // name (or the leading value)
    std::size_t j = i;
    while (j < v.size() && v[j] != ';' && v[j] != '=') ++j;
    std::string name = Lower(TrimView(v.substr(i, j - i)));
    std::string value;
    if (j < v.size() && v[j] == '=') {
      ++j;
      while (j < v.size() && (v[j] == ' ' || v[j] == '\t')) ++j;
      if (j < v.size() && v[j] == '"') {
        ++j;
        while (j < v.size() && v[j] != '"') {
          // A backslash escapes only a quote or a backslash: a Windows path ("C:\dir\a.csv",
          // sent by old browsers) keeps its separators.
          if (v[j] == '\\' && j + 1 < v.size() && (v[j + 1] == '"' || v[j + 1] == '\\')) ++j;
          value += v[j++];
        }
        if (j < v.size()) ++j;  // closing quote
        while (j < v.size() && v[j] != ';') ++j;
      } else {
        std::size_t k = j;
        while (k < v.size() && v[k] != ';') ++k;
        value = std::string(TrimView(v.substr(j, k - j)));
        j = k;
      }
    } else if (first) {
      value = name;
      name.clear();
    }
    if (!name.empty() || first) out.emplace_back(std::move(name), std::move(value));
    first = false;
    i = j + 1;
  }
  return out;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// RFC 5987 ext-value "UTF-8''%E4%BA%8B.csv" -> its text; "" when not UTF-8.
std::string ExtValue(std::string_view v) {
  const auto q = v.find("''");
  if (q == std::string_view::npos || Lower(v.substr(0, q)) != "utf-8") return "";
  std::string out;
  for (std::size_t i = q + 2; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size() && Hex(v[i + 1]) >= 0 && Hex(v[i + 2]) >= 0) {
      out += static_cast<char>(Hex(v[i + 1]) * 16 + Hex(v[i + 2]));
      i += 2;
    } else {
      out += v[i];
    }
  }
  return out;
}

/// Whether a delimiter that ends at `after` is one: followed by "--" (the close delimiter), or
/// by optional padding and CRLF. Data that merely contains the boundary string is not.
bool DelimiterEnds(std::string_view body, std::size_t after) {
  if (body.substr(after, 2) == "--") return true;
  while (after < body.size() && (body[after] == ' ' || body[after] == '\t')) ++after;
  return body.substr(after, 2) == "\r\n";
}

}  // namespace

std::string MultipartBoundary(std::string_view content_type) {
  auto params = Params(content_type);
  if (params.empty() || Lower(params[0].second) != "multipart/form-data") return "";
  for (const auto& [k, v] : params) {
    if (k == "boundary" && !v.empty() && v.size() <= 70) return v;
  }
  return "";
}

std::vector<Part> ParseMultipart(std::string_view body, std::string_view boundary) {
  if (boundary.empty()) Malformed("缺少分隔符");
  const std::string delim = "--" + std::string(boundary);
  const std::string next_delim = "\r\n" + delim;
  std::size_t pos;
  if (body.substr(0, delim.size()) == delim && DelimiterEnds(body, delim.size())) {
    pos = delim.size();
  } else {
    pos = body.find(next_delim);  // after a preamble
    while (pos != std::string_view::npos && !DelimiterEnds(body, pos + next_delim.size())) {
      pos = body.find(next_delim, pos + 1);
    }
    if (pos == std::string_view::npos) Malformed("找不到分隔符");
    pos += next_delim.size();
  }
  std::vector<Part> parts;
  for (;;) {
    if (body.substr(pos, 2) == "--") return parts;  // the close delimiter; an epilogue is ignored
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") Malformed("分隔符后应换行");
    pos += 2;
    if (parts.size() >= kMaxParts) Malformed("字段过多");

    std::size_t data_start;
    std::string_view headers;
    if (body.substr(pos, 2) == "\r\n") {
      data_start = pos + 2;
    } else {
      const std::size_t end = body.find("\r\n\r\n", pos);
      if (end == std::string_view::npos) Malformed("字段头不完整");
      headers = body.substr(pos, end - pos);
      data_start = end + 4;
    }
    std::size_t data_end = body.find(next_delim, data_start);
    while (data_end != std::string_view::npos && !DelimiterEnds(body, data_end + next_delim.size())) {
      data_end = body.find(next_delim, data_end + 1);
    }
    if (data_end == std::string_view::npos) Malformed("内容不完整，可能上传被中断");

    Part part;
    part.data = std::string(body.substr(data_start, data_end - data_start));
    std::string ext_filename;
    std::size_t h = 0;
    while (h < headers.size()) {
      std::size_t eol = headers.find("\r\n", h);
      if (eol == std::string_view::npos) eol = headers.size();
      std::string_view line = headers.substr(h, eol - h);
      h = eol + 2;
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string name = Lower(TrimView(line.substr(0, colon)));
      const std::string_view value = TrimView(line.substr(colon + 1));
      if (name == "content-type") {
        part.content_type = std::string(value);
      } else if (name == "content-disposition") {
        for (const auto& [k, v] : Params(value)) {
          if (k == "name") part.name = v;
          if (k == "filename") {
            part.filename = v;
            part.is_file = true;
          }
          if (k == "filename*") {
            ext_filename = ExtValue(v);
            part.is_file = true;
          }
        }
      }
    }
    if (!ext_filename.empty()) part.filename = ext_filename;
    // Only the last path segment: old browsers send the whole path of the chosen file.
    const auto slash = part.filename.find_last_of("/\\");
    if (slash != std::string::npos) part.filename = part.filename.substr(slash + 1);
    if (part.name.empty()) Malformed("字段缺少名称");
    parts.push_back(std::move(part));
    pos = data_end + next_delim.size();
  }
}

}  // namespace yiwang::http
