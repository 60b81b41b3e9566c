// Applications and cases over HTTP. External: apply for an item (multipart form with one file
// per material, or JSON with base64 materials), my cases, corrections, the public status
// lookup (全过程公开). Internal: the window queue, a case with its deadlines explained, and the
// acceptance actions.

#include <sstream>

#include "app/app.hpp"
#include "app/modules.hpp"
#include "approval/cases.hpp"
#include "approval/ratings.hpp"
#include "approval/views.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "http/forms.hpp"

namespace yiwang::modules {
namespace {

using http::Access;
using http::Request;
using http::Response;

std::vector<approval::Upload> UploadsFromForm(const Request& req) {
  std::vector<approval::Upload> out;
  for (const auto& part : req.Files()) {
    if (part.name.rfind("material_", 0) != 0) continue;
    int no = 0;
    try {
      no = std::stoi(part.name.substr(9));
    } catch (const std::exception&) {
      continue;
    }
    out.push_back({no, part.filename, part.data});
  }
  return out;
}

std::vector<approval::Upload> UploadsFromJson(const nlohmann::json& j) {
  std::vector<approval::Upload> out;
  if (!j.contains("materials")) return out;
  if (!j["materials"].is_array()) throw Error(ErrorCode::kInvalidInput, "materials 应为数组");
  for (const auto& m : j["materials"]) {
    const std::string bytes = core::Base64Decode(m.value("content_base64", ""), "材料内容");
    out.push_back({m.value("material_no", 0), m.value("filename", ""), bytes});
  }
  return out;
}

nlohmann::json ItemForApply(const approval::Item& item) {
  nlohmann::json j = approval::ItemJson(item);
  for (auto& m : j["materials"]) m["field"] = "material_" + std::to_string(m["no"].get<int>());
  return j;
}

nlohmann::json DocumentsView(app::App& app, const std::string& case_no, const std::string& base) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : app.documents->ForCase(case_no)) {
    nlohmann::json j = approval::DocumentJson(d);
    j["href"] = base + http::UrlEncode(case_no) + "/documents/" + http::UrlEncode(d.doc_no);
    out.push_back(j);
  }
  return out;
}

Response PdfResponse(app::App& app, const std::string& case_no, const std::string& doc_no) {
  for (const auto& d : app.documents->ForCase(case_no)) {
    if (d.doc_no != doc_no) continue;
    Response res;
    res.content_type = "application/pdf";
    res.body = app.documents->Pdf(d);
    res.Header("Content-Disposition", "attachment; filename=\"" + d.doc_no + ".pdf\"");
    return res;
  }
  throw Error(ErrorCode::kNotFound, "文书不存在：" + doc_no);
}

nlohmann::json VerificationView(const approval::Verification& v) {
  nlohmann::json j = {{"found", v.found}, {"valid", v.found && v.signature_valid && v.bytes_match}, {"message", v.message}};
  if (v.found) j["document"] = approval::DocumentJson(v.document);
  return j;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

}  // namespace

void RegisterCasesExternal(http::Router& r, app::App& app) {
  const bool secure = app.config.secure_cookies;
  auto apply_page = [&app](Request& req, const std::string& code, nlohmann::json view, int status) {
    approval::Item item = app.catalogue->Published(code);
    view["item"] = ItemForApply(item);
    if (!view.contains("values")) {
      view["values"] = {{"contact_name", req.principal.name}, {"contact_mobile", ""}, {"description", ""}};
    }
    view["idempotency_key"] = core::RandomToken(16);
    view["max_mb"] = app.config.upload_max_bytes / (1024 * 1024);
    return app.renderer->Page(req, "external/apply", "在线申报：" + item.name, view, status);
  };
  r.Add("GET", "/services/items/:code/apply", Access::kPublic, [apply_page](Request& req) {
    return apply_page(req, req.Param("code"), nlohmann::json::object(), 200);
  });
  r.Add("POST", "/services/items/:code/apply", Access::kPublic, [&app, apply_page, secure](Request& req) {
    approval::Application in;
    in.item_code = req.Param("code");
    in.contact_name = req.Field("contact_name");
    in.contact_mobile = req.Field("contact_mobile");
    in.description = req.Field("description");
    in.idempotency_key = req.Field("idempotency_key");
    try {
      in.uploads = UploadsFromForm(req);
      approval::Submitted s = app.cases->Submit(ContextOf(req), in);
      Response res = Response::Redirect("/account/cases/" + http::UrlEncode(s.case_no) +
                                        (s.query_code.empty() ? "" : "?code=" + s.query_code));
      http::Renderer::Flash(res, s.repeated ? "该申请已提交过，未重复创建办件" : "申请已提交，办件编号 " + s.case_no, secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return apply_page(req, in.item_code,
                        {{"error", http::ErrorView(e)},
                         {"values", {{"contact_name", in.contact_name}, {"contact_mobile", in.contact_mobile},
                                     {"description", in.description}}}},
                        ErrorCodeHttpStatus(e.code()));
    }
  });
  auto case_page = [&app](Request& req, nlohmann::json view, int status) {
    approval::Case c = app.cases->ForApplicant(ContextOf(req), req.Param("case_no"));
    view["case"] = approval::CaseJson(c, false);
    view["documents"] = DocumentsView(app, c.case_no, "/account/cases/");
    view["has_documents"] = !view["documents"].empty();
    // The query code is shown once, right after submission (only its SM3 is stored).
    const std::string code = req.Query("code");
    if (code.size() == 6 && code.find_first_not_of("0123456789") == std::string::npos) view["query_code"] = code;
    // 绩效评估: the applicant rates a concluded case once.
    if (c.state == approval::CaseState::kConcluded) {
      view["rating_case_no"] = c.case_no;
      if (auto rated = app.ratings->Of(c.case_no)) {
        view["rated"] = {{"label", approval::RatingLabel(rated->rating)}, {"comment", rated->comment},
                         {"time", core::FormatLocal(rated->rated_at)}};
      } else {
        view["can_rate"] = true;
      }
    }
    return app.renderer->Page(req, "external/case", "办件 " + c.case_no, view, status);
  };
  r.Add("POST", "/account/cases/:case_no/rating", Access::kPublic, [&app, case_page, secure](Request& req) {
    try {
      app.ratings->Rate(ContextOf(req), req.Param("case_no"), req.Field("rating"), req.Field("comment"));
      Response res = Response::Redirect("/account/cases/" + http::UrlEncode(req.Param("case_no")) + "#rating");
      http::Renderer::Flash(res, "感谢您的评价", secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return case_page(req, {{"rating_error", http::ErrorView(e)}, {"rating_comment", req.Field("comment")}},
                       ErrorCodeHttpStatus(e.code()));
    }
  });
  r.Add("POST", "/api/v1/applications/:case_no/rating", Access::kPublic, [&app](Request& req) {
    const nlohmann::json& j = req.Json();
    approval::Rating rt = app.ratings->Rate(ContextOf(req), req.Param("case_no"), j.value("rating", ""), j.value("comment", ""));
    return Response::Json({{"case_no", rt.case_no}, {"rating", rt.rating}, {"rating_label", approval::RatingLabel(rt.rating)},
                           {"comment", rt.comment}}, 201);
  });
  r.Add("GET", "/account/cases/:case_no", Access::kPublic, [case_page](Request& req) { return case_page(req, {}, 200); });
  r.Add("POST", "/account/cases/:case_no/corrections", Access::kPublic, [&app, case_page, secure](Request& req) {
    try {
      app.cases->SubmitCorrections(ContextOf(req), req.Param("case_no"), UploadsFromForm(req));
      Response res = Response::Redirect("/account/cases/" + http::UrlEncode(req.Param("case_no")));
      http::Renderer::Flash(res, "补正材料已提交，受理期限自材料送达之日重新起算", secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return case_page(req, {{"error", http::ErrorView(e)}}, ErrorCodeHttpStatus(e.code()));
    }
  });
  r.Add("GET", "/account/cases/:case_no/documents/:doc_no", Access::kPublic, [&app](Request& req) {
    app.cases->ForApplicant(ContextOf(req), req.Param("case_no"));  // the applicant's own case only
    return PdfResponse(app, req.Param("case_no"), req.Param("doc_no"));
  });
  // The QR code on a sealed document opens this page: valid or not, and what was certified.
  // Uploading the PDF checks that not a byte of it was changed.
  auto verify_page = [&app, secure](Request& req, const std::string* bytes) {
    approval::Verification v = app.documents->Verify(req.Param("doc_no"), bytes);
    nlohmann::json view = VerificationView(v);
    view["doc_no"] = req.Param("doc_no");
    view["checked_file"] = bytes != nullptr;
    Response cookies;
    if (req.principal.kind.empty()) req.csrf = http::PreSessionCsrf(req, cookies, secure);
    Response res = app.renderer->Page(req, "external/verify", "电子文书核验", view, v.found ? 200 : 404);
    for (auto& h : cookies.headers) res.headers.push_back(h);
    return res;
  };
  r.Add("GET", "/verify/:doc_no", Access::kAnyone, [verify_page](Request& req) { return verify_page(req, nullptr); });
  r.Add("POST", "/verify/:doc_no", Access::kAnyone, [verify_page](Request& req) {
    const http::Part* file = req.File("file");
    if (!file || file->data.empty()) throw Error(ErrorCode::kInvalidInput, "请选择要核验的 PDF 文件");
    return verify_page(req, &file->data);
  });
  r.Add("GET", "/api/v1/certificates/:doc_no/verify", Access::kAnyone, [&app](Request& req) {
    approval::Verification v = app.documents->Verify(req.Param("doc_no"));
    return Response::Json(VerificationView(v), v.found ? 200 : 404);
  });
  r.Add("GET", "/account/cases", Access::kPublic, [&app](Request& req) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& c : app.cases->MyCases(ContextOf(req))) rows.push_back(approval::CaseJson(c, false));
    return app.renderer->Page(req, "external/my_cases", "我的办件", {{"cases", rows}, {"empty", rows.empty()}});
  });
  r.Add("GET", "/services/concluded", Access::kAnyone, [&app](Request& req) {
    const int page = static_cast<int>(std::max<std::int64_t>(1, req.QueryInt("page", 1)));
    std::int64_t total = 0;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& c : app.cases->Concluded(page, 20, &total)) {
      nlohmann::json j = approval::CaseJson(c, false);
      j.erase("events");
      j.erase("materials");
      rows.push_back(j);
    }
    return app.renderer->Page(req, "external/concluded", "办件公示",
                              {{"cases", rows}, {"empty", rows.empty()}, {"pager", http::PagerView(req, total, page, 20)}});
  });
  r.Add("GET", "/services/track", Access::kAnyone, [&app](Request& req) {
    nlohmann::json view = {{"case_no", req.Query("case_no")}};
    if (!req.Query("case_no").empty()) {
      try {
        nlohmann::json c = approval::CaseJson(app.cases->PublicStatus(req.Query("case_no"), req.Query("code")), false);
        c.erase("materials");  // file names may carry personal data; the applicant sees them logged in
        view["case"] = c;
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kNotFound) throw;
        view["error"] = e.message();
      }
    }
    return app.renderer->Page(req, "external/track", "办件查询", view);
  });

  // ---- API
  r.Add("POST", "/api/v1/applications", Access::kPublic, [&app](Request& req) {
    approval::Application in;
    const bool multipart = req.Header("content-type").rfind("multipart/form-data", 0) == 0;
    if (multipart) {
      in.item_code = req.Field("item_code");
      in.contact_name = req.Field("contact_name");
      in.contact_mobile = req.Field("contact_mobile");
      in.description = req.Field("description");
      in.uploads = UploadsFromForm(req);
    } else {
      const nlohmann::json& j = req.Json();
      in.item_code = j.value("item_code", "");
      in.contact_name = j.value("contact_name", "");
      in.contact_mobile = j.value("contact_mobile", "");
      in.description = j.value("description", "");
      in.uploads = UploadsFromJson(j);
    }
    in.idempotency_key = req.Header("idempotency-key");
    approval::Submitted s = app.cases->Submit(ContextOf(req), in);
    nlohmann::json body = {{"case_no", s.case_no}, {"repeated", s.repeated}};
    if (!s.query_code.empty()) body["query_code"] = s.query_code;
    return Response::Json(body, s.repeated ? 200 : 201);
  });
  r.Add("GET", "/api/v1/applications/:case_no", Access::kAnyone, [&app](Request& req) {
    if (req.principal.kind == "public" && req.Query("code").empty()) {
      return Response::Json(approval::CaseJson(app.cases->ForApplicant(ContextOf(req), req.Param("case_no")), false));
    }
    nlohmann::json c = approval::CaseJson(app.cases->PublicStatus(req.Param("case_no"), req.Query("code")), false);
    c.erase("materials");
    return Response::Json(c);
  });
}

void RegisterCasesInternal(http::Router& r, app::App& app) {
  const bool secure = app.config.secure_cookies;
  r.Add("GET", "/cases", Access::kStaff, [&app](Request& req) {
    const std::string state = req.Query("state", "mine");
    nlohmann::json rows = nlohmann::json::array();
    const std::string today = core::FormatLocalDate(app.clock->NowMs());
    const bool mine = state == "mine";
    for (const auto& c : app.cases->Queue(ContextOf(req), state == "all" || mine ? "" : state, mine)) {
      nlohmann::json j = approval::CaseJson(c, true);
      const bool waiting = c.state == approval::CaseState::kReceived;
      const std::string due = waiting ? c.acceptance_due : c.step_due;
      j["due"] = due;
      j["overdue"] = (waiting || c.state == approval::CaseState::kInProgress || c.state == approval::CaseState::kAccepted) &&
                     !due.empty() && due < today;
      rows.push_back(j);
    }
    return app.renderer->Page(req, "internal/cases", "办件受理",
                              {{"cases", rows}, {"empty", rows.empty()}, {"state_" + state, true}, {"today", today}});
  });
  auto case_page = [&app](Request& req, nlohmann::json view, int status) {
    approval::Case c = app.cases->ForStaff(ContextOf(req), req.Param("case_no"));
    view["case"] = approval::CaseJson(c, true);
    view["documents"] = DocumentsView(app, c.case_no, "/cases/");
    view["has_documents"] = !view["documents"].empty();
    if (c.received_at) {
      approval::Deadline d = app.cases->AcceptanceDeadlineOf(c);
      nlohmann::json days = nlohmann::json::array();
      int k = 0;
      for (const auto& day : d.result.days) {
        days.push_back({{"date", calendar::FormatDate(day.date)}, {"weekday", calendar::WeekdayName(day.date)},
                        {"counted", day.counted}, {"ordinal", day.counted ? ++k : 0}, {"reason", day.reason}});
      }
      view["acceptance"] = {{"name", d.name}, {"basis", d.basis}, {"start", calendar::FormatDate(d.start)},
                            {"days_limit", d.days}, {"due", calendar::FormatDate(d.result.due)}, {"days", days},
                            {"notes", d.notes}};
    }
    if (auto deemed = app.cases->DeemedAcceptanceOf(c)) view["deemed_on"] = *deemed;
    const auto& p = req.principal;
    using approval::CaseState;
    view["can_act"] = c.state == CaseState::kReceived && p.Has(identity::Role::kWindowClerk);
    view["can_correct"] = c.corrections_requested == 0;
    approval::Item item = app.cases->ItemOf(c);
    nlohmann::json steps = nlohmann::json::array();
    for (std::size_t i = 0; i < item.steps.size(); ++i) {
      const int no = static_cast<int>(i) + 1;
      steps.push_back({{"no", no}, {"name", item.steps[i].name}, {"limit_days", item.steps[i].limit_days},
                       {"done", c.current_step > no || c.state == CaseState::kDecided || c.state == CaseState::kConcluded},
                       {"current", c.current_step == no && (c.state == CaseState::kAccepted || c.state == CaseState::kInProgress ||
                                                            c.state == CaseState::kSuspended)}});
    }
    view["steps"] = steps;
    const bool flowing = c.state == CaseState::kAccepted || c.state == CaseState::kInProgress;
    const bool last = c.current_step == static_cast<int>(item.steps.size());
    const std::string step_role =
        c.current_step >= 1 && c.current_step <= static_cast<int>(item.steps.size()) ? item.steps[c.current_step - 1].role : "";
    view["can_claim"] = flowing && c.assignee_id == 0 && p.roles.count(step_role) > 0;
    view["can_complete"] = c.state == CaseState::kInProgress && c.assignee_id == p.id && !last;
    view["can_decide"] = c.state == CaseState::kInProgress && c.assignee_id == p.id && last;
    view["can_conclude"] = c.state == CaseState::kDecided &&
                           (p.Has(identity::Role::kApprover) || p.Has(identity::Role::kWindowClerk));
    const bool handles = p.Has(identity::Role::kHandler) || p.Has(identity::Role::kReviewer) || p.Has(identity::Role::kApprover);
    view["can_suspend"] = flowing && handles;
    view["can_resume"] = c.state == CaseState::kSuspended && handles;
    view["can_extend"] = (flowing || c.state == CaseState::kSuspended) && c.extension_days == 0 && p.Has(identity::Role::kApprover);
    // Electronic supervision: the case's clocks and everything supervision did about it.
    view["sv_clocks"] = app.monitor->ClocksFor("approval", c.case_no);
    nlohmann::json sv_events = nlohmann::json::array();
    for (const auto& e : app.monitor->EventsFor("approval", c.case_no)) {
      sv_events.push_back({{"time", core::FormatLocal(e.ts)}, {"actor", e.actor}, {"text", e.text},
                           {"href", "/supervision/alerts/" + std::to_string(e.alert_id)}});
    }
    view["has_sv_events"] = !sv_events.empty();
    view["sv_events"] = sv_events;
    view["has_sv"] = !view["sv_clocks"].empty() || !sv_events.empty();
    return app.renderer->Page(req, "internal/case", "办件 " + c.case_no, view, status);
  };
  r.Add("GET", "/cases/:case_no", Access::kStaff, [case_page](Request& req) { return case_page(req, {}, 200); });
  r.Add("GET", "/cases/:case_no/documents/:doc_no", Access::kStaff, [&app](Request& req) {
    app.cases->ForStaff(ContextOf(req), req.Param("case_no"));  // per unit
    return PdfResponse(app, req.Param("case_no"), req.Param("doc_no"));
  });
  r.Add("POST", "/cases/:case_no/actions", Access::kStaff, [&app, case_page, secure](Request& req) {
    try {
      approval::CaseAction a;
      a.action = req.Field("action");
      a.opinion = req.Field("opinion");
      a.missing = Lines(req.Field("missing"));
      a.decision = req.Field("decision");
      try {
        a.days = req.Field("days").empty() ? 0 : std::stoi(req.Field("days"));
      } catch (const std::exception&) {
        throw Error(ErrorCode::kInvalidInput, "延长天数应为整数", {{"days", "延长天数应为整数"}});
      }
      approval::Case c = app.cases->Act(ContextOf(req), req.Param("case_no"), a);
      Response res = Response::Redirect("/cases/" + http::UrlEncode(c.case_no));
      http::Renderer::Flash(res, "已办理：" + approval::CaseStateLabel(c.state), secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return case_page(req, {{"error", http::ErrorView(e)}}, ErrorCodeHttpStatus(e.code()));
    }
  });
  r.Add("GET", "/api/v1/cases", Access::kStaff, [&app](Request& req) {
    nlohmann::json rows = nlohmann::json::array();
    const bool mine = req.Query("queue") == "mine";
    for (const auto& c : app.cases->Queue(ContextOf(req), req.Query("state"), mine)) rows.push_back(approval::CaseJson(c, true));
    return Response::Json({{"cases", rows}});
  });
  r.Add("GET", "/api/v1/cases/:case_no", Access::kStaff, [&app](Request& req) {
    return Response::Json(approval::CaseJson(app.cases->ForStaff(ContextOf(req), req.Param("case_no")), true));
  });
  r.Add("POST", "/api/v1/cases/:case_no/actions", Access::kStaff, [&app](Request& req) {
    const nlohmann::json& j = req.Json();
    std::vector<std::string> missing;
    if (j.contains("missing") && j["missing"].is_array()) {
      for (const auto& m : j["missing"]) {
        if (m.is_string()) missing.push_back(m.get<std::string>());
      }
    }
    approval::CaseAction a;
    a.action = j.value("action", "");
    a.opinion = j.value("opinion", "");
    a.missing = missing;
    a.decision = j.value("decision", "");
    a.days = j.value("days", 0);
    approval::Case c = app.cases->Act(ContextOf(req), req.Param("case_no"), a);
    return Response::Json(approval::CaseJson(c, true));
  });
}

}  // namespace yiwang::modules
