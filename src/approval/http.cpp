// 办事指南 on the external zone (search by keyword and department; each item's guide with
// materials, limits, fees and its flow), the catalogue API, and catalogue administration on
// the internal zone.
#include <sstream>

#include "app/app.hpp"
#include "app/modules.hpp"
#include "approval/views.hpp"
#include "core/error.hpp"
#include "http/forms.hpp"

namespace yiwang::modules {
namespace {

using http::Access;
using http::Request;
using http::Response;

approval::store::Query QueryFrom(const Request& req, bool published_only) {
  approval::store::Query q;
  q.q = req.Query("q");
  q.dept_unit_id = req.QueryInt("dept", 0);
  q.kind = req.Query("kind");
  q.status = req.Query("status");
  q.published_only = published_only;
  q.page = static_cast<int>(std::max<std::int64_t>(1, req.QueryInt("page", 1)));
  q.per_page = static_cast<int>(std::clamp<std::int64_t>(req.QueryInt("per_page", 20), 1, 100));
  return q;
}

nlohmann::json ListView(app::App& app, const Request& req, const approval::store::Query& q) {
  auto page = app.catalogue->Search(q);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : page.items) items.push_back(approval::ItemJson(i));
  nlohmann::json depts = nlohmann::json::array();
  for (const auto& [d, n] : app.catalogue->Departments()) {
    depts.push_back({{"id", d.dept_unit_id}, {"name", d.dept_name}, {"count", n}, {"selected", d.dept_unit_id == q.dept_unit_id}});
  }
  nlohmann::json kinds = nlohmann::json::array();
  for (auto k : {approval::ItemKind::kLicense, approval::ItemKind::kConfirmation, approval::ItemKind::kPayment,
                 approval::ItemKind::kOther}) {
    kinds.push_back({{"key", approval::ItemKindKey(k)}, {"label", approval::ItemKindLabel(k)},
                     {"selected", approval::ItemKindKey(k) == q.kind}});
  }
  return {{"items", items},     {"empty", items.empty()}, {"q", q.q},         {"departments", depts},
          {"kinds", kinds},     {"total", page.total},    {"searched", !q.q.empty() || q.dept_unit_id || !q.kind.empty()},
          {"pager", http::PagerView(req, page.total, q.page, q.per_page)}};
}

// ---- administration form <-> item. One line per material / fee / step, fields separated by
// '|', so that a clerk can paste from a spreadsheet.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, '|')) {
    auto b = cell.find_first_not_of(' ');
    auto e = cell.find_last_not_of(' ');
    out.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  return out;
}

int ToInt(const std::string& s, int fallback) {
  try {
    std::size_t pos = 0;
    int v = std::stoi(s, &pos);
    return pos == s.size() ? v : fallback;
  } catch (const std::exception&) {
    return fallback;
  }
}

const std::map<std::string, std::string>& RoleByLabel() {
  static const std::map<std::string, std::string> kRoles = {
      {"受理", "window_clerk"}, {"窗口受理员", "window_clerk"}, {"window_clerk", "window_clerk"},
      {"承办", "handler"},      {"承办人", "handler"},          {"handler", "handler"},
      {"审核", "reviewer"},     {"审核人", "reviewer"},         {"reviewer", "reviewer"},
      {"审批", "approver"},     {"审批人", "approver"},         {"approver", "approver"}};
  return kRoles;
}

approval::Item ItemFromForm(const Request& req, const std::string& code) {
  approval::Item item;
  std::map<std::string, std::string> errors;
  item.code = code.empty() ? req.Field("code") : code;
  item.name = req.Field("name");
  item.dept_unit_id = ToInt(req.Field("dept_unit_id"), 0);
  try {
    item.kind = approval::ParseItemKind(req.Field("kind"));
  } catch (const Error&) {
    errors["kind"] = "请选择事项类型";
  }
  item.legal_basis = req.Field("legal_basis");
  item.conditions = req.Field("conditions");
  item.statutory_days = ToInt(req.Field("statutory_days"), 0);
  item.promised_days = ToInt(req.Field("promised_days"), 0);
  item.place = req.Field("place");
  item.fully_online = req.Field("fully_online") == "1";
  for (const auto& line : Lines(req.Field("materials"))) {
    auto c = Cells(line);
    c.resize(5);
    item.materials.push_back({c[0], c[1] == "原件", c[2].empty() ? 1 : ToInt(c[2], 0), c[3] != "可选", c[4]});
  }
  for (const auto& line : Lines(req.Field("fees"))) {
    auto c = Cells(line);
    c.resize(3);
    double yuan = -1;
    try {
      yuan = std::stod(c[1]);
    } catch (const std::exception&) {
      errors["fees"] = "收费金额应为数字（元）：" + line;
    }
    item.fees.push_back({c[0], static_cast<std::int64_t>(yuan * 100 + (yuan >= 0 ? 0.5 : -0.5)), c[2]});
  }
  for (const auto& line : Lines(req.Field("steps"))) {
    auto c = Cells(line);
    c.resize(3);
    auto it = RoleByLabel().find(c[1]);
    item.steps.push_back({c[0], it == RoleByLabel().end() ? c[1] : it->second, ToInt(c[2], 0)});
  }
  if (!errors.empty()) throw Error(ErrorCode::kInvalidInput, "事项信息有误，请修正后再提交", errors);
  return item;
}

nlohmann::json FormValues(const approval::Item& item) {
  static const std::map<std::string, std::string> kLabels = {
      {"window_clerk", "受理"}, {"handler", "承办"}, {"reviewer", "审核"}, {"approver", "审批"}};
  std::string materials, fees, steps;
  for (const auto& m : item.materials) {
    materials += m.name + "|" + (m.original ? "原件" : "复印件") + "|" + std::to_string(m.copies) + "|" +
                 (m.required ? "必需" : "可选") + (m.note.empty() ? "" : "|" + m.note) + "\n";
  }
  for (const auto& f : item.fees) {
    char amount[32];
    std::snprintf(amount, sizeof amount, "%lld.%02lld", static_cast<long long>(f.amount_fen / 100),
                  static_cast<long long>(f.amount_fen % 100));
    fees += f.name + "|" + amount + "|" + f.basis + "\n";
  }
  for (const auto& s : item.steps) {
    auto it = kLabels.find(s.role);
    steps += s.name + "|" + (it == kLabels.end() ? s.role : it->second) + "|" + std::to_string(s.limit_days) + "\n";
  }
  nlohmann::json v = approval::ItemJson(item);
  v["materials_text"] = materials;
  v["fees_text"] = fees;
  v["steps_text"] = steps;
  v["kind_" + approval::ItemKindKey(item.kind)] = true;
  return v;
}

}  // namespace

void RegisterCatalogueExternal(http::Router& r, app::App& app) {
  r.Add("GET", "/services", Access::kAnyone, [&app](Request& req) {
    return app.renderer->Page(req, "external/services", "网上办事", ListView(app, req, QueryFrom(req, true)));
  });
  r.Add("GET", "/services/items/:code", Access::kAnyone, [&app](Request& req) {
    approval::Item item = app.catalogue->Published(req.Param("code"));
    return app.renderer->Page(req, "external/item", item.name, {{"item", approval::ItemJson(item)}});
  });
  r.Add("GET", "/api/v1/items", Access::kAnyone, [&app](Request& req) {
    auto q = QueryFrom(req, true);
    auto page = app.catalogue->Search(q);
    nlohmann::json items = nlohmann::json::array();
    for (const auto& i : page.items) items.push_back(approval::ItemJson(i));
    return Response::Json({{"items", items}, {"total", page.total}, {"page", q.page}, {"per_page", q.per_page}});
  });
  r.Add("GET", "/api/v1/items/:code", Access::kAnyone, [&app](Request& req) {
    return Response::Json(approval::ItemJson(app.catalogue->Published(req.Param("code"))));
  });
}

void RegisterCatalogueAdmin(http::Router& r, app::App& app) {
  const bool secure = app.config.secure_cookies;
  r.Add("GET", "/admin/items", Access::kStaff, [&app](Request& req) {
    nlohmann::json view = ListView(app, req, QueryFrom(req, false));
    view["can_edit"] = req.principal.Has(identity::Role::kSysAdmin);
    view["status_" + (req.Query("status").empty() ? std::string("all") : req.Query("status"))] = true;
    return app.renderer->Page(req, "internal/items", "事项目录", view);
  });

  auto edit_page = [&app](Request& req, nlohmann::json item, bool is_new, nlohmann::json error, int status) {
    nlohmann::json units = nlohmann::json::array();
    const std::int64_t selected = item.value("dept_unit_id", std::int64_t{0});
    for (const auto& u : app.identity->Units()) {
      if (u.kind == "department" || u.kind == "town") {
        units.push_back({{"id", u.id}, {"name", u.name}, {"selected", u.id == selected}});
      }
    }
    nlohmann::json view = {{"item", item}, {"is_new", is_new}, {"units", units}, {"error", error},
                           {"can_edit", req.principal.Has(identity::Role::kSysAdmin)}};
    if (error.is_null()) view.erase("error");
    return app.renderer->Page(req, "internal/item_edit", is_new ? "新建事项" : "事项：" + item.value("name", ""), view, status);
  };
  r.Add("GET", "/admin/items/new", Access::kStaff, [edit_page](Request& req) {
    identity::RequireRole(req.principal, {identity::Role::kSysAdmin});
    approval::Item blank;
    blank.materials.push_back({"申请书", true, 1, true, ""});
    blank.steps = {{"受理", "window_clerk", 1}, {"审查", "handler", 3}, {"审批", "approver", 1}};
    blank.promised_days = 5;
    return edit_page(req, FormValues(blank), true, nullptr, 200);
  });
  r.Add("POST", "/admin/items/new", Access::kStaff, [&app, edit_page, secure](Request& req) {
    try {
      approval::Item item = ItemFromForm(req, "");
      db::Conn c(*app.db);
      int exists = 0;
      c.sql() << "SELECT COUNT(*) FROM items WHERE code = :c", soci::use(item.code), soci::into(exists);
      if (exists) throw Error(ErrorCode::kConflict, "事项编码已存在", {{"code", "该事项编码已被使用"}});
      item = app.catalogue->SaveDraft(ContextOf(req), item);
      Response res = Response::Redirect("/admin/items/" + http::UrlEncode(item.code));
      http::Renderer::Flash(res, "已保存草稿。检查无误后请点击“发布”。", secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      nlohmann::json values = {{"code", req.Field("code")}, {"name", req.Field("name")}, {"legal_basis", req.Field("legal_basis")},
                               {"conditions", req.Field("conditions")}, {"statutory_days", req.Field("statutory_days")},
                               {"promised_days", req.Field("promised_days")}, {"place", req.Field("place")},
                               {"materials_text", req.Field("materials")}, {"fees_text", req.Field("fees")},
                               {"steps_text", req.Field("steps")}, {"dept_unit_id", ToInt(req.Field("dept_unit_id"), 0)}};
      return edit_page(req, values, true, http::ErrorView(e), ErrorCodeHttpStatus(e.code()));
    }
  });
  r.Add("GET", "/admin/items/:code", Access::kStaff, [&app, edit_page](Request& req) {
    return edit_page(req, FormValues(app.catalogue->Latest(req.Param("code"))), false, nullptr, 200);
  });
  r.Add("POST", "/admin/items/:code", Access::kStaff, [&app, edit_page, secure](Request& req) {
    try {
      approval::Item item = app.catalogue->SaveDraft(ContextOf(req), ItemFromForm(req, req.Param("code")));
      Response res = Response::Redirect("/admin/items/" + http::UrlEncode(item.code));
      http::Renderer::Flash(res, "已保存为第 " + std::to_string(item.version) + " 版草稿。发布后对新申请生效；在办件仍按其受理时的版本办理。", secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      nlohmann::json values = FormValues(app.catalogue->Latest(req.Param("code")));
      for (const char* f : {"name", "legal_basis", "conditions", "statutory_days", "promised_days", "place"}) values[f] = req.Field(f);
      values["materials_text"] = req.Field("materials");
      values["fees_text"] = req.Field("fees");
      values["steps_text"] = req.Field("steps");
      return edit_page(req, values, false, http::ErrorView(e), ErrorCodeHttpStatus(e.code()));
    }
  });
  for (const bool publish : {true, false}) {
    r.Add("POST", publish ? "/admin/items/:code/publish" : "/admin/items/:code/retire", Access::kStaff,
          [&app, publish, secure](Request& req) {
            const std::string code = req.Param("code");
            Response res = Response::Redirect("/admin/items/" + http::UrlEncode(code));
            try {
              approval::Item item = publish ? app.catalogue->Publish(ContextOf(req), code) : app.catalogue->Retire(ContextOf(req), code);
              http::Renderer::Flash(res, (publish ? "已发布第 " : "已停用第 ") + std::to_string(item.version) + " 版，外网办事指南将随数据交换更新", secure);
            } catch (const Error& e) {
              if (e.code() != ErrorCode::kConflict && e.code() != ErrorCode::kInvalidInput) throw;
              http::Renderer::Flash(res, e.message(), secure);
            }
            return res;
          });
  }
}

}  // namespace yiwang::modules
