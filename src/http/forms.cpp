#include "http/forms.hpp"

#include <algorithm>

#include "http/pager.hpp"

namespace yiwang::http {

nlohmann::json ErrorView(const Error& e) {
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& [k, v] : e.fields()) fields[k] = v;
  return {{"message", e.message()}, {"fields", fields}};
}

bool IsFormError(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kInvalidInput:
    case ErrorCode::kConflict:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kAccountLocked:
    case ErrorCode::kPayloadTooLarge:
    case ErrorCode::kUnsupportedType:
    case ErrorCode::kTooManyRequests:
      return true;
    case ErrorCode::kForbidden:
    case ErrorCode::kNotFound:
    case ErrorCode::kMethodNotAllowed:
    case ErrorCode::kCsrf:
    case ErrorCode::kInternal:
    case ErrorCode::kUnavailable:
      return false;
  }
  return false;
}

int PageParam(const Request& req) {
  return static_cast<int>(std::clamp<std::int64_t>(req.QueryInt("page", 1), 1, 1000000));
}

nlohmann::json PagerView(const Request& req, std::int64_t total, int page, int per_page) {
  const std::int64_t pages = std::max<std::int64_t>(1, (total + per_page - 1) / per_page);
  auto link = [&](std::int64_t p) {
    std::string q;
    for (const auto& [k, v] : req.query) {
      if (k == "page") continue;
      q += (q.empty() ? "?" : "&") + UrlEncode(k) + "=" + UrlEncode(v);
    }
    q += (q.empty() ? "?" : "&") + std::string("page=") + std::to_string(p);
    return req.path + q;
  };
  nlohmann::json v = {{"total", total}, {"page", page}, {"pages", pages}, {"many", pages > 1}};
  // A page past the last (an old link, a typed number): the list says so and links to page 1.
  if (total > 0 && page > pages) {
    v["beyond"] = true;
    v["first"] = link(1);
  }
  if (page > 1) v["prev"] = link(page - 1);
  if (page < pages) v["next"] = link(page + 1);
  // The numbered links (templates/partials/pager.mustache); every entry carries every key so
  // that a missing one is not looked up in the enclosing view.
  nlohmann::json numbers = nlohmann::json::array();
  for (int n : PageWindow(page, static_cast<int>(std::min<std::int64_t>(pages, 1000000)))) {
    numbers.push_back({{"n", n}, {"gap", n == 0}, {"current", n == page}, {"href", n == 0 ? "" : link(n)}});
  }
  v["numbers"] = numbers;
  // Long lists also get "跳至 N 页": a GET form carrying the list's other parameters.
  if (pages > 7) {
    nlohmann::json keep = nlohmann::json::array();
    for (const auto& [k, val] : req.query) {
      if (k != "page") keep.push_back({{"name", k}, {"value", val}});
    }
    v["jump"] = {{"path", req.path}, {"keep", keep}};
  }
  return v;
}

std::string SafeNext(const std::string& next) {
  if (next.empty() || next[0] != '/' || next.rfind("//", 0) == 0 || next.find('\\') != std::string::npos) return "/";
  // No control character at all: a browser drops tabs and newlines from a URL, so "/\t/evil"
  // would become "//evil", another site.
  for (const char ch : next) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return "/";
  }
  return next;
}

}  // namespace yiwang::http
