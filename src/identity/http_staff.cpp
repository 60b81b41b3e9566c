// Internal zone: staff login (password, then TOTP where required), logout, the workbench
// home and the staff member's own account security page; the session API.
#include "app/app.hpp"
#include "app/modules.hpp"
#include "core/error.hpp"
#include "core/qr.hpp"
#include "db/row.hpp"
#include "http/forms.hpp"
#include "identity/views.hpp"

namespace yiwang::modules {
namespace {

using http::Access;
using http::Request;
using http::Response;

nlohmann::json WorkbenchView(app::App& app, const Request& req) {
  const identity::Principal& p = req.principal;
  nlohmann::json roles = nlohmann::json::array();
  for (const auto& key : p.roles) {
    if (auto r = identity::ParseRole(key)) roles.push_back(identity::RoleLabel(*r));
  }
  const bool handles_cases = p.Has(identity::Role::kWindowClerk) || p.Has(identity::Role::kHandler) ||
                             p.Has(identity::Role::kReviewer) || p.Has(identity::Role::kApprover);
  // The system's figures are the administrators', auditors' and supervisors' (counted only for them).
  const bool system_stats = p.Has(identity::Role::kSysAdmin) || p.Has(identity::Role::kSecAdmin) ||
                            p.Has(identity::Role::kAuditor) || p.Has(identity::Role::kSupervisor) || !handles_cases;
  long long unit_users = 0, units = 0, pending_out = 0, pending_in = 0, public_accounts = 0;
  if (system_stats) {
    db::Conn c(*app.db);
    long long unit = p.unit_id;
    c.sql() << "SELECT COUNT(*) FROM users WHERE unit_id = :u", soci::use(unit), soci::into(unit_users);
    c.sql() << "SELECT COUNT(*) FROM units", soci::into(units);
    c.sql() << "SELECT COUNT(*) FROM exchange_outbox WHERE acked_at = 0", soci::into(pending_out);
    c.sql() << "SELECT COUNT(*) FROM exchange_errors", soci::into(pending_in);
    c.sql() << "SELECT COUNT(*) FROM public_accounts", soci::into(public_accounts);
  }
  nlohmann::json shortcuts = nlohmann::json::array();
  auto add = [&](const char* href, const char* label, const char* hint) {
    shortcuts.push_back({{"href", href}, {"label", label}, {"hint", hint}});
  };
  if (p.Has(identity::Role::kSysAdmin)) {
    add("/admin/units", "单位管理", "维护单位树：市、区、部门、镇街、科室");
    add("/admin/users", "新建人员", "为各单位开设工作人员账户");
  }
  if (p.Has(identity::Role::kSecAdmin)) {
    add("/admin/users", "角色与锁定", "分配角色、锁定与解锁、重置密码");
    add("/admin/accounts", "公众账户", "查看和锁定群众、企业账户");
  }
  if (p.Has(identity::Role::kSupervisor)) {
    add("/supervision", "电子监察", "各部门办件时限、亮灯、超期统计");
    add("/supervision/alerts", "监察告警", "黄牌红牌预警、督办和答复");
    add("/supervision/complaints", "投诉处理", "受理、转办、答复群众投诉");
    add("/supervision/evaluation", "绩效评估", "部门月度评分与排名");
  }
  if (p.Has(identity::Role::kAuditor)) add("/audit", "审计日志", "检索全部操作记录，校验审计链");
  if (p.Has(identity::Role::kAuditor) && !p.Has(identity::Role::kSupervisor)) {
    add("/supervision", "电子监察", "各部门办件时限、亮灯、超期统计（只读）");
  }
  if (!p.Has(identity::Role::kSysAdmin) && !p.Has(identity::Role::kSecAdmin)) {
    add("/admin/users", "本单位人员", "查看本单位工作人员");
  }
  add("/account", "账户安全", "修改密码、查看动态口令绑定");
  nlohmann::json todo = nlohmann::json::array();
  // 运行概况 for those who handle cases: their department's cases by stage (each a count on the
  // (state, department) index), linked to the list; the system's figures are the administrators'.
  nlohmann::json dept_stats = nlohmann::json::array();
  if (handles_cases) {
    auto count = [&](const char* state) {
      approval::QueueQuery q;
      q.state = state;
      q.count_only = true;
      return app.cases->Queue(ContextOf(req), q).total;
    };
    const auto flowing = count("accepted") + count("in_progress") + count("suspended");
    dept_stats.push_back({{"n", count("received")}, {"label", "待受理"}, {"href", "/cases?state=received"}});
    dept_stats.push_back({{"n", count("correction")}, {"label", "待申请人补正"}, {"href", "/cases?state=correction"}});
    dept_stats.push_back({{"n", flowing}, {"label", "办理中"}, {"href", "/cases?state=in_progress"}});
    dept_stats.push_back({{"n", count("decided")}, {"label", "已决定待办结"}, {"href", "/cases?state=decided"}});
  }
  if (handles_cases) {
    approval::QueueQuery mine;
    mine.mine = true;
    mine.per_page = 1;
    const auto n = app.cases->Queue(ContextOf(req), mine).total;
    if (n > 0) todo.push_back({{"href", "/cases?state=mine"}, {"label", "我的待办 " + std::to_string(n) + " 件"}});
  }
  if (p.Has(identity::Role::kWindowClerk)) {
    const auto waiting = dept_stats.at(0)["n"].get<std::int64_t>();  // 待受理, counted above
    if (waiting > 0) todo.push_back({{"href", "/cases?state=received"}, {"label", "待受理的申请 " + std::to_string(waiting) + " 件"}});
  }
  // The supervisor's own work: complaints waiting to be accepted, supervision alerts still open.
  if (p.Has(identity::Role::kSupervisor)) {
    if (app.complaints) {
      const auto waiting = app.complaints->List(ContextOf(req), "received", 1, 1).total;
      if (waiting > 0) {
        todo.push_back({{"href", "/supervision/complaints?state=received"}, {"label", "待受理的投诉 " + std::to_string(waiting) + " 件"}});
      }
    }
    if (app.monitor) {
      supervision::AlertFilter f;
      f.state = "open";
      f.per_page = 1;
      std::int64_t open = 0;
      app.monitor->Alerts(ContextOf(req), f, &open);
      if (open > 0) todo.push_back({{"href", "/supervision/alerts?state=open"}, {"label", "未办结的监察告警 " + std::to_string(open) + " 条"}});
    }
  }
  return {{"name", p.name},
          {"todo", todo},
          {"unit_name", p.unit_name},
          {"roles", roles},
          {"today", core::FormatLocalDate(app.clock->NowMs())},
          {"handles_cases", handles_cases},
          {"supervises", p.Has(identity::Role::kSupervisor)},
          {"dept_stats", dept_stats},
          {"has_dept_stats", !dept_stats.empty()},
          {"system_stats", system_stats},
          {"stats",
           {{"unit_users", unit_users}, {"units", units}, {"public_accounts", public_accounts},
            {"exchange_pending", pending_out}, {"exchange_errors", pending_in}}},
          {"shortcuts", shortcuts}};
}

}  // namespace

void RegisterStaffAuth(http::Router& r, app::App& app) {
  const bool secure = app.config.secure_cookies;

  auto login_page = [&app](Request& req, nlohmann::json view, int status) {
    view["demo"] = app.config.mode != core::Mode::kProduction;
    return app.renderer->FormPage(req, "internal/login", "工作人员登录", view, status);
  };
  r.Add("GET", "/login", Access::kAnyone, [login_page](Request& req) {
    if (req.principal.kind == "staff") return Response::Redirect("/");
    return login_page(req, {{"next", req.Query("next")}}, 200);
  });
  r.Add("POST", "/login", Access::kAnyone, [&app, login_page](Request& req) {
    try {
      identity::LoginResult result = app.identity->StaffLogin(req.client_ip, req.Field("username"), req.Field("password"));
      std::string next = http::SafeNext(req.Field("next"));
      Response res = Response::Redirect(result.stage == "full" ? next : "/login/totp?next=" + http::UrlEncode(next));
      SetSessionCookie(res, app, "internal", result.token);
      if (result.password_expired) http::Renderer::Flash(res, "您的密码已超过有效期，请尽快修改", app.config.secure_cookies);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return login_page(req, {{"next", req.Field("next")}, {"username", req.Field("username")}, {"error", http::ErrorView(e)}},
                        ErrorCodeHttpStatus(e.code()));
    }
  });

  auto totp_page = [&app](Request& req, nlohmann::json view, int status) {
    view["enroll"] = req.session_stage == "enroll";
    view["next"] = req.Query("next", req.Field("next"));
    if (req.session_stage == "enroll") {
      identity::TotpEnrollment e = app.identity->BeginTotpEnrollment(req.session_token);
      view["secret"] = e.secret_base32;
      view["qr_svg"] = core::QrSvg(e.uri);
    }
    return app.renderer->Page(req, "internal/totp", "动态口令验证", view, status);
  };
  r.Add("GET", "/login/totp", Access::kPreAuth, [totp_page](Request& req) { return totp_page(req, {}, 200); });
  r.Add("POST", "/login/totp", Access::kPreAuth, [&app, totp_page](Request& req) {
    try {
      app.identity->CompleteTotp(req.session_token, req.Field("code"), req.client_ip);
      return Response::Redirect(http::SafeNext(req.Field("next")));
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kAccountLocked) {
        Response res = Response::Redirect("/login");
        http::Renderer::Flash(res, e.message(), app.config.secure_cookies);
        return res;
      }
      if (!http::IsFormError(e)) throw;
      return totp_page(req, {{"error", http::ErrorView(e)}}, ErrorCodeHttpStatus(e.code()));
    }
  });
  r.Add("POST", "/logout", Access::kAnyone, [&app, secure](Request& req) {
    app.identity->Logout(req.session_token, ContextOf(req));
    Response res = Response::Redirect("/login");
    res.SetCookie("yw_int", "", 0, secure);
    http::Renderer::Flash(res, "您已安全退出", secure);
    return res;
  });
  r.Add("GET", "/", Access::kStaff, [&app](Request& req) {
    return app.renderer->Page(req, "internal/home", "工作台", WorkbenchView(app, req));
  });

  auto account_page = [&app](Request& req, nlohmann::json view, int status) {
    identity::User u = app.identity->GetUser(ContextOf(req), req.principal.id);
    view["user"] = identity::UserJson(u);
    view["totp_required"] = app.identity->TotpRequired(u);
    view["policy_min"] = app.identity->policy().min_length;
    view["policy_dengbao"] = app.identity->policy().require_classes;
    return app.renderer->Page(req, "internal/account", "账户安全", view, status);
  };
  r.Add("GET", "/account", Access::kStaff, [account_page](Request& req) { return account_page(req, {}, 200); });
  r.Add("POST", "/account/password", Access::kStaff, [&app, account_page, secure](Request& req) {
    try {
      if (req.Field("new_password") != req.Field("new_password_confirm")) {
        throw Error(ErrorCode::kInvalidInput, "两次输入的新密码不一致", {{"new_password_confirm", "两次输入的新密码不一致"}});
      }
      app.identity->ChangeOwnPassword(ContextOf(req), req.session_token, req.Field("old_password"), req.Field("new_password"));
      Response res = Response::Redirect("/account");
      http::Renderer::Flash(res, "密码已修改", secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return account_page(req, {{"error", http::ErrorView(e)}}, ErrorCodeHttpStatus(e.code()));
    }
  });

  // ---- API: log in with {"username", "password", "totp"?}; a TOTP code can complete the
  // second step in the same call, or later with POST /api/v1/session/totp {"code"}.
  r.Add("POST", "/api/v1/session", Access::kAnyone, [&app](Request& req) {
    const nlohmann::json& j = req.Json();
    identity::LoginResult result =
        app.identity->StaffLogin(req.client_ip, j.value("username", ""), j.value("password", ""));
    std::string stage = result.stage;
    if (stage != "full" && j.contains("totp") && j["totp"].is_string()) {
      if (stage == "enroll") {
        Response res = Response::Json({{"error", {{"code", "TOTP_ENROLLMENT_REQUIRED"},
                                                  {"message", "首次登录须在网页上绑定动态口令"},
                                                  {"fields", nlohmann::json::object()}}}},
                                      401);
        SetSessionCookie(res, app, "internal", result.token);
        return res;
      }
      app.identity->CompleteTotp(result.token, j["totp"].get<std::string>(), req.client_ip);
      stage = "full";
    }
    Response res = Response::Json(
        {{"csrf_token", result.csrf}, {"stage", stage}, {"user", identity::PrincipalJson(result.principal)}});
    SetSessionCookie(res, app, "internal", result.token);
    return res;
  });
  r.Add("POST", "/api/v1/session/totp", Access::kPreAuth, [&app](Request& req) {
    identity::Principal p = app.identity->CompleteTotp(req.session_token, req.Json().value("code", ""), req.client_ip);
    return Response::Json({{"csrf_token", req.csrf}, {"stage", "full"}, {"user", identity::PrincipalJson(p)}});
  });
  r.Add("GET", "/api/v1/session", Access::kStaff, [](Request& req) {
    return Response::Json({{"csrf_token", req.csrf}, {"stage", "full"}, {"user", identity::PrincipalJson(req.principal)}});
  });
  r.Add("DELETE", "/api/v1/session", Access::kAnyone, [&app, secure](Request& req) {
    if (req.session_token.empty()) throw Error(ErrorCode::kUnauthenticated, "请先登录");
    app.identity->Logout(req.session_token, ContextOf(req));
    Response res = Response::Json({{"status", "logged_out"}});
    res.SetCookie("yw_int", "", 0, secure);
    return res;
  });
}

}  // namespace yiwang::modules
