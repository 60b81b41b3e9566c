// Fees, drafts and deadline explanations on both databases: fees assessed from the catalogue
// (a different amount only with a reason, still recorded), payments against unique receipt
// numbers, conclusion refused until paid, wrong role/unit/state changing nothing; drafts owned
// by their applicant alone, never sent inside, submitted exactly once; every deadline of a
// case explained with its suspension and extension, on the inside and on the portal's copy.
#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "approval/cases.hpp"
#include "approval/drafts.hpp"
#include "approval_fixture.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "identity/checkdigit.hpp"
#include "test_support.hpp"

namespace yiwang::testing {
namespace {
namespace fs = std::filesystem;
using approval::Case;
using approval::CaseState;

approval::CaseAction Assess(std::vector<approval::FeeInput> changes = {}) {
  approval::CaseAction a = Do("assess_fees");
  a.fees = std::move(changes);
  return a;
}

approval::CaseAction Pay(int fee_no, const std::string& amount, const std::string& receipt,
                         const std::string& provider = "") {
  approval::CaseAction a = Do("record_payment");
  a.fee_no = fee_no;
  a.amount = amount;
  a.receipt_no = receipt;
  a.provider = provider;
  return a;
}

approval::CaseAction Refund(int fee_no, const std::string& amount, const std::string& voucher,
                            const std::string& reason = "申请人撤回申请") {
  approval::CaseAction a = Do("refund", reason);
  a.fee_no = fee_no;
  a.amount = amount;
  a.refund_no = voucher;
  return a;
}

ErrorCode CodeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no error thrown";
  return ErrorCode::kInternal;
}

std::map<std::string, std::string> FieldsOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.fields();
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

class FeesDrafts : public BackendTest {
 protected:
  void SetUp() override {
    n_ = std::make_unique<Node>(GetParam());
    n_->clock.Set(core::ParseLocal("2026-03-02 09:00"));
  }
  /// A case of the fee item, received inside (and accepted when asked).
  std::string Received(Approval& a, const identity::Context& me, const std::string& key, bool accept) {
    auto s = a.cases.Submit(me, a.App(key, "SCJ-002"));
    n_->exchange->Pump();
    if (accept) a.cases.Act(a.clerk, s.case_no, Do("accept"));
    return s.case_no;
  }
  std::unique_ptr<Node> n_;
};

TEST_P(FeesDrafts, FeesDefaultToTheCatalogueAndAChangedAmountNeedsAReason) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  const std::string no = Received(a, me, "fees-1", false);
  // Before acceptance there is nothing to assess; another unit, a role without fees: refused.
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, no, Assess()); }), ErrorCode::kConflict);
  a.cases.Act(a.clerk, no, Do("accept"));
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.other_clerk, no, Assess()); }), ErrorCode::kForbidden);
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.approver, no, Assess()); }), ErrorCode::kForbidden);
  // A different amount without a reason; amounts that are not 元 with at most two decimals.
  auto f = FieldsOf([&] { a.cases.Act(a.clerk, no, Assess({{2, "5", ""}})); });
  EXPECT_TRUE(f.count("note_2")) << "a changed amount needs its reason";
  f = FieldsOf([&] { a.cases.Act(a.clerk, no, Assess({{1, "-1", "减免"}, {2, "1.234", "减免"}})); });
  EXPECT_TRUE(f.count("amount_1"));
  EXPECT_TRUE(f.count("amount_2"));
  f = FieldsOf([&] { a.cases.Act(a.clerk, no, Assess({{3, "5", "无此项"}})); });
  EXPECT_TRUE(f.count("fees"));
  EXPECT_EQ(n_->Count("case_fees"), 0) << "nothing changes on an error";
  EXPECT_EQ(n_->Count("case_events", "action = 'assess_fees'"), 0);

  // The default: the catalogue amounts of the item version.
  Case c = a.cases.Act(a.clerk, no, Assess());
  ASSERT_EQ(c.fees.size(), 2u);
  EXPECT_EQ(c.fees[0].name, "登记费");
  EXPECT_EQ(c.fees[0].catalogue_fen, 8000);
  EXPECT_EQ(c.fees[0].assessed_fen, 8000);
  EXPECT_EQ(c.fees[1].assessed_fen, 1000);
  EXPECT_EQ(c.fees[0].assessed_by, "clerk姓名");
  EXPECT_EQ(c.events.back().action, "assess_fees");
  EXPECT_NE(c.events.back().opinion.find("合计 90.00 元"), std::string::npos) << c.events.back().opinion;
  EXPECT_NE(c.events.back().opinion.find("12 号窗口"), std::string::npos);
  // The handler changes one amount with a reason: recorded beside the catalogue amount.
  c = a.cases.Act(a.handler, no, Assess({{2, "0", "首次登记免收工本费（示例）"}}));
  EXPECT_EQ(c.fees[1].catalogue_fen, 1000);
  EXPECT_EQ(c.fees[1].assessed_fen, 0);
  EXPECT_EQ(c.fees[1].note, "首次登记免收工本费（示例）");
  EXPECT_EQ(n_->Count("case_fees", "catalogue_fen <> assessed_fen"), 1) << "what supervision will flag";
  EXPECT_EQ(n_->Count("audit_log", "action = 'case.assess_fees'"), 2);
  // A free item has nothing to assess.
  auto free = a.App("free", "SCJ-001");
  auto s = a.cases.Submit(me, free);
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, Do("accept"));
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, s.case_no, Assess()); }), ErrorCode::kConflict);
  // The applicant sees the assessment, fed back.
  n_->exchange->Pump();
  Case mine = a.cases.ForApplicant(me, no);
  ASSERT_EQ(mine.fees.size(), 2u);
  auto j = approval::CaseJson(mine, false);
  EXPECT_EQ(j["fees_due"], "80.00 元");
  EXPECT_EQ(j["fees"][1]["changed"], true);
  EXPECT_FALSE(j["fees"][0].contains("assessed_by")) << "staff names stay inside";
}

TEST_P(FeesDrafts, PaymentsNeedUniqueReceiptsAndConclusionWaitsForThem) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  const std::string no = Received(a, me, "pay-1", true);
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, no, Pay(1, "80", "37010125-0000000001")); }), ErrorCode::kConflict)
      << "nothing assessed yet";
  a.cases.Act(a.clerk, no, Assess());
  a.cases.Act(a.handler, no, Do("claim"));
  a.cases.Act(a.handler, no, Do("complete_step", "符合条件"));
  a.cases.Act(a.approver, no, Do("claim"));
  a.cases.Act(a.approver, no, Do("decide", "同意", "approve"));
  // Conclusion waits for the fees.
  try {
    a.cases.Act(a.clerk, no, Do("conclude"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
    EXPECT_NE(e.message().find("费用尚未缴清"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("登记费 80.00 元"), std::string::npos) << e.message();
  }
  EXPECT_EQ(a.cases.ForStaff(a.clerk, no).state, CaseState::kDecided);
  EXPECT_EQ(n_->Count("documents", "kind = 'certificate'"), 0);
  // Bad payments change nothing.
  EXPECT_TRUE(FieldsOf([&] { a.cases.Act(a.clerk, no, Pay(1, "79.99", "37010125-0000000001")); }).count("amount"));
  EXPECT_TRUE(FieldsOf([&] { a.cases.Act(a.clerk, no, Pay(1, "80", "12")); }).count("receipt_no"));
  EXPECT_TRUE(FieldsOf([&] { a.cases.Act(a.clerk, no, Pay(1, "80", "票据一号码")); }).count("receipt_no"));
  EXPECT_TRUE(
      FieldsOf([&] { a.cases.Act(a.clerk, no, Pay(1, "80", "37010125-0000000001", "bitcoin")); }).count("provider"));
  EXPECT_TRUE(FieldsOf([&] { a.cases.Act(a.clerk, no, Pay(0, "80", "37010125-0000000001")); }).count("fee_no"))
      << "two unpaid fees: say which";
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.approver, no, Pay(1, "80", "37010125-0000000001")); }), ErrorCode::kForbidden);
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.other_clerk, no, Pay(1, "80", "37010125-0000000001")); }),
            ErrorCode::kForbidden);
  EXPECT_EQ(n_->Count("case_fees", "receipt_no <> ''"), 0);
  // The counter: the receipt number typed by the clerk (upper-cased, trimmed).
  Case c = a.cases.Act(a.clerk, no, Pay(1, "¥80.00", " 37010125-ab00000001 "));
  EXPECT_EQ(c.fees[0].receipt_no, "37010125-AB00000001");
  EXPECT_EQ(c.fees[0].paid_fen, 8000);
  EXPECT_EQ(c.fees[0].provider, "counter");
  EXPECT_EQ(c.fees[0].recorded_by, "clerk姓名");
  EXPECT_NE(c.events.back().opinion.find("柜台缴费，票据号 37010125-AB00000001"), std::string::npos);
  // The same receipt twice, the same fee twice, an assessment after payment: refused.
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, no, Pay(2, "10", "37010125-AB00000001")); }), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, no, Pay(1, "80", "37010125-AB00000002")); }), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, no, Assess()); }), ErrorCode::kConflict);
  // Another case cannot use a receipt already recorded either.
  const std::string other = Received(a, me, "pay-2", true);
  a.cases.Act(a.clerk, other, Assess());
  try {
    a.cases.Act(a.clerk, other, Pay(1, "80", "37010125-AB00000001"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
    EXPECT_NE(e.message().find(no), std::string::npos) << "names the case that holds it: " << e.message();
  }
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, no, Do("conclude")); }), ErrorCode::kConflict) << "one fee still unpaid";
  c = a.cases.Act(a.handler, no, Pay(0, "10", "37010125-AB00000002"));  // the only unpaid one
  EXPECT_TRUE(c.fees[1].Paid());
  c = a.cases.Act(a.clerk, no, Do("conclude"));
  EXPECT_EQ(c.state, CaseState::kConcluded);
  EXPECT_EQ(n_->Count("audit_log", "action = 'case.record_payment'"), 2);
  // The applicant's page shows the payments with their receipts.
  n_->exchange->Pump();
  Case mine = a.cases.ForApplicant(me, no);
  ASSERT_EQ(mine.fees.size(), 2u);
  EXPECT_EQ(mine.fees[0].receipt_no, "37010125-AB00000001");
  auto j = approval::CaseJson(mine, false);
  EXPECT_EQ(j["fees_settled"], true);
  EXPECT_EQ(j["fees"][0]["provider_label"], "柜台缴费");
  std::vector<std::string> seen;
  for (const auto& e : mine.events) seen.push_back(e.action);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "record_payment"), 2);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "assess_fees"), 1);
}

// 退费: a paid fee goes back, in full, against a unique voucher, once the case ended without the
// licence (withdrawn, or 不予许可) — never while it runs or after a grant; every bad refund
// changes nothing; the applicant sees it on the portal.
TEST_P(FeesDrafts, PaidFeesAreRefundedOnlyAfterWithdrawalOrDenial) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  const std::string no = Received(a, me, "refund-1", true);
  a.cases.Act(a.clerk, no, Assess());
  a.cases.Act(a.clerk, no, Pay(1, "80", "37010125-RF00000001"));
  // While the case runs: no refund.
  try {
    a.cases.Act(a.clerk, no, Refund(1, "80", "TF-2026-0001"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
    EXPECT_NE(e.message().find("只有申请人已撤回"), std::string::npos) << e.message();
  }
  // The applicant withdraws; the department ends the case.
  a.cases.Withdraw(me, no, "改变经营计划");
  n_->exchange->Pump();
  ASSERT_EQ(a.cases.ForStaff(a.clerk, no).state, CaseState::kWithdrawn);
  // Bad refunds: every problem of the form at once, nothing written.
  auto fields = FieldsOf([&] { a.cases.Act(a.clerk, no, Refund(1, "79", "", "")); });
  EXPECT_TRUE(fields.count("amount") && fields.count("refund_no") && fields.count("opinion")) << fields.size();
  EXPECT_NE(fields["amount"].find("80.00"), std::string::npos) << fields["amount"];
  EXPECT_TRUE(FieldsOf([&] { a.cases.Act(a.clerk, no, Refund(1, "80", "退费一号")); }).count("refund_no"));
  EXPECT_TRUE(FieldsOf([&] { a.cases.Act(a.clerk, no, Refund(1, "80", "TF-1")); }).count("refund_no"));
  std::string long_reason;
  for (int i = 0; i < 201; ++i) long_reason += "退";
  EXPECT_TRUE(FieldsOf([&] { a.cases.Act(a.clerk, no, Refund(1, "80", "TF-2026-0001", long_reason)); }).count("opinion"));
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, no, Refund(2, "10", "TF-2026-0001")); }), ErrorCode::kConflict)
      << "the second fee was never paid";
  EXPECT_TRUE(FieldsOf([&] { a.cases.Act(a.clerk, no, Refund(9, "80", "TF-2026-0001")); }).count("fee_no"));
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.approver, no, Refund(1, "80", "TF-2026-0001")); }), ErrorCode::kForbidden);
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.other_clerk, no, Refund(1, "80", "TF-2026-0001")); }), ErrorCode::kForbidden);
  EXPECT_EQ(n_->Count("case_fees", "refund_no <> ''"), 0);
  EXPECT_EQ(n_->Count("audit_log", "action = 'case.refund'"), 0);
  // The refund: fee 0 = the only paid one; the whole amount; trimmed voucher.
  Case c = a.cases.Act(a.clerk, no, Refund(0, "¥80.00", " TF-2026-0001 ", " 申请人撤回申请 "));
  EXPECT_EQ(c.state, CaseState::kWithdrawn) << "a refund changes the fees, not the state";
  EXPECT_TRUE(c.fees[0].Refunded());
  EXPECT_EQ(c.fees[0].refunded_fen, 8000);
  EXPECT_EQ(c.fees[0].refund_no, "TF-2026-0001");
  EXPECT_EQ(c.fees[0].refund_reason, "申请人撤回申请");
  EXPECT_EQ(c.fees[0].refunded_by, "clerk姓名");
  EXPECT_FALSE(c.fees[1].Refunded());
  EXPECT_NE(c.events.back().opinion.find("退还已缴费用：登记费 80.00 元，退费凭证号 TF-2026-0001"), std::string::npos)
      << c.events.back().opinion;
  EXPECT_TRUE(c.events.back().is_public);
  EXPECT_EQ(n_->Count("audit_log", "action = 'case.refund'"), 1);
  EXPECT_TRUE(a.cases.ForStaff(a.clerk, no).fees[0].Refunded()) << "stored";
  // Twice: refused; nothing more to refund.
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, no, Refund(1, "80", "TF-2026-0002")); }), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, no, Refund(0, "80", "TF-2026-0002")); }), ErrorCode::kConflict);
  // The portal's copy shows the refund.
  n_->exchange->Pump();
  Case mine = a.cases.ForApplicant(me, no);
  ASSERT_EQ(mine.fees.size(), 2u);
  EXPECT_EQ(mine.fees[0].refund_no, "TF-2026-0001");
  auto j = approval::CaseJson(mine, false);
  EXPECT_EQ(j["fees"][0]["refunded"], true);
  EXPECT_EQ(j["fees"][0]["refunded_amount"], "80.00 元");
  EXPECT_FALSE(j["fees"][0].contains("refunded_by")) << "who refunded is for staff";

  // 不予许可: refundable once decided, with a voucher no other case holds.
  // A case of the fee item with its first fee paid, run to the decision.
  auto decided = [&](const std::string& key, const std::string& receipt, const std::string& decision) {
    const std::string no = Received(a, me, key, true);
    a.cases.Act(a.clerk, no, Assess());
    a.cases.Act(a.clerk, no, Pay(1, "80", receipt));
    a.cases.Act(a.handler, no, Do("claim"));
    a.cases.Act(a.handler, no, Do("complete_step", "已审查"));
    a.cases.Act(a.approver, no, Do("claim"));
    a.cases.Act(a.approver, no, Do("decide", decision == "deny" ? "不符合法定条件" : "同意", decision));
    return no;
  };
  const std::string denied = decided("refund-2", "37010125-RF00000002", "deny");
  try {
    a.cases.Act(a.clerk, denied, Refund(1, "80", "TF-2026-0001", "不予许可"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
    EXPECT_NE(e.message().find(no), std::string::npos) << "names the case that holds the voucher: " << e.message();
  }
  // After 不予许可 nothing more is assessed or taken (the fees are for the licence).
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, denied, Pay(2, "10", "37010125-RF00000009")); }), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, denied, Assess()); }), ErrorCode::kConflict);
  // A voucher is one number whatever the letters' case: "tf-2026-0001" is the voucher already used.
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, denied, Refund(1, "80", " tf-2026-0001 ", "不予许可")); }),
            ErrorCode::kConflict);
  EXPECT_TRUE(FieldsOf([&] { a.cases.Act(a.clerk, denied, Refund(1, "80", "-TF2026003", "不予许可")); }).count("refund_no"))
      << "a voucher number starts with a letter or digit";
  // A supervisor may read every department's cases but not act on them, fee role or not.
  const auto watcher = a.Staff("watcher", a.zrj, {"supervisor", "window_clerk"});
  EXPECT_EQ(a.cases.ForStaff(watcher, denied).case_no, denied);
  EXPECT_EQ(CodeOf([&] { a.cases.Act(watcher, denied, Refund(1, "80", "TF-2026-0009", "不予许可")); }), ErrorCode::kForbidden);
  // A 不予许可 concludes with a fee unpaid (fees are for the licence), and stays refundable.
  c = a.cases.Act(a.clerk, denied, Do("conclude"));
  EXPECT_EQ(c.state, CaseState::kConcluded);
  EXPECT_FALSE(c.fees[1].Paid());
  c = a.cases.Act(a.handler, denied, Refund(1, "80", "tf-2026-0003", "不予许可"));
  EXPECT_TRUE(c.fees[0].Refunded());
  EXPECT_EQ(c.fees[0].refund_no, "TF-2026-0003") << "stored upper-case, as receipts are";
  // A granted case: never.
  const std::string granted = decided("refund-3", "37010125-RF00000003", "approve");
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, granted, Refund(1, "80", "TF-2026-0004")); }), ErrorCode::kConflict);
  EXPECT_EQ(n_->Count("case_fees", "refund_no <> ''"), 2);
}

TEST_P(FeesDrafts, ZeroAssessedFeesNeedNoPayment) {
  Approval a(*n_);
  a.SeedInside();
  const std::string no = Received(a, a.Citizen(), "zero", true);
  a.cases.Act(a.clerk, no, Assess({{1, "0", "不予许可，不收费"}, {2, "0.00", "不予许可，不收费"}}));
  a.cases.Act(a.handler, no, Do("claim"));
  a.cases.Act(a.handler, no, Do("complete_step", "不符合条件"));
  a.cases.Act(a.approver, no, Do("claim"));
  a.cases.Act(a.approver, no, Do("decide", "场所不符合要求", "deny"));
  EXPECT_EQ(CodeOf([&] { a.cases.Act(a.clerk, no, Pay(1, "0", "37010125-0000000009")); }), ErrorCode::kConflict);
  EXPECT_EQ(a.cases.Act(a.clerk, no, Do("conclude")).state, CaseState::kConcluded);
}

TEST_P(FeesDrafts, EveryDeadlineIsExplainedWithTheSuspensionAndTheExtension) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  const std::string no = Received(a, me, "clock", true);  // accepted Monday 03-02
  a.cases.Act(a.handler, no, Do("claim"));
  n_->clock.Set(core::ParseLocal("2026-03-03 09:00"));
  a.cases.Act(a.handler, no, Do("suspend", "检验检测"));
  // While the procedure runs the explanation says so.
  auto running = a.cases.DeadlinesOf(a.cases.ForStaff(a.handler, no));
  ASSERT_EQ(running.size(), 4u);
  EXPECT_NE(approval::ExplainDeadline(running[1]).find("特别程序尚在进行"), std::string::npos);
  n_->clock.Set(core::ParseLocal("2026-03-05 09:00"));
  a.cases.Act(a.handler, no, Do("resume", "检测合格"));
  Case c = a.cases.Act(a.approver, no, Do("extend", "需现场核查", "", 10));
  auto ds = a.cases.DeadlinesOf(c);
  ASSERT_EQ(ds.size(), 4u);
  EXPECT_EQ(ds[0].name, "受理期限");
  EXPECT_EQ(ds[1].name, "承诺办结期限");
  EXPECT_EQ(ds[2].name, "法定办结期限");
  EXPECT_EQ(ds[3].name, "审查环节期限");
  // The explanations reach exactly the stored dates.
  EXPECT_EQ(calendar::FormatDate(ds[0].result.due), c.acceptance_due);
  EXPECT_EQ(calendar::FormatDate(ds[1].result.due), c.promised_due);
  EXPECT_EQ(calendar::FormatDate(ds[2].result.due), c.statutory_due);
  EXPECT_EQ(calendar::FormatDate(ds[3].result.due), c.step_due);
  EXPECT_EQ(c.statutory_due, "2026-04-01");
  for (std::size_t i = 1; i < ds.size(); ++i) {
    const std::string text = approval::ExplainDeadline(ds[i]);
    EXPECT_NE(text.find("2026-03-03 至 2026-03-04 检验检测"), std::string::npos) << text;
    EXPECT_NE(text.find("第四十五条"), std::string::npos) << text;
    EXPECT_EQ(text.find("尚在进行"), std::string::npos) << "the procedure ended";
    bool stopped_day = false;
    for (const auto& day : ds[i].result.days) stopped_day = stopped_day || day.reason == "中止计时（检验检测）";
    EXPECT_TRUE(stopped_day) << ds[i].name << ": the stopped days are listed as not counted";
  }
  EXPECT_NE(approval::ExplainDeadline(ds[1]).find("经批准延长 10 个工作日"), std::string::npos);
  EXPECT_NE(approval::ExplainDeadline(ds[2]).find("经批准延长 10 个工作日"), std::string::npos);
  EXPECT_EQ(approval::ExplainDeadline(ds[3]).find("延长"), std::string::npos) << "an extension does not move a step";
  // The applicant's page gets the same explanation.
  n_->exchange->Pump();
  auto outside = a.cases.DeadlinesOf(a.cases.ForApplicant(me, no));
  ASSERT_EQ(outside.size(), ds.size());
  for (std::size_t i = 0; i < ds.size(); ++i)
    EXPECT_EQ(approval::ExplainDeadline(outside[i]), approval::ExplainDeadline(ds[i]));
}

TEST_P(FeesDrafts, FeesAndDeadlinesReachThePortalAcrossTwoNodes) {
  const std::string spool =
      (fs::temp_directory_path() / ("yiwang-fees-" + core::HexEncode(core::RandomBytes(5)))).string();
  Node outside(GetParam(), core::Zone::kExternal, spool), inside(GetParam(), core::Zone::kInternal, spool);
  for (Node* n : {&outside, &inside}) n->clock.Set(core::ParseLocal("2026-03-02 09:00"));
  Approval out(outside), in(inside);
  in.SeedInside();
  out.ImportCalendar();  // the portal explains dates on the same official calendar
  auto ferry = [&] { Ferry(inside, outside); };
  ferry();
  auto me = out.Citizen();
  auto s = out.cases.Submit(me, out.App("split", "SCJ-002"));
  ferry();
  in.cases.Act(in.clerk, s.case_no, Do("accept"));
  in.cases.Act(in.clerk, s.case_no, Assess({{2, "5.5", "按规定减半（示例）"}}));
  in.cases.Act(in.handler, s.case_no, Do("claim"));
  inside.clock.Set(core::ParseLocal("2026-03-03 09:00"));
  in.cases.Act(in.handler, s.case_no, Do("suspend", "专家评审"));
  inside.clock.Set(core::ParseLocal("2026-03-04 09:00"));
  in.cases.Act(in.handler, s.case_no, Do("resume"));
  in.cases.Act(in.approver, s.case_no, Do("extend", "情况复杂", "", 5));
  in.cases.Act(in.clerk, s.case_no, Pay(1, "80", "RC-20260304-001"));
  ferry();
  Case mine = out.cases.ForApplicant(me, s.case_no);
  ASSERT_EQ(mine.fees.size(), 2u);
  EXPECT_EQ(mine.fees[0].receipt_no, "RC-20260304-001");
  EXPECT_EQ(mine.fees[1].assessed_fen, 550);
  EXPECT_EQ(mine.extension_days, 5);
  ASSERT_EQ(mine.suspensions.size(), 1u);
  EXPECT_EQ(mine.suspensions[0].to, "2026-03-03");
  outside.clock.Set(core::ParseLocal("2026-03-04 09:00"));
  auto there = out.cases.DeadlinesOf(mine);
  auto here = in.cases.DeadlinesOf(in.cases.ForStaff(in.clerk, s.case_no));
  ASSERT_EQ(there.size(), 4u);
  ASSERT_EQ(here.size(), 4u);
  for (std::size_t i = 0; i < here.size(); ++i)
    EXPECT_EQ(approval::ExplainDeadline(there[i]), approval::ExplainDeadline(here[i]));
  // The applicant withdraws outside; inside the case ends and the paid fee is refunded; the
  // portal's copy shows both (the refund crosses as feedback like every public step).
  out.cases.Withdraw(me, s.case_no, "不再经营");
  ferry();
  ASSERT_EQ(in.cases.ForStaff(in.clerk, s.case_no).state, CaseState::kWithdrawn);
  approval::CaseAction refund = Do("refund", "申请人撤回申请");
  refund.fee_no = 1;
  refund.amount = "80";
  refund.refund_no = "TF-20260304-01";
  in.cases.Act(in.clerk, s.case_no, refund);
  ferry();
  mine = out.cases.ForApplicant(me, s.case_no);
  EXPECT_EQ(mine.state, CaseState::kWithdrawn);
  ASSERT_EQ(mine.fees.size(), 2u);
  EXPECT_EQ(mine.fees[0].refund_no, "TF-20260304-01");
  EXPECT_EQ(mine.fees[0].refunded_fen, 8000);
  EXPECT_FALSE(mine.fees[1].Refunded());
  EXPECT_EQ(mine.events.back().action, "refund");
  EXPECT_EQ(outside.Count("exchange_errors"), 0);
  EXPECT_EQ(inside.Count("exchange_errors"), 0);
  fs::remove_all(spool);
}

TEST_P(FeesDrafts, DraftsAreTheApplicantsAloneAndBecomeACaseExactlyOnce) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  auto stranger = a.Citizen("李四", "37050319850101002");
  const long long outbox = n_->Count("exchange_outbox");
  // Half done: one material of two, no mobile yet.
  approval::DraftInput in;
  in.item_code = "SCJ-002";
  in.contact_name = "张三";
  in.description = "新装电梯一台";
  in.uploads = {{1, "申请书.pdf", kPdf + "draft-1"}};
  approval::Draft d = a.drafts.Save(me, 0, in);
  EXPECT_GT(d.id, 0);
  EXPECT_EQ(d.item_name, "特种设备使用登记（新办）");
  ASSERT_EQ(d.materials.size(), 1u);
  EXPECT_EQ(d.materials[0].name, "申请书");
  EXPECT_TRUE(n_->files->Exists(d.materials[0].file_sm3)) << "the file is in the file store";
  EXPECT_EQ(n_->Count("exchange_outbox"), outbox) << "a draft never crosses to the internal zone";
  ASSERT_EQ(a.drafts.Mine(me).size(), 1u);
  EXPECT_TRUE(a.drafts.Mine(stranger).empty());
  // Another applicant: not found, whatever they try; nothing changes.
  EXPECT_EQ(CodeOf([&] { a.drafts.Get(stranger, d.id); }), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf([&] { a.drafts.Save(stranger, d.id, in); }), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf([&] { a.drafts.Delete(stranger, d.id); }), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf([&] { a.drafts.Submit(stranger, d.id); }), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf([&] { a.drafts.Get(a.clerk, d.id); }), ErrorCode::kUnauthenticated);
  // Bad input changes nothing: a program renamed to .pdf, letters in the mobile number.
  approval::DraftInput bad;
  bad.uploads = {{2, "执照.pdf", "MZ\x90 an executable"}};
  EXPECT_TRUE(FieldsOf([&] { a.drafts.Save(me, d.id, bad); }).count("material_2"));
  bad = {};
  bad.contact_mobile = "138abc";
  EXPECT_TRUE(FieldsOf([&] { a.drafts.Save(me, d.id, bad); }).count("contact_mobile"));
  EXPECT_EQ(n_->Count("application_draft_materials"), 1);
  EXPECT_EQ(a.drafts.Get(me, d.id).contact_mobile, "");
  // Submitting an incomplete draft: the case's own checks; it stays a draft.
  EXPECT_TRUE(FieldsOf([&] { a.drafts.Submit(me, d.id); }).count("contact_mobile"));
  approval::DraftInput mobile;
  mobile.contact_mobile = "13800138000";
  d = a.drafts.Save(me, d.id, mobile);
  EXPECT_EQ(d.contact_name, "张三") << "fields not sent stay as they were";
  EXPECT_EQ(d.materials.size(), 1u);
  EXPECT_TRUE(FieldsOf([&] { a.drafts.Submit(me, d.id); }).count("material_2"));
  EXPECT_EQ(n_->Count("cases"), 0);
  // Completed later, then submitted: one case, whatever the retries.
  approval::DraftInput more;
  more.uploads = {{2, "执照.pdf", kPdf + "draft-2"}};
  d = a.drafts.Save(me, d.id, more);
  ASSERT_EQ(d.materials.size(), 2u);
  approval::Submitted s = a.drafts.Submit(me, d.id);
  EXPECT_FALSE(s.repeated);
  EXPECT_EQ(s.query_code.size(), 6u);
  approval::Submitted again = a.drafts.Submit(me, d.id);
  EXPECT_TRUE(again.repeated);
  EXPECT_EQ(again.case_no, s.case_no);
  EXPECT_EQ(n_->Count("cases"), 1);
  EXPECT_EQ(n_->Count("exchange_outbox", "kind = 'application.submitted'"), 1);
  EXPECT_TRUE(a.drafts.Mine(me).empty()) << "a submitted draft leaves the list";
  EXPECT_EQ(a.drafts.Get(me, d.id).case_no, s.case_no);
  EXPECT_EQ(CodeOf([&] { a.drafts.Save(me, d.id, more); }), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf([&] { a.drafts.Delete(me, d.id); }), ErrorCode::kConflict);
  Case c = a.cases.ForApplicant(me, s.case_no);
  EXPECT_EQ(c.contact_mobile, "13800138000");
  EXPECT_EQ(c.description, "新装电梯一台");
  ASSERT_EQ(c.materials.size(), 2u);
  EXPECT_EQ(c.materials[0].file_sm3, d.materials[0].file_sm3);
  // A crash between the case and the draft's mark: the next submit finds the same case.
  approval::DraftInput second;
  second.item_code = "SCJ-001";
  second.contact_name = "张三";
  second.contact_mobile = "13800138000";
  second.uploads = {{1, "a.pdf", kPdf + "x1"}, {2, "b.pdf", kPdf + "x2"}};
  approval::Draft d2 = a.drafts.Save(me, 0, second);
  s = a.drafts.Submit(me, d2.id);
  n_->Exec("UPDATE application_drafts SET case_no = '' WHERE id = " + std::to_string(d2.id));
  again = a.drafts.Submit(me, d2.id);
  EXPECT_EQ(again.case_no, s.case_no);
  EXPECT_TRUE(again.repeated);
  EXPECT_EQ(n_->Count("cases"), 2);
  // Delete: gone for good.
  approval::Draft d3 = a.drafts.Save(me, 0, in);
  a.drafts.Delete(me, d3.id);
  EXPECT_EQ(CodeOf([&] { a.drafts.Get(me, d3.id); }), ErrorCode::kNotFound);
  EXPECT_EQ(n_->Count("application_draft_materials", "draft_id = " + std::to_string(d3.id)), 0);
  EXPECT_EQ(n_->Count("audit_log", "action LIKE 'draft.%'"), 9);  // 5 saves, 3 submits, 1 delete
  // Unknown items and too many drafts are refused.
  approval::DraftInput unknown;
  unknown.item_code = "NO-SUCH";
  EXPECT_EQ(CodeOf([&] { a.drafts.Save(me, 0, unknown); }), ErrorCode::kNotFound);
  for (int i = 0; i < approval::DraftService::kMaxDrafts; ++i) a.drafts.Save(stranger, 0, in);
  EXPECT_EQ(CodeOf([&] { a.drafts.Save(stranger, 0, in); }), ErrorCode::kConflict);
}

TEST_P(FeesDrafts, ADraftIsKeptNinetyDaysAfterItsLastSave) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  approval::DraftInput in;
  in.item_code = "SCJ-002";
  in.contact_name = "张三";
  in.uploads = {{1, "申请书.pdf", kPdf + "kept"}};
  const approval::Draft old = a.drafts.Save(me, 0, in);  // 2026-03-02
  n_->clock.Set(core::ParseLocal("2026-04-20 09:00"));
  approval::DraftInput other = in;
  other.uploads.clear();
  const approval::Draft touched = a.drafts.Save(me, 0, other);
  EXPECT_EQ(approval::DraftJson(old)["keep_until"], "2026-05-31");  // 90 days after the last save
  n_->clock.Set(core::ParseLocal("2026-05-31 23:00"));
  EXPECT_EQ(a.drafts.Mine(me).size(), 2u);  // the last day it is kept
  n_->clock.Set(core::ParseLocal("2026-06-01 09:10"));
  // Expired: no longer listed or opened, though still stored until purged.
  auto mine = a.drafts.Mine(me);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].id, touched.id);
  try {
    a.drafts.Get(me, old.id);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(e.message().find("已超过保留期限"), std::string::npos) << e.message();
  }
  EXPECT_EQ(n_->Count("application_drafts", "id = " + std::to_string(old.id)), 1);
  EXPECT_EQ(a.drafts.Purge(), 1);
  EXPECT_EQ(n_->Count("application_drafts", "id = " + std::to_string(old.id)), 0);
  EXPECT_EQ(n_->Count("application_draft_materials", "draft_id = " + std::to_string(old.id)), 0);
  EXPECT_EQ(n_->Count("application_drafts", "id = " + std::to_string(touched.id)), 1);
  EXPECT_EQ(n_->Count("audit_log", "action = 'draft.purge'"), 1);
  EXPECT_EQ(a.drafts.Purge(), 0);
  EXPECT_EQ(n_->Count("audit_log", "action = 'draft.purge'"), 1);  // nothing to say when nothing was deleted
  // A submitted draft is the case's record: never purged.
  n_->clock.Set(core::ParseLocal("2026-12-01 09:00"));
  EXPECT_EQ(a.drafts.Purge(), 1);  // the touched one, now expired too
}

// `yiwang files gc`: the files of purged drafts (small ones in the database, large ones on disk)
// are found and, when asked, removed; every referenced file stays; a file referenced again is
// re-dated and kept; a large file's bytes removed under a recording transaction refuse it.
TEST_P(FeesDrafts, FilesNothingRefersToAreCollectedAndReferencedOnesStay) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  const std::string large = kPdf + std::string(300 * 1024, 'L');  // above the inline limit: on disk
  approval::DraftInput in;
  in.item_code = "SCJ-002";
  in.contact_name = "张三";
  in.uploads = {{1, "申请书.pdf", kPdf + "draft-small"}, {2, "营业执照.pdf", large}};
  a.drafts.Save(me, 0, in);  // 2026-03-02
  auto s = a.cases.Submit(me, a.App("kept", "SCJ-002"));  // its materials are referenced
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});  // and its 受理通知书
  const std::string large_sm3 = core::Sm3Hex(large), small_sm3 = core::Sm3Hex(kPdf + "draft-small");
  const std::int64_t files_before = n_->Count("files", "1 = 1");
  ASSERT_TRUE(std::filesystem::exists(n_->files->PathFor(large_sm3)));
  n_->clock.Set(core::ParseLocal("2026-06-02 09:00"));
  EXPECT_EQ(a.drafts.Purge(), 1);
  const std::int64_t cutoff = n_->clock.NowMs() - 30LL * 24 * 3600 * 1000;
  EXPECT_THROW(n_->files->Collect(n_->clock.NowMs() - 3LL * 24 * 3600 * 1000, true), Error);  // at least 7 days back

  // Strays: a large file staged by a request that then failed (no row), last written before the
  // cutoff, and a write cut off by a crash; a stray written after the cutoff stays.
  auto set_mtime = [](const std::string& path, std::int64_t ms) {
    const struct timespec times[2] = {{ms / 1000, 0}, {ms / 1000, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  };
  const std::string stray = kPdf + std::string(300 * 1024, 'S'), fresh = kPdf + std::string(300 * 1024, 'F');
  const files::StoredFile stray_file = n_->files->Stage(stray, {"application/pdf"});
  n_->files->Stage(fresh, {"application/pdf"});
  const std::string stray_path = n_->files->PathFor(stray_file.sm3), crashed = stray_path + ".tmp-abcdef";
  { std::ofstream(crashed) << "half a file"; }
  set_mtime(stray_path, core::ParseLocal("2026-03-10 09:00"));
  set_mtime(crashed, core::ParseLocal("2026-03-10 09:00"));

  files::Collection dry = n_->files->Collect(cutoff, false);
  EXPECT_EQ(dry.strays, 2);
  EXPECT_EQ(dry.stray_bytes, static_cast<std::int64_t>(stray.size() + 11));
  EXPECT_EQ(dry.orphans, 2);
  EXPECT_EQ(dry.orphan_bytes, static_cast<std::int64_t>(large.size() + kPdf.size() + 11));
  EXPECT_EQ(dry.removed, 0);
  EXPECT_EQ(n_->Count("files", "1 = 1"), files_before);  // a dry run changes nothing

  // The small one is uploaded again meanwhile (a new draft): re-dated, so it is kept.
  approval::DraftInput again = in;
  again.uploads = {{1, "申请书.pdf", kPdf + "draft-small"}};
  a.drafts.Save(me, 0, again);
  files::Collection done = n_->files->Collect(cutoff, true);
  EXPECT_EQ(done.orphans, 1);
  EXPECT_EQ(done.strays, 2);
  EXPECT_EQ(done.removed, 3);
  EXPECT_FALSE(std::filesystem::exists(stray_path));
  EXPECT_FALSE(std::filesystem::exists(crashed));
  EXPECT_EQ(n_->Count("files", "sm3 = '" + stray_file.sm3 + "'"), 0);
  EXPECT_TRUE(std::filesystem::exists(n_->files->PathFor(core::Sm3Hex(fresh))));  // written after the cutoff
  EXPECT_EQ(n_->Count("files", "sm3 = '" + large_sm3 + "'"), 0);
  EXPECT_FALSE(std::filesystem::exists(n_->files->PathFor(large_sm3)));
  EXPECT_EQ(n_->Count("files", "sm3 = '" + small_sm3 + "'"), 1);
  EXPECT_EQ(n_->Count("files", "1 = 1"), files_before - 1);
  // Everything referenced still reads back, byte for byte (the hash is checked on read).
  for (const auto& m : a.cases.ForStaff(a.clerk, s.case_no).materials) EXPECT_NO_THROW(n_->files->Read(m.file_sm3));
  for (const auto& d : a.documents.ForCase(s.case_no)) EXPECT_NO_THROW(a.documents.Pdf(d));
  EXPECT_EQ(n_->files->Collect(cutoff, true).removed, 0);  // nothing left to remove

  // A stray staged again is re-dated (its bytes reused): a collection keeps it, and recorded, it reads back.
  const files::StoredFile reused = n_->files->Stage(fresh, {"application/pdf"});
  set_mtime(n_->files->PathFor(reused.sm3), core::ParseLocal("2026-03-10 09:00"));
  n_->files->Stage(fresh, {"application/pdf"});
  EXPECT_EQ(n_->files->Collect(cutoff, true).strays, 0);
  db::WithTx(*n_->db, [&](db::Tx& tx) { n_->files->Record(tx, reused); });
  EXPECT_EQ(n_->files->Read(reused.sm3), fresh);

  // A large file staged, then its bytes removed before its row is recorded: refused, nothing recorded.
  const std::string other = kPdf + std::string(300 * 1024, 'M');
  files::StoredFile staged = n_->files->Stage(other, {"application/pdf"});
  std::filesystem::remove(n_->files->PathFor(staged.sm3));
  try {
    db::WithTx(*n_->db, [&](db::Tx& tx) { n_->files->Record(tx, staged); });
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
  }
  EXPECT_EQ(n_->Count("files", "sm3 = '" + staged.sm3 + "'"), 0);
}

YIWANG_BACKENDS(FeesDrafts);

}  // namespace
}  // namespace yiwang::testing
