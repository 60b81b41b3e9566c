// Electronic supervision on both databases, with the clock set by hand: a case left alone
// turns yellow then red on the right working day across 春节 and a 调休 Saturday; a special
// procedure pauses its clocks; alerts are never duplicated (repeated ticks, two nodes at
// once); every record rule fires on a case built to break it and not on a clean one; the
// 督办单 lifecycle with yellow and red cards; stats equal counts made directly from cases.
#include <thread>

#include "approval_fixture.hpp"
#include "core/error.hpp"
#include "supervision/supervision.hpp"

namespace yiwang::testing {
namespace {
using approval::CaseState;

/// The approval fixture plus the supervision engine watching it.
struct Watched : Approval {
  explicit Watched(Node& n)
      : Approval(n),
        deadlines(n.clock, {}),
        monitor(*n.db, n.clock, *n.audit, calendar, deadlines, std::make_unique<supervision::OutboxSms>(n.clock)) {
    cases.WatchWith(&deadlines);
    monitor.AddSource(approval::MakeApprovalRules());
  }
  void Seed() {
    SeedInside();
    auto sys = identity::Context::System("测试");
    jcj = node.identity->CreateUnit(sys, {district, "JCJ", "东河区监察局", "department", 9}).id;
    supervisor = Staff("sup", jcj, {"supervisor"});
    citizen = Citizen();
  }
  /// A case received inside (not yet accepted) at the node's current time.
  std::string Received(const std::string& key) {
    auto s = cases.Submit(citizen, App(key));
    node.exchange->Pump();
    node.exchange->Pump();
    return s.case_no;
  }
  void At(const std::string& local) { node.clock.Set(core::ParseLocal(local)); }
  supervision::TickResult Tick(const std::string& who = "node-a") { return monitor.Tick(who); }
  std::string Colour(const std::string& case_no, const std::string& kind) {
    std::string c;
    soci::session s(node.db->pool());
    s << "SELECT colour FROM sv_deadlines WHERE source = 'approval' AND subject = :s AND kind = :k", soci::use(case_no),
        soci::use(kind), soci::into(c);
    return c;
  }
  long long Alerts(const std::string& case_no, const std::string& rule) {
    return node.Count("sv_alerts", "subject = '" + case_no + "' AND rule_code = '" + rule + "'");
  }
  std::int64_t jcj = 0;
  identity::Context supervisor, citizen;
  supervision::Deadlines deadlines;
  supervision::Monitor monitor;
};

class Supervision : public BackendTest {
 protected:
  void SetUp() override { n_ = std::make_unique<Node>(GetParam()); }
  std::unique_ptr<Node> n_;
};

TEST_P(Supervision, ACaseLeftAloneTurnsYellowThenRedAcrossSpringFestival) {
  Watched w(*n_);
  w.At("2026-02-11 09:00");  // Wednesday before 春节
  w.Seed();
  const std::string c = w.Received("k1");
  // 受理期限: 02-12 (1), 02-13 (2), Sat 02-14 调休 (3), 02-24 (4), 02-25 (5).
  EXPECT_EQ(w.cases.ForStaff(w.clerk, c).acceptance_due, "2026-02-25");
  w.Tick();
  EXPECT_EQ(w.Colour(c, "acceptance"), "green");
  w.At("2026-02-23 09:00");  // the last day of the holiday: still green
  w.Tick();
  EXPECT_EQ(w.Colour(c, "acceptance"), "green");
  EXPECT_EQ(w.Alerts(c, "DEADLINE_WARNING"), 0);
  w.At("2026-02-24 08:00");  // one working day before the limit: yellow, the unit is reminded
  auto r = w.Tick();
  EXPECT_EQ(r.yellow, 1);
  EXPECT_EQ(w.Colour(c, "acceptance"), "yellow");
  EXPECT_EQ(w.Alerts(c, "DEADLINE_WARNING"), 1);
  EXPECT_EQ(n_->Count("messages", "title LIKE '%" + c + "%'"), 1);
  w.At("2026-02-25 17:00");  // the due day is still in time
  w.Tick();
  EXPECT_EQ(w.Colour(c, "acceptance"), "yellow");
  EXPECT_EQ(w.Alerts(c, "ACCEPTANCE_OVERDUE"), 0);
  w.At("2026-02-26 00:05");  // the day after: red, an alert, a yellow card, the warning closed
  r = w.Tick();
  EXPECT_EQ(r.red, 1);
  EXPECT_EQ(r.notices, 1);
  EXPECT_EQ(w.Colour(c, "acceptance"), "red");
  EXPECT_EQ(w.Alerts(c, "ACCEPTANCE_OVERDUE"), 1);
  EXPECT_EQ(n_->Count("sv_alerts", "subject = '" + c + "' AND rule_code = 'DEADLINE_WARNING' AND state = 'closed'"), 1);
  // The notice asks for completion in 3 working days: 02-27 (1), Sat 02-28 调休 (2), 03-02 (3).
  EXPECT_EQ(n_->Count("sv_notices", "required_by = '2026-03-02' AND card = 'yellow' AND state = 'issued'"), 1);
  // The unit's message names the date once, as the notice's own field.
  EXPECT_EQ(n_->Count("messages", "title LIKE '督办单%' AND body LIKE '%已超期，请在要求办结日期前办结，并书面说明超期原因。"
                                  "（要求办结日期：2026-03-02，请在系统中答复）' AND body NOT LIKE '%2026-03-02%2026-03-02%'"),
            1);
}

TEST_P(Supervision, AStepDueOnAMakeUpSaturdayAndTheTotalLimit) {
  Watched w(*n_);
  w.At("2026-02-11 09:00");
  w.Seed();
  const std::string c = w.Received("k1");
  w.cases.Act(w.clerk, c, "accept", "", {});
  w.cases.Act(w.handler, c, Do("claim"));
  // 审查 (3 days) from 02-11: 02-12, 02-13, Sat 02-14 (调休) → due 02-14, yellow from 02-13.
  // Total (promised 5): due 02-25.
  w.At("2026-02-12 09:00");
  w.Tick();
  EXPECT_EQ(w.Colour(c, "step:2"), "green");
  w.At("2026-02-13 09:00");
  w.Tick();
  EXPECT_EQ(w.Colour(c, "step:2"), "yellow");
  EXPECT_EQ(n_->Count("sms_outbox"), 0);  // the handler has no mobile number on file
  w.At("2026-02-14 09:00");  // the Saturday is a working day and the due day
  w.Tick();
  EXPECT_EQ(w.Colour(c, "step:2"), "yellow");
  w.At("2026-02-15 09:00");  // 春节, Sunday: the step is late; the total is still in time
  w.Tick();
  EXPECT_EQ(w.Colour(c, "step:2"), "red");
  EXPECT_EQ(w.Colour(c, "total"), "green");
  EXPECT_EQ(w.Alerts(c, "STEP_OVERDUE"), 1);
  w.At("2026-02-26 09:00");
  w.Tick();
  EXPECT_EQ(w.Colour(c, "total"), "red");
  EXPECT_EQ(w.Alerts(c, "TOTAL_OVERDUE"), 1);
  // Completing the step closes its clock (late) and opens the next one.
  w.cases.Act(w.handler, c, Do("complete_step", "通过"));
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + c + "' AND kind = 'step:2' AND is_open = 0 AND late = 1"), 1);
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + c + "' AND kind = 'step:3' AND is_open = 1"), 1);
}

TEST_P(Supervision, AStepSentBackReopensItsClockFromTheDayOfReturn) {
  Watched w(*n_);
  w.At("2026-03-02 09:00");
  w.Seed();
  const std::string c = w.Received("k1");
  w.cases.Act(w.clerk, c, "accept", "", {});
  w.cases.Act(w.handler, c, Do("claim"));
  w.cases.Act(w.handler, c, Do("complete_step", "通过"));
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + c + "' AND kind = 'step:2' AND is_open = 0"), 1);
  w.At("2026-03-04 09:00");
  w.cases.Act(w.approver, c, Do("claim"));
  approval::CaseAction back = Do("return_step", "现场核查记录缺页");
  w.cases.Act(w.approver, c, back);
  // 审查 (3 working days) runs again from 03-04: due 03-09; the decision step's clock closes.
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + c + "' AND kind = 'step:2' AND is_open = 1 AND started_on = "
                                      "'2026-03-04' AND due_on = '2026-03-09' AND person_id = 0"),
            1);
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + c + "' AND kind = 'step:3' AND is_open = 1"), 0);
  w.At("2026-03-10 09:00");  // not signed for again in time: late like any other step
  w.Tick();
  EXPECT_EQ(w.Colour(c, "step:2"), "red");
  // Done again and decided: the record is whole (the step completed twice is no skipped step)…
  auto redo_and_decide = [&](const std::string& no) {
    w.cases.Act(w.handler, no, Do("claim"));
    w.cases.Act(w.handler, no, Do("complete_step", "已补充现场核查记录"));
    w.cases.Act(w.approver, no, Do("claim"));
    w.cases.Act(w.approver, no, Do("decide", "同意", "approve"));
  };
  redo_and_decide(c);
  // …but a record without the completion after the return shows the decision made at the
  // returned step (counting completions alone would not see it).
  const std::string broken = w.Received("k2");
  w.cases.Act(w.clerk, broken, "accept", "", {});
  w.cases.Act(w.handler, broken, Do("claim"));
  w.cases.Act(w.handler, broken, Do("complete_step", "通过"));
  w.cases.Act(w.approver, broken, Do("claim"));
  w.cases.Act(w.approver, broken, back);
  redo_and_decide(broken);
  n_->Exec("DELETE FROM case_events WHERE action = 'complete_step' AND ts = (SELECT MAX(ts) FROM case_events WHERE "
           "action = 'complete_step' AND case_id = (SELECT id FROM cases WHERE case_no = '" + broken + "')) AND case_id = "
           "(SELECT id FROM cases WHERE case_no = '" + broken + "')");
  w.Tick();
  EXPECT_EQ(w.Alerts(c, "STEP_SKIPPED"), 0);
  EXPECT_EQ(w.Alerts(broken, "STEP_SKIPPED"), 1);
}

TEST_P(Supervision, WhoeverClaimsAYellowStepIsToldAtOnce) {
  Watched w(*n_);
  w.At("2026-02-11 09:00");
  w.Seed();
  const std::string c = w.Received("k1");
  w.cases.Act(w.clerk, c, "accept", "", {});  // 审查 due Sat 02-14, nobody holds it yet
  w.At("2026-02-13 09:00");
  w.Tick();
  EXPECT_EQ(w.Colour(c, "step:2"), "yellow");
  const auto to_handler = "recipient_id = " + std::to_string(w.handler.principal.id);
  EXPECT_EQ(n_->Count("messages", "recipient_id = 0 AND unit_id = " + std::to_string(w.scj) + " AND title LIKE '%" + c + "%'"), 1);
  EXPECT_EQ(n_->Count("messages", to_handler), 0);
  w.cases.Act(w.handler, c, Do("claim"));
  EXPECT_EQ(n_->Count("messages", to_handler + " AND body LIKE '%将于 2026-02-14 届满%'"), 1);
  w.Tick();  // the colour did not change: no second reminder
  EXPECT_EQ(n_->Count("messages", to_handler), 1);
}

TEST_P(Supervision, RemindersOfOneTickAreOneDigestPerPersonAndUnit) {
  Watched w(*n_);
  w.At("2026-03-02 09:00");
  w.Seed();
  const auto hid = std::to_string(w.handler.principal.id);
  n_->Exec("UPDATE users SET mobile = '13700000001' WHERE id = " + hid);
  const std::string c1 = w.Received("d1"), c2 = w.Received("d2");
  std::vector<std::string> waiting;
  for (int i = 3; i <= 5; ++i) waiting.push_back(w.Received("d" + std::to_string(i)));
  for (const auto& c : {c1, c2}) {
    w.cases.Act(w.clerk, c, "accept", "", {});
    w.cases.Act(w.handler, c, Do("claim"));  // 审查 (3 days) due 03-05, yellow from 03-04
  }
  const std::string to_handler = "recipient_id = " + hid + " AND title LIKE '期限即将届满%'";
  const std::string to_unit = "recipient_id = 0 AND unit_id = " + std::to_string(w.scj) + " AND title LIKE '期限即将届满%'";
  w.At("2026-03-04 09:00");
  EXPECT_EQ(w.Tick().yellow, 2);
  // Two clocks of the handler: one message naming both, one text message.
  EXPECT_EQ(n_->Count("messages", to_handler), 1);
  EXPECT_EQ(n_->Count("messages", to_handler + " AND title = '期限即将届满：2 件' AND link = '/cases' AND body LIKE '%" +
                                      c1 + " “审查”环节期限将于 2026-03-05 届满%' AND body LIKE '%" + c2 + "%'"),
            1);
  EXPECT_EQ(n_->Count("sms_outbox", "mobile = '13700000001'"), 1);
  EXPECT_EQ(n_->Count("sms_outbox", "text LIKE '%您有 2 件办理期限即将届满，最早于 2026-03-05 届满%'"), 1);
  // Each clock still has its own alert and its own event in the supervision record.
  EXPECT_EQ(n_->Count("sv_alerts", "rule_code = 'DEADLINE_WARNING'"), 2);
  EXPECT_EQ(n_->Count("sv_events", "action = 'reminder'"), 2);
  EXPECT_EQ(n_->Count("messages", to_unit), 0);
  w.Tick();  // the same day again: nothing new
  EXPECT_EQ(n_->Count("messages", "title LIKE '期限即将届满%'"), 1);
  // 03-06: the three applications still waiting at the window (受理期限 03-09) go to the unit in
  // one message; the handler's two totals (promised 03-09) in another; no text to a unit.
  w.At("2026-03-06 09:00");
  w.Tick();
  EXPECT_EQ(n_->Count("messages", to_unit), 1);
  std::string unit_body;
  {
    soci::session sql(n_->db->pool());
    sql << "SELECT body FROM messages WHERE " + to_unit, soci::into(unit_body);
  }
  for (const auto& c : waiting) EXPECT_NE(unit_body.find(c + " 受理期限（行政许可法第三十二条）将于 2026-03-09 届满"), std::string::npos) << unit_body;
  EXPECT_EQ(n_->Count("messages", to_unit + " AND title = '期限即将届满：3 件' AND link = '/cases?state=all'"), 1);
  EXPECT_EQ(n_->Count("messages", to_handler), 2);
  EXPECT_EQ(n_->Count("sms_outbox", "mobile = '13700000001'"), 2);
  EXPECT_EQ(n_->Count("sv_events", "action = 'reminder'"), 7);
}

TEST_P(Supervision, ASpecialProcedurePausesTheClocks) {
  Watched w(*n_);
  w.At("2026-03-02 09:00");
  w.Seed();
  const std::string c = w.Received("k1");
  w.cases.Act(w.clerk, c, "accept", "", {});
  w.cases.Act(w.handler, c, Do("claim"));
  w.At("2026-03-03 09:00");
  w.cases.Act(w.handler, c, Do("suspend", "检验检测"));
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + c + "' AND is_open = 1 AND paused = 1"), 2);
  w.At("2026-04-20 09:00");  // weeks later: nothing turns red while the procedure runs
  w.Tick();
  EXPECT_EQ(w.Colour(c, "total"), "green");
  EXPECT_EQ(w.Colour(c, "step:2"), "green");
  EXPECT_EQ(n_->Count("sv_alerts", "subject = '" + c + "'"), 0);
  w.cases.Act(w.handler, c, Do("resume", "检测合格"));
  auto k = w.cases.ForStaff(w.handler, c);
  w.Tick();
  // Resumed: the days of the procedure are not counted, so the limits moved past today.
  EXPECT_GT(k.promised_due, "2026-04-20");
  EXPECT_EQ(n_->Count("sv_alerts", "subject = '" + c + "' AND colour = 'red'"), 0);
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + c + "' AND is_open = 1 AND paused = 0"), 2);
}

TEST_P(Supervision, AWithdrawnCaseClosesEveryClockAndItsWarnings) {
  Watched w(*n_);
  w.At("2026-03-02 09:00");
  w.Seed();
  const std::string c = w.Received("wd");
  w.cases.Act(w.clerk, c, "accept", "", {});
  w.cases.Act(w.handler, c, Do("claim"));
  w.At("2026-03-04 09:00");  // the 审查 step (3 days, due 03-05) is one working day from its limit
  w.Tick();
  EXPECT_EQ(w.Alerts(c, "DEADLINE_WARNING"), 1);
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + c + "' AND is_open = 1"), 2);
  w.cases.Withdraw(w.citizen, c, "不再需要");
  n_->exchange->Pump();
  n_->exchange->Pump();
  ASSERT_EQ(w.cases.ForStaff(w.handler, c).state, CaseState::kWithdrawn);
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + c + "' AND is_open = 1"), 0);
  EXPECT_EQ(n_->Count("sv_alerts", "subject = '" + c + "' AND state = 'open'"), 0);  // the warning is moot
  EXPECT_EQ(n_->Count("sv_alerts", "subject = '" + c + "' AND conclusion LIKE '申请人撤回申请%'"), 1);
  // Shown as ended, not as met in time.
  const nlohmann::json clocks = w.monitor.ClocksFor("approval", c);
  ASSERT_EQ(clocks.size(), 3u);  // acceptance (met), total and step (ended)
  int ended = 0;
  for (const auto& k : clocks) {
    if (k["ended"] == "申请人撤回申请") {
      ++ended;
      EXPECT_EQ(k["colour_label"], "已终止（申请人撤回申请）");
    }
  }
  EXPECT_EQ(ended, 2);
  w.At("2026-04-20 09:00");  // weeks later: nothing of this case turns red
  w.Tick();
  EXPECT_EQ(n_->Count("sv_alerts", "subject = '" + c + "' AND colour = 'red'"), 0);
}

TEST_P(Supervision, AlertsAreNeverDuplicatedAcrossTicksOrNodes) {
  Watched w(*n_);
  w.At("2026-03-02 09:00");
  w.Seed();
  std::vector<std::string> cs;
  for (int i = 0; i < 5; ++i) cs.push_back(w.Received("k" + std::to_string(i)));
  w.At("2026-03-20 09:00");  // every acceptance window has passed
  auto first = w.Tick("node-a");
  EXPECT_TRUE(first.leader);
  EXPECT_EQ(first.alerts, 5);
  const long long alerts = n_->Count("sv_alerts"), notices = n_->Count("sv_notices");
  EXPECT_EQ(alerts, 5);
  // Again on the same node, and from a second node while the first holds the lease.
  EXPECT_EQ(w.Tick("node-a").alerts, 0);
  EXPECT_FALSE(w.Tick("node-b").leader);
  // Two nodes at once, each with its own connection pool, after the lease has expired.
  auto db2 = db::Database::Open(n_->temp->url(), 4);
  supervision::Deadlines d2(n_->clock, {});
  supervision::Monitor m2(*db2, n_->clock, *n_->audit, w.calendar, d2, std::make_unique<supervision::OutboxSms>(n_->clock));
  m2.AddSource(approval::MakeApprovalRules());
  n_->clock.Advance(3600LL * 1000);
  // Force every clock to be looked at again, as after a restart that lost nothing.
  n_->Exec("UPDATE sv_deadlines SET next_check = '2026-03-01', colour = 'green' WHERE is_open = 1");
  supervision::TickResult ra, rb;
  std::thread ta([&] { ra = w.monitor.Tick("node-a"); });
  std::thread tb([&] { rb = m2.Tick("node-b"); });
  ta.join();
  tb.join();
  EXPECT_NE(ra.leader, rb.leader);  // exactly one node ticks
  EXPECT_EQ(n_->Count("sv_alerts"), alerts);
  EXPECT_EQ(n_->Count("sv_notices"), notices);
  EXPECT_EQ(n_->Count("sv_alerts", "rule_code = 'DEADLINE_WARNING'"), 0);
  for (const auto& c : cs) EXPECT_EQ(w.Alerts(c, "ACCEPTANCE_OVERDUE"), 1);
}

TEST_P(Supervision, EveryRecordRuleFiresOnABrokenCaseAndNotOnACleanOne) {
  Watched w(*n_);
  w.At("2026-03-02 09:00");
  w.Seed();
  auto full_path = [&](const std::string& c) {
    w.cases.Act(w.clerk, c, "accept", "", {});
    w.cases.Act(w.handler, c, Do("claim"));
    w.cases.Act(w.handler, c, Do("complete_step", "符合条件"));
    w.cases.Act(w.approver, c, Do("claim"));
    w.cases.Act(w.approver, c, Do("decide", "同意", "approve"));
    w.cases.Act(w.clerk, c, Do("conclude"));
  };
  const std::string clean = w.Received("clean");
  full_path(clean);
  const std::string refused = w.Received("refused");
  w.cases.Act(w.clerk, refused, "refuse", "不属于本部门职权范围", {});
  const std::string clean_refusal = w.Received("clean-refusal");
  w.cases.Act(w.clerk, clean_refusal, "refuse", "申请人不具备主体资格", {});
  const std::string twice = w.Received("twice");
  w.cases.Act(w.clerk, twice, "request_correction", "", {"缺少委托书"});
  const std::string skipped = w.Received("skipped");
  full_path(skipped);
  const std::string fee = w.Received("fee");
  full_path(fee);
  // Break the records as a careless import or a hand edit would.
  n_->Exec("UPDATE case_events SET opinion = '不予受理。理由：。申请人如不服，可以申请行政复议' WHERE action = 'refuse' "
           "AND case_id = (SELECT id FROM cases WHERE case_no = '" + refused + "')");
  n_->Exec("INSERT INTO case_events (case_id, ts, action, state, actor, unit_name, opinion, public) SELECT id, 1, "
           "'request_correction', 'correction', '窗口', '', '再次补正', 1 FROM cases WHERE case_no = '" + twice + "'");
  n_->Exec("DELETE FROM case_events WHERE action = 'complete_step' AND case_id = (SELECT id FROM cases WHERE case_no = '" +
           skipped + "')");
  // A fee recorded against an item whose catalogue lists none, below what was "assessed".
  n_->Exec("INSERT INTO case_fees (case_id, fee_no, name, catalogue_fen, assessed_fen, assessed_by, assessed_at) SELECT "
           "id, 1, '工本费', 5000, 3000, '窗口', 1 FROM cases WHERE case_no = '" + fee + "'");
  n_->Exec("INSERT INTO case_events (case_id, ts, action, state, actor, unit_name, opinion, public) SELECT id, 4, "
           "'assess_fees', 'concluded', '窗口', '', '核定收费', 1 FROM cases WHERE case_no = '" + fee + "'");
  auto r = w.Tick();
  EXPECT_EQ(r.rule_alerts, 5);
  EXPECT_EQ(w.Alerts(fee, "FEE_MISMATCH"), 1);
  EXPECT_EQ(w.Alerts(refused, "NO_REASON"), 1);
  EXPECT_EQ(w.Alerts(twice, "MULTI_CORRECTION"), 1);
  EXPECT_EQ(w.Alerts(skipped, "STEP_SKIPPED"), 1);
  EXPECT_EQ(w.Alerts(skipped, "STEPS_MISSING"), 1);
  EXPECT_EQ(n_->Count("sv_alerts", "subject = '" + clean + "'"), 0);
  EXPECT_EQ(n_->Count("sv_alerts", "subject = '" + clean_refusal + "'"), 0);
  // Read once: the next tick finds nothing new; a disabled rule raises nothing.
  EXPECT_EQ(w.Tick().rule_alerts, 0);
  w.monitor.UpdateRule(w.supervisor, "MULTI_CORRECTION", false, "medium");
  n_->Exec("INSERT INTO case_events (case_id, ts, action, state, actor, unit_name, opinion, public) SELECT id, 2, "
           "'request_correction', 'correction', '窗口', '', '第三次', 1 FROM cases WHERE case_no = '" + clean_refusal + "'");
  n_->Exec("INSERT INTO case_events (case_id, ts, action, state, actor, unit_name, opinion, public) SELECT id, 3, "
           "'request_correction', 'correction', '窗口', '', '第四次', 1 FROM cases WHERE case_no = '" + clean_refusal + "'");
  EXPECT_EQ(w.Tick().rule_alerts, 0);
  EXPECT_THROW(w.monitor.UpdateRule(w.clerk, "NO_REASON", false, "high"), Error);  // only the supervisor
}

TEST_P(Supervision, NoticeAnswerRedCardAndClose) {
  Watched w(*n_);
  w.At("2026-03-02 09:00");
  w.Seed();
  const std::string a = w.Received("a"), b = w.Received("b");
  w.At("2026-03-10 09:00");  // both acceptance windows (due 03-09) passed
  w.Tick();
  supervision::AlertFilter f;
  f.subject = a;
  std::int64_t total = 0;
  auto list = w.monitor.Alerts(w.supervisor, f, &total);
  ASSERT_EQ(total, 1);
  const auto alert_a = list.front();
  EXPECT_EQ(alert_a.card, "yellow");
  EXPECT_EQ(alert_a.unit_name, "东河区市场监督管理局");
  auto notice = w.monitor.NoticeOf(alert_a.id);
  ASSERT_TRUE(notice);
  // Another department cannot see or answer it; the supervisor cannot answer for them.
  EXPECT_THROW(w.monitor.AlertById(w.other_clerk, alert_a.id), Error);
  EXPECT_THROW(w.monitor.Answer(w.other_clerk, notice->id, "不是我们的"), Error);
  EXPECT_THROW(w.monitor.Answer(w.clerk, notice->id, "   "), Error);
  EXPECT_THROW(w.monitor.IssueNotice(w.supervisor, alert_a.id, "再督办", "2026-03-20"), Error);  // one per alert
  w.monitor.Answer(w.clerk, notice->id, "已于今日受理，超期原因为窗口人员请假");
  EXPECT_EQ(w.monitor.AlertById(w.supervisor, alert_a.id).state, "answered");
  EXPECT_THROW(w.monitor.Answer(w.clerk, notice->id, "再答一次"), Error);
  // b is left unanswered past its completion date (03-13): red card with a recommendation.
  w.At("2026-03-16 09:00");
  auto r = w.Tick();
  EXPECT_EQ(r.red_cards, 1);
  f.subject = b;
  auto alert_b = w.monitor.Alerts(w.supervisor, f, nullptr).front();
  EXPECT_EQ(alert_b.card, "red");
  EXPECT_NE(w.monitor.NoticeOf(alert_b.id)->recommendation.find("整改"), std::string::npos);
  EXPECT_EQ(w.Tick().red_cards, 0);  // once
  // Closing: supervisor only, with a conclusion; then nothing more can be done.
  EXPECT_THROW(w.monitor.Close(w.clerk, alert_a.id, "结案"), Error);
  EXPECT_THROW(w.monitor.Close(w.supervisor, alert_a.id, " "), Error);
  EXPECT_EQ(w.monitor.Close(w.supervisor, alert_a.id, "超期 1 日，已约谈窗口负责人").state, "closed");
  EXPECT_THROW(w.monitor.Close(w.supervisor, alert_a.id, "再次"), Error);
  // A hand-issued notice on b is refused (it has one); a bad date is refused with its field.
  try {
    w.monitor.IssueNotice(w.supervisor, alert_b.id, "", "2026-13-01");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
  }
  // Everything is on the case's supervision timeline and in the audit log.
  EXPECT_GE(w.monitor.EventsFor("approval", a).size(), 4u);  // alert, notice, answer, close
  EXPECT_GE(n_->Count("audit_log", "action LIKE 'supervision.%'"), 5);
}

TEST_P(Supervision, StatsEqualCountsMadeDirectlyFromTheCases) {
  Watched w(*n_);
  w.At("2026-03-02 09:00");
  w.Seed();
  std::vector<std::string> cs;
  for (int i = 0; i < 9; ++i) {
    w.At("2026-03-0" + std::to_string(2 + i % 5) + " 09:00");
    cs.push_back(w.Received("s" + std::to_string(i)));
  }
  w.At("2026-03-06 10:00");
  for (int i = 0; i < 3; ++i) w.cases.Act(w.clerk, cs[i], "accept", "", {});
  w.cases.Act(w.handler, cs[0], Do("claim"));
  w.cases.Act(w.handler, cs[1], Do("claim"));
  w.cases.Act(w.handler, cs[1], Do("suspend", "专家评审"));
  w.cases.Act(w.clerk, cs[3], "refuse", "不符合条件", {});
  w.At("2026-03-10 09:00");
  w.Tick();
  const std::string today = "2026-03-10";
  auto stats = w.monitor.Stats(w.supervisor, "", "2026-03-01", today);
  // Direct counts from the cases table (not from the engine's table).
  soci::session s(n_->db->pool());
  long long received = 0, received_red = 0, flowing = 0, flowing_step = 0, suspended = 0;
  s << "SELECT COUNT(*) FROM cases WHERE state = 'received'", soci::into(received);
  s << "SELECT COUNT(*) FROM cases WHERE state = 'received' AND acceptance_due < :t", soci::use(today),
      soci::into(received_red);
  s << "SELECT COUNT(*) FROM cases WHERE state IN ('accepted', 'in_progress')", soci::into(flowing);
  s << "SELECT COUNT(*) FROM cases WHERE state IN ('accepted', 'in_progress') AND step_due <> ''", soci::into(flowing_step);
  s << "SELECT COUNT(*) FROM cases WHERE state = 'suspended'", soci::into(suspended);
  EXPECT_EQ(stats["clocks"]["total"].get<long long>(), received + flowing + flowing_step + 2 * suspended);
  EXPECT_EQ(stats["clocks"]["paused"].get<long long>(), 2 * suspended);
  long long red_direct = received_red;
  long long late_flowing = 0;
  s << "SELECT COUNT(*) FROM cases WHERE state IN ('accepted', 'in_progress') AND promised_due < :t", soci::use(today),
      soci::into(late_flowing);
  long long late_steps = 0;
  s << "SELECT COUNT(*) FROM cases WHERE state IN ('accepted', 'in_progress') AND step_due <> '' AND step_due < :t",
      soci::use(today), soci::into(late_steps);
  red_direct += late_flowing + late_steps;
  EXPECT_EQ(stats["clocks"]["red"].get<long long>(), red_direct);
  long long dept_sum = 0;
  for (const auto& d : stats["by_dept"]) {
    dept_sum += d["red"].get<long long>() + d["yellow"].get<long long>() + d["green"].get<long long>() +
                d["paused"].get<long long>();
  }
  EXPECT_EQ(dept_sum, stats["clocks"]["total"].get<long long>());
  long long alerts = 0;
  s << "SELECT COUNT(*) FROM sv_alerts WHERE created_on BETWEEN '2026-03-01' AND '2026-03-10'", soci::into(alerts);
  EXPECT_EQ(stats["alerts"]["total"].get<long long>(), alerts);
  long long trend = 0;
  for (const auto& d : stats["trend"]) trend += d["warnings"].get<long long>() + d["violations"].get<long long>();
  EXPECT_EQ(trend, alerts);
  EXPECT_EQ(stats["trend"].size(), 10u);
  // A department head sees only their own department, whatever dept they ask for.
  auto own = w.monitor.Stats(w.other_clerk, "SCJ", "", "");
  EXPECT_EQ(own["clocks"]["total"].get<long long>(), 0);
  EXPECT_THROW(w.monitor.Stats(w.supervisor, "", "2026-03-10", "2026-03-01"), Error);
}

YIWANG_BACKENDS(Supervision);

}  // namespace
}  // namespace yiwang::testing
