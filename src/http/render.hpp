#pragma once
// Server-rendered pages: kainjow mustache (auto-escapes {{x}}), one layout per zone. Handlers
// pass a JSON view (the same object the API returns where there is one), never rows.
#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "http/message.hpp"

namespace yiwang::http {

class Renderer {
 public:
  explicit Renderer(const core::Config& config);

  /// Renders templates/<name>.mustache with the view; throws if the template is missing.
  std::string Render(const std::string& name, const nlohmann::json& view) const;

  /// A whole page: the template inside the zone's layout (navigation, user, CSRF token for
  /// the logout form, flash message). Sets no-store caching for pages of a logged-in user.
  Response Page(const Request& req, const std::string& name, const std::string& title, nlohmann::json view,
                int status = 200) const;

  /// A page with a form anyone may send, no session needed (login, registration, 办件查询,
  /// 投诉, 核验): like Page, carrying the pre-session CSRF token and setting its cookie — or,
  /// when there is a session, the session's token (PreSessionCsrf).
  Response FormPage(Request& req, const std::string& name, const std::string& title, nlohmann::json view,
                    int status = 200) const;

  /// The number of unread 站内消息 shown beside 消息 in the internal navigation (asked once per
  /// page of a logged-in staff member; the app wires it to supervision::Inbox::UnreadCount).
  void SetUnreadMessages(std::function<std::int64_t(const Request&)> count) { unread_messages_ = std::move(count); }

  /// Flash message for the next page (after a redirect), carried in a short-lived cookie.
  static void Flash(Response& res, const std::string& message, bool secure);

 private:
  nlohmann::json LayoutView(const Request& req, const std::string& title) const;
  const core::Config& config_;
  std::function<std::int64_t(const Request&)> unread_messages_;
};

/// Static assets embedded in the binary under /static/.
Response StaticAsset(const Request& req);

}  // namespace yiwang::http
