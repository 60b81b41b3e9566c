#pragma once
// Route registration of each module (each lives in its domain folder as http.cpp).
#include <string>

#include <nlohmann/json.hpp>

#include "http/router.hpp"

namespace yiwang::app {
struct App;
}

namespace yiwang::modules {

/// Sets the zone's session cookie after a login.
http::Response& SetSessionCookie(http::Response& res, app::App& app, const std::string& zone, const std::string& token);
/// The identity context of a request (who, from where, which zone) for services and audit.
identity::Context ContextOf(const http::Request& req);
/// The active departments and towns for a select ({departments: [{code, name, selected}], towns:
/// […]}), shown in two groups; a retired unit only when it is the one selected (an old link).
nlohmann::json UnitOptions(app::App& app, const std::string& selected);

/// /healthz, /static/*, /metrics (internal), /robots.txt.
void RegisterCommon(http::Router& r, app::App& app, const std::string& zone);
/// External portal frame: home and the seven main columns.
void RegisterPortal(http::Router& r, app::App& app);
/// External: registration, login, logout, my account; POST /api/v1/accounts, /api/v1/session.
void RegisterPublicAccounts(http::Router& r, app::App& app);
/// Internal: staff login with TOTP, logout, workbench home, own account security.
void RegisterStaffAuth(http::Router& r, app::App& app);
/// Internal: units, users, roles, locks, public accounts.
void RegisterAdmin(http::Router& r, app::App& app);
/// Internal: audit search for the 安全审计员.
void RegisterAudit(http::Router& r, app::App& app);
/// External: 办事指南 (search, guide pages) and the catalogue API.
void RegisterCatalogueExternal(http::Router& r, app::App& app);
/// Internal: catalogue administration (draft, publish, retire).
void RegisterCatalogueAdmin(http::Router& r, app::App& app);
/// External: apply, my cases, corrections, public status lookup; the applications API.
void RegisterCasesExternal(http::Router& r, app::App& app);
/// External: the applicant's drafts API (/api/v1/drafts).
void RegisterDraftsApi(http::Router& r, app::App& app);
/// Internal: the window queue, case pages with deadlines, acceptance actions; the cases API.
void RegisterCasesInternal(http::Router& r, app::App& app);
/// Internal: electronic supervision — dashboard, alerts, 督办单, rules, messages; its API.
void RegisterSupervision(http::Router& r, app::App& app);
/// External: the monthly department rankings the supervision bureau published.
void RegisterRankingExternal(http::Router& r, app::App& app);
/// External: the complaint form (anonymous or logged in), tracking with the query code; the
/// complaints API.
void RegisterComplaintsExternal(http::Router& r, app::App& app);
/// Internal: complaints for the 监察员 — list, register letters and calls, accept / reject /
/// reply; its API.
void RegisterComplaintsInternal(http::Router& r, app::App& app);
/// Internal: the working-day calendar (view, import) and a due-date calculator.
void RegisterCalendar(http::Router& r, app::App& app);

}  // namespace yiwang::modules
