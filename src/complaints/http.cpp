// Complaints over HTTP. External: the public complaint form (anonymous with a name and a
// mobile number, or prefilled when logged in; the double-submit CSRF cookie as the other
// anonymous forms), the confirmation with the query code shown once, tracking with the code;
// POST /api/v1/complaints and GET /api/v1/complaints/{no}. Internal (监察员): the list, a
// complaint with its clock and actions, registering letters and calls; the same as an API.
#include <algorithm>
#include "app/app.hpp"
#include "app/modules.hpp"
#include "complaints/complaints.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "http/forms.hpp"

namespace yiwang::modules {
namespace {

using http::Access;
using http::Request;
using http::Response;

complaints::Input InputFromForm(const Request& req) {
  complaints::Input in;
  in.about = req.Field("about");
  in.case_no = req.Field("case_no");
  in.dept_code = req.Field("dept_code");
  in.channel = req.Field("channel");
  in.name = req.Field("name");
  in.mobile = req.Field("mobile");
  in.content = req.Field("content");
  in.idempotency_key = req.Field("idempotency_key");
  return in;
}

complaints::Input InputFromJson(const nlohmann::json& j) {
  complaints::Input in;
  in.about = j.value("about", "");
  in.case_no = j.value("case_no", "");
  in.dept_code = j.value("dept_code", "");
  in.channel = j.value("channel", "");
  in.name = j.value("name", "");
  in.mobile = j.value("mobile", "");
  in.content = j.value("content", "");
  return in;
}

nlohmann::json ValuesOf(const complaints::Input& in) {
  return {{"about", in.about}, {"case_no", in.case_no}, {"dept_code", in.dept_code}, {"channel", in.channel},
          {"name", in.name},   {"mobile", in.mobile},   {"content", in.content}};
}

/// upheld from JSON: true/false or 1/0; anything else is "not chosen" (a field error).
int UpheldFromJson(const nlohmann::json& j) {
  if (!j.contains("upheld")) return -1;
  const auto& u = j["upheld"];
  if (u.is_boolean()) return u.get<bool>() ? 1 : 0;
  if (u.is_number_integer() && (u.get<int>() == 0 || u.get<int>() == 1)) return u.get<int>();
  return -1;
}

int UpheldFromForm(const std::string& v) { return v == "1" ? 1 : v == "0" ? 0 : -1; }

/// An anonymous submission, limited per client address (complaints_per_hour): a repeat of one
/// already submitted (the same idempotency key) is not counted again.
complaints::Submitted SubmitLimited(app::App& app, const Request& req, const complaints::Input& in) {
  return app.lookups->Limit(
      req.client_ip, "complaint", app.config.complaints_per_hour, [&] { return app.complaints->Submit(ContextOf(req), in); },
      [](const complaints::Submitted& s) { return !s.repeated; });
}

}  // namespace

void RegisterComplaintsExternal(http::Router& r, app::App& app) {
  auto form_page = [&app](Request& req, nlohmann::json view, int status) {
    if (!view.contains("values")) {
      complaints::Input in;
      in.about = req.Query("case_no").empty() ? "department" : "case";
      in.case_no = req.Query("case_no");
      in.dept_code = req.Query("dept");
      if (req.principal.kind == "public") {
        in.name = req.principal.name;
        if (auto a = app.identity->FindPublic(req.principal.id)) in.mobile = a->mobile;
      }
      view["values"] = ValuesOf(in);
    }
    view["about_case"] = view["values"].value("about", "") == "case";
    view["units"] = UnitOptions(app, view["values"].value("dept_code", ""));
    view["logged_in"] = req.principal.kind == "public";
    view["idempotency_key"] = core::RandomToken(16);
    view["acceptance_days"] = app.complaints->settings().acceptance_days;
    return app.renderer->FormPage(req, "external/complaint_form", "我要投诉", view, status);
  };
  r.Add("GET", "/interact/complaints", Access::kAnyone, [form_page](Request& req) { return form_page(req, {}, 200); });
  r.Add("POST", "/interact/complaints", Access::kAnyone, [&app, form_page](Request& req) {
    const complaints::Input in = InputFromForm(req);
    try {
      complaints::Submitted s = SubmitLimited(app, req, in);
      // The query code is shown on this page only (it is not stored, only its SM3).
      nlohmann::json view = {{"complaint_no", s.complaint_no}, {"query_code", s.query_code}, {"repeated", s.repeated},
                             {"acceptance_days", app.complaints->settings().acceptance_days}};
      return app.renderer->Page(req, "external/complaint_done", s.repeated ? "投诉已提交过" : "投诉已提交", view);
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return form_page(req, {{"values", ValuesOf(in)}, {"error", http::ErrorView(e)}}, ErrorCodeHttpStatus(e.code()));
    }
  });
  // 投诉查询: the form is sent by POST so that the query code stays out of the address (browser
  // history, logs), as 办件查询 does. A link with only the number (the receipt's) opens the form
  // with it filled in — for the complainant logged in, the complaint itself; ?no=&code= (older
  // links) still works. Wrong codes are counted (identity::LookupGuard).
  auto track_page = [&app](Request& req, const std::string& no, const std::string& code, bool posted) {
    nlohmann::json view = {{"no", no}};
    int status = 200;
    const bool own = req.principal.kind == "public" && core::Trim(code).empty();
    if (posted && !own && (core::Trim(no).empty() || core::Trim(code).empty())) {
      view["error"] = core::Trim(no).empty() ? "请填写投诉编号" : "请填写查询码（6 位数字，提交投诉时告知）";
      status = 400;
    } else if (!core::Trim(no).empty() && (own || !core::Trim(code).empty())) {
      try {
        complaints::Complaint c =
            own ? app.complaints->ForComplainant(ContextOf(req), no)
                : app.lookups->Guard(req.client_ip, identity::LookupGuard::Subject("complaint", no),
                                     [&] { return app.complaints->PublicStatus(no, code); });
        view["complaint"] = complaints::ComplaintJson(c, false);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kNotFound && e.code() != ErrorCode::kTooManyRequests) throw;
        view["error"] = e.message();
        status = ErrorCodeHttpStatus(e.code());
      }
    }
    return app.renderer->FormPage(req, "external/complaint_track", "投诉查询", view, status);
  };
  r.Add("GET", "/interact/complaints/track", Access::kAnyone, [track_page](Request& req) {
    return track_page(req, req.Query("no"), req.Query("code"), false);
  });
  r.Add("POST", "/interact/complaints/track", Access::kAnyone, [track_page](Request& req) {
    return track_page(req, req.Field("no"), req.Field("code"), true);
  });

  // ---- API
  r.Add("POST", "/api/v1/complaints", Access::kAnyone, [&app](Request& req) {
    complaints::Input in = InputFromJson(req.Json());
    in.channel.clear();
    in.idempotency_key = req.Header("idempotency-key");
    complaints::Submitted s = SubmitLimited(app, req, in);
    nlohmann::json body = {{"complaint_no", s.complaint_no}, {"repeated", s.repeated}};
    if (!s.query_code.empty()) body["query_code"] = s.query_code;
    return Response::Json(body, s.repeated ? 200 : 201);
  });
  r.Add("GET", "/api/v1/complaints/:no", Access::kAnyone, [&app](Request& req) {
    const bool own = req.principal.kind == "public" && req.Query("code").empty();
    // Without a code there is nothing to check (and no wrong try to count).
    if (!own && core::Trim(req.Query("code")).empty()) {
      throw Error(ErrorCode::kInvalidInput, "请提供查询码", {{"code", "请填写查询码（6 位数字，提交投诉时告知）"}});
    }
    complaints::Complaint c =
        own ? app.complaints->ForComplainant(ContextOf(req), req.Param("no"))
            : app.lookups->Guard(req.client_ip, identity::LookupGuard::Subject("complaint", req.Param("no")),
                                 [&] { return app.complaints->PublicStatus(req.Param("no"), req.Query("code")); });
    return Response::Json(complaints::ComplaintJson(c, false));
  });
}

void RegisterComplaintsInternal(http::Router& r, app::App& app) {
  const bool secure = app.config.secure_cookies;
  auto staff_json = [](const complaints::Complaint& c, const std::string& today) {
    nlohmann::json j = complaints::ComplaintJson(c, true);
    const bool received = c.state == complaints::State::kReceived;
    const bool accepted = c.state == complaints::State::kAccepted;
    const std::string due = received ? c.acceptance_due : accepted ? c.reply_due : "";
    j["due"] = due;
    j["due_label"] = received ? "受理期限" : accepted ? "答复期限" : "";
    j["overdue"] = !due.empty() && due < today;
    return j;
  };

  r.Add("GET", "/supervision/complaints", Access::kStaff, [&app, staff_json](Request& req) {
    std::string state = req.Query("state", "all");
    const std::string today = core::FormatLocalDate(app.clock->NowMs());
    const int page = http::PageParam(req);
    constexpr int kPerPage = 20;
    nlohmann::json rows = nlohmann::json::array();
    const complaints::ComplaintPage list = app.complaints->List(ContextOf(req), state == "all" ? "" : state, page, kPerPage);
    for (const auto& c : list.rows) rows.push_back(staff_json(c, today));
    return app.renderer->Page(req, "internal/complaints", "投诉处理",
                              {{"complaints", rows}, {"empty", rows.empty()},
                               {"total", list.total}, {"pager", http::PagerView(req, list.total, page, kPerPage)},
                               {"state_" + state, true}, {"today", today},
                               {"can_register", app.complaints->CanAct(req.principal)},
                               {"unit_name", app.complaints->UnitName()},
                               {"acceptance_days", app.complaints->settings().acceptance_days},
                               {"reply_days", app.complaints->settings().reply_days}});
  });

  auto new_page = [&app](Request& req, nlohmann::json view, int status) {
    if (!app.complaints->CanAct(req.principal)) {
      throw Error(ErrorCode::kForbidden, "登记来信来电投诉须由投诉受理部门的监察员办理");
    }
    if (!view.contains("values")) view["values"] = {{"about", "department"}, {"channel", "letter"}};
    view["about_case"] = view["values"].value("about", "") == "case";
    view["channel_phone"] = view["values"].value("channel", "") == "phone";
    view["units"] = UnitOptions(app, view["values"].value("dept_code", ""));
    return app.renderer->Page(req, "internal/complaint_new", "登记来信来电投诉", view, status);
  };
  r.Add("GET", "/supervision/complaints/new", Access::kStaff, [new_page](Request& req) { return new_page(req, {}, 200); });
  r.Add("POST", "/supervision/complaints", Access::kStaff, [&app, new_page, secure](Request& req) {
    const complaints::Input in = InputFromForm(req);
    try {
      complaints::Submitted s = app.complaints->Register(ContextOf(req), in);
      Response res = Response::Redirect("/supervision/complaints/" + http::UrlEncode(s.complaint_no));
      http::Renderer::Flash(res,
                            "已登记投诉 " + s.complaint_no + "，查询码 " + s.query_code +
                                "（只显示这一次，请告知投诉人，凭编号和查询码在政府网站查询办理进度和答复）",
                            secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return new_page(req, {{"values", ValuesOf(in)}, {"error", http::ErrorView(e)}}, ErrorCodeHttpStatus(e.code()));
    }
  });

  auto complaint_page = [&app, staff_json](Request& req, nlohmann::json view, int status) {
    const std::string today = core::FormatLocalDate(app.clock->NowMs());
    complaints::Complaint c = app.complaints->ForStaff(ContextOf(req), req.Param("no"));
    view["complaint"] = staff_json(c, today);
    const bool can = app.complaints->CanAct(req.principal);
    view["can_decide"] = can && c.state == complaints::State::kReceived;
    view["can_reply"] = can && c.state == complaints::State::kAccepted;
    view["acceptance_days"] = app.complaints->settings().acceptance_days;
    view["sv_clocks"] = app.monitor->ClocksFor("complaints", c.complaint_no);
    nlohmann::json sv_events = nlohmann::json::array();
    for (const auto& e : app.monitor->EventsFor("complaints", c.complaint_no)) {
      sv_events.push_back({{"time", core::FormatLocal(e.ts)}, {"actor", e.actor}, {"text", e.text},
                           {"href", "/supervision/alerts/" + std::to_string(e.alert_id)}});
    }
    view["has_sv_events"] = !sv_events.empty();
    view["sv_events"] = sv_events;
    view["has_sv"] = !view["sv_clocks"].empty() || !sv_events.empty();
    return app.renderer->Page(req, "internal/complaint", "投诉 " + c.complaint_no, view, status);
  };
  r.Add("GET", "/supervision/complaints/:no", Access::kStaff, [complaint_page](Request& req) {
    return complaint_page(req, {}, 200);
  });
  r.Add("POST", "/supervision/complaints/:no/actions", Access::kStaff, [&app, complaint_page, secure](Request& req) {
    complaints::Action a;
    a.action = req.Field("action");
    a.text = a.action == "reject" ? req.Field("reason") : a.action == "reply" ? req.Field("reply") : req.Field("text");
    a.upheld = UpheldFromForm(req.Field("upheld"));
    try {
      complaints::Complaint c = app.complaints->Act(ContextOf(req), req.Param("no"), a);
      Response res = Response::Redirect("/supervision/complaints/" + http::UrlEncode(c.complaint_no));
      http::Renderer::Flash(res, "已办理：" + complaints::StateLabel(c.state), secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return complaint_page(req,
                            {{"error", http::ErrorView(e)},
                             {"values", {{"reason", req.Field("reason")}, {"reply", req.Field("reply")},
                                         {"text", req.Field("text")}}}},
                            ErrorCodeHttpStatus(e.code()));
    }
  });

  // ---- API
  r.Add("GET", "/api/v1/supervision/complaints", Access::kStaff, [&app, staff_json](Request& req) {
    const std::string today = core::FormatLocalDate(app.clock->NowMs());
    nlohmann::json rows = nlohmann::json::array();
    const int page = http::PageParam(req);
    const int per_page = static_cast<int>(std::clamp<std::int64_t>(req.QueryInt("per_page", 500), 1, 500));
    const complaints::ComplaintPage list = app.complaints->List(ContextOf(req), req.Query("state"), page, per_page);
    for (const auto& c : list.rows) rows.push_back(staff_json(c, today));
    return Response::Json({{"complaints", rows}, {"total", list.total}, {"page", page}, {"per_page", per_page}});
  });
  r.Add("POST", "/api/v1/supervision/complaints", Access::kStaff, [&app](Request& req) {
    complaints::Submitted s = app.complaints->Register(ContextOf(req), InputFromJson(req.Json()));
    return Response::Json({{"complaint_no", s.complaint_no}, {"query_code", s.query_code}}, 201);
  });
  r.Add("GET", "/api/v1/supervision/complaints/:no", Access::kStaff, [&app, staff_json](Request& req) {
    complaints::Complaint c = app.complaints->ForStaff(ContextOf(req), req.Param("no"));
    nlohmann::json j = staff_json(c, core::FormatLocalDate(app.clock->NowMs()));
    j["clocks"] = app.monitor->ClocksFor("complaints", c.complaint_no);
    return Response::Json(j);
  });
  r.Add("POST", "/api/v1/supervision/complaints/:no/actions", Access::kStaff, [&app, staff_json](Request& req) {
    const nlohmann::json& j = req.Json();
    complaints::Action a;
    a.action = j.value("action", "");
    a.text = a.action == "reject" ? j.value("reason", "") : a.action == "reply" ? j.value("reply", "") : j.value("text", "");
    a.upheld = UpheldFromJson(j);
    complaints::Complaint c = app.complaints->Act(ContextOf(req), req.Param("no"), a);
    return Response::Json(staff_json(c, core::FormatLocalDate(app.clock->NowMs())));
  });
}

}  // namespace yiwang::modules
