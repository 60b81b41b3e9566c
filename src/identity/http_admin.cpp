// Internal zone: administration of units, staff accounts, roles and locks, and public
// accounts. Every action is checked in the identity service (role, unit, record); handlers only
// parse, call and render.
#include "app/app.hpp"
#include "app/modules.hpp"
#include "core/error.hpp"
#include "http/forms.hpp"
#include "identity/views.hpp"

namespace yiwang::modules {
namespace {

using http::Access;
using http::Request;
using http::Response;

std::int64_t ToId(const std::string& s) {
  try {
    std::size_t pos = 0;
    long long v = std::stoll(s, &pos);
    return pos == s.size() ? v : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

/// Units in tree order with their depth, for indented lists and <select>s.
nlohmann::json UnitTree(const std::vector<identity::Unit>& units, std::int64_t selected) {
  std::multimap<std::int64_t, const identity::Unit*> children;
  for (const auto& u : units) children.emplace(u.parent_id, &u);
  nlohmann::json out = nlohmann::json::array();
  std::function<void(std::int64_t, int)> walk = [&](std::int64_t parent, int depth) {
    auto range = children.equal_range(parent);
    for (auto it = range.first; it != range.second; ++it) {
      nlohmann::json j = identity::UnitJson(*it->second);
      j["depth"] = depth;
      j["indent"] = std::string(static_cast<std::size_t>(depth) * 3, ' ') + (depth ? "└ " : "");
      j["selected"] = it->second->id == selected;
      out.push_back(j);
      walk(it->second->id, depth + 1);
    }
  };
  walk(0, 0);
  return out;
}

bool IsGlobal(const identity::Principal& p) {
  return p.Has(identity::Role::kSysAdmin) || p.Has(identity::Role::kSecAdmin) || p.Has(identity::Role::kAuditor);
}

}  // namespace

void RegisterAdmin(http::Router& r, app::App& app) {
  const bool secure = app.config.secure_cookies;

  // ---- units
  auto units_page = [&app](Request& req, nlohmann::json view, int status) {
    auto units = app.identity->Units();
    view["units"] = UnitTree(units, ToId(req.Field("parent_id")));
    view["count"] = units.size();
    view["can_edit"] = req.principal.Has(identity::Role::kSysAdmin);
    return app.renderer->Page(req, "internal/units", "单位管理", view, status);
  };
  r.Add("GET", "/admin/units", Access::kStaff, [units_page](Request& req) { return units_page(req, {}, 200); });
  r.Add("POST", "/admin/units", Access::kStaff, [&app, units_page, secure](Request& req) {
    identity::NewUnit in;
    in.parent_id = ToId(req.Field("parent_id"));
    in.code = req.Field("code");
    in.name = req.Field("name");
    in.kind = req.Field("kind");
    in.sort_order = static_cast<int>(ToId(req.Field("sort_order")));
    try {
      identity::Unit u = app.identity->CreateUnit(ContextOf(req), in);
      Response res = Response::Redirect("/admin/units");
      http::Renderer::Flash(res, "已新增单位：" + u.name, secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return units_page(req, {{"error", http::ErrorView(e)}, {"values", {{"code", in.code}, {"name", in.name}, {"kind", in.kind}}}},
                        ErrorCodeHttpStatus(e.code()));
    }
  });

  // ---- users
  auto users_page = [&app](Request& req, nlohmann::json view, int status) {
    std::int64_t unit_id = req.QueryInt("unit", 0);
    if (unit_id == 0) unit_id = ToId(req.Field("unit_id"));
    if (unit_id == 0) unit_id = req.principal.unit_id;
    auto units = app.identity->Units();
    nlohmann::json tree = UnitTree(units, unit_id);
    if (!IsGlobal(req.principal)) {
      // Only the staff member's own subtree is offered.
      std::vector<std::int64_t> mine = app.identity->Subtree(req.principal.unit_id);
      nlohmann::json visible = nlohmann::json::array();
      for (const auto& u : tree) {
        if (std::find(mine.begin(), mine.end(), u["id"].get<std::int64_t>()) != mine.end()) visible.push_back(u);
      }
      tree = visible;
    }
    nlohmann::json users = nlohmann::json::array();
    for (const auto& u : app.identity->ListUsers(ContextOf(req), unit_id)) users.push_back(identity::UserJson(u));
    auto unit = app.identity->FindUnit(unit_id);
    view["units"] = tree;
    view["unit"] = unit ? identity::UnitJson(*unit) : nlohmann::json::object();
    view["users"] = users;
    view["empty"] = users.empty();
    view["can_create"] = req.principal.Has(identity::Role::kSysAdmin);
    view["policy_min"] = app.identity->policy().min_length;
    return app.renderer->Page(req, "internal/users", "人员管理", view, status);
  };
  r.Add("GET", "/admin/users", Access::kStaff, [users_page](Request& req) { return users_page(req, {}, 200); });
  r.Add("POST", "/admin/users", Access::kStaff, [&app, users_page, secure](Request& req) {
    identity::NewUser in;
    in.username = req.Field("username");
    in.display_name = req.Field("display_name");
    in.unit_id = ToId(req.Field("unit_id"));
    in.mobile = req.Field("mobile");
    in.password = req.Field("password");
    try {
      identity::User u = app.identity->CreateUser(ContextOf(req), in);
      Response res = Response::Redirect("/admin/users/" + std::to_string(u.id));
      http::Renderer::Flash(res, "已创建账户 " + u.username + "。请安全保密管理员为其分配角色。", secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return users_page(req, {{"error", http::ErrorView(e)},
                              {"values", {{"username", in.username}, {"display_name", in.display_name}, {"mobile", in.mobile}}}},
                        ErrorCodeHttpStatus(e.code()));
    }
  });

  auto user_page = [&app](Request& req, nlohmann::json view, int status) {
    identity::User u = app.identity->GetUser(ContextOf(req), req.ParamInt("id"));
    view["user"] = identity::UserJson(u);
    view["roles"] = identity::RolesJson(u.roles);
    view["locked"] = u.disabled;
    view["temp_locked"] = u.locked_until > app.clock->NowMs();
    view["locked_until"] = u.locked_until ? core::FormatLocal(u.locked_until) : "";
    view["can_manage"] = req.principal.Has(identity::Role::kSecAdmin) && req.principal.id != u.id;
    view["policy_min"] = app.identity->policy().min_length;
    return app.renderer->Page(req, "internal/user", "人员：" + u.display_name, view, status);
  };
  r.Add("GET", "/admin/users/:id", Access::kStaff, [user_page](Request& req) { return user_page(req, {}, 200); });
  r.Add("POST", "/admin/users/:id/roles", Access::kStaff, [&app, user_page, secure](Request& req) {
    std::vector<std::string> roles = req.Fields("role");
    try {
      app.identity->SetRoles(ContextOf(req), req.ParamInt("id"), {roles.begin(), roles.end()});
      Response res = Response::Redirect("/admin/users/" + req.Param("id"));
      http::Renderer::Flash(res, "角色已更新", secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return user_page(req, {{"error", http::ErrorView(e)}}, ErrorCodeHttpStatus(e.code()));
    }
  });
  for (const bool lock : {true, false}) {
    r.Add("POST", lock ? "/admin/users/:id/lock" : "/admin/users/:id/unlock", Access::kStaff, [&app, lock, secure](Request& req) {
      app.identity->SetUserLocked(ContextOf(req), req.ParamInt("id"), lock);
      Response res = Response::Redirect("/admin/users/" + req.Param("id"));
      http::Renderer::Flash(res, lock ? "账户已锁定，其所有会话已失效" : "账户已解锁", secure);
      return res;
    });
  }
  r.Add("POST", "/admin/users/:id/password", Access::kStaff, [&app, user_page, secure](Request& req) {
    try {
      app.identity->ResetPassword(ContextOf(req), req.ParamInt("id"), req.Field("password"));
      Response res = Response::Redirect("/admin/users/" + req.Param("id"));
      http::Renderer::Flash(res, "密码已重置，请通过安全渠道告知本人", secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return user_page(req, {{"error", http::ErrorView(e)}}, ErrorCodeHttpStatus(e.code()));
    }
  });

  // ---- public accounts
  r.Add("GET", "/admin/accounts", Access::kStaff, [&app](Request& req) {
    const int per_page = 50;
    const int page = http::PageParam(req);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& a : app.identity->ListPublic(ContextOf(req), page, per_page)) rows.push_back(identity::PublicJson(a, false));
    return app.renderer->Page(req, "internal/accounts", "公众账户",
                              {{"accounts", rows},
                               {"empty", rows.empty()},
                               {"pager", http::PagerView(req, app.identity->CountPublic(), page, per_page)},
                               {"can_lock", req.principal.Has(identity::Role::kSecAdmin)}});
  });
  for (const bool lock : {true, false}) {
    r.Add("POST", lock ? "/admin/accounts/:id/lock" : "/admin/accounts/:id/unlock", Access::kStaff,
          [&app, lock, secure](Request& req) {
            app.identity->SetPublicLocked(ContextOf(req), req.ParamInt("id"), lock);
            Response res = Response::Redirect("/admin/accounts");
            http::Renderer::Flash(res, lock ? "已提交锁定，将经数据交换在外网生效" : "已提交解锁，将经数据交换在外网生效", secure);
            return res;
          });
  }

  // ---- API
  r.Add("GET", "/api/v1/units", Access::kStaff, [&app](Request&) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& u : app.identity->Units()) out.push_back(identity::UnitJson(u));
    return Response::Json({{"units", out}});
  });
  r.Add("POST", "/api/v1/units", Access::kStaff, [&app](Request& req) {
    const nlohmann::json& j = req.Json();
    identity::NewUnit in;
    in.parent_id = j.value("parent_id", std::int64_t{0});
    in.code = j.value("code", "");
    in.name = j.value("name", "");
    in.kind = j.value("kind", "");
    in.sort_order = j.value("sort_order", 0);
    return Response::Json(identity::UnitJson(app.identity->CreateUnit(ContextOf(req), in)), 201);
  });
  r.Add("GET", "/api/v1/units/:id/users", Access::kStaff, [&app](Request& req) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& u : app.identity->ListUsers(ContextOf(req), req.ParamInt("id"))) out.push_back(identity::UserJson(u));
    return Response::Json({{"users", out}});
  });
  r.Add("POST", "/api/v1/users", Access::kStaff, [&app](Request& req) {
    const nlohmann::json& j = req.Json();
    identity::NewUser in;
    in.username = j.value("username", "");
    in.display_name = j.value("display_name", "");
    in.unit_id = j.value("unit_id", std::int64_t{0});
    in.mobile = j.value("mobile", "");
    in.password = j.value("password", "");
    return Response::Json(identity::UserJson(app.identity->CreateUser(ContextOf(req), in)), 201);
  });
  r.Add("GET", "/api/v1/users/:id", Access::kStaff, [&app](Request& req) {
    return Response::Json(identity::UserJson(app.identity->GetUser(ContextOf(req), req.ParamInt("id"))));
  });
  r.Add("PUT", "/api/v1/users/:id/roles", Access::kStaff, [&app](Request& req) {
    const nlohmann::json& j = req.Json();
    std::set<std::string> roles;
    if (j.contains("roles") && j["roles"].is_array()) {
      for (const auto& x : j["roles"]) {
        if (x.is_string()) roles.insert(x.get<std::string>());
      }
    }
    app.identity->SetRoles(ContextOf(req), req.ParamInt("id"), roles);
    return Response::Json(identity::UserJson(app.identity->GetUser(ContextOf(req), req.ParamInt("id"))));
  });
  for (const bool lock : {true, false}) {
    r.Add("POST", lock ? "/api/v1/users/:id/lock" : "/api/v1/users/:id/unlock", Access::kStaff, [&app, lock](Request& req) {
      app.identity->SetUserLocked(ContextOf(req), req.ParamInt("id"), lock);
      return Response::Json(identity::UserJson(app.identity->GetUser(ContextOf(req), req.ParamInt("id"))));
    });
  }
}

}  // namespace yiwang::modules
