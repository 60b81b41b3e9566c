// Applications and cases over HTTP. External: apply for an item (multipart form with one file
// per material, or JSON with base64 materials), drafts (保存草稿, 继续填写, 删除; the drafts API),
// my cases, corrections, fees to pay and paid, the public status lookup (全过程公开).
// Internal: the window queue, a case with every deadline explained, the actions including
// 核定收费 and 登记缴费. Both case pages render the deadlines with one template
// (templates/shared/deadlines.mustache).

#include <cstdlib>
#include <sstream>

#include "app/app.hpp"
#include "app/modules.hpp"
#include "approval/cases.hpp"
#include "approval/ratings.hpp"
#include "approval/drafts.hpp"
#include "approval/transfer.hpp"
#include "approval/views.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "http/forms.hpp"

namespace yiwang::modules {
namespace {

/// The cookie that carries a new case's query code from the submission to its page, once.
constexpr const char* kQueryCodeCookie = "yw_code";

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

/// Files sent in JSON under `key`: [{material_no, filename, content_base64}] (an application's
/// "materials"; an action's "attachments", whose material_no is unused).
std::vector<approval::Upload> UploadsFromJson(const nlohmann::json& j, const std::string& key = "materials") {
  std::vector<approval::Upload> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_array()) throw Error(ErrorCode::kInvalidInput, key + " 应为数组", {{key, "应为数组"}});
  for (const auto& m : j[key]) {
    if (!m.is_object()) throw Error(ErrorCode::kInvalidInput, key + " 的每一项应为对象", {{key, "应为对象"}});
    const std::string bytes = core::Base64Decode(m.value("content_base64", ""), key == "materials" ? "材料内容" : "附件内容");
    out.push_back({m.value("material_no", 0), m.value("filename", ""), bytes});
  }
  return out;
}

/// An action's 办理附件 on the page: file parts named "attachments" (an empty file input is none).
std::vector<approval::Upload> AttachmentsFromForm(const Request& req) {
  std::vector<approval::Upload> out;
  for (const auto& part : req.Files()) {
    if (part.name == "attachments" && !part.data.empty()) out.push_back({0, part.filename, part.data});
  }
  return out;
}

/// A 办理附件 of a case, by its SM3, to the staff of the case's unit (the caller checked).
Response AttachmentResponse(app::App& app, const approval::Case& c, const std::string& sm3) {
  for (const auto& a : c.attachments) {
    if (a.file_sm3 == sm3) return Response::Download(app.files->Read(sm3), a.mime, c.case_no + "-attachment", a.filename);
  }
  throw Error(ErrorCode::kNotFound, "该办件没有这个附件");
}

/// The upload limits for a page with file fields (stated on the page, checked by its script
/// before sending): each file, and all files of one request — a request over max_body_bytes is
/// cut off by the server without an answer, so the files get that less room for the other fields.
nlohmann::json UploadLimitsView(const core::Config& config) {
  const std::int64_t total = std::max<std::int64_t>(config.max_body_bytes - 512 * 1024, 1024 * 1024);
  return {{"max_bytes", config.upload_max_bytes},
          {"max_mb", config.upload_max_bytes / (1024 * 1024)},
          {"total_max_bytes", total},
          {"total_max_mb", total / (1024 * 1024)}};
}

/// Each material's problem of a refused form (fields material_<no>) beside its own field.
void MaterialProblems(nlohmann::json& materials, const nlohmann::json& view) {
  if (!view.contains("error") || !view["error"].contains("fields")) return;
  for (auto& m : materials) {
    const std::string key = m["field"].get<std::string>();
    if (view["error"]["fields"].contains(key)) m["problem"] = view["error"]["fields"][key];
  }
}

/// What a staff member is told after an action on the page: what was done and where the case is now.
std::string DoneText(app::App& app, const std::string& action, const approval::Case& c) {
  auto step_name = [&]() -> std::string {
    try {
      const approval::Item item = app.cases->ItemOf(c);
      if (c.current_step >= 1 && c.current_step <= static_cast<int>(item.steps.size())) {
        return item.steps[static_cast<std::size_t>(c.current_step - 1)].name;
      }
    } catch (const Error&) {
    }
    return "";
  };
  if (action == "accept") return "已受理，受理通知书已出具并告知申请人";
  if (action == "refuse") return "已作出不予受理决定，已告知申请人";
  if (action == "request_correction") return "已一次性告知补正，等待申请人补正材料";
  if (action == "claim") return "已签收“" + step_name() + "”环节";
  if (action == "complete_step") {
    const std::string next = step_name();
    return next.empty() ? "已完成本环节" : "已完成本环节，转入“" + next + "”环节，等待签收";
  }
  if (action == "release") {
    // The last event says whose it was: one's own step given up, or someone else's taken back.
    const bool own = !c.events.empty() && c.events.back().opinion.rfind("取消签收", 0) == 0;
    return std::string(own ? "已取消签收" : "已收回") + "“" + step_name() + "”环节，等待重新签收";
  }
  if (action == "return_step") return "已退回“" + step_name() + "”环节，等待重新签收办理";
  if (action == "decide") return "已作出" + approval::DecisionLabel(c) + "决定，决定书已签章，已告知申请人";
  if (action == "conclude") return "已办结，已告知申请人";
  if (action == "suspend") return "已进入特别程序，办理期限暂停计算";
  if (action == "resume") return "特别程序结束，恢复计时；承诺办结期限调整为 " + c.promised_due;
  if (action == "extend") return "已延长办理期限 " + std::to_string(c.extension_days) + " 个工作日，办结期限调整为 " + c.statutory_due;
  if (action == "assess_fees") return "已核定收费，已告知申请人";
  if (action == "record_payment") return "已登记缴费";
  if (action == "refund") return "已登记退费，已告知申请人";
  return "已办理：" + approval::CaseStateLabel(c.state);
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
    return Response::Download(app.documents->Pdf(d), "application/pdf", d.doc_no + ".pdf", d.doc_no + ".pdf");
  }
  throw Error(ErrorCode::kNotFound, "文书不存在：" + doc_no);
}

/// One of a case's application materials, by its SM3 (as the case shows it), to the staff of
/// the case's unit or to its applicant (the caller checked which). Always a download: the bytes
/// come from an applicant and are never rendered in this origin.
Response MaterialResponse(app::App& app, const approval::Case& c, const std::string& sm3) {
  for (const auto& m : c.materials) {
    if (m.file_sm3 != sm3) continue;
    const std::string ext = m.mime == "application/pdf" ? ".pdf"
                            : m.mime == "image/png"     ? ".png"
                            : m.mime == "image/jpeg"    ? ".jpg"
                            : m.mime == "application/ofd" ? ".ofd"
                                                          : "";
    return Response::Download(app.files->Read(sm3), m.mime, c.case_no + "-" + std::to_string(m.material_no) + ext,
                              m.filename.empty() ? m.name + ext : m.filename);
  }
  throw Error(ErrorCode::kNotFound, "该办件没有这份材料");
}

/// A verification for anyone who asks. A document number is a case number (public in 办件公示)
/// and a letter, so the holder's name is shown masked as in 办件公示 (MaskApplicant), the ID
/// number already is; only whoever submits the very file, and so holds the document, sees the
/// name as certified.
nlohmann::json VerificationView(const approval::Verification& v) {
  const bool valid = v.found && v.signature_valid && v.bytes_match;
  nlohmann::json j = {{"found", v.found}, {"valid", valid}, {"message", v.message}};
  if (v.found) {
    j["document"] = approval::DocumentJson(v.document);
    nlohmann::json& payload = j["document"]["payload"];
    if (!(valid && v.file_checked) && payload.is_object() && payload.contains("holder") && payload["holder"].is_string()) {
      // Where the case is not known here, a name of up to four characters is a person's.
      const std::string holder = payload["holder"].get<std::string>();
      const std::string kind = !v.holder_kind.empty() ? v.holder_kind : core::Utf8Length(holder) <= 4 ? "person" : "enterprise";
      payload["holder"] = approval::MaskApplicant(kind, holder);
      j["document"]["holder_masked"] = true;
    }
  }
  return j;
}

/// One deadline with its day-by-day explanation, for pages and the API.
nlohmann::json DeadlineJson(const approval::Deadline& d) {
  nlohmann::json days = nlohmann::json::array();
  int k = 0;
  for (const auto& day : d.result.days) {
    days.push_back({{"date", calendar::FormatDate(day.date)}, {"weekday", calendar::WeekdayName(day.date)},
                    {"counted", day.counted}, {"ordinal", day.counted ? ++k : 0}, {"reason", day.reason}});
  }
  return {{"name", d.name}, {"basis", d.basis},   {"start", calendar::FormatDate(d.start)},
          {"days_limit", d.days}, {"due", calendar::FormatDate(d.result.due)}, {"days", days},
          {"notes", d.notes}, {"has_notes", !d.notes.empty()}, {"explanation", approval::ExplainDeadline(d)},
          {"status", d.status}, {"status_text", d.status_text}, {"status_" + (d.status.empty() ? "none" : d.status), true},
          {"internal", d.internal}};
}

/// Every deadline of the case explained; the applicant's view leaves out the steps' limits (the
/// office's own work plan). When they cannot be computed here (a portal node without the year's
/// calendar, an item version it never received) the reason is returned in `unavailable` instead
/// of failing the page.
nlohmann::json DeadlinesView(app::App& app, const approval::Case& c, std::string* unavailable, bool staff) {
  nlohmann::json out = nlohmann::json::array();
  try {
    for (const auto& d : app.cases->DeadlinesOf(c)) {
      if (staff || !d.internal) out.push_back(DeadlineJson(d));
    }
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kInvalidInput && e.code() != ErrorCode::kNotFound) throw;
    if (unavailable) *unavailable = "期限说明暂时无法显示：" + e.message();
    return nlohmann::json::array();
  }
  return out;
}

/// The deadlines section of both case pages: one template, the same explanation inside and out.
std::string DeadlinesHtml(app::App& app, const approval::Case& c, bool staff) {
  std::string unavailable;
  nlohmann::json list = DeadlinesView(app, c, &unavailable, staff);
  if (list.empty() && unavailable.empty()) return "";
  return app.renderer->Render("shared/deadlines", {{"deadlines", list}, {"unavailable", unavailable}});
}

/// An amount in 元 as sent in JSON: a string as typed, or a number.
std::string AmountText(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "";
  if (j[key].is_string()) return j[key].get<std::string>();
  if (j[key].is_number()) return j[key].dump();
  throw Error(ErrorCode::kInvalidInput, std::string(key) + " 应为金额（元）", {{key, "金额应为数字（元，最多两位小数）"}});
}

/// The error of a form as one list of messages (the fee forms show every field's problem).
nlohmann::json ProblemsView(const Error& e) {
  nlohmann::json view = http::ErrorView(e);
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& [k, v] : e.fields()) problems.push_back(v);
  view["problems"] = problems;
  return view;
}

std::int64_t DraftIdOf(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
    throw Error(ErrorCode::kNotFound, "草稿不存在");
  }
  return std::stoll(text);
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
    nlohmann::json it = ItemForApply(item);
    if (view.contains("draft")) {  // what the draft already holds: a new file replaces it
      for (auto& m : it["materials"]) {
        for (const auto& u : view["draft"]["materials"]) {
          if (u["material_no"] == m["no"]) m["uploaded"] = u;
        }
      }
    }
    MaterialProblems(it["materials"], view);  // an item may have any number of materials
    view["item"] = it;
    if (!view.contains("values")) {  // a new application: the account's own name and mobile to start from
      const auto account = app.identity->FindPublic(req.principal.id);
      view["values"] = {{"contact_name", req.principal.name},
                        {"contact_mobile", account ? account->mobile : ""},
                        {"description", ""}};
    }
    view["idempotency_key"] = core::RandomToken(16);
    view["limits"] = UploadLimitsView(app.config);
    return app.renderer->Page(req, "external/apply", "在线申报：" + item.name, view, status);
  };
  /// A draft of this item owned by the logged-in applicant (another's, or another item's: 404).
  auto own_draft = [&app](Request& req, const std::string& id_text, const std::string& code) {
    approval::Draft d = app.drafts->Get(ContextOf(req), DraftIdOf(id_text));
    if (d.item_code != code) throw Error(ErrorCode::kNotFound, "草稿不存在");
    return d;
  };
  r.Add("GET", "/services/items/:code/apply", Access::kPublic, [apply_page, own_draft](Request& req) {
    nlohmann::json view = nlohmann::json::object();
    if (!req.Query("draft").empty()) {  // 继续填写
      approval::Draft d = own_draft(req, req.Query("draft"), req.Param("code"));
      if (!d.case_no.empty()) return Response::Redirect("/account/cases/" + http::UrlEncode(d.case_no));
      view["draft"] = approval::DraftJson(d);
      view["values"] = {{"contact_name", d.contact_name}, {"contact_mobile", d.contact_mobile}, {"description", d.description}};
    }
    return apply_page(req, req.Param("code"), view, 200);
  });
  // The query code goes to the case page in a short-lived cookie, not in its address (history,
  // logs; a link with a made-up ?code= would show a wrong one), and is shown there once.
  auto submitted = [secure](const approval::Submitted& s) {
    Response res = Response::Redirect("/account/cases/" + http::UrlEncode(s.case_no));
    if (!s.query_code.empty()) res.SetCookie(kQueryCodeCookie, s.case_no + "." + s.query_code, 300, secure);
    http::Renderer::Flash(res, s.repeated ? "该申请已提交过，未重复创建办件" : "申请已提交，办件编号 " + s.case_no, secure);
    return res;
  };
  // One form, two buttons: 提交申请 (intent empty) and 保存草稿 (intent=draft). With a draft_id
  // the draft is saved first and then, to submit, submitted as itself (exactly once).
  r.Add("POST", "/services/items/:code/apply", Access::kPublic, [&app, apply_page, own_draft, submitted, secure](Request& req) {
    approval::Application in;
    in.item_code = req.Param("code");
    in.contact_name = req.Field("contact_name");
    in.contact_mobile = req.Field("contact_mobile");
    in.description = req.Field("description");
    in.idempotency_key = req.Field("idempotency_key");
    const bool save_only = req.Field("intent") == "draft";
    std::int64_t draft_id = 0;
    try {
      in.uploads = UploadsFromForm(req);
      if (!save_only && req.Field("draft_id").empty()) return submitted(app.cases->Submit(ContextOf(req), in));
      if (!req.Field("draft_id").empty()) {
        const approval::Draft existing = own_draft(req, req.Field("draft_id"), in.item_code);
        draft_id = existing.id;
        // Submitted already (a double click, a retry): the same case again, never a second one.
        if (!existing.case_no.empty() && !save_only) return submitted(app.drafts->Submit(ContextOf(req), draft_id));
      }
      approval::DraftInput d;
      d.item_code = in.item_code;
      d.contact_name = in.contact_name;
      d.contact_mobile = in.contact_mobile;
      d.description = in.description;
      d.uploads = in.uploads;
      draft_id = app.drafts->Save(ContextOf(req), draft_id, d).id;
      if (!save_only) return submitted(app.drafts->Submit(ContextOf(req), draft_id));
      Response res = Response::Redirect("/services/items/" + http::UrlEncode(in.item_code) + "/apply?draft=" +
                                        std::to_string(draft_id));
      http::Renderer::Flash(res, "草稿已保存。可随时在“我的办件”页面的“草稿”中继续填写；草稿只有您本人可见，提交前不会送交办理部门", secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      nlohmann::json view = {{"error", http::ErrorView(e)},
                             {"values", {{"contact_name", in.contact_name}, {"contact_mobile", in.contact_mobile},
                                         {"description", in.description}}}};
      if (draft_id) view["draft"] = approval::DraftJson(app.drafts->Get(ContextOf(req), draft_id));
      return apply_page(req, in.item_code, view, ErrorCodeHttpStatus(e.code()));
    }
  });
  auto case_page = [&app, secure](Request& req, nlohmann::json view, int status) {
    approval::Case c = app.cases->ForApplicant(ContextOf(req), req.Param("case_no"));
    view["case"] = approval::CaseJson(c, false, &app.cases->payments());
    view["deadlines_html"] = DeadlinesHtml(app, c, false);
    // Just submitted: on its way to the department, no clock runs yet; say what happens next.
    view["in_transit"] = c.state == approval::CaseState::kSubmitted;
    // 第三十二条: the office stayed silent past the acceptance period; the applicant is told, too.
    if (c.state == approval::CaseState::kReceived) {
      if (const auto deemed = app.cases->DeemedAcceptanceOf(c)) {
        view["deemed_on"] = *deemed;
        // In law the case is accepted (as of the day it was received), whatever the office has
        // not yet recorded: the applicant's status says so instead of 待受理.
        view["case"]["state_label"] = "视为受理";
      }
    }
    // 应缴费用: the assessment once made; before it, the item's catalogue fees as a guide.
    std::optional<approval::Item> item;
    try {
      item = app.cases->ItemOf(c);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) throw;
    }
    // 补正: every material of the item by name (the notice says which), each with its own field.
    if (c.state == approval::CaseState::kCorrection && item) {
      nlohmann::json materials = ItemForApply(*item)["materials"];
      MaterialProblems(materials, view);
      // The ones the notice names (its lines are the clerk's words: a material named in one is marked).
      bool any_asked = false;
      for (auto& m : materials) {
        const std::string name = m.value("name", "");
        m["asked"] = !name.empty() && c.correction_note.find(name) != std::string::npos;
        any_asked = any_asked || m["asked"].get<bool>();
      }
      view["any_asked"] = any_asked;
      view["correction_materials"] = materials;
      view["limits"] = UploadLimitsView(app.config);
    }
    if (!c.fees.empty() || (item && !item->fees.empty())) {
      nlohmann::json paid = nlohmann::json::array();
      for (const auto& f : view["case"]["fees"]) {
        if (f["paid"].get<bool>()) paid.push_back(f);
      }
      // Ended without the licence (withdrawn, 不予许可): nothing more to pay, and what was paid
      // is to be refunded (退费, shown once the department records it).
      const bool ended = approval::Refundable(c);
      const bool to_refund = ended && std::any_of(c.fees.begin(), c.fees.end(), [](const approval::CaseFee& f) {
                               return f.ToRefund();
                             });
      view["fee_panel"] = {{"catalogue", item ? approval::ItemJson(*item)["fees"] : nlohmann::json::array()},
                           {"place", item ? item->place : ""},
                           {"payments", paid},
                           {"has_payments", !paid.empty()},
                           {"ended", ended},
                           {"to_refund", to_refund},
                           {"unpaid", !ended && !c.fees.empty() && view["case"]["fees_due_fen"].get<std::int64_t>() > 0}};
    }
    view["documents"] = DocumentsView(app, c.case_no, "/account/cases/");
    view["has_documents"] = !view["documents"].empty();
    // The query code is shown once, right after submission (only its SM3 is stored): from the
    // cookie the submission set, for this case only; the page then clears it.
    const std::string sent_code = req.Cookie(kQueryCodeCookie);
    bool clear_code = false;
    if (!sent_code.empty()) {
      const std::string prefix = c.case_no + ".";
      const std::string code = sent_code.rfind(prefix, 0) == 0 ? sent_code.substr(prefix.size()) : "";
      if (code.size() == 6 && code.find_first_not_of("0123456789") == std::string::npos) {
        view["query_code"] = code;
        clear_code = true;
      }
    }
    // 撤回申请: offered until the decision; a request on its way is shown instead of the offer.
    const bool pending = approval::WithdrawalPending(c);
    if (approval::Withdrawable(c.state) && !pending) view["can_withdraw"] = true;
    for (auto e = c.events.rbegin(); e != c.events.rend(); ++e) {
      if (pending && e->action == "withdraw_request") {
        view["withdrawal_pending"] = {{"requested_at", core::FormatLocal(e->ts)}};
        break;
      }
      if (c.state == approval::CaseState::kWithdrawn && e->action == "withdraw") {
        view["withdrawn"] = {{"time", core::FormatLocal(e->ts)}, {"item_code", c.item_code}};
        break;
      }
    }
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
    Response res = app.renderer->Page(req, "external/case", "办件 " + c.case_no, view, status);
    if (clear_code) res.SetCookie(kQueryCodeCookie, "", 0, secure);
    return res;
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
  // 撤回申请: a confirmation page (reason, and the consequence acknowledged), then the request.
  auto withdraw_page = [&app, secure](Request& req, nlohmann::json view, int status) {
    approval::Case c = app.cases->ForApplicant(ContextOf(req), req.Param("case_no"));
    const bool pending = approval::WithdrawalPending(c);
    if (!approval::Withdrawable(c.state) || pending) {
      Response res = Response::Redirect("/account/cases/" + http::UrlEncode(c.case_no));
      http::Renderer::Flash(res, pending ? "您已申请撤回本件，正在等待办理部门确认"
                                                                 : "本件当前状态为“" + approval::CaseStateLabel(c.state) +
                                                                       "”，不能撤回申请",
                            secure);
      return res;
    }
    view["case"] = approval::CaseJson(c, false);
    return app.renderer->Page(req, "external/withdraw", "撤回申请 " + c.case_no, view, status);
  };
  r.Add("GET", "/account/cases/:case_no/withdraw", Access::kPublic,
        [withdraw_page](Request& req) { return withdraw_page(req, {}, 200); });
  r.Add("POST", "/account/cases/:case_no/withdraw", Access::kPublic, [&app, withdraw_page, secure](Request& req) {
    try {
      if (req.Field("confirm") != "1") {  // every problem of the form at once
        std::map<std::string, std::string> fields = {{"confirm", "请勾选：我已知晓撤回后本件终止办理"}};
        if (auto bad = approval::WithdrawalReasonProblem(req.Field("reason")); !bad.empty()) fields["reason"] = bad;
        throw Error(ErrorCode::kInvalidInput, "请填写撤回理由并确认已知晓撤回的后果", fields);
      }
      app.cases->Withdraw(ContextOf(req), req.Param("case_no"), req.Field("reason"));
      Response res = Response::Redirect("/account/cases/" + http::UrlEncode(req.Param("case_no")));
      http::Renderer::Flash(res, "撤回申请已提交。办理部门确认后本件终止办理，结果见“办理过程”", secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return withdraw_page(req,
                           {{"error", http::ErrorView(e)}, {"reason", req.Field("reason")},
                            {"confirmed", req.Field("confirm") == "1"}},
                           ErrorCodeHttpStatus(e.code()));
    }
  });
  r.Add("GET", "/account/cases/:case_no/materials/:sm3", Access::kPublic, [&app](Request& req) {
    approval::Case c = app.cases->ForApplicant(ContextOf(req), req.Param("case_no"));  // the applicant's own case only
    return MaterialResponse(app, c, req.Param("sm3"));
  });
  r.Add("GET", "/account/cases/:case_no/documents/:doc_no", Access::kPublic, [&app](Request& req) {
    app.cases->ForApplicant(ContextOf(req), req.Param("case_no"));  // the applicant's own case only
    return PdfResponse(app, req.Param("case_no"), req.Param("doc_no"));
  });
  // The QR code on a sealed document opens this page: valid or not, and what was certified.
  // Uploading the PDF checks that not a byte of it was changed.
  // GET /verify (no number): the form to type the number printed on a paper document.
  auto verify_page = [&app](Request& req, const std::string* bytes, const std::string& file_error = "") {
    const bool lookup = req.Param("doc_no").empty();
    nlohmann::json view = {{"lookup", true}, {"found", false}, {"valid", false}};
    int status = 200;
    if (!lookup) {
      approval::Verification v = app.documents->Verify(req.Param("doc_no"), bytes);
      view = VerificationView(v);
      view["doc_no"] = req.Param("doc_no");
      view["checked_file"] = bytes != nullptr;
      status = !v.found ? 404 : file_error.empty() ? 200 : 400;
      if (!file_error.empty()) view["file_error"] = file_error;
    }
    return app.renderer->FormPage(req, "external/verify", "电子文书核验", view, status);
  };
  r.Add("GET", "/verify", Access::kAnyone, [verify_page](Request& req) {
    std::string no = core::Trim(req.Query("doc_no"));
    std::transform(no.begin(), no.end(), no.begin(), [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    if (!no.empty()) return Response::Redirect("/verify/" + http::UrlEncode(no));
    return verify_page(req, nullptr);
  });
  r.Add("GET", "/verify/:doc_no", Access::kAnyone, [verify_page](Request& req) { return verify_page(req, nullptr); });
  r.Add("POST", "/verify/:doc_no", Access::kAnyone, [verify_page](Request& req) {
    const http::Part* file = req.File("file");
    if (!file || file->data.empty()) return verify_page(req, nullptr, "请选择要核验的 PDF 文件");
    return verify_page(req, &file->data);
  });
  r.Add("GET", "/api/v1/certificates/:doc_no/verify", Access::kAnyone, [&app](Request& req) {
    approval::Verification v = app.documents->Verify(req.Param("doc_no"));
    return Response::Json(VerificationView(v), v.found ? 200 : 404);
  });
  r.Add("GET", "/account/cases", Access::kPublic, [&app](Request& req) {
    nlohmann::json rows = nlohmann::json::array(), drafts = nlohmann::json::array();
    const std::string group = req.Query("show");
    const int page = http::PageParam(req);
    std::map<std::string, std::int64_t> counts;
    const approval::CasePage list = app.cases->MyCases(ContextOf(req), group, page, 20, &counts);
    for (const auto& c : list.cases) {
      nlohmann::json j = approval::CaseJson(c, false);
      j.erase("events");
      j.erase("materials");
      rows.push_back(j);
    }
    nlohmann::json tabs = nlohmann::json::array();
    for (const auto& [key, label] : std::vector<std::pair<std::string, std::string>>{
             {"", "全部"}, {"correction", "待我补正"}, {"open", "办理中"}, {"concluded", "已办结"}, {"ended", "不予受理或已撤回"}}) {
      tabs.push_back({{"href", key.empty() ? "/account/cases" : "/account/cases?show=" + key},
                      {"label", label},
                      {"count", counts[key]},
                      {"current", key == group},
                      {"attention", key == "correction" && counts[key] > 0}});
    }
    for (const auto& d : app.drafts->Mine(ContextOf(req))) {
      nlohmann::json j = approval::DraftJson(d);
      j["href"] = "/services/items/" + http::UrlEncode(d.item_code) + "/apply?draft=" + std::to_string(d.id);
      j["material_count"] = d.materials.size();
      drafts.push_back(j);
    }
    return app.renderer->Page(req, "external/my_cases", "我的办件",
                              {{"cases", rows},
                               {"empty", rows.empty()},
                               {"none_at_all", counts[""] == 0},
                               {"tabs", tabs},
                               {"pager", http::PagerView(req, list.total, page, 20)},
                               {"drafts", drafts},
                               {"draft_count", drafts.size()},
                               {"has_drafts", !drafts.empty()}});
  });
  r.Add("POST", "/account/drafts/:id/delete", Access::kPublic, [&app, secure](Request& req) {
    app.drafts->Delete(ContextOf(req), DraftIdOf(req.Param("id")));
    Response res = Response::Redirect("/account/cases");
    http::Renderer::Flash(res, "草稿已删除", secure);
    return res;
  });
  r.Add("GET", "/services/concluded", Access::kAnyone, [&app](Request& req) {
    const int page = http::PageParam(req);
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
  // 办件查询: the form is sent by POST so that the query code stays out of the address (browser
  // history, proxies' and servers' logs); a link with ?case_no=&code= (older pages) still works.
  auto track_page = [&app](Request& req, const std::string& case_no, const std::string& code, bool posted) {
    nlohmann::json view = {{"case_no", case_no}};
    int status = 200;
    if (posted && (core::Trim(case_no).empty() || core::Trim(code).empty())) {
      view["error"] = core::Trim(case_no).empty() && core::Trim(code).empty() ? "请填写办件编号和查询码"
                      : core::Trim(case_no).empty()                         ? "请填写办件编号"
                                                                            : "请填写查询码（6 位数字，提交申请时告知，也在短信中）";
      status = 400;
    } else if (!core::Trim(case_no).empty() && !core::Trim(code).empty()) {  // a number alone: the form, filled in
      try {
        nlohmann::json c = approval::CaseJson(
            app.lookups->Guard(req.client_ip, identity::LookupGuard::Subject("case", case_no),
                               [&] { return app.cases->PublicStatus(case_no, code); }),
            false);
        c.erase("materials");  // file names may carry personal data; the applicant sees them logged in
        view["case"] = c;
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kNotFound && e.code() != ErrorCode::kTooManyRequests) throw;
        view["error"] = e.message();
        status = ErrorCodeHttpStatus(e.code());
      }
    }
    return app.renderer->FormPage(req, "external/track", "办件查询", view, status);
  };
  r.Add("GET", "/services/track", Access::kAnyone, [track_page](Request& req) {
    return track_page(req, req.Query("case_no"), req.Query("code"), false);
  });
  r.Add("POST", "/services/track", Access::kAnyone, [track_page](Request& req) {
    return track_page(req, req.Field("case_no"), req.Field("code"), true);
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
  r.Add("POST", "/api/v1/applications/:case_no/withdrawal", Access::kPublic, [&app](Request& req) {
    const nlohmann::json& j = req.Json();
    const std::string reason = j.contains("reason") && j["reason"].is_string() ? j["reason"].get<std::string>() : "";
    const approval::Case c = app.cases->Withdraw(ContextOf(req), req.Param("case_no"), reason);
    return Response::Json({{"case_no", c.case_no}, {"state", approval::CaseStateKey(c.state)},
                           {"state_label", approval::CaseStateLabel(c.state)},
                           {"withdrawal", c.state == approval::CaseState::kWithdrawn ? "withdrawn" : "requested"}},
                          202);
  });
  // 我的办件 over the API: the applicant's own cases in one group, newest first, with the counts.
  r.Add("GET", "/api/v1/applications", Access::kPublic, [&app](Request& req) {
    const int page = http::PageParam(req);
    const int per_page = static_cast<int>(std::clamp<std::int64_t>(req.QueryInt("per_page", 20), 1, 200));
    std::map<std::string, std::int64_t> counts;
    const approval::CasePage list = app.cases->MyCases(ContextOf(req), req.Query("show"), page, per_page, &counts);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& c : list.cases) {
      nlohmann::json j = approval::CaseJson(c, false, &app.cases->payments());
      j.erase("events");
      j.erase("materials");
      rows.push_back(j);
    }
    nlohmann::json groups = nlohmann::json::object();
    for (const auto& [key, n] : counts) groups[key.empty() ? "all" : key] = n;
    return Response::Json(
        {{"cases", rows}, {"total", list.total}, {"page", page}, {"per_page", per_page}, {"counts", groups}});
  });
  r.Add("GET", "/api/v1/applications/:case_no", Access::kAnyone, [&app](Request& req) {
    if (req.principal.kind == "public" && req.Query("code").empty()) {
      approval::Case c = app.cases->ForApplicant(ContextOf(req), req.Param("case_no"));
      nlohmann::json j = approval::CaseJson(c, false, &app.cases->payments());
      j["deadlines"] = DeadlinesView(app, c, nullptr, false);
      return Response::Json(j);
    }
    // Without a code there is nothing to check (and no wrong try to count).
    if (core::Trim(req.Query("code")).empty()) {
      throw Error(ErrorCode::kInvalidInput, "请提供查询码", {{"code", "请填写查询码（6 位数字，提交申请时告知）"}});
    }
    nlohmann::json c = approval::CaseJson(
        app.lookups->Guard(req.client_ip, identity::LookupGuard::Subject("case", req.Param("case_no")),
                           [&] { return app.cases->PublicStatus(req.Param("case_no"), req.Query("code")); }),
        false);
    c.erase("materials");
    return Response::Json(c);
  });
}

// ---- drafts API (external zone; the applicant's own drafts only)
void RegisterDraftsApi(http::Router& r, app::App& app) {
  auto input = [](const Request& req, approval::DraftInput& in) {
    if (req.Header("content-type").rfind("multipart/form-data", 0) == 0) {
      in.item_code = req.Field("item_code");
      if (!req.Fields("contact_name").empty()) in.contact_name = req.Field("contact_name");
      if (!req.Fields("contact_mobile").empty()) in.contact_mobile = req.Field("contact_mobile");
      if (!req.Fields("description").empty()) in.description = req.Field("description");
      in.uploads = UploadsFromForm(req);
      return;
    }
    const nlohmann::json& j = req.Json();
    in.item_code = j.value("item_code", "");
    if (j.contains("contact_name")) in.contact_name = j["contact_name"].get<std::string>();
    if (j.contains("contact_mobile")) in.contact_mobile = j["contact_mobile"].get<std::string>();
    if (j.contains("description")) in.description = j["description"].get<std::string>();
    in.uploads = UploadsFromJson(j);
    if (j.contains("remove_materials")) in.remove = j["remove_materials"].get<std::vector<int>>();
  };
  r.Add("GET", "/api/v1/drafts", Access::kPublic, [&app](Request& req) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& d : app.drafts->Mine(ContextOf(req))) rows.push_back(approval::DraftJson(d));
    return Response::Json({{"drafts", rows}});
  });
  r.Add("POST", "/api/v1/drafts", Access::kPublic, [&app, input](Request& req) {
    approval::DraftInput in;
    input(req, in);
    return Response::Json(approval::DraftJson(app.drafts->Save(ContextOf(req), 0, in)), 201);
  });
  r.Add("GET", "/api/v1/drafts/:id", Access::kPublic, [&app](Request& req) {
    return Response::Json(approval::DraftJson(app.drafts->Get(ContextOf(req), DraftIdOf(req.Param("id")))));
  });
  r.Add("PUT", "/api/v1/drafts/:id", Access::kPublic, [&app, input](Request& req) {
    const std::int64_t id = DraftIdOf(req.Param("id"));
    approval::DraftInput in;
    input(req, in);
    return Response::Json(approval::DraftJson(app.drafts->Save(ContextOf(req), id, in)));
  });
  r.Add("DELETE", "/api/v1/drafts/:id", Access::kPublic, [&app](Request& req) {
    const std::int64_t id = DraftIdOf(req.Param("id"));
    app.drafts->Delete(ContextOf(req), id);
    return Response::Json({{"deleted", true}, {"id", id}});
  });
  r.Add("POST", "/api/v1/drafts/:id/submit", Access::kPublic, [&app](Request& req) {
    approval::Submitted s = app.drafts->Submit(ContextOf(req), DraftIdOf(req.Param("id")));
    nlohmann::json body = {{"case_no", s.case_no}, {"repeated", s.repeated}};
    if (!s.query_code.empty()) body["query_code"] = s.query_code;
    return Response::Json(body, s.repeated ? 200 : 201);
  });
}

void RegisterCasesInternal(http::Router& r, app::App& app) {
  const bool secure = app.config.secure_cookies;
  r.Add("GET", "/cases", Access::kStaff, [&app](Request& req) {
    const std::string state = req.Query("state", "mine");
    approval::QueueQuery query;
    query.mine = state == "mine";
    query.state = state == "all" || query.mine ? "" : state;
    query.q = req.Query("q");
    query.page = http::PageParam(req);
    query.per_page = 20;
    approval::CasePage list;
    std::string q_error;
    try {
      list = app.cases->Queue(ContextOf(req), query);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kInvalidInput || !e.fields().count("q")) throw;
      q_error = e.fields().at("q");  // the search box says what is wrong; the list is empty
    }
    nlohmann::json rows = nlohmann::json::array();
    const std::string today = core::FormatLocalDate(app.clock->NowMs());
    std::map<std::string, std::vector<std::string>> step_names;  // by item version, for the rows' 当前环节
    for (const auto& c : list.cases) {
      nlohmann::json j = approval::CaseJson(c, true);
      j.erase("events");
      j.erase("materials");
      if ((c.state == approval::CaseState::kAccepted || c.state == approval::CaseState::kInProgress ||
           c.state == approval::CaseState::kSuspended) && c.current_step >= 1) {
        const std::string key = c.item_code + "@" + std::to_string(c.item_version);
        if (!step_names.count(key)) {
          auto& names = step_names[key];
          try {
            for (const auto& s : app.cases->ItemOf(c).steps) names.push_back(s.name);
          } catch (const Error&) {
          }
        }
        const auto& names = step_names[key];
        if (c.current_step <= static_cast<int>(names.size())) {
          j["step_name"] = names[static_cast<std::size_t>(c.current_step - 1)];
          j["step_waiting"] = c.assignee_id == 0;
        }
      }
      const std::string due = approval::RunningDue(c);
      j["due"] = due;
      const bool late = !due.empty() && due < today;
      j["overdue"] = late && c.state != approval::CaseState::kCorrection;
      j["correction_overdue"] = late && c.state == approval::CaseState::kCorrection;  // the applicant's 补正期限
      rows.push_back(j);
    }
    const std::string q = core::Trim(query.q);
    const bool window = req.principal.Has(identity::Role::kWindowClerk) || req.principal.Has(identity::Role::kSupervisor);
    return app.renderer->Page(req, "internal/cases", window ? "办件受理" : "办件办理",
                              {{"cases", rows},
                               {"window", window},
                               {"empty", rows.empty()},
                               {"state", state},
                               {"state_" + state, true},
                               {"q", q},
                               {"q_error", q_error},
                               {"q_param", q.empty() ? "" : "&q=" + http::UrlEncode(q)},
                               {"total", list.total},
                               {"pager", http::PagerView(req, list.total, query.page, query.per_page)},
                               {"today", today}});
  });
  auto case_page = [&app](Request& req, nlohmann::json view, int status) {
    bool own_unit = false;
    approval::Case c = app.cases->ForStaff(ContextOf(req), req.Param("case_no"), &own_unit);
    view["case"] = approval::CaseJson(c, true, &app.cases->payments());
    view["documents"] = DocumentsView(app, c.case_no, "/cases/");
    view["has_documents"] = !view["documents"].empty();
    view["deadlines_html"] = DeadlinesHtml(app, c, true);
    const auto deemed = app.cases->DeemedAcceptanceOf(c);
    if (deemed) view["deemed_on"] = *deemed;
    const auto& p = req.principal;
    using approval::CaseState;
    view["can_act"] = c.state == CaseState::kReceived && p.Has(identity::Role::kWindowClerk);
    // The list this page belongs to, named as in the menu (the same rule as the list's title).
    view["window_section"] = p.Has(identity::Role::kWindowClerk) || p.Has(identity::Role::kSupervisor);
    view["can_correct"] = c.corrections_requested == 0 && !deemed;  // Art. 32: not once deemed accepted

    // After a refused form the clerk's choice stays chosen (an error must never turn a 补正 into
    // an acceptance on the next click); with no form sent, nothing is preselected: each answer is
    // a sealed document, chosen on purpose.
    const std::string sent = view.contains("form") ? view["form"].value("action", "") : "";
    view["choose_correction"] = sent == "request_correction";
    view["choose_refuse"] = sent == "refuse";
    view["choose_accept"] = sent == "accept";
    view["refill"] = {{"acceptance", sent == "accept" || sent == "request_correction" || sent == "refuse"},
                      {"complete_step", sent == "complete_step"},
                      {"return_step", sent == "return_step"},
                      {"release", sent == "release"},
                      {"decide", sent == "decide"},
                      {"suspend", sent == "suspend"},
                      {"resume", sent == "resume"},
                      {"extend", sent == "extend"}};
    approval::Item item = app.cases->ItemOf(c);
    // 不予受理's grounds: 依法不需要取得行政许可 is for licences only; "other" stays chosen unless the sent form chose another.
    view["refuse_not_required"] = item.kind == approval::ItemKind::kLicense;
    if (!view.contains("form") || (!view["form"].contains("ground_not_required") && !view["form"].contains("ground_not_competent"))) {
      view["form"]["ground_other"] = true;
    }
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
    // A licence whose item fixes no term: the 审批人 may set one (a 变更 keeps the original's).
    view["asks_licence_term"] = item.kind == approval::ItemKind::kLicense && item.valid_years == 0;
    const approval::DecisionWording& wording = approval::WordingOf(item.kind);
    view["wording"] = {{"grant", wording.grant},
                       {"deny", wording.deny},
                       {"deny_short", wording.deny_short},
                       {"grant_short", wording.grant_short},
                       {"propose_grant", approval::ProposalLabel(item.kind, "approve")},
                       {"propose_deny", approval::ProposalLabel(item.kind, "deny")}};
    // 拟办意见 of the steps before the decision, beside the decision form.
    nlohmann::json proposals = nlohmann::json::array();
    for (const auto& sp : approval::StepProposals(c)) {
      proposals.push_back({{"step", sp.step_name}, {"actor", sp.actor}, {"time", core::FormatLocal(sp.ts)},
                           {"label", sp.proposal.empty() ? "未填写拟办意见" : approval::ProposalLabel(item.kind, sp.proposal)},
                           {"deny", sp.proposal == "deny"}, {"opinion", sp.opinion}});
    }
    view["proposals"] = proposals;
    view["has_proposals"] = !proposals.empty();
    // 退回: to an earlier handling step (not 受理), by whoever holds this step.
    nlohmann::json back = nlohmann::json::array();
    if (c.state == CaseState::kInProgress && c.assignee_id == p.id) {
      int chosen = c.current_step - 1;
      if (view.contains("form") && view["form"].value("action", "") == "return_step") {
        chosen = std::atoi(view["form"].value("to_step", "").c_str());
      }
      for (int no = 2; no < c.current_step; ++no) {
        back.push_back({{"no", no}, {"name", item.steps[static_cast<std::size_t>(no - 1)].name}, {"selected", no == chosen}});
      }
    }
    view["return_steps"] = back;
    view["can_return"] = !back.empty();
    // 取消签收 (one's own step) or 收回 (the 审批人, from someone else in the department).
    view["can_release_own"] = c.state == CaseState::kInProgress && c.assignee_id == p.id;
    view["can_release_other"] =
        c.state == CaseState::kInProgress && c.assignee_id != 0 && c.assignee_id != p.id && p.Has(identity::Role::kApprover);
    view["conclude_issues"] = c.decision == "approve";  // a grant's conclusion issues the certificate
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
    // 监察、审计 read every department's cases; the forms are for the case's own department only
    // (the service refuses the rest with 403 anyway).
    if (!own_unit) {
      for (const char* flag : {"can_act", "can_claim", "can_complete", "can_decide", "can_conclude", "can_suspend",
                               "can_resume", "can_extend", "can_return", "can_release_own", "can_release_other"}) {
        view[flag] = false;
      }
      view["read_only"] = true;
    }
    // 收费: the catalogue's fees of the item version, the assessment, the payments.
    if (!item.fees.empty() || !c.fees.empty()) {
      const bool open = flowing || c.state == CaseState::kSuspended || c.state == CaseState::kDecided;
      const bool fee_role = own_unit && (p.Has(identity::Role::kWindowClerk) || p.Has(identity::Role::kHandler));
      const bool any_paid = std::any_of(c.fees.begin(), c.fees.end(), [](const approval::CaseFee& f) { return f.Paid(); });
      nlohmann::json rows = nlohmann::json::array(), unpaid = nlohmann::json::array(), providers = nlohmann::json::array();
      for (std::size_t i = 0; i < item.fees.size(); ++i) {
        const approval::Fee& f = item.fees[i];
        const approval::CaseFee* done = i < c.fees.size() ? &c.fees[i] : nullptr;
        rows.push_back({{"no", i + 1}, {"name", f.name}, {"catalogue", approval::FormatFen(f.amount_fen)},
                        {"amount", approval::FormatYuan(done ? done->assessed_fen : f.amount_fen)},
                        {"note", done ? done->note : ""}});
      }
      for (const auto& f : view["case"]["fees"]) {
        if (!f["settled"].get<bool>()) unpaid.push_back(f);
      }
      for (const auto& [key, label] : app.cases->payments().List()) providers.push_back({{"key", key}, {"label", label}});
      // 退费: paid fees of a case that ended without the licence.
      nlohmann::json refundable = nlohmann::json::array();
      if (approval::Refundable(c)) {
        for (std::size_t i = 0; i < c.fees.size(); ++i) {
          if (c.fees[i].ToRefund()) refundable.push_back(view["case"]["fees"][i]);
        }
      }
      const std::string sent = view.contains("form") ? view["form"].value("action", "") : "";
      view["fee_panel"] = {{"catalogue", approval::ItemJson(item)["fees"]},
                           {"rows", rows},
                           {"unpaid", unpaid},
                           {"providers", providers},
                           {"can_assess", open && !approval::Refundable(c) && fee_role && !any_paid && !item.fees.empty()},
                           {"can_pay", open && !approval::Refundable(c) && fee_role && !unpaid.empty()},
                           {"ended", approval::Refundable(c)},
                           {"refundable", refundable},
                           {"has_refundable", !refundable.empty()},
                           {"can_refund", fee_role && !refundable.empty()},
                           {"refund_reason", sent == "refund" ? view["form"].value("opinion", "")
                                             : c.state == CaseState::kWithdrawn ? "申请人撤回申请，本件终止办理"
                                                                                : approval::DecisionLabel(c)},
                           {"refund_why", c.state == CaseState::kWithdrawn ? "已由申请人撤回、终止办理"
                                                                           : "作出了" + approval::DecisionLabel(c) + "决定"}};
      if (c.state == CaseState::kDecided && c.decision == "approve" && (c.fees.empty() || !unpaid.empty())) {
        view["fees_block_conclusion"] = true;
      }
    }
    return app.renderer->Page(req, "internal/case", "办件 " + c.case_no, view, status);
  };
  r.Add("GET", "/cases/:case_no", Access::kStaff, [case_page](Request& req) { return case_page(req, {}, 200); });
  // The materials the applicant sent, for the review (承办) at every step; per unit like the case.
  for (const char* path : {"/cases/:case_no/materials/:sm3", "/api/v1/cases/:case_no/materials/:sm3"}) {
    r.Add("GET", path, Access::kStaff, [&app](Request& req) {
      approval::Case c = app.cases->ForStaff(ContextOf(req), req.Param("case_no"));
      return MaterialResponse(app, c, req.Param("sm3"));
    });
  }
  // 办理附件 (internal working papers), likewise per unit.
  for (const char* path : {"/cases/:case_no/attachments/:sm3", "/api/v1/cases/:case_no/attachments/:sm3"}) {
    r.Add("GET", path, Access::kStaff, [&app](Request& req) {
      approval::Case c = app.cases->ForStaff(ContextOf(req), req.Param("case_no"));
      return AttachmentResponse(app, c, req.Param("sm3"));
    });
  }
  r.Add("GET", "/cases/:case_no/documents/:doc_no", Access::kStaff, [&app](Request& req) {
    app.cases->ForStaff(ContextOf(req), req.Param("case_no"));  // per unit
    return PdfResponse(app, req.Param("case_no"), req.Param("doc_no"));
  });
  r.Add("POST", "/cases/:case_no/actions", Access::kStaff, [&app, case_page, secure](Request& req) {
    const std::string action = req.Field("action");
    const bool fee_action = action == "assess_fees" || action == "record_payment" || action == "refund";
    try {
      approval::CaseAction a;
      a.action = action;
      a.opinion = req.Field("opinion");
      a.missing = Lines(req.Field("missing"));
      a.proposal = req.Field("proposal");
      a.ground = req.Field("ground");
      a.authority = req.Field("authority");
      a.decision = req.Field("decision");
      a.valid_until = core::Trim(req.Field("valid_until"));
      a.attachments = AttachmentsFromForm(req);
      // 核定收费: one amount (元) and reason per fee, fee_amount_<no> / fee_note_<no>.
      for (int no = 1; no <= 50; ++no) {
        const std::string amount = req.Field("fee_amount_" + std::to_string(no)), note = req.Field("fee_note_" + std::to_string(no));
        if (!amount.empty() || !note.empty()) a.fees.push_back({no, amount, note});
      }
      // 登记缴费
      a.amount = req.Field("amount");
      a.receipt_no = req.Field("receipt_no");
      a.provider = req.Field("provider");
      a.refund_no = req.Field("refund_no");  // 退费
      try {
        a.fee_no = req.Field("fee_no").empty() ? 0 : std::stoi(req.Field("fee_no"));
      } catch (const std::exception&) {
        throw Error(ErrorCode::kInvalidInput, "请选择缴费项目", {{"fee_no", "请选择缴费项目"}});
      }
      try {
        a.to_step = req.Field("to_step").empty() ? 0 : std::stoi(req.Field("to_step"));
      } catch (const std::exception&) {
        throw Error(ErrorCode::kInvalidInput, "请选择退回到哪个环节", {{"to_step", "请选择退回到哪个环节"}});
      }
      try {
        a.days = req.Field("days").empty() ? 0 : std::stoi(req.Field("days"));
      } catch (const std::exception&) {
        throw Error(ErrorCode::kInvalidInput, "延长天数应为整数", {{"days", "延长天数应为整数"}});
      }
      approval::Case c = app.cases->Act(ContextOf(req), req.Param("case_no"), a);
      Response res = Response::Redirect("/cases/" + http::UrlEncode(c.case_no) + (fee_action ? "#fees" : ""));
      http::Renderer::Flash(res, DoneText(app, action, c), secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      // A fee form shows its problems beside itself, not in the flow's banner. The form comes
      // back as it was sent (the fee forms refill from their rows).
      nlohmann::json form = {{"action", action},      {"opinion", req.Field("opinion")}, {"missing", req.Field("missing")},
                             {"days", req.Field("days")}, {"deny", req.Field("decision") == "deny"},
                             {"valid_until", req.Field("valid_until")},
                             {"approve", req.Field("decision") == "approve"},
                             {"amount", req.Field("amount")}, {"refund_no", req.Field("refund_no")},
                             {"to_step", req.Field("to_step")}, {"authority", req.Field("authority")},
                             {"proposal_" + req.Field("proposal"), true},
                             {"ground_" + (req.Field("ground").empty() ? std::string("other") : req.Field("ground")), true}};
      return case_page(req,
                       {{fee_action ? "fee_error" : "error", fee_action ? ProblemsView(e) : http::ErrorView(e)}, {"form", form}},
                       ErrorCodeHttpStatus(e.code()));
    }
  });
  r.Add("GET", "/api/v1/cases", Access::kStaff, [&app](Request& req) {
    nlohmann::json rows = nlohmann::json::array();
    approval::QueueQuery query;
    query.mine = req.Query("queue") == "mine";
    query.state = req.Query("state");
    query.q = req.Query("q");
    query.page = http::PageParam(req);
    query.per_page = static_cast<int>(std::clamp<std::int64_t>(req.QueryInt("per_page", 50), 1, 200));
    const approval::CasePage list = app.cases->Queue(ContextOf(req), query);
    for (const auto& c : list.cases) rows.push_back(approval::CaseJson(c, true));
    return Response::Json({{"cases", rows}, {"total", list.total}, {"page", query.page}, {"per_page", query.per_page}});
  });
  r.Add("GET", "/api/v1/cases/:case_no", Access::kStaff, [&app](Request& req) {
    approval::Case c = app.cases->ForStaff(ContextOf(req), req.Param("case_no"));
    nlohmann::json j = approval::CaseJson(c, true, &app.cases->payments());
    j["deadlines"] = DeadlinesView(app, c, nullptr, true);
    return Response::Json(j);
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
    a.proposal = j.value("proposal", "");
    a.ground = j.value("ground", "");
    a.authority = j.value("authority", "");
    a.decision = j.value("decision", "");
    a.valid_until = j.value("valid_until", "");
    a.days = j.value("days", 0);
    a.to_step = j.value("to_step", 0);
    if (j.contains("fees")) {  // assess_fees: [{fee_no, amount (元), note}]
      if (!j["fees"].is_array()) throw Error(ErrorCode::kInvalidInput, "fees 应为数组", {{"fees", "fees 应为数组"}});
      for (const auto& f : j["fees"]) a.fees.push_back({f.value("fee_no", 0), AmountText(f, "amount"), f.value("note", "")});
    }
    a.fee_no = j.value("fee_no", 0);
    a.amount = AmountText(j, "amount");
    a.receipt_no = j.value("receipt_no", "");
    a.provider = j.value("provider", "");
    a.refund_no = j.value("refund_no", "");
    a.attachments = UploadsFromJson(j, "attachments");
    approval::Case c = app.cases->Act(ContextOf(req), req.Param("case_no"), a);
    return Response::Json(approval::CaseJson(c, true, &app.cases->payments()));
  });
}

}  // namespace yiwang::modules
