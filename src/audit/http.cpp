// Internal zone: audit search for the 安全审计员 (read-only: no route changes the log).
#include "app/app.hpp"
#include "app/modules.hpp"
#include "core/error.hpp"
#include "http/forms.hpp"
#include "identity/service.hpp"

namespace yiwang::modules {
namespace {

using http::Access;
using http::Request;
using http::Response;

audit::AuditLog::Query QueryFrom(const Request& req) {
  audit::AuditLog::Query q;
  if (!req.Query("from").empty()) q.from_ms = core::ParseLocal(req.Query("from"));
  if (!req.Query("to").empty()) {
    std::string to = req.Query("to");
    q.to_ms = core::ParseLocal(to) + (to.size() == 10 ? 24LL * 3600 * 1000 - 1 : 0);
  }
  q.actor = req.Query("actor");
  q.action = req.Query("action");
  q.outcome = req.Query("outcome");
  q.object_id = req.Query("object_id");
  q.page = static_cast<int>(std::max<std::int64_t>(1, req.QueryInt("page", 1)));
  q.per_page = static_cast<int>(std::clamp<std::int64_t>(req.QueryInt("per_page", 50), 1, 200));
  return q;
}

nlohmann::json RecordJson(const audit::Record& r) {
  static const std::map<std::string, std::string> kOutcome = {{"success", "成功"}, {"failure", "失败"}, {"denied", "拒绝"}};
  auto it = kOutcome.find(r.event.outcome);
  return {{"seq", r.seq},
          {"time", core::FormatLocal(r.ts)},
          {"ts", core::FormatIsoUtc(r.ts)},
          {"actor_kind", r.actor.kind},
          {"actor_id", r.actor.id},
          {"actor", r.actor.name},
          {"unit_id", r.actor.unit_id},
          {"action", r.event.action},
          {"object_type", r.event.object_type},
          {"object_id", r.event.object_id},
          {"outcome", r.event.outcome},
          {"outcome_label", it == kOutcome.end() ? r.event.outcome : it->second},
          {"failed", r.event.outcome != "success"},
          {"client_ip", r.actor.client_ip},
          {"zone", r.actor.zone},
          {"detail", r.event.detail},
          {"hash", r.hash.substr(0, 16)}};
}

}  // namespace

void RegisterAudit(http::Router& r, app::App& app) {
  r.Add("GET", "/audit", Access::kStaff, [&app](Request& req) {
    identity::RequireRole(req.principal, {identity::Role::kAuditor});
    nlohmann::json view = {{"filters",
                            {{"from", req.Query("from")}, {"to", req.Query("to")}, {"actor", req.Query("actor")},
                             {"action", req.Query("action")}, {"object_id", req.Query("object_id")}}},
                           {"outcome_" + (req.Query("outcome").empty() ? std::string("all") : req.Query("outcome")), true}};
    try {
      auto q = QueryFrom(req);
      auto page = app.audit->Search(*app.db, q);
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& rec : page.rows) rows.push_back(RecordJson(rec));
      view["rows"] = rows;
      view["empty"] = rows.empty();
      view["pager"] = http::PagerView(req, page.total, q.page, q.per_page);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kInvalidInput) throw;
      view["error"] = http::ErrorView(e);
      view["rows"] = nlohmann::json::array();
    }
    return app.renderer->Page(req, "internal/audit", "审计日志", view);
  });
  r.Add("GET", "/audit/verify", Access::kStaff, [&app](Request& req) {
    identity::RequireRole(req.principal, {identity::Role::kAuditor});
    auto result = app.audit->Verify(*app.db);
    return app.renderer->Page(req, "internal/audit_verify", "审计链校验",
                              {{"ok", result.ok}, {"checked", result.checked}, {"problem", result.problem},
                               {"first_bad_seq", result.first_bad_seq}, {"time", core::FormatLocal(app.clock->NowMs())}});
  });
  r.Add("GET", "/api/v1/audit", Access::kStaff, [&app](Request& req) {
    identity::RequireRole(req.principal, {identity::Role::kAuditor});
    auto q = QueryFrom(req);
    auto page = app.audit->Search(*app.db, q);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& rec : page.rows) rows.push_back(RecordJson(rec));
    return Response::Json({{"records", rows}, {"total", page.total}, {"page", q.page}, {"per_page", q.per_page}});
  });
}

}  // namespace yiwang::modules
