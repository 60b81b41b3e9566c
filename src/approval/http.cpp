// 办事指南 on the external zone (search by keyword and department; each item's guide with
// materials, limits, fees and its flow), the catalogue API, and catalogue administration on
// the internal zone.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "app/app.hpp"
#include "app/modules.hpp"
#include "approval/transfer.hpp"
#include "approval/views.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "http/forms.hpp"

namespace yiwang::modules {
namespace {

using http::Access;
using http::Request;
using http::Response;

approval::store::Query QueryFrom(const Request& req, bool published_only) {
  approval::store::Query q;
  q.q = core::Trim(req.Query("q"));  // a query of spaces is no query: the whole list
  q.dept_unit_id = req.QueryInt("dept", 0);
  q.kind = req.Query("kind");
  q.status = req.Query("status");
  q.published_only = published_only;
  q.page = http::PageParam(req);
  q.per_page = static_cast<int>(std::clamp<std::int64_t>(req.QueryInt("per_page", 20), 1, 100));
  return q;
}

nlohmann::json ListView(app::App& app, const Request& req, const approval::store::Query& q) {
  approval::store::Page page;
  std::string q_error;
  try {
    page = app.catalogue->Search(q);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kInvalidInput || !e.fields().count("q")) throw;
    q_error = e.fields().at("q");  // the search box says what is wrong; the list is empty
  }
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
  return {{"items", items},     {"empty", items.empty() && q_error.empty()}, {"q", q.q}, {"q_error", q_error}, {"departments", depts},
          {"kinds", kinds},     {"total", page.total},    {"searched", !q.q.empty() || q.dept_unit_id || !q.kind.empty()},
          {"pager", http::PagerView(req, page.total, q.page, q.per_page)}};
}

// ---- administration form <-> item. One line per material / fee / step, cells separated by
// '|', so that a clerk can paste from a spreadsheet (the same text as the catalogue file's
// cells: approval/transfer.hpp).
int ToInt(const std::string& s, int fallback) {
  try {
    std::size_t pos = 0;
    int v = std::stoi(s, &pos);
    return pos == s.size() ? v : fallback;
  } catch (const std::exception&) {
    return fallback;
  }
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
  const std::string validity = core::Trim(req.Field("valid_years"));
  // A number of years, 长期, or nothing; anything else is refused by ValidateItem with its message.
  item.valid_years = validity.empty() ? 0 : validity == "长期" ? approval::Item::kPermanent : ToInt(validity, -2);
  item.fully_online = req.Field("fully_online") == "1";
  auto list = [&errors](const char* field, auto parse, auto& out, const std::string& text) {
    std::vector<std::string> problems;
    out = parse(text, problems);
    std::string joined;
    for (const auto& p : problems) joined += (joined.empty() ? "" : "；") + p;
    if (!joined.empty()) errors[field] = joined;
  };
  list("materials", approval::ParseMaterials, item.materials, req.Field("materials"));
  list("fees", approval::ParseFees, item.fees, req.Field("fees"));
  list("steps", approval::ParseSteps, item.steps, req.Field("steps"));
  if (!errors.empty()) throw Error(ErrorCode::kInvalidInput, "事项信息有误，请修正后再提交", errors);
  return item;
}

nlohmann::json FormValues(const approval::Item& item) {
  const std::string materials = approval::FormatMaterials(item.materials);
  const std::string fees = approval::FormatFees(item.fees);
  const std::string steps = approval::FormatSteps(item.steps);
  nlohmann::json v = approval::ItemJson(item);
  v["materials_text"] = materials;
  v["fees_text"] = fees;
  v["steps_text"] = steps;
  v["valid_years_text"] = item.valid_years > 0 ? std::to_string(item.valid_years)
                          : item.valid_years == approval::Item::kPermanent ? "长期"
                                                                           : "";
  v["kind_" + approval::ItemKindKey(item.kind)] = true;
  return v;
}

/// A material's 空白表格/示范文本 as a download under its own name. The URL names the content
/// (SM3), so the public copy may be cached.
Response SampleResponse(const std::string& code, const approval::Material& m, std::string bytes, bool cacheable) {
  const std::size_t dot = m.sample_name.find_last_of('.');
  const std::string ext = dot == std::string::npos || m.sample_name.size() - dot > 6 ? "" : m.sample_name.substr(dot);
  // The plain name is for clients without RFC 5987: the item code, in ASCII.
  return Response::Download(std::move(bytes), m.sample_mime, code + "-sample" + ext, m.sample_name, cacheable);
}

/// The largest catalogue file accepted for import (the whole catalogue of a district is well
/// under 1 MB as .xlsx).
constexpr std::size_t kMaxImportBytes = 5 * 1024 * 1024;

/// The administration list: the list view, who may edit, and the filter for the export links.
nlohmann::json AdminListView(app::App& app, const Request& req) {
  nlohmann::json view = ListView(app, req, QueryFrom(req, false));
  view["can_edit"] = req.principal.Has(identity::Role::kSysAdmin);
  view["status_" + (req.Query("status").empty() ? std::string("all") : req.Query("status"))] = true;
  std::string filter;
  for (const char* k : {"q", "dept", "kind", "status"}) {
    if (!req.Query(k).empty()) filter += (filter.empty() ? "?" : "&") + std::string(k) + "=" + http::UrlEncode(req.Query(k));
  }
  view["export_query"] = filter;
  view["filtered"] = !filter.empty();
  view["import_max_mb"] = kMaxImportBytes / (1024 * 1024);
  return view;
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
  r.Add("GET", "/services/items/:code/samples/:sm3", Access::kAnyone, [&app](Request& req) {
    auto [m, bytes] = app.catalogue->SampleOf(req.Param("code"), req.Param("sm3"), true);
    return SampleResponse(req.Param("code"), m, std::move(bytes), true);
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
    return app.renderer->Page(req, "internal/items", "事项目录", AdminListView(app, req));
  });

  // Export: the latest version of every item, or of the items the list's filter shows.
  for (const bool xlsx : {false, true}) {
    r.Add("GET", xlsx ? "/admin/items/export.xlsx" : "/admin/items/export.csv", Access::kStaff, [&app, xlsx](Request& req) {
      const std::vector<approval::Item> items = app.catalogue->SearchAll(QueryFrom(req, false));
      const std::string date = core::FormatLocalDate(app.clock->NowMs());
      Response res;
      res.body = xlsx ? approval::ExportXlsx(items) : approval::ExportCsv(items);
      res.content_type = xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8";
      const std::string ext = xlsx ? ".xlsx" : ".csv";
      // RFC 6266 / 5987: an ASCII fallback name, then the Chinese one for browsers that read it.
      res.Header("Content-Disposition", "attachment; filename=\"catalogue-" + date + ext + "\"; filename*=UTF-8''" +
                                            http::UrlEncode("事项目录-" + date + ext));
      return res;
    });
  }

  // Import: a CSV or .xlsx file posted as multipart/form-data (the CSRF token is one of its
  // text fields). Every row becomes a draft (or, ticked, a published version); a file with any
  // bad row changes nothing and its problems are listed on the page with their rows.
  r.Add("POST", "/admin/items/import", Access::kStaff, [&app, secure](Request& req) {
    identity::RequireRole(req.principal, {identity::Role::kSysAdmin});
    const bool publish = req.Field("publish") == "1";
    const http::Part* file = req.File("file");
    try {
      if (!file || (file->filename.empty() && file->data.empty())) {
        throw Error(ErrorCode::kInvalidInput, "请选择要导入的 CSV 或 Excel（.xlsx）文件");
      }
      if (file->data.empty()) throw Error(ErrorCode::kInvalidInput, "所选文件“" + file->filename + "”是空的");
      if (file->data.size() > kMaxImportBytes) {
        char size[32];
        std::snprintf(size, sizeof size, "%.1f", static_cast<double>(file->data.size()) / (1024 * 1024));
        throw Error(ErrorCode::kPayloadTooLarge, std::string("文件大小为 ") + size + " MB，超过了导入上限 " +
                                                     std::to_string(kMaxImportBytes / (1024 * 1024)) + " MB，请分批导入");
      }
      approval::Sheet sheet = approval::ReadSpreadsheet(file->data);
      const auto result = app.catalogue->Import(ContextOf(req), std::move(sheet), publish);
      Response res = Response::Redirect("/admin/items");
      http::Renderer::Flash(res,
                            "已导入 " + std::to_string(result.count) + " 个事项（新建 " + std::to_string(result.created) +
                                " 个，新版本 " + std::to_string(result.new_versions) + " 个，修改草稿 " +
                                std::to_string(result.drafts_updated) + " 个）" +
                                (publish ? "，并已发布，外网办事指南将随数据交换更新。" : "，均为草稿，检查无误后请发布。"),
                            secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      nlohmann::json view = AdminListView(app, req);
      const auto newline = e.message().find('\n');
      nlohmann::json problems = nlohmann::json::array();
      const std::string summary = e.message().substr(0, newline);
      for (const auto& [key, text] : e.fields()) {  // sorted: the header, then rows in order
        if (text != summary) problems.push_back(text);
      }
      view["import_error"] = {{"message", summary},
                              {"problems", problems},
                              {"has_problems", !problems.empty()},
                              {"filename", file ? file->filename : ""}};
      view["import_publish"] = publish;
      return app.renderer->Page(req, "internal/items", "事项目录", view, ErrorCodeHttpStatus(e.code()));
    }
  });

  auto edit_page = [&app](Request& req, nlohmann::json item, bool is_new, nlohmann::json error, int status,
                          const nlohmann::json& extra = nlohmann::json::object()) {
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
    view["is_draft"] = item.value("status", "") == "draft";
    // The guide page is on the external zone (another address): linked only once published there.
    view["is_published"] = item.value("status", "") == "published";
    view["is_retired"] = item.value("status", "") == "retired";
    view["public_url"] = app.config.public_url;
    view.update(extra);
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
                               {"steps_text", req.Field("steps")}, {"dept_unit_id", ToInt(req.Field("dept_unit_id"), 0)},
                               {"valid_years_text", req.Field("valid_years")}};
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
      values["valid_years_text"] = req.Field("valid_years");
      return edit_page(req, values, false, http::ErrorView(e), ErrorCodeHttpStatus(e.code()));
    }
  });
  // 空白表格/示范文本 of a draft's materials; published with the version, downloaded from the 办事指南.
  auto sample_done = [secure](const std::string& code, const std::string& text) {
    Response res = Response::Redirect("/admin/items/" + http::UrlEncode(code) + "#samples");
    http::Renderer::Flash(res, text, secure);
    return res;
  };
  auto sample_failed = [&app, edit_page](Request& req, const Error& e) {
    return edit_page(req, FormValues(app.catalogue->Latest(req.Param("code"))), false, nullptr, ErrorCodeHttpStatus(e.code()),
                     {{"sample_error", http::ErrorView(e)}});
  };
  r.Add("POST", "/admin/items/:code/samples", Access::kStaff, [&app, sample_done, sample_failed](Request& req) {
    const std::string code = req.Param("code");
    try {
      const http::Part* file = req.File("sample");
      if (!file || file->data.empty()) throw Error(ErrorCode::kInvalidInput, "请选择样表文件", {{"sample", "请选择样表文件"}});
      const int no = ToInt(req.Field("material_no"), 0);
      approval::Item item = app.catalogue->AttachSample(ContextOf(req), code, no, file->filename, file->data);
      const approval::Material& m = item.materials[static_cast<std::size_t>(no - 1)];
      return sample_done(code, "已上传“" + m.name + "”的样表：" + m.sample_name + "。发布本版本后在外网办事指南中提供下载。");
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return sample_failed(req, e);
    }
  });
  r.Add("POST", "/admin/items/:code/samples/:no/delete", Access::kStaff, [&app, sample_done, sample_failed](Request& req) {
    const std::string code = req.Param("code");
    try {
      const int no = ToInt(req.Param("no"), 0);
      approval::Item item = app.catalogue->RemoveSample(ContextOf(req), code, no);
      return sample_done(code, "已删除“" + item.materials[static_cast<std::size_t>(no - 1)].name + "”的样表");
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return sample_failed(req, e);
    }
  });
  r.Add("GET", "/admin/items/:code/samples/:sm3", Access::kStaff, [&app](Request& req) {
    auto [m, bytes] = app.catalogue->SampleOf(req.Param("code"), req.Param("sm3"), false);
    return SampleResponse(req.Param("code"), m, std::move(bytes), false);
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
