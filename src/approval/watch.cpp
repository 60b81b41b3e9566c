// What electronic supervision watches on a case: its clocks (declared to the engine in the
// acting transaction) and its record rules (read by the monitor from case events).
#include <map>

#include "approval/cases.hpp"
#include "approval/store.hpp"
#include "core/error.hpp"
#include "db/row.hpp"
#include "identity/store.hpp"

namespace yiwang::approval {

namespace {

std::string DateOfMs(std::int64_t ms) { return core::FormatLocalDate(ms); }

/// The reason written after "理由：" in a refusal or denial, up to the appeal-rights sentence.
std::string ReasonIn(const std::string& opinion) {
  const std::string mark = "理由：";
  auto at = opinion.find(mark);
  if (at == std::string::npos) return {};
  std::string rest = opinion.substr(at + mark.size());
  auto end = rest.find("。申请人如不服");
  if (end != std::string::npos) rest = rest.substr(0, end);
  const auto b = rest.find_first_not_of(" \t\r\n。；;，,");
  return b == std::string::npos ? std::string() : rest.substr(b);
}

}  // namespace

void CaseService::Watch(db::Tx& tx, const Case& c, const Item& item, const calendar::Calendar& cal) {
  if (!deadlines_) return;
  std::string unit_name;
  if (auto u = identity::store::FindUnit(tx.sql(), c.dept_unit_id)) unit_name = u->name;
  std::vector<supervision::WatchedDeadline> open;
  auto base = [&](const std::string& kind, const std::string& label, const std::string& rule) {
    supervision::WatchedDeadline d;
    d.kind = kind;
    d.label = label;
    d.overdue_rule = rule;
    d.topic_code = c.item_code;
    d.topic_name = c.item_name;
    d.unit_id = c.dept_unit_id;
    d.unit_name = unit_name;
    return d;
  };
  const bool paused = c.state == CaseState::kSuspended;
  switch (c.state) {
    case CaseState::kReceived: {
      auto d = base("acceptance", "受理期限（行政许可法第三十二条）", "ACCEPTANCE_OVERDUE");
      d.started_on = DateOfMs(c.corrections_complete_at ? c.corrections_complete_at : c.received_at);
      d.due_on = c.acceptance_due;
      open.push_back(d);
      break;
    }
    case CaseState::kAccepted:
    case CaseState::kInProgress:
    case CaseState::kSuspended: {
      auto total = base("total", "承诺办结期限", "TOTAL_OVERDUE");
      total.started_on = c.accepted_on;
      total.due_on = c.promised_due;
      total.paused = paused;
      total.person_id = c.assignee_id;
      total.person_name = c.assignee_name;
      open.push_back(total);
      if (c.current_step >= 1 && c.current_step <= static_cast<int>(item.steps.size()) && !c.step_due.empty()) {
        const Step& s = item.steps[static_cast<std::size_t>(c.current_step - 1)];
        auto step = base("step:" + std::to_string(c.current_step), "“" + s.name + "”环节期限", "STEP_OVERDUE");
        step.parent_kind = "total";
        step.started_on = c.step_started_on;
        step.due_on = c.step_due;
        step.paused = paused;
        step.person_id = c.assignee_id;
        step.person_name = c.assignee_name;
        open.push_back(step);
      }
      break;
    }
    case CaseState::kDecided: {
      if (c.decision == "approve" && c.decided_at && item.kind == ItemKind::kLicense) {
        // 行政许可法 第四十四条: the certificate within 10 working days of the decision.
        auto d = base("certificate", "颁发、送达许可证件期限（行政许可法第四十四条）", "DEADLINE_OVERDUE");
        d.started_on = DateOfMs(c.decided_at);
        try {
          d.due_on = calendar::FormatDate(cal.Due(calendar::ParseDate(d.started_on), periods_.certificate_days).due);
          open.push_back(d);
        } catch (const Error&) {
          // the calendar of that year is not imported: the case page says so; nothing to watch
        }
      }
      break;
    }
    default: break;
  }
  // A withdrawn case ended without its work being done: its clocks close as ended, not as met.
  deadlines_->Sync(tx, "approval", c.case_no, open, cal, c.state == CaseState::kWithdrawn ? "申请人撤回申请" : "");
}

std::vector<supervision::Violation> CheckCaseRecord(const Case& c, const Item& item, const std::string& unit_name) {
  const int steps = static_cast<int>(item.steps.size());
  std::vector<supervision::Violation> out;
  auto add = [&](const std::string& rule, const std::string& key, const std::string& detail, const std::string& person) {
    supervision::Violation v;
    v.rule_code = rule;
    v.subject = c.case_no;
    v.dedupe_key = key;
    v.detail = detail;
    v.topic_code = c.item_code;
    v.topic_name = c.item_name;
    v.unit_id = c.dept_unit_id;
    v.unit_name = unit_name;
    v.person_name = person;
    out.push_back(v);
  };
  int corrections = 0, completed = 0;
  // The step the case stands at, replayed from its events: a 退回 (return_step) moves it back to the
  // step it names, so completing a step again after a return counts once.
  int at = 0, at_decision = 0;
  bool accepted = false, decided = false, concluded = false;
  std::string decider;
  for (const auto& e : c.events) {
    if (e.action == "refuse" && ReasonIn(e.opinion).empty()) {
      add("NO_REASON", "refuse", "不予受理未说明理由（" + c.case_no + "，" + e.actor + "）", e.actor);
    }
    if (e.action == "decide") {
      decided = true;
      decider = e.actor;
      // A denial in the item kind's words (or as worded before kinds had their own words).
      const DecisionWording& w = WordingOf(item.kind);
      const bool denial = e.opinion.rfind(w.deny, 0) == 0 || e.opinion.rfind("不予行政许可", 0) == 0;
      if (denial && ReasonIn(e.opinion).empty()) {
        add("NO_REASON", "decide", std::string(w.deny_short) + "决定未说明理由（" + c.case_no + "，" + e.actor + "）", e.actor);
      }
    }
    if (e.action == "request_correction") ++corrections;
    if (e.action == "accept") {
      accepted = true;
      at = steps > 1 ? 2 : 1;
    }
    if (e.action == "complete_step") ++at;
    if (e.action == "return_step") {
      const std::string mark = "退回“";
      const auto from = e.opinion.find(mark);
      const auto to = from == std::string::npos ? from : e.opinion.find("”环节重新办理", from);
      if (to != std::string::npos) {
        const std::string name = e.opinion.substr(from + mark.size(), to - from - mark.size());
        for (int k = 0; k < steps; ++k) {
          if (item.steps[static_cast<std::size_t>(k)].name == name) at = k + 1;
        }
      }
    }
    if (e.action == "decide" && !at_decision) at_decision = at;
    if (e.action == "conclude") concluded = true;
  }
  if (corrections > 1) {
    add("MULTI_CORRECTION", "", "同一申请告知补正 " + std::to_string(corrections) + " 次，违反一次性告知（" + c.case_no + "）", "");
  }
  // Step 1 is acceptance, the last step is the decision; every step between is completed: the
  // decision was made at the last step.
  const int between = std::max(0, steps - 2);
  completed = std::max(0, (at_decision ? at_decision : at) - (steps > 1 ? 2 : 1));
  if (decided && (!accepted || completed < between)) {
    add("STEP_SKIPPED", "",
        "作出审批决定前流程未走完：" + std::string(accepted ? "" : "无受理记录，") + "应完成中间环节 " +
            std::to_string(between) + " 个，记录 " + std::to_string(completed) + " 个（" + c.case_no + "）",
        decider);
  }
  if (concluded && (!accepted || !decided || completed < between)) {
    std::string missing;
    if (!accepted) missing += "受理、";
    if (completed < between) missing += "环节办理（缺 " + std::to_string(between - completed) + " 个）、";
    if (!decided) missing += "审批决定、";
    if (!missing.empty()) missing.erase(missing.size() - 3);  // the last "、"
    add("STEPS_MISSING", "", "办件已办结，但缺少" + missing + "记录（" + c.case_no + "）", "");
  }
  // Fees: what was assessed and paid against the catalogue of the case's item version.
  auto yuan = [](std::int64_t fen) {
    return std::to_string(fen / 100) + "." + (fen % 100 < 10 ? "0" : "") + std::to_string(fen % 100) + " 元";
  };
  for (const auto& f : c.fees) {
    const std::size_t i = static_cast<std::size_t>(f.fee_no - 1);
    const std::int64_t listed = i < item.fees.size() ? item.fees[i].amount_fen : -1;
    if (listed < 0 || f.catalogue_fen != listed || f.assessed_fen != f.catalogue_fen) {
      add("FEE_MISMATCH", "assess:" + std::to_string(f.fee_no),
          "“" + f.name + "”核定 " + yuan(f.assessed_fen) + "，事项目录为 " +
              (listed < 0 ? std::string("（目录无此项）") : yuan(listed)) + (f.note.empty() ? "" : "，说明：" + f.note) +
              "（" + c.case_no + "）",
          f.assessed_by);
    }
    if (f.Paid() && f.paid_fen != f.assessed_fen) {
      add("FEE_MISMATCH", "paid:" + std::to_string(f.fee_no),
          "“" + f.name + "”实收 " + yuan(f.paid_fen) + "，核定 " + yuan(f.assessed_fen) + "，收据 " + f.receipt_no + "（" +
              c.case_no + "）",
          f.recorded_by);
    }
  }
  const bool concluded_with_fees = concluded && !item.fees.empty();
  if (concluded_with_fees && c.fees.size() < item.fees.size()) {
    add("FEE_MISMATCH", "missing", "事项目录列有收费 " + std::to_string(item.fees.size()) + " 项，办结时仅核定 " +
                                       std::to_string(c.fees.size()) + " 项（" + c.case_no + "）",
        "");
  }
  return out;
}

namespace {

class ApprovalRules : public supervision::RuleSource {
 public:
  std::string Name() const override { return "approval"; }
  std::vector<supervision::Violation> Scan(soci::session& sql, std::int64_t& position) override {
    std::set<long long> cases;
    long long from = position, last = position;
    soci::rowset<soci::row> rows =
        (sql.prepare << "SELECT id, case_id, action FROM case_events WHERE id > :p ORDER BY id LIMIT 20000", soci::use(from));
    static const std::set<std::string> kRelevant = {"refuse", "decide", "conclude", "request_correction", "assess_fees",
                                                    "record_payment"};
    for (const soci::row& r : rows) {
      last = db::RowInt(r, "id");
      if (kRelevant.count(db::RowStr(r, "action"))) cases.insert(db::RowInt(r, "case_id"));
    }
    position = last;
    std::vector<supervision::Violation> out;
    std::map<std::string, Item> items;
    for (long long id : cases) {
      auto c = FindCaseById(sql, id);
      if (!c || c->state == CaseState::kSubmitted) continue;  // the external copy in a split node
      const std::string key = c->item_code + "@" + std::to_string(c->item_version);
      if (!items.count(key)) {
        auto item = store::FindByCodeVersion(sql, c->item_code, c->item_version);
        items[key] = item ? *item : Item{};
      }
      std::string unit_name;
      if (auto u = identity::store::FindUnit(sql, c->dept_unit_id)) unit_name = u->name;
      for (auto& v : CheckCaseRecord(*c, items[key], unit_name)) out.push_back(std::move(v));
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<supervision::RuleSource> MakeApprovalRules() { return std::make_unique<ApprovalRules>(); }

}  // namespace yiwang::approval
