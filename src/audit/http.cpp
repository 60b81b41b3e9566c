// Internal zone: audit search for the 安全审计员 (read-only: no route changes the log).
#include "app/app.hpp"
#include "app/modules.hpp"
#include <algorithm>

#include "core/error.hpp"
#include "core/text.hpp"
#include "http/forms.hpp"
#include "identity/service.hpp"

namespace yiwang::modules {
namespace {

using http::Access;
using http::Request;
using http::Response;

/// Each audited action's name as the page shows it; the filter also takes these names.
const std::map<std::string, std::string>& ActionLabels() {
  static const std::map<std::string, std::string> kAction = {
      {"case.submit", "提交申请"}, {"case.correct", "提交补正材料"}, {"case.accept", "受理"}, {"case.refuse", "不予受理"},
      {"case.request_correction", "告知补正"}, {"case.claim", "签收环节"}, {"case.complete_step", "完成环节"},
      {"case.return_step", "退回环节"}, {"case.release", "取消签收或收回"}, {"case.decide", "审批决定"}, {"case.conclude", "办结"},
      {"case.suspend", "特别程序开始"}, {"case.resume", "特别程序结束"}, {"case.extend", "延长期限"},
      {"case.assess_fees", "核定收费"}, {"case.record_payment", "登记缴费"}, {"case.refund", "退费"},
      {"case.withdraw_request", "申请撤回"}, {"case.withdraw", "撤回申请"}, {"case.withdraw_refused", "撤回未能办理"},
      {"draft.save", "保存草稿"}, {"draft.submit", "草稿提交"}, {"draft.delete", "删除草稿"}, {"draft.purge", "清理草稿"},
      {"files.gc", "清理文件"}, {"complaint.submit", "提交投诉"}, {"complaint.register", "登记投诉"},
      {"item.import", "导入事项"}, {"item.sample", "上传样表"}, {"item.sample_remove", "删除样表"},
      {"message.read", "阅读消息"}, {"message.read_all", "消息全部已读"}, {"exchange.trust", "信任交换密钥"},
      {"session.login", "登录"}, {"session.logout", "退出"}, {"session.totp", "动态口令验证"},
      {"account.register", "公众注册"}, {"account.password_change", "修改密码"}, {"unit.create", "新增单位"},
      {"user.create", "新建人员"}, {"user.roles", "分配角色"}, {"user.lock", "锁定人员"}, {"user.unlock", "解锁人员"},
      {"user.password_reset", "重置密码"}, {"user.totp_enroll", "绑定动态口令"}, {"user.totp_set", "设置动态口令"},
      {"user.list", "查看人员"}, {"public_account.lock", "锁定公众账户"}, {"public_account.unlock", "解锁公众账户"},
      {"exchange.apply", "导入交换包"}, {"exchange.reject", "拒收交换包"}, {"calendar.import", "导入工作日历"},
      {"item.save", "保存事项"}, {"item.publish", "发布事项"}, {"item.retire", "停用事项"}, {"item.publish_all", "批量发布事项"},
      {"supervision.alert", "监察告警"}, {"supervision.notice", "发出督办单"}, {"supervision.answer", "答复督办单"},
      {"supervision.red_card", "红牌"}, {"supervision.close", "办结告警"}, {"supervision.rule", "调整监察规则"},
      {"case.rate", "办事评价"}, {"evaluation.publish", "公布绩效排名"}, {"lookup.locked", "查询码错误过多"}, {"access.denied", "拒绝访问"}, {"rate.limited", "匿名提交过于频繁"}, {"case.view", "查看办件"}};
  return kAction;
}

/// The 操作 filter: an action code or its prefix ("session.login", "case."), or a name as the page
/// shows it ("登录", "受理"), which must name one action (or one family of actions).
std::string ActionFilter(const std::string& text) {
  const std::string t = core::Trim(text);
  if (std::all_of(t.begin(), t.end(), [](unsigned char ch) { return ch < 0x80; })) return t;
  std::vector<std::string> exact, partial;
  for (const auto& [code, label] : ActionLabels()) {
    if (label == t) exact.push_back(code);
    else if (label.find(t) != std::string::npos) partial.push_back(code);
  }
  const std::vector<std::string>& found = exact.empty() ? partial : exact;
  if (found.size() == 1) return found[0];
  if (found.empty()) {
    throw Error(ErrorCode::kInvalidInput, "没有名为“" + t + "”的操作", {{"action", "请输入页面上显示的操作名称或操作代码"}});
  }
  std::string names;
  for (std::size_t k = 0; k < found.size() && k < 8; ++k) {
    names += (k ? "、" : "") + ActionLabels().at(found[k]) + "（" + found[k] + "）";
  }
  throw Error(ErrorCode::kInvalidInput, "“" + t + "”对应多种操作：" + names + (found.size() > 8 ? "等" : "") + "，请输入其中一种",
              {{"action", "请输入其中一种操作的完整名称或代码"}});
}

audit::AuditLog::Query QueryFrom(const Request& req) {
  audit::AuditLog::Query q;
  if (!req.Query("from").empty()) q.from_ms = core::ParseLocal(req.Query("from"));
  if (!req.Query("to").empty()) {
    std::string to = req.Query("to");
    q.to_ms = core::ParseLocal(to) + (to.size() == 10 ? 24LL * 3600 * 1000 - 1 : 0);
  }
  q.actor = req.Query("actor");
  q.action = ActionFilter(req.Query("action"));
  q.outcome = req.Query("outcome");
  q.object_id = req.Query("object_id");
  q.page = http::PageParam(req);
  q.per_page = static_cast<int>(std::clamp<std::int64_t>(req.QueryInt("per_page", 50), 1, 200));
  return q;
}

std::string Label(const std::map<std::string, std::string>& labels, const std::string& key) {
  auto it = labels.find(key);
  return it == labels.end() ? key : it->second;
}

nlohmann::json RecordJson(const audit::Record& r) {
  static const std::map<std::string, std::string> kOutcome = {{"success", "成功"}, {"failure", "失败"}, {"denied", "拒绝"}};
  static const std::map<std::string, std::string> kActor = {
      {"staff", "工作人员"}, {"public", "公众"}, {"system", "系统"}, {"anonymous", "未登录"}};
  static const std::map<std::string, std::string> kZone = {{"internal", "内网"}, {"external", "外网"}, {"cli", "命令行"}};
  static const std::map<std::string, std::string> kObject = {
      {"user", "人员"}, {"public_account", "公众账户"}, {"unit", "单位"}, {"item", "事项"}, {"catalogue", "事项目录"},
      {"calendar_year", "工作日历"}, {"packet", "交换包"}, {"staff", "人员"}, {"public", "公众账户"},
      {"unit.upsert", "交换包（单位）"}, {"account.registered", "交换包（注册）"}, {"account.locked", "交换包（锁定）"},
      {"items.published", "交换包（事项）"}, {"alert", "监察告警"}, {"rule", "监察规则"}, {"ranking", "绩效排名"},
      {"case", "办件"}, {"complaint", "投诉"}, {"draft", "草稿"}, {"file", "文件"}, {"key", "密钥"}, {"message", "消息"},
      {"lookup", "查询码"}, {"rate", "匿名提交"}, {"request", "请求"}};
  static const std::map<std::string, std::string> kDetail = {{"citizen", "个人"}, {"enterprise", "法人"}};
  auto it = kOutcome.find(r.event.outcome);
  return {{"seq", r.seq},
          {"time", core::FormatLocal(r.ts)},
          {"ts", core::FormatIsoUtc(r.ts)},
          {"actor_kind", r.actor.kind},
          {"actor_kind_label", Label(kActor, r.actor.kind)},
          {"action_label", Label(ActionLabels(), r.event.action)},
          {"object_label", Label(kObject, r.event.object_type)},
          {"zone_label", Label(kZone, r.actor.zone)},
          {"detail_label", Label(kDetail, r.event.detail)},
          {"actor_id", r.actor.id},
          {"actor", r.actor.name},
          {"unit_id", r.actor.unit_id},
          {"action", r.event.action},
          {"object_type", r.event.object_type},
          {"object_id", r.event.object_id},
          {"outcome", r.event.outcome},
          {"outcome_label", it == kOutcome.end() ? r.event.outcome : it->second},
          {"failed", r.event.outcome != "success"},
          {"client_ip", r.actor.client_ip},
          {"zone", r.actor.zone},
          {"detail", r.event.detail},
          {"hash", r.hash.substr(0, 16)}};
}

}  // namespace

void RegisterAudit(http::Router& r, app::App& app) {
  r.Add("GET", "/audit", Access::kStaff, [&app](Request& req) {
    identity::RequireRole(req.principal, {identity::Role::kAuditor});
    nlohmann::json view = {{"filters",
                            {{"from", req.Query("from")}, {"to", req.Query("to")}, {"actor", req.Query("actor")},
                             {"action", req.Query("action")}, {"object_id", req.Query("object_id")}}},
                           {"outcome_" + (req.Query("outcome").empty() ? std::string("all") : req.Query("outcome")), true}};
    try {
      auto q = QueryFrom(req);
      auto page = app.audit->Search(*app.db, q);
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& rec : page.rows) rows.push_back(RecordJson(rec));
      view["rows"] = rows;
      view["empty"] = rows.empty();
      view["pager"] = http::PagerView(req, page.total, q.page, q.per_page);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kInvalidInput) throw;
      view["error"] = http::ErrorView(e);
      view["rows"] = nlohmann::json::array();
    }
    return app.renderer->Page(req, "internal/audit", "审计日志", view);
  });
  r.Add("GET", "/audit/verify", Access::kStaff, [&app](Request& req) {
    identity::RequireRole(req.principal, {identity::Role::kAuditor});
    auto result = app.audit->Verify(*app.db);
    return app.renderer->Page(req, "internal/audit_verify", "审计链校验",
                              {{"ok", result.ok}, {"checked", result.checked}, {"problem", result.problem},
                               {"first_bad_seq", result.first_bad_seq}, {"time", core::FormatLocal(app.clock->NowMs())}});
  });
  r.Add("GET", "/api/v1/audit", Access::kStaff, [&app](Request& req) {
    identity::RequireRole(req.principal, {identity::Role::kAuditor});
    auto q = QueryFrom(req);
    auto page = app.audit->Search(*app.db, q);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& rec : page.rows) rows.push_back(RecordJson(rec));
    return Response::Json({{"records", rows}, {"total", page.total}, {"page", q.page}, {"per_page", q.per_page}});
  });
}

}  // namespace yiwang::modules
