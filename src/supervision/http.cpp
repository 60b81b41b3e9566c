// Internal zone: electronic supervision over HTTP — the live dashboard (ECharts, refreshed
// from the stats API), alerts with their 督办单, the department's notices, the rules, the
// staff member's messages and (for the administrator) the SMS outbox; the supervision API.
#include <algorithm>
#include <cstdlib>

#include "app/app.hpp"
#include "app/modules.hpp"
#include "core/error.hpp"
#include "db/row.hpp"
#include "http/forms.hpp"
#include "supervision/messages.hpp"
#include "supervision/supervision.hpp"

namespace yiwang::modules {
namespace {

using http::Access;
using http::Request;
using http::Response;

std::int64_t IdParam(const Request& req, const std::string& name) {
  try {
    std::size_t used = 0;
    const std::string v = req.Param(name);
    const long long id = std::stoll(v, &used);
    if (used == v.size() && id > 0) return id;
  } catch (const std::exception&) {
  }
  throw Error(ErrorCode::kNotFound, "记录不存在");
}

void RequireDashboard(const identity::Principal& p) {
  // 监察员 and leaders (审批人 = department heads) see the dashboard; auditors may read it.
  identity::RequireRole(p, {identity::Role::kSupervisor, identity::Role::kApprover, identity::Role::kAuditor});
}

supervision::AlertFilter FilterFrom(const Request& req) {
  supervision::AlertFilter f;
  f.state = req.Query("state");
  f.colour = req.Query("colour");
  f.dept = req.Query("dept");
  f.source = req.Query("source");
  f.subject = req.Query("subject");
  f.page = http::PageParam(req);
  f.per_page = static_cast<int>(std::clamp<std::int64_t>(req.QueryInt("per_page", 50), 1, 200));
  return f;
}

nlohmann::json EventJson(const supervision::SvEvent& e) {
  static const std::map<std::string, std::string> kLabels = {
      {"alert", "告警"}, {"reminder", "到期提醒"}, {"notice", "督办单（黄牌）"}, {"answer", "部门答复"},
      {"red_card", "红牌"}, {"close", "办结告警"}, {"auto_close", "自动解除"}};
  auto it = kLabels.find(e.action);
  return {{"alert_id", e.alert_id}, {"time", core::FormatLocal(e.ts)}, {"ts", e.ts}, {"action", e.action},
          {"action_label", it == kLabels.end() ? e.action : it->second}, {"actor", e.actor}, {"text", e.text}};
}

nlohmann::json AlertDetail(app::App& app, const identity::Context& ctx, std::int64_t id) {
  nlohmann::json j = supervision::AlertJson(app.monitor->AlertById(ctx, id));
  if (auto n = app.monitor->NoticeOf(id)) j["notice"] = supervision::NoticeJson(*n);
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : app.monitor->EventsOf(id)) events.push_back(EventJson(e));
  j["events"] = events;
  return j;
}

/// Runs one alert action from a form or JSON body.
void ActOnAlert(app::App& app, const identity::Context& ctx, std::int64_t id, const std::string& action,
                const std::string& content, const std::string& required_by, const std::string& conclusion,
                const std::string& answer) {
  if (action == "notice") {
    app.monitor->IssueNotice(ctx, id, content, required_by);
  } else if (action == "close") {
    app.monitor->Close(ctx, id, conclusion);
  } else if (action == "answer") {
    auto n = app.monitor->NoticeOf(id);
    app.monitor->AlertById(ctx, id);  // per record: the alert must be visible to the caller
    if (!n) throw Error(ErrorCode::kConflict, "该告警尚未发出督办单，无需答复");
    app.monitor->Answer(ctx, n->id, answer);
  } else {
    throw Error(ErrorCode::kInvalidInput, "未知的告警操作：" + action, {{"action", "可选 notice / answer / close"}});
  }
}

/// One page of 督办单 as rows, each with its alert.
nlohmann::json NoticeRows(const supervision::Monitor::NoticePage& list) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [n, a] : list.rows) {
    nlohmann::json j = supervision::NoticeJson(n);
    j["alert"] = supervision::AlertJson(a);
    j["pending"] = n.state == "issued";
    rows.push_back(j);
  }
  return rows;
}

}  // namespace

void RegisterSupervision(http::Router& r, app::App& app) {
  const bool secure = app.config.secure_cookies;

  // ---- pages
  r.Add("GET", "/supervision", Access::kStaff, [&app](Request& req) {
    RequireDashboard(req.principal);
    nlohmann::json stats = app.monitor->Stats(ContextOf(req), req.Query("dept"), req.Query("from"), req.Query("to"));
    nlohmann::json view = {{"stats", stats}, {"dept", req.Query("dept")},
                           {"sees_all", req.principal.Has(identity::Role::kSupervisor) ||
                                            req.principal.Has(identity::Role::kAuditor)}};
    view["has_overdue"] = !stats["most_overdue"].empty();
    view["has_depts"] = !stats["by_dept"].empty();
    view["has_items"] = !stats["by_item"].empty();
    return app.renderer->Page(req, "internal/supervision", "电子监察", view);
  });
  r.Add("GET", "/supervision/alerts", Access::kStaff, [&app](Request& req) {
    supervision::AlertFilter f = FilterFrom(req);
    if (f.state.empty() && req.Query("state", "-") == "-") f.state = "open";
    std::int64_t total = 0;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& a : app.monitor->Alerts(ContextOf(req), f, &total)) rows.push_back(supervision::AlertJson(a));
    nlohmann::json view = {{"alerts", rows}, {"empty", rows.empty()}, {"total", total},
                           {"pager", http::PagerView(req, total, f.page, f.per_page)},
                           {"colour", f.colour}, {"dept", f.dept}, {"state_" + (f.state.empty() ? "all" : f.state), true},
                           {"colour_" + (f.colour.empty() ? "any" : f.colour), true}};
    // Whoever sees every unit's alerts narrows them to a department or town, chosen by name;
    // anyone else sees only their own department's, so there is nothing to choose.
    if (req.principal.Has(identity::Role::kSupervisor) || req.principal.Has(identity::Role::kAuditor)) {
      view["units"] = UnitOptions(app, f.dept);
    }
    return app.renderer->Page(req, "internal/alerts", "监察告警", view);
  });
  auto alert_page = [&app](Request& req, nlohmann::json view, int status) {
    const std::int64_t id = IdParam(req, "id");
    const identity::Context ctx = ContextOf(req);
    nlohmann::json a = AlertDetail(app, ctx, id);
    const auto& p = req.principal;
    const bool supervisor = p.Has(identity::Role::kSupervisor);
    const bool closed = a["state"] == "closed";
    view["alert"] = a;
    view["can_notice"] = supervisor && !closed && !a.contains("notice");
    view["can_close"] = supervisor && !closed;
    view["can_answer"] = !closed && a.contains("notice") && a["notice"]["state"] == "issued" && !supervisor;
    view["today"] = core::FormatLocalDate(app.clock->NowMs());
    const calendar::Calendar cal = app.calendar->Load();
    view["default_required_by"] =
        supervision::WorkingDaysAfter(cal, core::FormatLocalDate(app.clock->NowMs()), app.monitor->settings().notice_days);
    return app.renderer->Page(req, "internal/alert", "告警 #" + std::to_string(id), view, status);
  };
  r.Add("GET", "/supervision/alerts/:id", Access::kStaff, [alert_page](Request& req) { return alert_page(req, {}, 200); });
  r.Add("POST", "/supervision/alerts/:id/actions", Access::kStaff, [&app, alert_page, secure](Request& req) {
    const std::int64_t id = IdParam(req, "id");
    const std::string action = req.Field("action");
    try {
      ActOnAlert(app, ContextOf(req), id, action, req.Field("content"), req.Field("required_by"), req.Field("conclusion"),
                 req.Field("answer"));
      Response res = Response::Redirect("/supervision/alerts/" + std::to_string(id));
      http::Renderer::Flash(res,
                            action == "notice" ? "督办单已发出" : action == "answer" ? "答复已提交" : "告警已办结",
                            secure);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return alert_page(req, {{"error", http::ErrorView(e)}, {"values", {{"content", req.Field("content")},
                                                                          {"required_by", req.Field("required_by")},
                                                                          {"conclusion", req.Field("conclusion")},
                                                                          {"answer", req.Field("answer")}}}},
                        ErrorCodeHttpStatus(e.code()));
    }
  });
  r.Add("GET", "/supervision/notices", Access::kStaff, [&app](Request& req) {
    const std::string state = req.Query("state");
    const int page = http::PageParam(req), per_page = 20;
    const auto list = app.monitor->Notices(ContextOf(req), state, page, per_page);
    const bool all = req.principal.Has(identity::Role::kSupervisor) || req.principal.Has(identity::Role::kAuditor);
    nlohmann::json view = {{"notices", NoticeRows(list)}, {"empty", list.rows.empty()}, {"total", list.total},
                           {"all_units", all}, {"state_" + (state.empty() ? std::string("all") : state), true},
                           {"pager", http::PagerView(req, list.total, page, per_page)}};
    return app.renderer->Page(req, "internal/notices", all ? "督办单" : "本单位督办单", view);
  });
  r.Add("GET", "/supervision/rules", Access::kStaff, [&app](Request& req) {
    RequireDashboard(req.principal);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& rule : app.monitor->Rules()) {
      rows.push_back({{"code", rule.code}, {"name", rule.name}, {"severity", rule.severity},
                      {"severity_label", supervision::SeverityLabel(rule.severity)}, {"enabled", rule.enabled},
                      {"description", rule.description}, {"sev_high", rule.severity == "high"},
                      {"sev_medium", rule.severity == "medium"}, {"sev_low", rule.severity == "low"}});
    }
    const auto& s = app.monitor->settings();
    return app.renderer->Page(req, "internal/sv_rules", "监察规则",
                              {{"rules", rows}, {"can_edit", req.principal.Has(identity::Role::kSupervisor)},
                               {"warn_days", s.warn_days}, {"notice_days", s.notice_days},
                               {"auto_notice", s.auto_notice}});
  });
  r.Add("POST", "/supervision/rules/:code", Access::kStaff, [&app, secure](Request& req) {
    app.monitor->UpdateRule(ContextOf(req), req.Param("code"), req.Field("enabled") == "1", req.Field("severity"));
    Response res = Response::Redirect("/supervision/rules");
    http::Renderer::Flash(res, "规则已更新", secure);
    return res;
  });
  // ---- 站内消息: the person's own read state (a unit's message is read by each person alone)
  auto messages_url = [](bool unread_only, std::int64_t page) {
    std::string q = unread_only ? "?show=unread" : "";
    if (page > 1) q += (q.empty() ? "?page=" : "&page=") + std::to_string(page);
    return "/messages" + q;
  };
  r.Add("GET", "/messages", Access::kStaff, [&app](Request& req) {
    const bool unread_only = req.Query("show") == "unread";
    const int per_page = 20;
    const int page = http::PageParam(req);
    const supervision::MessagePage mp = app.inbox->List(ContextOf(req), unread_only, page, per_page);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& m : mp.rows) {
      const bool unread = m.read_at == 0;
      rows.push_back({{"id", m.id}, {"title", m.title}, {"body", m.body}, {"time", core::FormatLocal(m.created_at)},
                      {"unread", unread}, {"to_unit", m.to_unit},
                      // A link is offered only to a workbench page (a message never sends anyone off-site).
                      {"link", supervision::IsWorkbenchPath(m.link) ? m.link : ""}});
    }
    const bool beyond = rows.empty() && mp.total > 0;
    return app.renderer->Page(
        req, "internal/messages", "站内消息",
        {{"messages", rows},
         {"empty", rows.empty()},
         {"show_unread", unread_only},
         {"show_all", !unread_only},
         {"page", page},
         {"all_count", mp.all},
         {"unread_count", mp.unread},
         {"has_unread", mp.unread > 0},
         {"newest_id", mp.newest_id},
         // Past the last page of a filter: say so (and lead back) instead of "no messages" and "第 9 / 3 页".
         {"beyond", beyond},
         {"pager", beyond ? nlohmann::json() : http::PagerView(req, mp.total, page, per_page)}});
  });
  // Marks one message read; with open=1 goes on to the page it points to. Someone else's
  // message is 404, as if it did not exist.
  r.Add("POST", "/messages/:id/read", Access::kStaff, [&app, secure, messages_url](Request& req) {
    const supervision::Message m = app.inbox->MarkRead(ContextOf(req), IdParam(req, "id"));
    const bool unread_only = req.Field("show") == "unread";
    const std::int64_t page = std::clamp<std::int64_t>(std::strtoll(req.Field("page").c_str(), nullptr, 10), 1, 100000);
    if (req.Field("open") == "1") {
      if (supervision::IsWorkbenchPath(m.link)) return Response::Redirect(m.link);
      Response res = Response::Redirect(messages_url(unread_only, page));
      http::Renderer::Flash(res, m.link.empty() ? "消息已标为已读" : "消息已标为已读；其中的链接不是本系统的页面，未打开", secure);
      return res;
    }
    Response res = Response::Redirect(messages_url(unread_only, page));
    http::Renderer::Flash(res, "消息已标为已读", secure);
    return res;
  });
  r.Add("POST", "/messages/read-all", Access::kStaff, [&app, secure](Request& req) {
    const std::int64_t up_to = std::max<long long>(0, std::strtoll(req.Field("up_to").c_str(), nullptr, 10));
    const std::int64_t n = app.inbox->MarkAllRead(ContextOf(req), up_to);
    Response res = Response::Redirect("/messages");
    http::Renderer::Flash(res, n > 0 ? std::to_string(n) + " 条消息已标为已读" : "没有未读消息", secure);
    return res;
  });
  r.Add("GET", "/admin/sms", Access::kStaff, [&app](Request& req) {
    identity::RequireRole(req.principal, {identity::Role::kSysAdmin});
    db::Conn c(*app.db);
    nlohmann::json rows = nlohmann::json::array();
    soci::rowset<soci::row> rs = (c.sql().prepare << "SELECT id, mobile, text, created_at, state FROM sms_outbox ORDER BY "
                                                     "id DESC LIMIT 200");
    for (const soci::row& x : rs) {
      rows.push_back({{"id", db::RowInt(x, "id")}, {"mobile", db::RowStr(x, "mobile")}, {"text", db::RowStr(x, "text")},
                      {"time", core::FormatLocal(db::RowInt(x, "created_at"))},
                      {"state", db::RowStr(x, "state") == "queued" ? "待发送" : "已发送"}});
    }
    return app.renderer->Page(req, "internal/sms", "短信发件箱", {{"sms", rows}, {"empty", rows.empty()}});
  });

  // ---- performance evaluation (绩效评估)
  auto default_period = [&app] {
    // The last full month.
    const std::string today = core::FormatLocalDate(app.clock->NowMs());
    int y = std::stoi(today.substr(0, 4)), m = std::stoi(today.substr(5, 2)) - 1;
    if (m == 0) {
      m = 12;
      --y;
    }
    return std::to_string(y) + (m < 10 ? "-0" : "-") + std::to_string(m);
  };
  r.Add("GET", "/supervision/evaluation", Access::kStaff, [&app, default_period](Request& req) {
    const std::string period = req.Query("period", default_period());
    nlohmann::json view = {{"period", period}};
    try {
      nlohmann::json e = app.evaluation->Evaluate(ContextOf(req), period);
      auto fmt = [](double v) {
        std::string t = std::to_string(v);
        t.erase(t.find_last_not_of('0') + 1);
        if (!t.empty() && t.back() == '.') t.pop_back();
        return t;
      };
      for (auto& [group, values] : e["policy"].items()) {
        for (auto& [k, v] : values.items()) v = fmt(v.get<double>());
      }
      for (auto& d : e["departments"]) {
        d["rated"] = d["ratings"]["total"].get<long long>() > 0;
        d["excellent"] = d["grade"] == "优秀";
        d["failing"] = d["grade"] == "不合格";
        d["has_score"] = d["score"].is_number();
      }
      view["evaluation"] = e;
      view["can_publish"] = req.principal.Has(identity::Role::kSupervisor) && period.size() == 7 && period[5] != 'Q' &&
                            e["to"].get<std::string>() < core::FormatLocalDate(app.clock->NowMs());
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kInvalidInput) throw;
      view["error"] = http::ErrorView(e);
    }
    return app.renderer->Page(req, "internal/evaluation", "绩效评估", view);
  });
  r.Add("GET", "/supervision/evaluation/:period/export.xlsx", Access::kStaff, [&app](Request& req) {
    Response res;
    res.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    res.body = app.evaluation->Xlsx(app.evaluation->Evaluate(ContextOf(req), req.Param("period")));
    res.Header("Content-Disposition", "attachment; filename=\"evaluation-" + req.Param("period") + ".xlsx\"");
    return res;
  });
  r.Add("GET", "/supervision/evaluation/:period/export.pdf", Access::kStaff, [&app](Request& req) {
    Response res;
    res.content_type = "application/pdf";
    res.body = app.evaluation->Pdf(app.evaluation->Evaluate(ContextOf(req), req.Param("period")));
    res.Header("Content-Disposition", "attachment; filename=\"evaluation-" + req.Param("period") + ".pdf\"");
    return res;
  });
  r.Add("POST", "/supervision/evaluation/:period/publish", Access::kStaff, [&app, secure](Request& req) {
    app.evaluation->Publish(ContextOf(req), req.Param("period"));
    Response res = Response::Redirect("/supervision/evaluation?period=" + http::UrlEncode(req.Param("period")));
    http::Renderer::Flash(res, "已在外网公布该月排名", secure);
    return res;
  });

  // ---- API
  r.Add("GET", "/api/v1/supervision/evaluation", Access::kStaff, [&app, default_period](Request& req) {
    return Response::Json(app.evaluation->Evaluate(ContextOf(req), req.Query("period", default_period())));
  });
  r.Add("GET", "/api/v1/supervision/alerts", Access::kStaff, [&app](Request& req) {
    supervision::AlertFilter f = FilterFrom(req);
    std::int64_t total = 0;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& a : app.monitor->Alerts(ContextOf(req), f, &total)) rows.push_back(supervision::AlertJson(a));
    return Response::Json({{"alerts", rows}, {"total", total}, {"page", f.page}, {"per_page", f.per_page}});
  });
  r.Add("GET", "/api/v1/supervision/alerts/:id", Access::kStaff, [&app](Request& req) {
    return Response::Json(AlertDetail(app, ContextOf(req), IdParam(req, "id")));
  });
  r.Add("POST", "/api/v1/supervision/alerts/:id/actions", Access::kStaff, [&app](Request& req) {
    const nlohmann::json& j = req.Json();
    const std::int64_t id = IdParam(req, "id");
    ActOnAlert(app, ContextOf(req), id, j.value("action", ""), j.value("content", ""), j.value("required_by", ""),
               j.value("conclusion", ""), j.value("answer", ""));
    return Response::Json(AlertDetail(app, ContextOf(req), id));
  });
  r.Add("GET", "/api/v1/supervision/stats", Access::kStaff, [&app](Request& req) {
    RequireDashboard(req.principal);
    return Response::Json(app.monitor->Stats(ContextOf(req), req.Query("dept"), req.Query("from"), req.Query("to")));
  });
  r.Add("GET", "/api/v1/supervision/notices", Access::kStaff, [&app](Request& req) {
    const int page = http::PageParam(req);
    const int per_page = static_cast<int>(std::clamp<std::int64_t>(req.QueryInt("per_page", 50), 1, 200));
    const auto list = app.monitor->Notices(ContextOf(req), req.Query("state"), page, per_page);
    return Response::Json({{"notices", NoticeRows(list)}, {"total", list.total}, {"page", page}, {"per_page", per_page}});
  });
  r.Add("GET", "/api/v1/supervision/rules", Access::kStaff, [&app](Request& req) {
    RequireDashboard(req.principal);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& rule : app.monitor->Rules()) {
      rows.push_back({{"code", rule.code}, {"name", rule.name}, {"severity", rule.severity}, {"enabled", rule.enabled},
                      {"description", rule.description}});
    }
    return Response::Json({{"rules", rows}});
  });
  r.Add("GET", "/api/v1/supervision/cases/:case_no/timeline", Access::kStaff, [&app](Request& req) {
    app.cases->ForStaff(ContextOf(req), req.Param("case_no"));  // per unit
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& e : app.monitor->EventsFor("approval", req.Param("case_no"))) rows.push_back(EventJson(e));
    return Response::Json({{"events", rows}});
  });
}

void RegisterRankingExternal(http::Router& r, app::App& app) {
  // 绩效评估: the monthly rankings the supervision bureau published (optional public page).
  r.Add("GET", "/open/ranking", Access::kAnyone, [&app](Request& req) {
    const auto published = app.evaluation->Published();
    nlohmann::json periods = nlohmann::json::array();
    for (const auto& [period, body] : published) periods.push_back({{"period", period}, {"label", body.value("label", period)}});
    const std::string want = req.Query("period");
    nlohmann::json view = {{"periods", periods}, {"empty", published.empty()}};
    for (const auto& [period, body] : published) {
      if (!want.empty() && period != want) continue;
      nlohmann::json e = body;
      nlohmann::json ranked = nlohmann::json::array();
      for (const auto& d : e["departments"]) {
        if (d["score"].is_number()) ranked.push_back(d);
      }
      e["departments"] = ranked;
      view["ranking"] = e;
      break;
    }
    if (!want.empty() && !view.contains("ranking")) throw Error(ErrorCode::kNotFound, "该月排名尚未公布");
    return app.renderer->Page(req, "external/ranking", "部门绩效排名", view);
  });
}

}  // namespace yiwang::modules
