// External zone: public registration, login, logout and "my account" pages, and their API.
#include "app/app.hpp"
#include "app/modules.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "http/forms.hpp"
#include "identity/views.hpp"

namespace yiwang::modules {
namespace {

using http::Access;
using http::Request;
using http::Response;

identity::Context Ctx(const Request& req) { return ContextOf(req); }

identity::Registration RegistrationFrom(const nlohmann::json& j) {
  identity::Registration in;
  in.kind = j.value("kind", "");
  in.name = j.value("name", "");
  in.id_number = j.value("id_number", "");
  in.mobile = j.value("mobile", "");
  in.legal_rep = j.value("legal_rep", "");
  in.password = j.value("password", "");
  in.password_confirm = j.value("password_confirm", in.password);
  return in;
}

/// A registration, limited per client address (register_per_hour).
identity::PublicAccount RegisterLimited(app::App& app, const Request& req, const identity::Registration& reg) {
  return app.lookups->Limit(req.client_ip, "register", app.config.register_per_hour,
                            [&] { return app.identity->Register(Ctx(req), reg); });
}

}  // namespace

identity::Context ContextOf(const Request& req) {
  identity::Context c;
  c.principal = req.principal;
  c.client_ip = req.client_ip;
  c.zone = req.zone;
  return c;
}

nlohmann::json UnitOptions(app::App& app, const std::string& selected) {
  nlohmann::json departments = nlohmann::json::array(), towns = nlohmann::json::array();
  for (const identity::Unit& u : app.identity->Units()) {
    if (!u.active && u.code != selected) continue;
    nlohmann::json o = {{"code", u.code}, {"name", u.name}, {"selected", u.code == selected}};
    if (u.kind == "department") departments.push_back(o);
    if (u.kind == "town") towns.push_back(o);
  }
  return {{"departments", departments}, {"towns", towns}};
}

Response& SetSessionCookie(Response& res, app::App& app, const std::string& zone, const std::string& token) {
  return res.SetCookie(zone == "internal" ? "yw_int" : "yw_ext", token, -1, app.config.secure_cookies);
}

void RegisterPublicAccounts(http::Router& r, app::App& app) {
  const bool secure = app.config.secure_cookies;

  auto register_page = [&app](Request& req, nlohmann::json view, int status) {
    return app.renderer->FormPage(req, "external/register", "用户注册", view, status);
  };
  r.Add("GET", "/register", Access::kAnyone, [register_page](Request& req) {
    return register_page(req, {{"values", {{"kind", req.Query("kind", "citizen")}}},
                               {"is_enterprise", req.Query("kind") == "enterprise"}},
                         200);
  });
  r.Add("POST", "/register", Access::kAnyone, [&app, register_page, secure](Request& req) {
    nlohmann::json values = {{"kind", req.Field("kind")}, {"name", req.Field("name")}, {"id_number", req.Field("id_number")},
                             {"mobile", req.Field("mobile")}, {"legal_rep", req.Field("legal_rep")}};
    try {
      nlohmann::json in = values;
      in["password"] = req.Field("password");
      in["password_confirm"] = req.Field("password_confirm");
      // Every problem of the form at once: the agreement and every field (blank ones in words,
      // "请填写…", not "校验位不符").
      const identity::Registration reg = RegistrationFrom(in);
      auto fields = app.identity->RegistrationProblems(reg);
      if (req.Field("agree") != "1") fields["agree"] = "请勾选同意《用户服务协议》和《个人信息保护说明》";
      if (!fields.empty()) throw Error(ErrorCode::kInvalidInput, "注册信息有误，请修正后再提交", fields);
      RegisterLimited(app, req, reg);
      Response res = Response::Redirect("/login");
      http::Renderer::Flash(res, "注册成功，请使用证件号码和密码登录", secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return register_page(req, {{"values", values}, {"error", http::ErrorView(e)},
                                 {"is_enterprise", req.Field("kind") == "enterprise"},
                                 {"agreed", req.Field("agree") == "1"}},
                           ErrorCodeHttpStatus(e.code()));
    }
  });

  auto login_page = [&app](Request& req, nlohmann::json view, int status) {
    view["lockout_threshold"] = app.config.lockout_threshold;
    view["lockout_minutes"] = app.config.lockout_minutes;
    view["district_name"] = app.config.district_name;
    return app.renderer->FormPage(req, "external/login", "用户登录", view, status);
  };
  r.Add("GET", "/login", Access::kAnyone, [login_page](Request& req) {
    if (req.principal.kind == "public") return Response::Redirect("/account");
    return login_page(req, {{"next", req.Query("next")}, {"login_required", !req.Query("next").empty()}}, 200);
  });
  r.Add("POST", "/login", Access::kAnyone, [&app, login_page](Request& req) {
    try {
      // A blank form is not a wrong password: say what is missing, and count no failed attempt.
      std::map<std::string, std::string> missing;
      if (core::Trim(req.Field("login")).empty()) missing["login"] = "请填写证件号码";
      if (req.Field("password").empty()) missing["password"] = "请填写密码";
      if (!missing.empty()) {
        throw Error(ErrorCode::kInvalidInput,
                    missing.size() == 2 ? "请填写证件号码和密码" : missing.begin()->second, missing);
      }
      identity::LoginResult result = app.identity->PublicLogin(req.client_ip, req.Field("login"), req.Field("password"));
      std::string next = http::SafeNext(req.Field("next"));
      Response res = Response::Redirect(next == "/" ? "/account" : next);
      SetSessionCookie(res, app, "external", result.token);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return login_page(req, {{"next", req.Field("next")}, {"login", req.Field("login")}, {"error", http::ErrorView(e)}},
                        ErrorCodeHttpStatus(e.code()));
    }
  });
  r.Add("POST", "/logout", Access::kAnyone, [&app, secure](Request& req) {
    app.identity->Logout(req.session_token, Ctx(req));
    Response res = Response::Redirect("/");
    res.SetCookie("yw_ext", "", 0, secure);
    http::Renderer::Flash(res, "您已安全退出", secure);
    return res;
  });
  r.Add("GET", "/account", Access::kPublic, [&app](Request& req) {
    auto account = app.identity->FindPublic(req.principal.id);
    if (!account) throw Error(ErrorCode::kNotFound, "账户不存在");
    return app.renderer->Page(req, "external/account", "我的账户", {{"account", identity::PublicJson(*account, false)}});
  });
  r.Add("POST", "/account/password", Access::kPublic, [&app, secure](Request& req) {
    try {
      if (req.Field("new_password") != req.Field("new_password_confirm")) {
        throw Error(ErrorCode::kInvalidInput, "两次输入的新密码不一致", {{"new_password_confirm", "两次输入的新密码不一致"}});
      }
      app.identity->ChangeOwnPassword(Ctx(req), req.session_token, req.Field("old_password"), req.Field("new_password"));
      Response res = Response::Redirect("/account");
      http::Renderer::Flash(res, "密码已修改", secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      auto account = app.identity->FindPublic(req.principal.id);
      return app.renderer->Page(req, "external/account", "我的账户",
                                {{"account", identity::PublicJson(*account, false)}, {"error", http::ErrorView(e)}},
                                ErrorCodeHttpStatus(e.code()));
    }
  });

  // ---- API
  r.Add("POST", "/api/v1/accounts", Access::kAnyone, [&app](Request& req) {
    identity::PublicAccount a = RegisterLimited(app, req, RegistrationFrom(req.Json()));
    return Response::Json(identity::PublicJson(a, true), 201);
  });
  r.Add("POST", "/api/v1/session", Access::kAnyone, [&app](Request& req) {
    const nlohmann::json& j = req.Json();
    identity::LoginResult result =
        app.identity->PublicLogin(req.client_ip, j.value("login", j.value("id_number", "")), j.value("password", ""));
    Response res = Response::Json({{"csrf_token", result.csrf}, {"stage", result.stage},
                                   {"user", identity::PrincipalJson(result.principal)}});
    SetSessionCookie(res, app, "external", result.token);
    return res;
  });
  r.Add("GET", "/api/v1/session", Access::kPublic, [](Request& req) {
    return Response::Json({{"csrf_token", req.csrf}, {"stage", "full"}, {"user", identity::PrincipalJson(req.principal)}});
  });
  r.Add("DELETE", "/api/v1/session", Access::kPublic, [&app, secure](Request& req) {
    app.identity->Logout(req.session_token, Ctx(req));
    Response res = Response::Json({{"status", "logged_out"}});
    res.SetCookie("yw_ext", "", 0, secure);
    return res;
  });
}

}  // namespace yiwang::modules
