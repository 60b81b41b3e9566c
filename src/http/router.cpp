#include "http/router.hpp"

#include <algorithm>
#include <chrono>
#include <sstream>

#include <spdlog/spdlog.h>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace yiwang::http {
namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

bool IsStateChanging(const std::string& method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

}  // namespace

void Router::Add(const std::string& method, const std::string& pattern, Access access, Handler handler, bool csrf) {
  Route r;
  r.method = method;
  r.pattern = pattern;
  r.access = access;
  r.csrf = csrf;
  r.handler = std::move(handler);
  r.parts = SplitPath(pattern);
  routes_.push_back(std::move(r));
}

const Route* Router::Find(const std::string& method, const std::string& path, std::map<std::string, std::string>& params,
                          bool& path_known) const {
  const std::vector<std::string> parts = SplitPath(path);
  path_known = false;
  for (const Route& r : routes_) {
    bool wildcard = !r.parts.empty() && r.parts.back() == "*";
    if (wildcard ? parts.size() < r.parts.size() : parts.size() != r.parts.size()) continue;
    std::map<std::string, std::string> found;
    bool ok = true;
    for (std::size_t i = 0; i < r.parts.size() && ok; ++i) {
      if (r.parts[i] == "*") break;
      if (r.parts[i][0] == ':') {
        found[r.parts[i].substr(1)] = parts[i];
      } else if (r.parts[i] != parts[i]) {
        ok = false;
      }
    }
    if (!ok) continue;
    path_known = true;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      params = std::move(found);
      return &r;
    }
  }
  return nullptr;
}

std::string PreSessionCsrf(const Request& req, Response& res, bool secure) {
  // With a session (a logged-in user on an anonymous form, a login waiting for its second
  // factor) the router checks the session's token, so the form must carry that one.
  if (!req.session_stage.empty()) return req.csrf;
  std::string token = req.Cookie(kPreCsrfCookie);
  if (token.size() < 20) {
    token = core::RandomToken(24);
    res.SetCookie(kPreCsrfCookie, token, 2 * 3600, secure);
  }
  return token;
}

Site::Site(std::string zone, SiteDeps deps, Router router)
    : zone_(std::move(zone)), deps_(deps), router_(std::move(router)) {}

Response Site::ErrorResponse(const Request& req, const Error& e) {
  const int status = ErrorCodeHttpStatus(e.code());
  if (req.IsApi() || req.Header("accept").find("application/json") != std::string::npos) {
    nlohmann::json fields = nlohmann::json::object();
    for (const auto& [k, v] : e.fields()) fields[k] = v;
    return Response::Json({{"error", {{"code", ErrorCodeName(e.code()), }, {"message", e.message()}, {"fields", fields}}}},
                          status);
  }
  if (e.code() == ErrorCode::kUnauthenticated && req.method == "GET") {
    return Response::Redirect("/login?next=" + UrlEncode(req.path));
  }
  const char* heading = status == 404 ? "页面不存在" : status == 403 ? "无权访问" : status >= 500 ? "系统繁忙" : "操作未完成";
  nlohmann::json view = {{"status", status}, {"heading", heading}, {"message", e.message()}, {"request_id", req.request_id}};
  return deps_.renderer.Page(req, "error", heading, view, status);
}

void Site::AddSecurityHeaders(const Request& req, Response& r) {
  r.Header("Content-Security-Policy",
           "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  r.Header("X-Content-Type-Options", "nosniff");
  r.Header("X-Frame-Options", "DENY");
  r.Header("Referrer-Policy", "same-origin");
  r.Header("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  r.Header("X-Request-Id", req.request_id);
  if (deps_.config.secure_cookies) r.Header("Strict-Transport-Security", "max-age=31536000");
  bool has_cache = false;
  for (const auto& [k, v] : r.headers) has_cache = has_cache || k == "Cache-Control";
  if (!has_cache) r.Header("Cache-Control", req.principal.authenticated() || !req.session_token.empty() ? "no-store" : "no-cache");
}

void Site::ResolveSession(Request& req) {
  if (req.path.rfind("/static/", 0) == 0 || req.path == "/healthz") return;  // no user data there
  req.session_token = req.Cookie(SessionCookie());
  if (!req.session_token.empty()) {
    auto info = deps_.identity.ResolveSession(req.session_token, zone_);
    if (info) {
      req.session_stage = info->row.stage;
      req.csrf = info->row.csrf;
      if (info->row.stage == "full") {
        req.principal = info->principal;
      } else {
        req.principal.login = info->principal.login;
        req.principal.name = info->principal.name;
      }
    } else {
      req.session_token.clear();
    }
  }

}

Response Site::Dispatch(Request& req, std::string& route_label) {
  ResolveSession(req);
  std::map<std::string, std::string> params;
  bool path_known = false;
  const Route* route = router_.Find(req.method, req.path, params, path_known);
  if (!route) {
    route_label = path_known ? "method_not_allowed" : "not_found";
    // A form's address opened as a page (reloading the page a refused form answered, a link kept
    // from it): back to the page the form is on, when there is one, instead of a bare 405.
    if (path_known && (req.method == "GET" || req.method == "HEAD") && req.path.rfind("/api/", 0) != 0) {
      const auto slash = req.path.find_last_of('/');
      if (slash != std::string::npos && slash > 0) {
        // The path as matched has no empty segments; "//account/password" must not send the
        // browser to "//account", which is another host.
        std::string parent = req.path.substr(0, slash);
        const auto first = parent.find_first_not_of('/');
        parent = first == std::string::npos ? "/" : "/" + parent.substr(first);
        std::map<std::string, std::string> parent_params;
        bool parent_known = false;
        if (router_.Find("GET", parent, parent_params, parent_known)) {
          route_label = "form_address";
          return Response::Redirect(parent);
        }
      }
      throw Error(ErrorCode::kMethodNotAllowed, "该地址用于提交表单，不能直接打开");
    }
    if (path_known) {
      throw Error(ErrorCode::kMethodNotAllowed, "不支持的请求方法：" + req.method);
    }
    throw Error(ErrorCode::kNotFound, "您访问的页面不存在或已被移除");
  }
  route_label = route->method + " " + route->pattern;
  // Request text is UTF-8 like the pages: the query and the route parameters are checked here,
  // before any handler, the form fields when first read (Request::Form).
  for (auto& [k, v] : params) {
    req.params[k] = UrlDecode(v, false);
    if (!core::Utf8Valid(req.params[k])) throw InvalidText();  // "/cases/%FF"
  }
  for (const auto& [k, v] : req.query) {
    if (!core::Utf8Valid(k) || !core::Utf8Valid(v)) throw InvalidText();
  }

  // CSRF: every state-changing request carries the session's token (form field _csrf or
  // header X-CSRF-Token). Without a session, forms use the double-submit cookie and API calls
  // must be JSON, which a cross-site form cannot send without a CORS preflight.
  if (IsStateChanging(req.method) && route->csrf) {
    std::string sent = req.Header("x-csrf-token");
    if (sent.empty() && !req.IsApi()) sent = req.Field("_csrf");
    std::string expected = req.csrf;
    if (expected.empty()) {
      if (req.IsApi()) {
        if (req.Header("content-type").rfind("application/json", 0) != 0) {
          throw Error(ErrorCode::kCsrf, "请求必须为 application/json");
        }
        expected = sent = "json";
      } else {
        expected = req.Cookie(kPreCsrfCookie);
      }
    }
    if (expected.empty() || sent.empty() || !core::ConstantTimeEqual(expected, sent)) {
      throw Error(ErrorCode::kCsrf, "页面已过期或请求来源无法验证，请刷新页面后重试");
    }
  }
  if (req.csrf.empty() && !req.IsApi()) req.csrf = req.Cookie(kPreCsrfCookie);

  switch (route->access) {
    case Access::kAnyone: break;
    case Access::kStaff:
      if (req.principal.kind != "staff") {
        if (!req.IsApi() && req.session_stage == "totp") return Response::Redirect("/login/totp");
        if (!req.IsApi() && req.session_stage == "enroll") return Response::Redirect("/login/totp");
        throw Error(ErrorCode::kUnauthenticated, "请先登录");
      }
      break;
    case Access::kPublic:
      if (req.principal.kind != "public") throw Error(ErrorCode::kUnauthenticated, "请先登录");
      break;
    case Access::kPreAuth:
      if (req.session_stage != "totp" && req.session_stage != "enroll") {
        if (req.principal.kind == "staff") return Response::Redirect("/");
        throw Error(ErrorCode::kUnauthenticated, "登录已失效，请重新登录");
      }
      break;
  }
  return route->handler(req);
}

Response Site::Handle(Request& req) {
  const auto start = std::chrono::steady_clock::now();
  req.zone = zone_;
  // Routing ignores empty segments, so "//services" reaches /services; every link a page builds
  // from its own path (pagers, redirects) must not start with "//" (another host), so the path
  // is taken with one leading slash from here on.
  if (req.path.size() > 1 && req.path[1] == '/') {
    const auto first = req.path.find_first_not_of('/');
    req.path = first == std::string::npos ? "/" : "/" + req.path.substr(first);
  }
  if (!deps_.config.trusted_proxies.empty() &&
      std::find(deps_.config.trusted_proxies.begin(), deps_.config.trusted_proxies.end(), req.client_ip) !=
          deps_.config.trusted_proxies.end()) {
    // The proxy appends the address it saw last: take the right-most entry.
    std::string xff = req.Header("x-forwarded-for");
    auto comma = xff.rfind(',');
    std::string last = comma == std::string::npos ? xff : xff.substr(comma + 1);
    last.erase(0, last.find_first_not_of(' '));
    if (!last.empty()) req.client_ip = last;
  }
  req.request_id = core::HexEncode(core::RandomBytes(6));
  std::string route_label = "unknown";
  Response res;
  try {
    res = Dispatch(req, route_label);
  } catch (const nlohmann::json::exception& e) {
    // A JSON body whose fields have the wrong type ("parent_id": "2").
    res = ErrorResponse(req, Error(ErrorCode::kInvalidInput, std::string("请求字段类型错误：") + e.what()));
  } catch (const Error& e) {
    res = ErrorResponse(req, e);
    if (e.code() == ErrorCode::kInternal) spdlog::error("[{}] {} {}: {}", req.request_id, req.method, req.path, e.message());
    if ((e.code() == ErrorCode::kForbidden || e.code() == ErrorCode::kCsrf) && !e.audited() &&
        req.principal.authenticated() && deps_.on_refused) {
      try {
        deps_.on_refused(req, e);
      } catch (const std::exception& x) {
        spdlog::error("[{}] the refusal was not audited: {}", req.request_id, x.what());
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("[{}] {} {}: {}", req.request_id, req.method, req.path, e.what());
    try {
      res = ErrorResponse(req, Error(ErrorCode::kInternal, "系统处理出错，请稍后重试。如问题持续，请提供请求编号 " + req.request_id));
    } catch (const std::exception&) {
      res = Response::Text("500 系统处理出错，请求编号 " + req.request_id, 500);
    }
  }
  AddSecurityHeaders(req, res);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  deps_.metrics.Observe(zone_, route_label, res.status, seconds);
  // Access log with the request id (also sent as X-Request-Id and shown on error pages).
  spdlog::info("[{}] {} {} {} {} {} {:.1f}ms", req.request_id, zone_, req.client_ip, req.method, req.path, res.status,
               seconds * 1000);
  return res;
}

}  // namespace yiwang::http
