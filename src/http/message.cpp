#include "http/message.hpp"

#include <cctype>
#include <cstdlib>

#include "core/error.hpp"
#include "core/text.hpp"

namespace yiwang::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string UrlDecode(std::string_view s, bool form) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+' && form) {
      out += ' ';
    } else if (c == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::multimap<std::string, std::string> ParseForm(std::string_view body) {
  std::multimap<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t amp = body.find('&', pos);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view pair = body.substr(pos, amp - pos);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos) {
        out.emplace(UrlDecode(pair), "");
      } else {
        out.emplace(UrlDecode(pair.substr(0, eq)), UrlDecode(pair.substr(eq + 1)));
      }
    }
    pos = amp + 1;
  }
  return out;
}

std::string Request::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::string Request::Cookie(const std::string& name) const {
  std::string all = Header("cookie");
  std::size_t pos = 0;
  while (pos < all.size()) {
    std::size_t semi = all.find(';', pos);
    if (semi == std::string::npos) semi = all.size();
    std::string part = all.substr(pos, semi - pos);
    auto b = part.find_first_not_of(' ');
    if (b != std::string::npos) part = part.substr(b);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    pos = semi + 1;
  }
  return "";
}

std::string Request::Query(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

std::int64_t Request::QueryInt(const std::string& name, std::int64_t fallback) const {
  std::string v = Query(name);
  if (v.empty()) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  return (end && *end == '\0') ? n : fallback;
}

std::string Request::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

std::int64_t Request::ParamInt(const std::string& name) const {
  // Digits only: strtoll alone would take " 5", "+5" and "\r\n5" (which a handler could then
  // echo into a Location header).
  const std::string v = Param(name);
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) {
    throw Error(ErrorCode::kNotFound, "页面不存在");
  }
  const long long n = std::strtoll(v.c_str(), nullptr, 10);
  if (n <= 0) throw Error(ErrorCode::kNotFound, "页面不存在");
  return n;
}

Error InvalidText() {
  return Error(ErrorCode::kInvalidInput, "提交的内容含有无法识别的字符（不是 UTF-8 文本），请检查后重新提交");
}

const std::multimap<std::string, std::string>& Request::Form() const {
  if (!form_) {
    const std::string ct = Header("content-type");
    std::multimap<std::string, std::string> fields;
    if (ct.rfind("application/x-www-form-urlencoded", 0) == 0) {
      fields = ParseForm(body);
    } else if (const std::string boundary = MultipartBoundary(ct); !boundary.empty()) {
      std::vector<Part> files;
      for (Part& p : ParseMultipart(body, boundary)) {
        if (p.is_file) {
          // A file's bytes are checked by content elsewhere; its name is text shown and stored.
          p.filename = core::Utf8Sanitize(p.filename);
          files.push_back(std::move(p));
        } else {
          fields.emplace(p.name, std::move(p.data));
        }
      }
      files_ = std::move(files);
    }
    // Text fields must be UTF-8 (the pages are): anything else would be refused by PostgreSQL
    // or break JSON output later, after parts of the work were done.
    for (const auto& [name, value] : fields) {
      if (!core::Utf8Valid(name) || !core::Utf8Valid(value)) throw InvalidText();
    }
    form_ = std::move(fields);
  }
  return *form_;
}

const std::vector<Part>& Request::Files() const {
  Form();
  return files_;
}

const Part* Request::File(const std::string& name) const {
  for (const Part& p : Files()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string Request::Field(const std::string& name) const {
  auto it = Form().find(name);
  return it == Form().end() ? "" : it->second;
}

std::vector<std::string> Request::Fields(const std::string& name) const {
  std::vector<std::string> out;
  auto range = Form().equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

const nlohmann::json& Request::Json() const {
  if (!json_) {
    json_ = nlohmann::json::parse(body, nullptr, false);
    if (json_->is_discarded() || !json_->is_object()) {
      json_.reset();
      throw Error(ErrorCode::kInvalidInput, "请求体应为 JSON 对象");
    }
  }
  return *json_;
}

Response Response::Html(std::string body, int status) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Json(const nlohmann::json& j, int status) {
  Response r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = j.dump();
  return r;
}

Response Response::Text(std::string body, int status) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response Response::Redirect(const std::string& location) {
  Response r;
  r.status = 303;
  // Never a second header or a response of its own: control characters (a CR or LF that came
  // from a request) are dropped, whatever the caller built the address from.
  std::string safe;
  safe.reserve(location.size());
  for (const char ch : location) {
    if (static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f) safe += ch;
  }
  r.headers.emplace_back("Location", safe);
  return r;
}

Response Response::Download(std::string body, std::string content_type, const std::string& plain_name,
                            const std::string& name, bool cacheable) {
  Response r;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  std::string plain;
  for (char c : plain_name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') plain += c;
  }
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"" + plain + "\"; filename*=UTF-8''" + UrlEncode(name.empty() ? plain : name));
  r.headers.emplace_back("Cache-Control", cacheable ? "public, max-age=86400" : "private, no-store");
  return r;
}

Response& Response::Header(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

Response& Response::SetCookie(const std::string& name, const std::string& value, int max_age_seconds, bool secure,
                              bool http_only) {
  std::string c = name + "=" + value + "; Path=/; SameSite=Strict";
  if (max_age_seconds >= 0) c += "; Max-Age=" + std::to_string(max_age_seconds);
  if (http_only) c += "; HttpOnly";
  if (secure) c += "; Secure";
  headers.emplace_back("Set-Cookie", c);
  return *this;
}

}  // namespace yiwang::http
