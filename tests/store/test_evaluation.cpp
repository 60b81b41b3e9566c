// Performance evaluation (绩效评估) and applicant ratings on both databases: the figures of a
// department worked out by hand for a month with cases on time, late, rated and denied; the
// score from the configured policy; ranking and 无办件; XLSX/PDF exports; publishing a month
// to the external zone; the rating rules; periods and policies that are refused.
#include "approval/ratings.hpp"
#include "approval/transfer.hpp"
#include "approval_fixture.hpp"
#include "core/error.hpp"
#include "supervision/evaluation.hpp"
#include "supervision/supervision.hpp"

namespace yiwang::testing {
namespace {
using approval::CaseState;

struct Evaluated : Approval {
  explicit Evaluated(Node& n)
      : Approval(n),
        deadlines(n.clock, {}),
        monitor(*n.db, n.clock, *n.audit, calendar, deadlines, std::make_unique<supervision::OutboxSms>(n.clock)),
        ratings(*n.db, n.clock, *n.audit, *n.exchange, cases),
        evaluation(*n.db, n.clock, *n.audit, *n.exchange, calendar, {}) {
    cases.WatchWith(&deadlines);
    ratings.RegisterPacketHandlers();
    evaluation.RegisterPacketHandlers();
  }
  void At(const std::string& local) { node.clock.Set(core::ParseLocal(local)); }
  std::string Received(const identity::Context& who, const std::string& key) {
    auto s = cases.Submit(who, App(key));
    node.exchange->Pump();
    node.exchange->Pump();
    return s.case_no;
  }
  void Through(const std::string& c, const std::string& decision = "approve") {
    cases.Act(clerk, c, "accept", "", {});
    cases.Act(handler, c, Do("claim"));
    cases.Act(handler, c, Do("complete_step", "符合条件"));
    cases.Act(approver, c, Do("claim"));
    cases.Act(approver, c, Do("decide", decision == "deny" ? "不符合法定条件" : "同意", decision));
  }
  supervision::Deadlines deadlines;
  supervision::Monitor monitor;
  approval::RatingService ratings;
  supervision::Evaluation evaluation;
};

class Evaluation : public BackendTest {
 protected:
  void SetUp() override { n_ = std::make_unique<Node>(GetParam()); }
  std::unique_ptr<Node> n_;
};

TEST_P(Evaluation, AMonthOfOneDepartmentWorkedOutByHand) {
  Evaluated e(*n_);
  e.At("2026-03-02 09:00");  // Monday
  e.SeedInside();
  auto sys = identity::Context::System("测试");
  const auto supervisor = e.Staff("sup", e.district, {"supervisor"});
  const auto me = e.Citizen();
  // a: on time — accepted, decided and concluded the same day (promised 5 days → 03-09).
  const std::string a = e.Received(me, "a");
  e.Through(a);
  e.cases.Act(e.clerk, a, Do("conclude"));
  // b: late — accepted 03-02, decided 03-12 (promised due 03-09); the monitor ticks in between.
  const std::string b = e.Received(me, "b");
  e.cases.Act(e.clerk, b, "accept", "", {});
  // c: denied on time, with reasons.
  const std::string c = e.Received(me, "c");
  e.Through(c, "deny");
  e.cases.Act(e.clerk, c, Do("conclude"));
  e.At("2026-03-10 09:00");
  e.monitor.Tick("t");  // b's total limit passed: an alert and a yellow card
  e.At("2026-03-12 10:00");
  e.cases.Act(e.handler, b, Do("claim"));
  e.cases.Act(e.handler, b, Do("complete_step", "符合条件"));
  e.cases.Act(e.approver, b, Do("claim"));
  e.cases.Act(e.approver, b, Do("decide", "同意", "approve"));
  e.cases.Act(e.clerk, b, Do("conclude"));
  n_->exchange->Pump();
  // Ratings: a 非常满意, c 不满意 (a comment is required then).
  EXPECT_THROW(e.ratings.Rate(me, c, "dissatisfied", "  "), Error);
  EXPECT_THROW(e.ratings.Rate(me, a, "excellent", ""), Error);
  e.ratings.Rate(me, a, "very_satisfied", "");
  e.ratings.Rate(me, c, "dissatisfied", "等了很久");
  EXPECT_THROW(e.ratings.Rate(me, a, "satisfied", ""), Error);  // once
  const auto other = e.Citizen("李四", "11010519491231002");
  EXPECT_THROW(e.ratings.Rate(other, b, "satisfied", ""), Error);  // not theirs
  n_->exchange->Pump();
  EXPECT_EQ(n_->Count("case_ratings"), 2);  // the packet applied in zone both adds nothing

  e.At("2026-04-01 09:00");
  auto ev = e.evaluation.Evaluate(supervisor, "2026-03");
  EXPECT_EQ(ev["from"], "2026-03-01");
  EXPECT_EQ(ev["to"], "2026-03-31");
  nlohmann::json scj, zrj;
  for (const auto& d : ev["departments"]) {
    if (d["unit_code"] == "SCJ") scj = d;
    if (d["unit_code"] == "ZRJ") zrj = d;
  }
  ASSERT_FALSE(scj.is_null());
  EXPECT_EQ(scj["received"], 3);
  EXPECT_EQ(scj["concluded"], 3);
  EXPECT_EQ(scj["on_time"], 2);                // a and c; b decided 03-12 > 03-09
  EXPECT_DOUBLE_EQ(scj["on_time_rate"].get<double>(), 66.7);
  // Working days from acceptance to decision: a 0, c 0, b 03-02 → 03-12 = 8; promised 5 each.
  EXPECT_DOUBLE_EQ(scj["avg_used_days"].get<double>(), 2.7);
  EXPECT_DOUBLE_EQ(scj["avg_promised_days"].get<double>(), 5.0);
  EXPECT_EQ(scj["ratings"]["very_satisfied"], 1);
  EXPECT_EQ(scj["ratings"]["dissatisfied"], 1);
  EXPECT_DOUBLE_EQ(scj["satisfaction"].get<double>(), 50.0);  // (100 + 0) / 2
  const long long yellow = n_->Count("sv_notices"), violations = n_->Count("sv_alerts", "rule_code <> 'DEADLINE_WARNING'");
  EXPECT_EQ(scj["yellow_cards"], yellow);
  EXPECT_EQ(scj["violations"], violations);
  EXPECT_GE(yellow, 1);
  // Score with the default policy: 60 × 2/3 + 20 × 0.5 + 20 × min(1, 5 / 2.67) − 2 × cards − 1 × alerts.
  const double expected = 60.0 * 2 / 3 + 20 * 0.5 + 20 * 1.0 - 2.0 * static_cast<double>(yellow) -
                          1.0 * static_cast<double>(violations);
  EXPECT_NEAR(scj["score"].get<double>(), expected, 0.051);
  EXPECT_EQ(scj["rank"], 1);
  EXPECT_EQ(scj["grade"], expected >= 80 ? (expected >= 90 ? "优秀" : "良好") : expected >= 60 ? "合格" : "不合格");
  EXPECT_EQ(zrj["grade"], "无办件");
  EXPECT_TRUE(zrj["score"].is_null());
  EXPECT_FALSE(zrj.contains("rank"));

  // Exports: the XLSX reads back with the department's row; the PDF is a PDF.
  const auto cells = approval::XlsxCells(e.evaluation.Xlsx(ev));
  bool found = false;
  for (const auto& row : cells) found = found || (row.size() > 1 && row[1] == "东河区市场监督管理局" && row[3] == "3");
  EXPECT_TRUE(found);
  EXPECT_EQ(e.evaluation.Pdf(ev).rfind("%PDF-", 0), 0u);

  // Publishing: a finished month only, by the supervisor; the public copy is one row.
  EXPECT_THROW(e.evaluation.Publish(e.approver, "2026-03"), Error);
  EXPECT_THROW(e.evaluation.Publish(supervisor, "2026-04"), Error);  // not over yet
  EXPECT_THROW(e.evaluation.Publish(supervisor, "2026-Q1"), Error);  // months only
  e.evaluation.Publish(supervisor, "2026-03");
  n_->exchange->Pump();
  auto published = e.evaluation.Published();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].first, "2026-03");
  // Only leaders, supervisors and auditors evaluate.
  EXPECT_THROW(e.evaluation.Evaluate(e.clerk, "2026-03"), Error);
}

TEST_P(Evaluation, PeriodsAndPoliciesAreCheckedAtTheDoor) {
  auto q = supervision::ParsePeriod("2026-Q1");
  EXPECT_EQ(q.from, "2026-01-01");
  EXPECT_EQ(q.to, "2026-03-31");
  EXPECT_EQ(supervision::ParsePeriod("2026-02").to, "2026-02-28");
  EXPECT_EQ(supervision::ParsePeriod("2028-02").to, "2028-02-29");
  EXPECT_EQ(supervision::ParsePeriod("2026").to, "2026-12-31");
  for (const char* bad : {"2026-13", "2026-Q5", "26-01", "2026-1", "abcd", "", "2026-03-01"}) {
    EXPECT_THROW(supervision::ParsePeriod(bad), Error) << bad;
  }
  auto p = supervision::EvaluationPolicy::Parse("ontime:50,satisfaction:30,speed:20", "red:10", "95,85,70");
  EXPECT_DOUBLE_EQ(p.w_satisfaction, 30);
  EXPECT_DOUBLE_EQ(p.d_red, 10);
  EXPECT_DOUBLE_EQ(p.d_yellow, 2);  // unchanged default
  EXPECT_EQ(p.Grade(94.9), "良好");
  EXPECT_THROW(supervision::EvaluationPolicy::Parse("ontime:50,satisfaction:30", "", ""), Error);  // not 100
  EXPECT_THROW(supervision::EvaluationPolicy::Parse("", "blue:1", ""), Error);
  EXPECT_THROW(supervision::EvaluationPolicy::Parse("", "", "60,80,90"), Error);
}

YIWANG_BACKENDS(Evaluation);

}  // namespace
}  // namespace yiwang::testing
