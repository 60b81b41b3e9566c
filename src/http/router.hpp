#pragma once
// Routes and the middleware every request passes through, in one place: request id, session,
// CSRF, access check, error mapping (yiwang::Error -> status + Chinese message / JSON error
// shape), security headers, metrics, access log.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "http/message.hpp"
#include "http/metrics.hpp"
#include "http/render.hpp"
#include "identity/service.hpp"

namespace yiwang::http {

enum class Access {
  kAnyone,   // public pages
  kStaff,    // logged-in staff, second factor passed (internal zone)
  kPublic,   // logged-in citizen or enterprise (external zone)
  kPreAuth,  // staff who passed the password and still owe the TOTP step
};

using Handler = std::function<Response(Request&)>;

struct Route {
  std::string method;
  std::string pattern;  // "/admin/users/:id"
  Access access = Access::kAnyone;
  bool csrf = true;     // state-changing methods must carry the token
  Handler handler;
  std::vector<std::string> parts;
};

class Router {
 public:
  void Add(const std::string& method, const std::string& pattern, Access access, Handler handler, bool csrf = true);
  const Route* Find(const std::string& method, const std::string& path, std::map<std::string, std::string>& params,
                    bool& path_known) const;

 private:
  std::vector<Route> routes_;
};

struct SiteDeps {
  const core::Config& config;
  identity::IdentityService& identity;
  Renderer& renderer;
  Metrics& metrics;
  /// Records a request refused to a logged-in user (403: role, unit or record; a failed CSRF
  /// check) in the audit log, unless the service already did (Error::audited). 等保: access
  /// refused is a security event. Anonymous refusals are not recorded (anyone could fill the
  /// log with them); the access log has them.
  std::function<void(const Request&, const Error&)> on_refused;
};

/// One zone's request pipeline.
class Site {
 public:
  Site(std::string zone, SiteDeps deps, Router router);
  Response Handle(Request& req);
  const std::string& zone() const { return zone_; }
  /// Name of the session cookie in this zone. The zones differ by port only, and browsers
  /// share cookies across ports, so each zone has its own name.
  std::string SessionCookie() const { return zone_ == "internal" ? "yw_int" : "yw_ext"; }

 private:
  Response Dispatch(Request& req, std::string& route_label);
  /// Session first, so that even a 404 page shows who is logged in.
  void ResolveSession(Request& req);
  Response ErrorResponse(const Request& req, const Error& e);
  void AddSecurityHeaders(const Request& req, Response& r);

  std::string zone_;
  SiteDeps deps_;
  Router router_;
};

/// Anonymous forms (login, registration) have no session to hold a CSRF token: they use a
/// double-submit cookie instead. Returns the token to embed, setting the cookie if needed; with
/// a session, the session's token (the one the router then checks).
std::string PreSessionCsrf(const Request& req, Response& res, bool secure);
inline constexpr const char* kPreCsrfCookie = "yw_pre";

}  // namespace yiwang::http
