// Applications and the acceptance stage on both databases, in one node (zone both) and across
// two nodes with a spool directory: idempotent submission, materials checked by content, the
// Art. 32 acceptance deadline, one-notice corrections restarting the clock, deemed acceptance,
// per-unit and per-state refusals that change nothing, the public status lookup.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "approval/cases.hpp"
#include "approval_fixture.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "identity/checkdigit.hpp"
#include "supervision/supervision.hpp"
#include "test_support.hpp"

namespace yiwang::testing {
namespace {
namespace fs = std::filesystem;
using approval::Case;
using approval::CaseState;

// The text of a PDF as a reader shows it (poppler's pdftotext, installed with the project's deps).
std::string PdfText(const std::string& pdf) {
  const fs::path path = fs::temp_directory_path() / ("yiwang-doc-" + std::to_string(::getpid()) + ".pdf");
  { std::ofstream(path, std::ios::binary) << pdf; }
  std::string out;
  if (FILE* p = ::popen(("pdftotext -enc UTF-8 '" + path.string() + "' - 2>/dev/null").c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  fs::remove(path);
  // pdftotext breaks lines where the page does: join them to find a sentence.
  out.erase(std::remove(out.begin(), out.end(), '\n'), out.end());
  return out;
}

class Cases : public BackendTest {
 protected:
  void SetUp() override { n_ = std::make_unique<Node>(GetParam()); n_->clock.Set(core::ParseLocal("2026-03-02 09:00")); }
  std::unique_ptr<Node> n_;
};

TEST_P(Cases, SubmitReceiveAcceptWithDeadlines) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  approval::Submitted s = a.cases.Submit(me, a.App("k1"));
  EXPECT_EQ(s.case_no.size(), 16u);
  EXPECT_EQ(s.query_code.size(), 6u);
  n_->exchange->Pump();
  n_->exchange->Pump();
  Case inside = a.cases.ForStaff(a.clerk, s.case_no);
  EXPECT_EQ(inside.state, CaseState::kReceived);
  EXPECT_EQ(inside.acceptance_due, "2026-03-09");  // 行政许可法第三十二条: 5 working days after 03-02
  EXPECT_EQ(inside.materials.size(), 2u);
  Case accepted = a.cases.Act(a.clerk, s.case_no, "accept", "", {});
  EXPECT_EQ(accepted.state, CaseState::kAccepted);
  EXPECT_EQ(accepted.accepted_on, "2026-03-02");
  EXPECT_EQ(accepted.promised_due, "2026-03-09");    // promised 5 days
  EXPECT_EQ(accepted.statutory_due, "2026-03-16");  // statutory 10 days
  n_->exchange->Pump();
  Case mine = a.cases.ForApplicant(me, s.case_no);
  EXPECT_EQ(mine.state, CaseState::kAccepted);
  ASSERT_EQ(mine.events.size(), 3u);  // submit, receive, accept: none duplicated by the feedback
  EXPECT_EQ(mine.events.back().action, "accept");
  EXPECT_NE(mine.events.back().opinion.find("受理通知书"), std::string::npos);
  EXPECT_EQ(n_->Count("audit_log", "action LIKE 'case.%'"), 2);
  EXPECT_EQ(n_->Count("exchange_errors"), 0);
  // 全过程公开: status with the query code, not without it.
  EXPECT_EQ(a.cases.PublicStatus(s.case_no, s.query_code).state, CaseState::kAccepted);
  std::string typed = " " + s.case_no + " ";  // as people type it
  std::transform(typed.begin(), typed.end(), typed.begin(), [](unsigned char ch) { return std::tolower(ch); });
  EXPECT_EQ(a.cases.PublicStatus(typed, " " + s.query_code).case_no, s.case_no);
  EXPECT_THROW(a.cases.PublicStatus(s.case_no, "000000" == s.query_code ? "111111" : "000000"), Error);
}

TEST_P(Cases, SubmittingTwiceWithTheSameKeyMakesOneCase) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  auto first = a.cases.Submit(me, a.App("same-key"));
  auto second = a.cases.Submit(me, a.App("same-key"));
  EXPECT_EQ(first.case_no, second.case_no);
  EXPECT_TRUE(second.repeated);
  EXPECT_EQ(n_->Count("cases"), 1);
  EXPECT_EQ(n_->Count("exchange_outbox", "kind = 'application.submitted'"), 1);
}

TEST_P(Cases, BadApplicationsChangeNothing) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  auto missing = a.App("m1");
  missing.uploads.pop_back();  // the required 营业执照复印件 is missing
  try {
    a.cases.Submit(me, missing);
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(e.fields().count("material_2"));
  }
  auto wrong_type = a.App("m2");
  wrong_type.uploads[0].bytes = "MZ\x90 an executable renamed to .pdf";
  try {
    a.cases.Submit(me, wrong_type);
    FAIL();
  } catch (const Error& e) {
    ASSERT_TRUE(e.fields().count("material_1"));
    EXPECT_NE(e.fields().at("material_1").find("按文件内容识别"), std::string::npos) << e.fields().at("material_1");
  }
  auto oversize = a.App("m3");
  oversize.uploads[0].bytes = "%PDF-" + std::string(1024 * 1024 + 1, 'x');
  EXPECT_THROW(a.cases.Submit(me, oversize), Error);
  auto bad_mobile = a.App("m4");
  bad_mobile.contact_mobile = "12345";
  EXPECT_THROW(a.cases.Submit(me, bad_mobile), Error);
  EXPECT_THROW(a.cases.Submit({}, a.App("m5")), Error);  // not logged in
  auto unknown = a.App("m6");
  unknown.item_code = "NO-SUCH";
  EXPECT_THROW(a.cases.Submit(me, unknown), Error);
  EXPECT_EQ(n_->Count("cases"), 0);
  EXPECT_EQ(n_->Count("case_materials"), 0);
  EXPECT_EQ(n_->Count("exchange_outbox", "kind = 'application.submitted'"), 0);
}

TEST_P(Cases, WrongUnitWrongRoleWrongStateAreRefused) {
  Approval a(*n_);
  a.SeedInside();
  auto s = a.cases.Submit(a.Citizen(), a.App("k"));
  n_->exchange->Pump();
  try {
    a.cases.Act(a.other_clerk, s.case_no, "accept", "", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kForbidden);
  }
  // The refusal is on the record, with who tried and which case.
  EXPECT_EQ(n_->Count("audit_log", "action = 'case.view' AND outcome = 'denied' AND object_id = '" + s.case_no + "'"), 1);
  EXPECT_THROW(a.cases.ForStaff(a.other_clerk, s.case_no), Error);
  EXPECT_EQ(n_->Count("audit_log", "action = 'case.view' AND outcome = 'denied'"), 2);
  EXPECT_THROW(a.cases.Act(a.handler, s.case_no, "accept", "", {}), Error);  // not a window clerk
  EXPECT_THROW(a.cases.Act(a.clerk, s.case_no, "refuse", "  ", {}), Error);  // reasons required
  EXPECT_THROW(a.cases.Act(a.clerk, s.case_no, "approve", "", {}), Error);
  // A list of missing materials with another decision is a contradiction, not an acceptance.
  for (const char* action : {"accept", "refuse"}) {
    try {
      a.cases.Act(a.clerk, s.case_no, action, "理由", {"营业执照复印件不清晰"});
      FAIL() << action;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
      EXPECT_TRUE(e.fields().count("missing")) << e.message();
    }
  }
  EXPECT_EQ(a.cases.ForStaff(a.clerk, s.case_no).state, CaseState::kReceived);
  a.cases.Act(a.clerk, s.case_no, "refuse", "申请事项不属于本部门职权范围", {});
  try {
    a.cases.Act(a.clerk, s.case_no, "accept", "", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
  }
  Case refused = a.cases.ForStaff(a.clerk, s.case_no);
  EXPECT_EQ(refused.state, CaseState::kRefused);
  EXPECT_NE(refused.events.back().opinion.find("行政复议"), std::string::npos);  // appeal rights are told
}

TEST_P(Cases, ALongChineseReasonIsRecordedWholeAndItsAuditDetailStaysValidText) {
  Approval a(*n_);
  a.SeedInside();
  auto s = a.cases.Submit(a.Citizen(), a.App("long"));
  n_->exchange->Pump();
  // The audit detail keeps the first 300 bytes of the opinion: cut in the middle of a character
  // it would be invalid UTF-8, which PostgreSQL refuses (the action would fail) and JSON
  // output cannot carry.
  std::string reason = "第1项";  // one ASCII digit: byte 300 falls inside a character
  for (int i = 0; i < 120; ++i) reason += "审";
  Case refused = a.cases.Act(a.clerk, s.case_no, "refuse", reason, {});
  EXPECT_EQ(refused.state, CaseState::kRefused);
  EXPECT_NE(refused.events.back().opinion.find(reason), std::string::npos);  // the event keeps it whole
  soci::session sql(n_->db->pool());
  std::string detail;
  sql << "SELECT detail FROM audit_log WHERE action = 'case.refuse'", soci::into(detail);
  EXPECT_LE(detail.size(), 300u);
  EXPECT_GT(detail.size(), 290u);
  EXPECT_NO_THROW(nlohmann::json({{"detail", detail}}).dump());
}

TEST_P(Cases, OneNoticeCorrectionRestartsTheAcceptanceClock) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("k"));
  n_->exchange->Pump();
  EXPECT_THROW(a.cases.Act(a.clerk, s.case_no, "request_correction", "", {}), Error);  // must list what is missing
  a.cases.Act(a.clerk, s.case_no, "request_correction", "请于十日内补正", {"营业执照复印件不清晰", "缺少委托书"});
  n_->exchange->Pump();
  Case mine = a.cases.ForApplicant(me, s.case_no);
  EXPECT_EQ(mine.state, CaseState::kCorrection);
  EXPECT_NE(mine.correction_note.find("1. 营业执照复印件不清晰；2. 缺少委托书"), std::string::npos);
  // 补正期限: 15 working days from the notice (Mon 03-02), stored with the case on both zones.
  EXPECT_EQ(mine.correction_due, "2026-03-23");
  EXPECT_EQ(a.cases.ForStaff(a.clerk, s.case_no).correction_due, "2026-03-23");
  // The notice is written, sealed and dated (第三十二条), and reaches the applicant.
  auto docs = a.documents.ForCase(s.case_no);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].title, "申请材料补正告知书");
  EXPECT_EQ(docs[0].doc_no, s.case_no + "-G");
  const std::string notice = PdfText(a.documents.Pdf(docs[0]));
  for (const char* part : {"第三十二条第一款第（四）项", "现一次告知你（单位）需要补正的全部内容：", "1. 营业执照复印件不清晰",
                           "2. 缺少委托书", "请于十日内补正", "请于 2026-03-23 前"}) {
    EXPECT_NE(notice.find(part), std::string::npos) << part << " in " << notice;
  }
  EXPECT_TRUE(a.documents.Verify(docs[0].doc_no).signature_valid);
  auto correction_deadline = [&](const Case& c) {
    for (const auto& d : a.cases.DeadlinesOf(c)) {
      if (d.name == "补正期限") return d;
    }
    ADD_FAILURE() << "no 补正期限 among the case's deadlines";
    return approval::Deadline{};
  };
  EXPECT_EQ(calendar::FormatDate(correction_deadline(mine).result.due), "2026-03-23");
  EXPECT_TRUE(correction_deadline(mine).notes.empty());
  n_->clock.Set(core::ParseLocal("2026-03-10 10:00"));
  EXPECT_THROW(a.cases.SubmitCorrections(me, s.case_no, {}), Error);  // nothing uploaded
  a.cases.SubmitCorrections(me, s.case_no, {{2, "执照-清晰.pdf", kPdf + "v2"}, {3, "委托书.pdf", kPdf + "v3"}});
  n_->exchange->Pump();
  n_->exchange->Pump();
  Case inside = a.cases.ForStaff(a.clerk, s.case_no);
  EXPECT_EQ(inside.state, CaseState::kReceived);
  EXPECT_EQ(inside.acceptance_due, "2026-03-17");  // restarted from 03-10
  EXPECT_EQ(correction_deadline(inside).status, "met");
  EXPECT_EQ(correction_deadline(inside).status_text, "已于 2026-03-10 补齐全部补正材料，在期限内");
  EXPECT_THROW(a.cases.Act(a.clerk, s.case_no, "request_correction", "", {"再要一份"}), Error);  // only once
  EXPECT_EQ(a.cases.Act(a.clerk, s.case_no, "accept", "", {}).state, CaseState::kAccepted);
}

TEST_P(Cases, SilencePastTheDeadlineCountsAsAcceptanceOnTheDayOfReceipt) {
  Approval a(*n_);
  a.SeedInside();
  auto s = a.cases.Submit(a.Citizen(), a.App("k"));
  n_->exchange->Pump();
  Case c = a.cases.ForStaff(a.clerk, s.case_no);
  EXPECT_FALSE(a.cases.DeemedAcceptanceOf(c));
  n_->clock.Set(core::ParseLocal("2026-03-10 09:00"));  // the deadline was 03-09
  EXPECT_EQ(a.cases.DeemedAcceptanceOf(c).value_or(""), "2026-03-02");
  // Too late for a correction notice: refused, and nothing changes.
  try {
    a.cases.Act(a.clerk, s.case_no, "request_correction", "", {"营业执照复印件"});
    ADD_FAILURE() << "a correction notice after the acceptance period was allowed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
    EXPECT_NE(std::string(e.what()).find("视为受理"), std::string::npos);
  }
  Case unchanged = a.cases.ForStaff(a.clerk, s.case_no);
  EXPECT_EQ(unchanged.state, CaseState::kReceived);
  EXPECT_EQ(unchanged.corrections_requested, 0);
  EXPECT_EQ(unchanged.events.size(), c.events.size());
  Case accepted = a.cases.Act(a.clerk, s.case_no, "accept", "", {});
  EXPECT_EQ(accepted.accepted_on, "2026-03-02");
  EXPECT_NE(accepted.events.back().opinion.find("视为受理"), std::string::npos);
}

TEST_P(Cases, ALateFeedbackPacketNeverUndoesANewerStep) {
  Approval a(*n_);
  a.SeedInside();
  auto s = a.cases.Submit(a.Citizen(), a.App("late"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});   // its feedback packet is not applied yet
  a.cases.Act(a.handler, s.case_no, Do("claim"));      // a newer step on the same row
  n_->exchange->Pump();                                // now the older packet arrives
  EXPECT_EQ(a.cases.ForStaff(a.handler, s.case_no).state, CaseState::kInProgress);
  EXPECT_NO_THROW(a.cases.Act(a.handler, s.case_no, Do("complete_step", "通过")));
}

TEST_P(Cases, TheWholeAcceptanceStageAcrossTwoNodes) {
  const std::string spool = (fs::temp_directory_path() / ("yiwang-cases-" + core::HexEncode(core::RandomBytes(5)))).string();
  Node outside(GetParam(), core::Zone::kExternal, spool), inside(GetParam(), core::Zone::kInternal, spool);
  for (Node* n : {&outside, &inside}) n->clock.Set(core::ParseLocal("2026-03-02 09:00"));
  Approval out(outside), in(inside);
  in.SeedInside();  // units and the catalogue are owned inside and reach the portal as packets
  // A licence whose term the 审批人 sets (a 变更): the term must reach the portal's copy too.
  approval::Item item = in.catalogue.Latest("SCJ-001");
  item.valid_years = 0;
  in.catalogue.PublishAll(identity::Context::System("测试"), {item});
  out.ImportCalendar();  // the portal explains its deadlines on the same calendar
  auto ferry = [&] { Ferry(inside, outside); };
  ferry();
  EXPECT_EQ(out.catalogue.Published("SCJ-001").name, "食品经营许可（新办）");
  auto me = out.Citizen();
  auto s = out.cases.Submit(me, out.App("split"));
  ferry();
  EXPECT_EQ(in.cases.ForStaff(in.clerk, s.case_no).state, CaseState::kReceived);
  EXPECT_EQ(inside.Count("case_materials"), 2);
  in.cases.Act(in.clerk, s.case_no, "accept", "", {});
  ferry();
  Case mine = out.cases.ForApplicant(me, s.case_no);
  EXPECT_EQ(mine.state, CaseState::kAccepted);
  EXPECT_EQ(mine.promised_due, "2026-03-09");
  // Decided and concluded inside; the sealed documents verify outside without the internal database.
  in.cases.Act(in.handler, s.case_no, Do("claim"));
  approval::CaseAction step = Do("complete_step", "经营场所核查符合条件");
  step.proposal = "approve";
  in.cases.Act(in.handler, s.case_no, step);
  in.cases.Act(in.approver, s.case_no, Do("claim"));
  approval::CaseAction grant = Do("decide", "", "approve");
  grant.valid_until = "2029-06-30";
  in.cases.Act(in.approver, s.case_no, grant);
  in.cases.Act(in.clerk, s.case_no, Do("conclude"));
  ferry();
  EXPECT_EQ(out.cases.ForApplicant(me, s.case_no).licence_valid_until, "2029-06-30");
  // The step's proposal and opinion stay inside: the packet to the portal carried only the step's
  // name (过程性信息), so the external database never holds them.
  EXPECT_EQ(inside.Count("case_events", "action = 'complete_step' AND opinion LIKE '%经营场所核查符合条件%'"), 1);
  EXPECT_EQ(outside.Count("case_events", "action = 'complete_step' AND opinion = '完成“审查”环节'"), 1);
  EXPECT_EQ(outside.Count("case_events", "opinion LIKE '%经营场所核查%' OR opinion LIKE '%拟准予%'"), 0);
  EXPECT_EQ(out.cases.ForApplicant(me, s.case_no).state, CaseState::kConcluded);
  // The portal's copy knows when the decision was made (from its events): its limits were met.
  std::map<std::string, std::string> there;
  for (const auto& d : out.cases.DeadlinesOf(out.cases.ForApplicant(me, s.case_no))) there[d.name] = d.status;
  EXPECT_EQ(there["承诺办结期限"], "met");
  EXPECT_EQ(there["法定办结期限"], "met");
  auto docs = out.documents.ForCase(s.case_no);
  ASSERT_EQ(docs.size(), 3u);  // 受理通知书, the decision, the certificate
  EXPECT_EQ(docs[0].title, "受理通知书");
  EXPECT_EQ(docs[0].doc_no, s.case_no + "-S");
  for (const auto& d : docs) {
    std::string pdf = out.documents.Pdf(d);
    EXPECT_TRUE(out.documents.Verify(d.doc_no, &pdf).signature_valid) << d.title;
  }
  EXPECT_EQ(out.cases.Concluded(1, 10, nullptr).size(), 1u);
  EXPECT_EQ(outside.Count("exchange_errors"), 0);
  EXPECT_EQ(inside.Count("exchange_errors"), 0);
  fs::remove_all(spool);
}

TEST_P(Cases, TheApplicantWithdrawsBeforeTheDecisionAndTheCaseEnds) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("wd"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});
  a.cases.Act(a.handler, s.case_no, Do("claim"));
  n_->exchange->Pump();
  const Case before = a.cases.ForStaff(a.handler, s.case_no);
  ASSERT_EQ(before.state, CaseState::kInProgress);
  const identity::Context stranger = a.Citizen("李四", "11010519491231002");
  const long long audit_before = n_->Count("audit_log");
  // Bad requests: each refused with its reason, and nothing is recorded or sent.
  auto code_of = [&](const identity::Context& who, const std::string& reason) {
    try {
      a.cases.Withdraw(who, s.case_no, reason);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::kInternal;  // accepted: not expected here
  };
  EXPECT_EQ(code_of(me, "   "), ErrorCode::kInvalidInput);              // a reason is required
  std::string too_long;
  for (int i = 0; i < 501; ++i) too_long += "撤";
  EXPECT_EQ(code_of(me, too_long), ErrorCode::kInvalidInput);  // 501 characters (500 allowed)
  EXPECT_EQ(code_of(stranger, "不想办了"), ErrorCode::kNotFound);  // not theirs
  EXPECT_EQ(code_of(a.handler, "不想办了"), ErrorCode::kNotFound);  // staff are not applicants
  EXPECT_EQ(n_->Count("exchange_outbox", "kind = 'application.withdrawn'"), 0);
  EXPECT_EQ(a.cases.ForStaff(a.handler, s.case_no).events.size(), before.events.size());
  EXPECT_EQ(n_->Count("audit_log"), audit_before);
  // The request: recorded, pending until the department answers; a second one is refused.
  a.cases.Withdraw(me, s.case_no, "  已在外区办理，不再需要  ");
  Case mine = a.cases.ForApplicant(me, s.case_no);
  EXPECT_TRUE(approval::WithdrawalPending(mine));
  EXPECT_EQ(mine.state, CaseState::kInProgress);
  EXPECT_EQ(mine.events.back().action, "withdraw_request");
  EXPECT_NE(mine.events.back().opinion.find("理由：已在外区办理，不再需要"), std::string::npos);
  EXPECT_EQ(code_of(me, "再撤一次"), ErrorCode::kConflict);
  EXPECT_EQ(n_->Count("exchange_outbox", "kind = 'application.withdrawn'"), 1);
  // Inside: the case ends; nobody can act on it any more.
  n_->exchange->Pump();
  n_->exchange->Pump();
  Case inside = a.cases.ForStaff(a.handler, s.case_no);
  EXPECT_EQ(inside.state, CaseState::kWithdrawn);
  EXPECT_EQ(inside.assignee_id, 0);
  EXPECT_EQ(inside.events.back().action, "withdraw");
  EXPECT_NE(inside.events.back().opinion.find("终止办理"), std::string::npos);
  EXPECT_EQ(std::count_if(inside.events.begin(), inside.events.end(),
                          [](const approval::CaseEvent& e) { return e.action == "withdraw_request"; }),
            1);  // zone both: not recorded twice
  try {
    a.cases.Act(a.handler, s.case_no, Do("complete_step", "通过"));
    ADD_FAILURE() << "a withdrawn case was still handled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
  }
  EXPECT_THROW(a.cases.Act(a.handler, s.case_no, Do("claim")), Error);
  mine = a.cases.ForApplicant(me, s.case_no);
  EXPECT_EQ(mine.state, CaseState::kWithdrawn);
  EXPECT_FALSE(approval::WithdrawalPending(mine));
  EXPECT_EQ(code_of(me, "再撤一次"), ErrorCode::kConflict);
  EXPECT_EQ(n_->Count("audit_log", "action = 'case.withdraw_request'"), 1);
  EXPECT_EQ(n_->Count("audit_log", "action = 'case.withdraw'"), 1);
  EXPECT_EQ(n_->Count("exchange_errors"), 0);
  EXPECT_EQ(a.cases.Concluded(1, 10, nullptr).size(), 0u);  // 办件公示 lists concluded cases only
}

TEST_P(Cases, AWithdrawalThatArrivesAfterTheDecisionIsAnsweredAsTooLate) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("late-wd"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});
  a.cases.Act(a.handler, s.case_no, Do("claim"));
  a.cases.Act(a.handler, s.case_no, Do("complete_step", "符合条件"));
  a.cases.Withdraw(me, s.case_no, "改变经营计划");  // on its way while the approver decides
  a.cases.Act(a.approver, s.case_no, Do("claim"));
  a.cases.Act(a.approver, s.case_no, Do("decide", "同意", "approve"));
  n_->exchange->Pump();
  n_->exchange->Pump();
  Case inside = a.cases.ForStaff(a.approver, s.case_no);
  EXPECT_EQ(inside.state, CaseState::kDecided);  // the decision stands
  EXPECT_EQ(inside.decision, "approve");
  EXPECT_EQ(inside.events.back().action, "withdraw_refused");
  EXPECT_NE(inside.events.back().opinion.find("审批决定已经作出"), std::string::npos);
  Case mine = a.cases.ForApplicant(me, s.case_no);
  EXPECT_FALSE(approval::WithdrawalPending(mine));  // answered
  try {
    a.cases.Withdraw(me, s.case_no, "再试一次");
    ADD_FAILURE() << "a decided case could be withdrawn";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
    EXPECT_NE(std::string(e.what()).find("已作出审批决定"), std::string::npos);
  }
  EXPECT_NO_THROW(a.cases.Act(a.clerk, s.case_no, Do("conclude")));
  EXPECT_EQ(n_->Count("exchange_errors"), 0);
}

TEST_P(Cases, AWithdrawalAcrossTwoNodesEndsTheCaseInsideAndReportsBack) {
  const std::string spool = (fs::temp_directory_path() / ("yiwang-wd-" + core::HexEncode(core::RandomBytes(5)))).string();
  Node outside(GetParam(), core::Zone::kExternal, spool), inside(GetParam(), core::Zone::kInternal, spool);
  for (Node* n : {&outside, &inside}) n->clock.Set(core::ParseLocal("2026-03-02 09:00"));
  Approval out(outside), in(inside);
  in.SeedInside();
  auto ferry = [&] { Ferry(inside, outside); };
  ferry();
  auto me = out.Citizen();
  auto s = out.cases.Submit(me, out.App("split-wd"));
  ferry();
  in.cases.Act(in.clerk, s.case_no, "accept", "", {});
  in.cases.Act(in.handler, s.case_no, Do("claim"));
  outside.clock.Set(core::ParseLocal("2026-03-03 10:00"));
  inside.clock.Set(core::ParseLocal("2026-03-03 10:00"));
  in.cases.Act(in.handler, s.case_no, Do("suspend", "检验检测"));
  ferry();
  out.cases.Withdraw(me, s.case_no, "不再经营");
  inside.clock.Set(core::ParseLocal("2026-03-05 09:00"));
  ferry();
  Case k = in.cases.ForStaff(in.handler, s.case_no);
  EXPECT_EQ(k.state, CaseState::kWithdrawn);
  ASSERT_EQ(k.suspensions.size(), 1u);
  EXPECT_EQ(k.suspensions[0].to, "2026-03-04");  // the special procedure ended with the case
  // The request is part of the working record inside, once, with the applicant's time.
  auto request = std::find_if(k.events.begin(), k.events.end(),
                              [](const approval::CaseEvent& e) { return e.action == "withdraw_request"; });
  ASSERT_NE(request, k.events.end());
  EXPECT_EQ(request->ts, core::ParseLocal("2026-03-03 10:00"));
  EXPECT_NE(request->opinion.find("不再经营"), std::string::npos);
  Case mine = out.cases.ForApplicant(me, s.case_no);
  EXPECT_EQ(mine.state, CaseState::kWithdrawn);
  EXPECT_EQ(mine.events.back().action, "withdraw");
  EXPECT_EQ(std::count_if(mine.events.begin(), mine.events.end(),
                          [](const approval::CaseEvent& e) { return e.action == "withdraw_request"; }),
            1);
  EXPECT_EQ(outside.Count("exchange_errors"), 0);
  EXPECT_EQ(inside.Count("exchange_errors"), 0);
  fs::remove_all(spool);
}

TEST_P(Cases, TheApplicantIsToldByTextMessageAtTheStepsThatMatter) {
  Approval a(*n_);
  a.SeedInside();
  supervision::OutboxSms sms(n_->clock);
  a.cases.NotifyWith(&sms);
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("sms"));
  n_->exchange->Pump();
  auto texts = [&] {
    std::vector<std::string> out;
    soci::session sql(n_->db->pool());
    soci::rowset<soci::row> rows = (sql.prepare << "SELECT mobile, text FROM sms_outbox ORDER BY id");
    for (const soci::row& r : rows) {
      EXPECT_EQ(r.get<std::string>("mobile"), "13800138000");  // the application's contact mobile
      out.push_back(r.get<std::string>("text"));
    }
    return out;
  };
  EXPECT_TRUE(texts().empty());  // received: nothing yet
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});
  a.cases.Act(a.handler, s.case_no, Do("claim"));           // internal steps: no message
  a.cases.Act(a.handler, s.case_no, Do("suspend", "检验检测"));
  a.cases.Act(a.handler, s.case_no, Do("resume", "检测合格"));
  a.cases.Act(a.approver, s.case_no, Do("extend", "需现场核查", "", 10));
  a.cases.Act(a.handler, s.case_no, Do("complete_step", "符合条件"));
  a.cases.Act(a.approver, s.case_no, Do("claim"));
  a.cases.Act(a.approver, s.case_no, Do("decide", "同意", "approve"));
  a.cases.Act(a.clerk, s.case_no, Do("conclude"));
  const auto got = texts();
  ASSERT_EQ(got.size(), 5u);
  for (const auto& t : got) EXPECT_NE(t.find(s.case_no), std::string::npos) << t;
  EXPECT_NE(got[0].find("已受理，承诺于 2026-03-09 前办结"), std::string::npos) << got[0];
  EXPECT_NE(got[1].find("进入特别程序（检验检测）"), std::string::npos) << got[1];
  EXPECT_NE(got[2].find("延长办理期限"), std::string::npos) << got[2];
  EXPECT_NE(got[3].find("准予许可决定"), std::string::npos) << got[3];
  EXPECT_NE(got[4].find("已办结，行政许可证书可在办件页下载"), std::string::npos) << got[4];
  // Refusal, correction and withdrawal tell the applicant too.
  auto r = a.cases.Submit(me, a.App("sms-2"));
  auto w = a.cases.Submit(me, a.App("sms-3"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, r.case_no, "request_correction", "", {"营业执照复印件不清晰"});
  a.cases.Act(a.clerk, w.case_no, "refuse", "不属于本部门职权范围", {});
  const auto more = texts();
  ASSERT_EQ(more.size(), 7u);
  EXPECT_NE(more[5].find("需要补正材料，请于 2026-03-23 前"), std::string::npos) << more[5];
  EXPECT_NE(more[6].find("不予受理"), std::string::npos) << more[6];
  n_->exchange->Pump();
  a.cases.Withdraw(me, r.case_no, "不办了");
  n_->exchange->Pump();
  n_->exchange->Pump();
  const auto last = texts();
  ASSERT_EQ(last.size(), 8u);
  EXPECT_NE(last[7].find("已按您的申请撤回"), std::string::npos) << last[7];
}

TEST(MaskApplicant, PeopleAndOrganisations) {
  EXPECT_EQ(approval::MaskApplicant("citizen", "张三丰"), "张*丰");
  EXPECT_EQ(approval::MaskApplicant("citizen", "张三"), "张*");
  EXPECT_EQ(approval::MaskApplicant("enterprise", "滨海东河食品有限公司"), "滨海某某有限公司");
  EXPECT_EQ(approval::MaskApplicant("enterprise", "东河区绿源蔬菜专业合作社"), "东河某某专业合作社");
  EXPECT_EQ(approval::MaskApplicant("enterprise", "滨海新港物流股份有限公司"), "滨海某某股份有限公司");
  EXPECT_EQ(approval::MaskApplicant("enterprise", "东河小馆"), "东河某某");
}


// A sealed document is drawn and signed before the write transaction (Prepare) and only recorded
// in it (Issue); when what it certifies changed meanwhile, Issue draws and signs it again.
TEST_P(Cases, APreparedDocumentStandsOnlyForWhatItCertifies) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("prep"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});
  a.cases.Act(a.handler, s.case_no, Do("claim"));
  a.cases.Act(a.handler, s.case_no, Do("complete_step", "通过"));
  a.cases.Act(a.approver, s.case_no, Do("claim"));
  a.cases.Act(a.approver, s.case_no, Do("decide", "同意", "approve"));  // the department's seal key is made
  Case c = a.cases.ForStaff(a.approver, s.case_no);
  const approval::Item item = a.cases.ItemOf(c);
  const std::int64_t at = n_->clock.NowMs();

  approval::PreparedDocument same = a.documents.Prepare(c, item, "certificate", "", at);
  ASSERT_TRUE(same.ready());
  ASSERT_FALSE(same.file.sm3.empty());
  ASSERT_FALSE(same.signature_hex.empty());
  Case renamed = c;
  renamed.applicant_name = "李四";  // a certificate prints its holder
  approval::IssuedDocument redrawn;
  db::WithTx(*n_->db, [&](db::Tx& tx) { redrawn = a.documents.Issue(tx, renamed, item, "certificate", "", &same); });
  EXPECT_NE(redrawn.payload.dump().find("李四"), std::string::npos);
  EXPECT_NE(redrawn.pdf_sm3, same.file.sm3) << "the PDF prepared for the first holder was recorded for 李四";
  EXPECT_NE(redrawn.signature_hex, same.signature_hex);
  std::string pdf = a.documents.Pdf(redrawn);
  auto v = a.documents.Verify(redrawn.doc_no, &pdf);
  EXPECT_TRUE(v.signature_valid);
  EXPECT_TRUE(v.bytes_match);
  // A notice prints dates its payload does not certify (the promised day of a 受理通知书): a
  // prepared one whose text differs is drawn again too.
  auto t = a.cases.Submit(me, a.App("prep-2"));
  n_->exchange->Pump();
  Case accepted = a.cases.ForStaff(a.clerk, t.case_no);
  accepted.accepted_on = "2026-03-02";
  accepted.promised_due = "2026-03-09";
  accepted.statutory_due = "2026-03-16";
  approval::PreparedDocument notice = a.documents.Prepare(accepted, item, "acceptance", "", at);
  ASSERT_TRUE(notice.ready());
  Case later = accepted;
  later.promised_due = "2026-03-10";
  approval::IssuedDocument issued;
  db::WithTx(*n_->db, [&](db::Tx& tx) { issued = a.documents.Issue(tx, later, item, "acceptance", "", &notice); });
  EXPECT_EQ(issued.payload, notice.payload) << "the payload alone does not tell them apart";
  EXPECT_NE(issued.pdf_sm3, notice.file.sm3);
  EXPECT_NE(PdfText(a.documents.Pdf(issued)).find("承诺于 2026-03-10 前"), std::string::npos);
}

TEST_P(Cases, TheFlowAfterAcceptanceWithRolesStatesSuspensionAndExtension) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("flow"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});  // accepted Monday 03-02
  Case c = a.cases.ForStaff(a.handler, s.case_no);
  EXPECT_EQ(c.current_step, 2);
  EXPECT_EQ(c.step_due, "2026-03-05");  // 审查: 3 working days after 03-02
  // Only the step's role may sign for it; nobody may act before signing.
  EXPECT_THROW(a.cases.Act(a.approver, s.case_no, Do("claim")), Error);
  EXPECT_THROW(a.cases.Act(a.handler, s.case_no, Do("complete_step")), Error);
  a.cases.Act(a.handler, s.case_no, Do("claim"));
  EXPECT_THROW(a.cases.Act(a.handler, s.case_no, Do("claim")), Error);  // already signed
  try {  // a step is completed with its opinion on the record
    a.cases.Act(a.handler, s.case_no, Do("complete_step", "   "));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_TRUE(e.fields().count("opinion"));
  }
  EXPECT_EQ(a.cases.ForStaff(a.handler, s.case_no).current_step, 2);
  // A special procedure stops the clock (Art. 45): 03-03 and 03-04 are not counted.
  n_->clock.Set(core::ParseLocal("2026-03-03 09:00"));
  EXPECT_THROW(a.cases.Act(a.handler, s.case_no, Do("suspend", "  ")), Error);  // the procedure must be named
  a.cases.Act(a.handler, s.case_no, Do("suspend", "检验检测"));
  EXPECT_EQ(a.cases.ForStaff(a.handler, s.case_no).state, CaseState::kSuspended);
  EXPECT_THROW(a.cases.Act(a.handler, s.case_no, Do("complete_step")), Error);  // not while suspended
  n_->clock.Set(core::ParseLocal("2026-03-05 09:00"));
  c = a.cases.Act(a.handler, s.case_no, Do("resume", "检测合格"));
  EXPECT_EQ(c.state, CaseState::kInProgress);
  ASSERT_EQ(c.suspensions.size(), 1u);
  EXPECT_EQ(c.suspensions[0].from, "2026-03-03");
  EXPECT_EQ(c.suspensions[0].to, "2026-03-04");
  EXPECT_EQ(c.promised_due, "2026-03-11");   // 5 days, two of them stopped: 09 → 11
  EXPECT_EQ(c.statutory_due, "2026-03-18");  // 10 days: 16 → 18
  EXPECT_EQ(c.step_due, "2026-03-09");       // 审查 3 days: 05 → 09
  // Extension: approver only, once, at most 10 days, with reasons (Art. 42).
  EXPECT_THROW(a.cases.Act(a.handler, s.case_no, Do("extend", "需要", "", 5)), Error);
  EXPECT_THROW(a.cases.Act(a.approver, s.case_no, Do("extend", "", "", 5)), Error);
  EXPECT_THROW(a.cases.Act(a.approver, s.case_no, Do("extend", "太多", "", 11)), Error);
  c = a.cases.Act(a.approver, s.case_no, Do("extend", "需现场核查", "", 10));
  EXPECT_EQ(c.statutory_due, "2026-04-01");  // 20 counted days after 03-02 with 03-03/04 stopped
  EXPECT_THROW(a.cases.Act(a.approver, s.case_no, Do("extend", "再延", "", 1)), Error);
  a.cases.Act(a.handler, s.case_no, Do("complete_step", "材料齐全，符合条件"));
  c = a.cases.ForStaff(a.approver, s.case_no);
  EXPECT_EQ(c.current_step, 3);
  EXPECT_EQ(c.assignee_id, 0);
  EXPECT_THROW(a.cases.Act(a.approver, s.case_no, Do("decide", "", "approve")), Error);  // sign first
  a.cases.Act(a.approver, s.case_no, Do("claim"));
  EXPECT_THROW(a.cases.Act(a.approver, s.case_no, Do("complete_step")), Error);  // the last step is a decision
  EXPECT_THROW(a.cases.Act(a.approver, s.case_no, Do("decide", "", "deny")), Error);  // denial needs reasons
  EXPECT_THROW(a.cases.Act(a.approver, s.case_no, Do("decide", "", "maybe")), Error);
  c = a.cases.Act(a.approver, s.case_no, Do("decide", "同意", "approve"));
  EXPECT_EQ(c.state, CaseState::kDecided);
  EXPECT_EQ(c.decision, "approve");
  // The decision is a sealed PDF: SM2 over SM3 by the department's seal key.
  auto docs = a.documents.ForCase(s.case_no);
  ASSERT_EQ(docs.size(), 2u);  // the 受理通知书 (第三十二条) and the decision
  EXPECT_EQ(docs[0].kind, "acceptance");
  docs.erase(docs.begin());
  EXPECT_EQ(docs[0].title, "准予行政许可决定书");
  std::string pdf = a.documents.Pdf(docs[0]);
  EXPECT_EQ(pdf.rfind("%PDF-", 0), 0u);
  EXPECT_TRUE(a.documents.Verify(docs[0].doc_no, &pdf).signature_valid);
  EXPECT_TRUE(a.documents.Verify(docs[0].doc_no, &pdf).bytes_match);
  std::string tampered = pdf;
  tampered[tampered.size() / 2] ^= 0x01;  // one changed byte
  EXPECT_FALSE(a.documents.Verify(docs[0].doc_no, &tampered).bytes_match);
  EXPECT_FALSE(a.documents.Verify("NO-SUCH-DOC").found);
  n_->Exec("UPDATE documents SET payload = REPLACE(payload, '张三', '李四')");  // a forged record
  EXPECT_FALSE(a.documents.Verify(docs[0].doc_no).signature_valid);
  n_->Exec("UPDATE documents SET payload = REPLACE(payload, '李四', '张三')");
  EXPECT_TRUE(a.documents.Verify(docs[0].doc_no).signature_valid);
  EXPECT_THROW(a.cases.Act(a.handler, s.case_no, Do("conclude")), Error);  // not the handler's to conclude
  c = a.cases.Act(a.clerk, s.case_no, Do("conclude"));
  EXPECT_EQ(c.state, CaseState::kConcluded);
  docs = a.documents.ForCase(s.case_no);
  ASSERT_EQ(docs.size(), 3u);  // and the certificate once the grant is concluded
  EXPECT_EQ(docs[2].kind, "certificate");
  EXPECT_TRUE(a.documents.Verify(docs[2].doc_no).signature_valid);
  std::int64_t total = 0;
  auto concluded = a.cases.Concluded(1, 20, &total);
  EXPECT_EQ(total, 1);
  EXPECT_EQ(approval::CaseJson(concluded.at(0), false)["applicant_name"], "张*");
  n_->exchange->Pump();
  Case mine = a.cases.ForApplicant(me, s.case_no);
  EXPECT_EQ(mine.state, CaseState::kConcluded);
  std::vector<std::string> seen;
  for (const auto& e : mine.events) seen.push_back(e.action);
  // The applicant sees every public step (not who signed for which step).
  EXPECT_EQ(seen, (std::vector<std::string>{"submit", "receive", "accept", "suspend", "resume", "extend", "complete_step",
                                            "decide", "conclude"}));
  EXPECT_EQ(n_->Count("audit_log", "action LIKE 'case.%'"), 10);  // submit, accept, 2 claims, suspend, resume, extend, complete, decide, conclude
}

TEST_P(Cases, AStepIsSentBackToAnEarlierHandlingStepWithReasons) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("back"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});  // Monday 03-02: 审查 is step 2
  a.cases.Act(a.handler, s.case_no, Do("claim"));
  // 审查 is the first handling step: there is nothing before it to send back to (受理 is not re-done).
  try {
    a.cases.Act(a.handler, s.case_no, Do("return_step", "再看看"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
  }
  a.cases.Act(a.handler, s.case_no, Do("complete_step", "符合条件"));
  // Only whoever signed for the step may send it back, and only once signed.
  EXPECT_THROW(a.cases.Act(a.approver, s.case_no, Do("return_step", "现场核查记录缺页")), Error);
  n_->clock.Set(core::ParseLocal("2026-03-04 09:00"));
  a.cases.Act(a.approver, s.case_no, Do("claim"));
  EXPECT_THROW(a.cases.Act(a.handler, s.case_no, Do("return_step", "现场核查记录缺页")), Error);
  auto refused = [&](approval::CaseAction act, ErrorCode code, const std::string& field) {
    try {
      a.cases.Act(a.approver, s.case_no, act);
      ADD_FAILURE() << "accepted: to_step " << act.to_step << " opinion " << act.opinion;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code);
      if (!field.empty()) {
        EXPECT_TRUE(e.fields().count(field)) << field;
      }
    }
  };
  refused(Do("return_step", "  "), ErrorCode::kInvalidInput, "opinion");  // reasons are required
  auto to = [](int step) {
    approval::CaseAction act = Do("return_step", "现场核查记录缺页");
    act.to_step = step;
    return act;
  };
  refused(to(1), ErrorCode::kInvalidInput, "to_step");   // not 受理
  refused(to(3), ErrorCode::kInvalidInput, "to_step");   // not this step or a later one
  refused(to(-1), ErrorCode::kInvalidInput, "to_step");
  const long long audits = n_->Count("audit_log", "action LIKE 'case.%'");
  Case c = a.cases.ForStaff(a.approver, s.case_no);
  EXPECT_EQ(c.current_step, 3);
  EXPECT_EQ(c.assignee_id, a.approver.principal.id);  // nothing changed by the refusals
  EXPECT_EQ(n_->Count("audit_log", "action LIKE 'case.%'"), audits);

  c = a.cases.Act(a.approver, s.case_no, to(2));
  EXPECT_EQ(c.state, CaseState::kInProgress);
  EXPECT_EQ(c.current_step, 2);
  EXPECT_EQ(c.assignee_id, 0);  // the step waits to be signed for again
  EXPECT_EQ(c.step_started_on, "2026-03-04");
  EXPECT_EQ(c.step_due, "2026-03-09");    // 审查's 3 working days run again from today
  EXPECT_EQ(c.promised_due, "2026-03-09");  // the case's own limit does not move
  EXPECT_EQ(n_->Count("audit_log", "action = 'case.return_step'"), 1);
  EXPECT_THROW(a.cases.Act(a.approver, s.case_no, Do("decide", "同意", "approve")), Error);  // no longer the approver's
  // The step is done again and the case goes on to its decision.
  a.cases.Act(a.handler, s.case_no, Do("claim"));
  a.cases.Act(a.handler, s.case_no, Do("complete_step", "已补充现场核查记录"));
  a.cases.Act(a.approver, s.case_no, Do("claim"));
  c = a.cases.Act(a.approver, s.case_no, Do("decide", "同意", "approve"));
  EXPECT_EQ(c.state, CaseState::kDecided);
  // The applicant sees the return on the public timeline.
  n_->exchange->Pump();
  Case mine = a.cases.ForApplicant(me, s.case_no);
  std::vector<std::string> seen;
  std::string returned;
  for (const auto& e : mine.events) {
    seen.push_back(e.action);
    if (e.action == "return_step") returned = e.opinion;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"submit", "receive", "accept", "complete_step", "return_step", "complete_step",
                                            "decide"}));
  // From where to where; the reasons stay inside (过程性信息), where the staff see them.
  EXPECT_EQ(returned, "“审批”环节退回“审查”环节重新办理");
  bool inside_has_reason = false;
  for (const auto& e : a.cases.ForStaff(a.handler, s.case_no).events) {
    if (e.action == "return_step") inside_has_reason = e.opinion == "“审批”环节退回“审查”环节重新办理。理由：现场核查记录缺页";
  }
  EXPECT_TRUE(inside_has_reason);
}

TEST_P(Cases, AnItemThatIsNotALicenceIsDecidedInItsOwnWordsAndLaw) {
  Approval a(*n_);
  a.SeedInside();
  n_->exchange->Pump();  // the catalogue's publication reaches the portal first (it would undo the change below)
  // 行政给付 (a benefit), decided under its own regulations: not under 行政许可法, not a licence.
  n_->Exec("UPDATE items SET kind = 'payment', legal_basis = '《社会救助暂行办法》第十一条；《最低生活保障审核确认办法》' "
           "WHERE code = 'SCJ-001'");
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("benefit"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});
  try {
    Decide(a, s.case_no, "deny", "");  // through 审查 to a denial without reasons
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "不予给付须说明理由");
  }
  Case c = a.cases.Act(a.approver, s.case_no, Do("decide", "", "approve"));
  EXPECT_EQ(approval::DecisionLabel(c), "准予给付");
  EXPECT_EQ(approval::CaseJson(c, true)["decision_label"], "准予给付");
  EXPECT_EQ(c.events.back().opinion, "准予给付");
  auto docs = a.documents.ForCase(s.case_no);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].title, "受理通知书");
  const std::string accepted = PdfText(a.documents.Pdf(docs[0]));
  EXPECT_NE(accepted.find("申请材料齐全、符合法定形式，本机关决定予以受理。"), std::string::npos) << accepted;
  EXPECT_EQ(accepted.find("行政许可"), std::string::npos) << accepted;  // 第三十二条 is for licences
  EXPECT_EQ(docs[1].title, "准予给付决定书");
  const std::string decision = PdfText(a.documents.Pdf(docs[1]));
  EXPECT_NE(decision.find("根据《社会救助暂行办法》第十一条、《最低生活保障审核确认办法》的规定，决定准予给付。"), std::string::npos)
      << decision;
  EXPECT_EQ(decision.find("行政许可"), std::string::npos) << decision;
  c = a.cases.Act(a.clerk, s.case_no, Do("conclude"));
  EXPECT_EQ(c.events.back().opinion, "办结（准予给付）");
  docs = a.documents.ForCase(s.case_no);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[2].title, "行政给付通知书");
  const std::string result = PdfText(a.documents.Pdf(docs[2]));
  EXPECT_NE(result.find("符合条件，准予给付"), std::string::npos) << result;
  EXPECT_NE(result.find("办理机关"), std::string::npos) << result;
  EXPECT_NE(result.find("行政审批专用章"), std::string::npos) << result;
  EXPECT_EQ(result.find("行政许可"), std::string::npos) << result;  // (the test item's own name says 许可)
  EXPECT_EQ(result.find("许可事项"), std::string::npos) << result;
  EXPECT_EQ(result.find("有效期限"), std::string::npos) << result;
  n_->exchange->Pump();
  EXPECT_EQ(approval::DecisionLabel(a.cases.ForApplicant(me, s.case_no)), "准予给付");  // the portal's copy too

  // A licence keeps 行政许可法's words (the other item).
  auto lic = a.cases.Submit(me, a.App("licence", "SCJ-002"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, lic.case_no, "accept", "", {});
  c = Decide(a, lic.case_no, "deny", "场所面积不足");
  EXPECT_EQ(approval::DecisionLabel(c), "不予许可");
  docs = a.documents.ForCase(lic.case_no);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_NE(PdfText(a.documents.Pdf(docs[0])).find("根据《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，本机关决定予以受理"),
            std::string::npos);
  EXPECT_EQ(docs[1].title, "不予行政许可决定书");
  EXPECT_NE(PdfText(a.documents.Pdf(docs[1])).find("根据《中华人民共和国行政许可法》第三十八条第二款的规定，决定不予行政许可"),
            std::string::npos);
}

TEST_P(Cases, EachDeadlineSaysWhetherItWasMetMissedOrStillRuns) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("late"));
  n_->exchange->Pump();  // received Monday 03-02: acceptance due 03-09 (5 working days)
  auto status = [&](const std::string& name) -> std::pair<std::string, std::string> {
    for (const auto& d : a.cases.DeadlinesOf(a.cases.ForStaff(a.clerk, s.case_no))) {
      if (d.name == name) return {d.status, d.status_text};
    }
    return {"absent", ""};
  };
  EXPECT_EQ(status("受理期限"), std::make_pair(std::string("running"), std::string("正在计算，尚未作出受理决定")));
  n_->clock.Set(core::ParseLocal("2026-03-10 09:00"));
  EXPECT_EQ(status("受理期限"), std::make_pair(std::string("overdue"), std::string("已超过期限，尚未作出受理决定")));
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});  // deemed accepted on 03-02 (Art. 32): promised due 03-09
  EXPECT_EQ(status("受理期限"), std::make_pair(std::string("late"), std::string("已于 2026-03-10 予以受理，超过期限")));
  EXPECT_EQ(status("承诺办结期限").first, "overdue");
  EXPECT_EQ(status("法定办结期限").first, "running");  // due 03-16
  EXPECT_EQ(status("审查环节期限").first, "running");
  a.cases.Act(a.handler, s.case_no, Do("claim"));
  a.cases.Act(a.handler, s.case_no, Do("complete_step", "符合条件"));
  n_->clock.Set(core::ParseLocal("2026-03-11 09:00"));
  a.cases.Act(a.approver, s.case_no, Do("claim"));
  a.cases.Act(a.approver, s.case_no, Do("decide", "同意", "approve"));
  EXPECT_EQ(status("承诺办结期限"), std::make_pair(std::string("late"), std::string("已于 2026-03-11 作出审批决定，超过期限")));
  EXPECT_EQ(status("法定办结期限"), std::make_pair(std::string("met"), std::string("已于 2026-03-11 作出审批决定，在期限内")));
  EXPECT_EQ(status("审批环节期限").first, "absent");  // no step runs once decided
  // The applicant's copy says the same.
  n_->exchange->Pump();
  std::map<std::string, std::string> outside;
  for (const auto& d : a.cases.DeadlinesOf(a.cases.ForApplicant(me, s.case_no))) outside[d.name] = d.status;
  EXPECT_EQ(outside["法定办结期限"], "met");
  EXPECT_EQ(outside["承诺办结期限"], "late");
  // The answer is named as given: a correction notice, a refusal.
  auto corrected = a.cases.Submit(me, a.App("fix"));
  auto refused = a.cases.Submit(me, a.App("nope"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, corrected.case_no, "request_correction", "", {"营业执照复印件不清晰"});
  a.cases.Act(a.clerk, refused.case_no, "refuse", "不属于本机关职权范围", {});
  auto acceptance = [&](const std::string& no) {
    return a.cases.DeadlinesOf(a.cases.ForStaff(a.clerk, no)).at(0);
  };
  EXPECT_EQ(acceptance(corrected.case_no).status_text, "已于 2026-03-11 一次性告知补正（补齐后受理期限重新起算），在期限内");
  EXPECT_EQ(acceptance(refused.case_no).status_text, "已于 2026-03-11 作出不予受理决定，在期限内");
  EXPECT_EQ(a.cases.DeadlinesOf(a.cases.ForStaff(a.clerk, refused.case_no)).size(), 1u);  // no 办结 limits run
  // Withdrawn before any answer: the period is no longer counted.
  auto w = a.cases.Submit(me, a.App("gone"));
  n_->exchange->Pump();
  a.cases.Withdraw(me, w.case_no, "不再经营");
  n_->exchange->Pump();
  n_->exchange->Pump();
  ASSERT_EQ(a.cases.ForStaff(a.clerk, w.case_no).state, CaseState::kWithdrawn);
  const auto gone = a.cases.DeadlinesOf(a.cases.ForStaff(a.clerk, w.case_no));
  ASSERT_FALSE(gone.empty());
  EXPECT_EQ(gone[0].status, "ended");
  // Withdrawn after acceptance: acceptance was met; the limits of the decision end unmet.
  auto x = a.cases.Submit(me, a.App("gone-later"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, x.case_no, "accept", "", {});
  a.cases.Withdraw(me, x.case_no, "不再经营");
  n_->exchange->Pump();
  n_->exchange->Pump();
  std::map<std::string, std::string> ended;
  for (const auto& d : a.cases.DeadlinesOf(a.cases.ForStaff(a.clerk, x.case_no))) ended[d.name] = d.status;
  EXPECT_EQ(ended["受理期限"], "met");
  EXPECT_EQ(ended["承诺办结期限"], "ended");
  EXPECT_EQ(ended["法定办结期限"], "ended");
  EXPECT_EQ(ended.count("审查环节期限"), 0u);  // no step runs in a withdrawn case
}

TEST_P(Cases, AStepSignedForIsReleasedByItsHolderOrTakenBackByTheApprover) {
  Approval a(*n_);
  a.SeedInside();
  auto second = a.Staff("handler2", a.scj, {"handler"});
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("held"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});
  EXPECT_THROW(a.cases.Act(a.handler, s.case_no, Do("release")), Error);  // nobody holds it yet
  a.cases.Act(a.handler, s.case_no, Do("claim"));
  EXPECT_THROW(a.cases.Act(second, s.case_no, Do("claim")), Error);
  // Another handler cannot take it; the approver can, with reasons only.
  try {
    a.cases.Act(second, s.case_no, Do("release", "我来办"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kForbidden);
  }
  try {
    a.cases.Act(a.approver, s.case_no, Do("release", " "));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_TRUE(e.fields().count("opinion"));
  }
  EXPECT_EQ(a.cases.ForStaff(a.clerk, s.case_no).assignee_id, a.handler.principal.id);  // unchanged
  Case c = a.cases.Act(a.approver, s.case_no, Do("release", "经办人休假"));
  EXPECT_EQ(c.assignee_id, 0);
  EXPECT_EQ(c.state, CaseState::kInProgress);
  EXPECT_EQ(c.current_step, 2);
  EXPECT_EQ(c.events.back().opinion, "收回 handler姓名 签收的“审查”环节，等待重新签收。理由：经办人休假");
  EXPECT_FALSE(c.events.back().is_public);
  EXPECT_THROW(a.cases.Act(a.handler, s.case_no, Do("complete_step", "通过")), Error);  // no longer theirs
  // A colleague signs for it; the holder may also give it up without a reason.
  a.cases.Act(second, s.case_no, Do("claim"));
  c = a.cases.Act(second, s.case_no, Do("release"));
  EXPECT_EQ(c.events.back().opinion, "取消签收“审查”环节，等待重新签收");
  a.cases.Act(a.handler, s.case_no, Do("claim"));
  c = a.cases.Act(a.handler, s.case_no, Do("complete_step", "符合条件"));
  EXPECT_EQ(c.current_step, 3);
  EXPECT_EQ(n_->Count("audit_log", "action = 'case.release'"), 2);
  // Internal: the applicant's timeline shows neither.
  n_->exchange->Pump();
  for (const auto& e : a.cases.ForApplicant(me, s.case_no).events) EXPECT_NE(e.action, "release");
}

TEST_P(Cases, ARefusalIsAWrittenDecisionWithItsReasonsAndTheApplicantsRemedies) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("no"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, "refuse", "申请事项依法不属于本机关职权范围。", {});
  n_->exchange->Pump();
  auto docs = a.documents.ForCase(s.case_no);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].title, "不予受理决定书");
  EXPECT_EQ(docs[0].doc_no, s.case_no + "-B");
  const std::string text = PdfText(a.documents.Pdf(docs[0]));
  EXPECT_NE(text.find("经审查，申请事项依法不属于本机关职权范围。根据《中华人民共和国行政许可法》第三十二条第一款的规定，本机关决定不予受理。"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("六十日内依法申请行政复议"), std::string::npos) << text;
  EXPECT_NE(text.find("东河区市场监督管理局"), std::string::npos) << text;  // the issuing office
  EXPECT_NE(text.find("二〇二六年三月二日"), std::string::npos) << text;    // and the date
  EXPECT_EQ(a.cases.ForApplicant(me, s.case_no).state, CaseState::kRefused);
}

// 第三十二条第一款第（二）项: an application outside the office's powers is refused, and the
// applicant is told which authority to apply to; the grounds are checked before anything changes.
TEST_P(Cases, ARefusalOutsideTheOfficesPowersNamesTheAuthorityToApplyTo) {
  Approval a(*n_);
  a.SeedInside();
  n_->exchange->Pump();
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("elsewhere"));
  auto other = a.cases.Submit(me, a.App("benefit", "SCJ-002"));
  n_->exchange->Pump();
  auto refuse = [](const std::string& ground, const std::string& authority, const std::string& opinion = "") {
    approval::CaseAction act = Do("refuse", opinion);
    act.ground = ground;
    act.authority = authority;
    return act;
  };
  auto refused = [&](const std::string& case_no, approval::CaseAction act, const std::string& field) {
    try {
      a.cases.Act(a.clerk, case_no, act);
      FAIL() << field;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput) << e.message();
      EXPECT_TRUE(e.fields().count(field)) << e.message();
    }
  };
  refused(s.case_no, refuse("not_competent", "  "), "authority");                    // whom to apply to is required
  std::string long_name;
  for (int i = 0; i < 101; ++i) long_name += "局";
  refused(s.case_no, refuse("not_competent", long_name), "authority");  // at most 100 characters
  refused(s.case_no, refuse("other", "东河区住房和城乡建设局", "理由"), "authority");  // an authority with another ground
  refused(s.case_no, refuse("jurisdiction", ""), "ground");
  approval::CaseAction accept = Do("accept");
  accept.authority = "东河区住房和城乡建设局";  // filled in, then 予以受理 chosen: a contradiction
  refused(s.case_no, accept, "authority");
  // 依法不需要取得行政许可 is for licences only.
  n_->Exec("UPDATE items SET kind = 'payment' WHERE code = 'SCJ-002'");
  refused(other.case_no, refuse("not_required", ""), "ground");
  EXPECT_EQ(a.cases.ForStaff(a.clerk, s.case_no).state, CaseState::kReceived);  // nothing changed
  EXPECT_EQ(n_->Count("audit_log", "action = 'case.refuse'"), 0);

  Case c = a.cases.Act(a.clerk, s.case_no, refuse("not_competent", " 东河区住房和城乡建设局 "));
  EXPECT_EQ(c.state, CaseState::kRefused);
  EXPECT_NE(c.events.back().opinion.find("理由：申请事项依法不属于本机关职权范围，请向东河区住房和城乡建设局申请。"), std::string::npos)
      << c.events.back().opinion;
  auto docs = a.documents.ForCase(s.case_no);
  ASSERT_EQ(docs.size(), 1u);
  const std::string text = PdfText(a.documents.Pdf(docs[0]));
  EXPECT_NE(text.find("第三十二条第一款第（二）项的规定，本机关决定不予受理。请向东河区住房和城乡建设局提出申请。"), std::string::npos) << text;
  EXPECT_TRUE(a.documents.Verify(docs[0].doc_no).signature_valid);
  n_->exchange->Pump();
  EXPECT_NE(a.cases.ForApplicant(me, s.case_no).events.back().opinion.find("请向东河区住房和城乡建设局申请"), std::string::npos);
  // The other kind: refused for other reasons, without 行政许可法.
  c = a.cases.Act(a.clerk, other.case_no, refuse("", "", "申请人不具备主体资格"));
  const std::string other_text = PdfText(a.documents.Pdf(a.documents.ForCase(other.case_no).at(0)));
  EXPECT_NE(other_text.find("经审查，申请人不具备主体资格。本机关决定不予受理。"), std::string::npos) << other_text;
}

// 拟办意见: each handling step proposes; the 审批人 sees the proposals, and a decision against one
// states its reasons.
TEST_P(Cases, AStepsProposalIsRecordedAndADecisionAgainstItGivesItsReasons) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("proposal"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});
  a.cases.Act(a.handler, s.case_no, Do("claim"));
  approval::CaseAction step = Do("complete_step", "经营场所与申请材料不符");
  step.proposal = "refuse";
  EXPECT_THROW(a.cases.Act(a.handler, s.case_no, step), Error);  // approve | deny only
  approval::CaseAction claim = Do("claim");
  claim.proposal = "deny";
  EXPECT_THROW(a.cases.Act(a.approver, s.case_no, claim), Error);  // only when completing a step
  step.proposal = "deny";
  Case c = a.cases.Act(a.handler, s.case_no, step);
  EXPECT_EQ(c.events.back().opinion, "完成“审查”环节，拟不予许可。意见：经营场所与申请材料不符");
  EXPECT_EQ(c.events.back().proposal, "deny");
  EXPECT_EQ(approval::CaseJson(c, true)["events"].back()["proposal_label"], "拟不予许可");
  auto proposals = approval::StepProposals(a.cases.ForStaff(a.approver, s.case_no));
  ASSERT_EQ(proposals.size(), 1u);
  EXPECT_EQ(proposals[0].step_name, "审查");
  EXPECT_EQ(proposals[0].proposal, "deny");
  EXPECT_EQ(proposals[0].opinion, "经营场所与申请材料不符");
  // The applicant and the public see that the step was done, not its proposal or opinion
  // (过程性信息, 政府信息公开条例第十六条第二款).
  n_->exchange->Pump();
  for (const Case& outside : {a.cases.ForApplicant(me, s.case_no), a.cases.PublicStatus(s.case_no, s.query_code)}) {
    ASSERT_EQ(outside.events.back().action, "complete_step");
    EXPECT_EQ(outside.events.back().opinion, "完成“审查”环节");
    EXPECT_EQ(outside.events.back().proposal, "");
  }
  a.cases.Act(a.approver, s.case_no, Do("claim"));
  try {
    a.cases.Act(a.approver, s.case_no, Do("decide", "", "approve"));  // against 拟不予许可, without a word
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_TRUE(e.fields().count("opinion"));
    EXPECT_NE(e.message().find("“审查”环节的拟办意见（拟不予许可）"), std::string::npos) << e.message();
  }
  EXPECT_EQ(a.cases.ForStaff(a.approver, s.case_no).state, CaseState::kInProgress);
  c = a.cases.Act(a.approver, s.case_no, Do("decide", "现场核查确认经营场所已按申请材料整改", "approve"));
  EXPECT_EQ(c.state, CaseState::kDecided);
}

TEST_P(Cases, ALicenceWithATermIsCertifiedUntilItsLastDay) {
  Approval a(*n_);
  a.SeedInside();
  approval::Item termed = a.catalogue.Latest("SCJ-001");
  termed.valid_years = 5;  // 食品经营许可证: five years
  a.catalogue.PublishAll(identity::Context::System("测试"), {termed});
  n_->exchange->Pump();
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("termed"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});
  Decide(a, s.case_no);
  a.cases.Act(a.clerk, s.case_no, Do("conclude"));  // 2026-03-02
  auto docs = a.documents.ForCase(s.case_no);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[2].payload.value("valid_until", ""), "2031-03-01");  // certified with the rest
  const std::string text = PdfText(a.documents.Pdf(docs[2]));
  EXPECT_NE(text.find("至 2031-03-01"), std::string::npos) << text;
  EXPECT_EQ(text.find("长期"), std::string::npos) << text;
  EXPECT_TRUE(a.documents.Verify(docs[2].doc_no).signature_valid);
  EXPECT_EQ(docs[1].payload.count("valid_until"), 0u);  // the decision has no term
  // A term the catalogue does not state is not printed (not 长期 either); 长期 when it says so.
  for (const int years : {0, approval::Item::kPermanent}) {
    approval::Item item = a.catalogue.Latest("SCJ-001");
    item.valid_years = years;
    a.catalogue.PublishAll(identity::Context::System("测试"), {item});
    n_->exchange->Pump();
    auto t = a.cases.Submit(me, a.App("term" + std::to_string(years)));
    n_->exchange->Pump();
    a.cases.Act(a.clerk, t.case_no, "accept", "", {});
    Decide(a, t.case_no);
    a.cases.Act(a.clerk, t.case_no, Do("conclude"));
    const auto issued = a.documents.ForCase(t.case_no);
    ASSERT_EQ(issued.size(), 3u);
    const std::string cert = PdfText(a.documents.Pdf(issued[2]));
    if (years == 0) {
      EXPECT_EQ(cert.find("有效期限"), std::string::npos) << cert;
      EXPECT_EQ(issued[2].payload.count("valid_until"), 0u);
    } else {
      EXPECT_NE(cert.find("长期"), std::string::npos) << cert;
      EXPECT_EQ(issued[2].payload.value("valid_until", ""), "长期");
    }
  }
}

TEST_P(Cases, ALicenceWhoseItemFixesNoTermCarriesTheTermTheApproverSets) {
  // A 变更 keeps the original licence's term: the catalogue cannot state it, the 审批人 reads it
  // off the original among the materials and sets it with the grant.
  Approval a(*n_);
  a.SeedInside();
  approval::Item item = a.catalogue.Latest("SCJ-001");
  item.valid_years = 0;
  a.catalogue.PublishAll(identity::Context::System("测试"), {item});
  n_->exchange->Pump();
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("change"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, s.case_no, "accept", "", {});
  a.cases.Act(a.handler, s.case_no, Do("claim"));
  a.cases.Act(a.handler, s.case_no, Do("complete_step", "符合条件"));
  a.cases.Act(a.approver, s.case_no, Do("claim"));
  const int revision = a.cases.ForStaff(a.approver, s.case_no).revision;
  // Today is 2026-03-02. Each bad term is refused on its field and changes nothing.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"2029-02-30", "approve"}, {"2029/06/30", "approve"}, {"明年六月", "approve"}, {"2026-03-02", "approve"},
      {"2076-03-02", "approve"},  // more than 50 years
      {"2029-06-30", "deny"}};    // a term only with a grant
  for (const auto& [term, decision] : bad) {
    approval::CaseAction d = Do("decide", decision == "deny" ? "不符合条件" : "同意", decision);
    d.valid_until = term;
    try {
      a.cases.Act(a.approver, s.case_no, d);
      ADD_FAILURE() << term << " " << decision;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput) << term;
      EXPECT_TRUE(e.fields().count("valid_until")) << term << ": " << e.message();
    }
    const approval::Case unchanged = a.cases.ForStaff(a.approver, s.case_no);
    EXPECT_EQ(unchanged.state, CaseState::kInProgress) << term;
    EXPECT_EQ(unchanged.revision, revision) << term;
    EXPECT_EQ(unchanged.licence_valid_until, "") << term;
  }
  EXPECT_EQ(a.documents.ForCase(s.case_no).size(), 1u);  // the 受理通知书 only
  approval::CaseAction d = Do("decide", "同意", "approve");
  d.valid_until = "2029-06-30";
  approval::Case c = a.cases.Act(a.approver, s.case_no, d);
  EXPECT_EQ(c.state, CaseState::kDecided);
  EXPECT_EQ(a.cases.ForStaff(a.approver, s.case_no).licence_valid_until, "2029-06-30");
  EXPECT_NE(c.events.back().opinion.find("证照有效期至 2029-06-30"), std::string::npos) << c.events.back().opinion;
  a.cases.Act(a.clerk, s.case_no, Do("conclude"));
  const auto docs = a.documents.ForCase(s.case_no);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[2].payload.value("valid_until", ""), "2029-06-30");
  const std::string text = PdfText(a.documents.Pdf(docs[2]));
  EXPECT_NE(text.find("至 2029-06-30"), std::string::npos) << text;
  EXPECT_TRUE(a.documents.Verify(docs[2].doc_no).signature_valid);

  // An item that fixes the term keeps it: the approver cannot set another.
  item.valid_years = 5;
  a.catalogue.PublishAll(identity::Context::System("测试"), {item});
  n_->exchange->Pump();
  auto t = a.cases.Submit(me, a.App("termed"));
  n_->exchange->Pump();
  a.cases.Act(a.clerk, t.case_no, "accept", "", {});
  a.cases.Act(a.handler, t.case_no, Do("claim"));
  a.cases.Act(a.handler, t.case_no, Do("complete_step", "符合条件"));
  a.cases.Act(a.approver, t.case_no, Do("claim"));
  try {
    a.cases.Act(a.approver, t.case_no, d);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("由事项目录规定（5 年）"), std::string::npos) << e.message();
  }
  EXPECT_EQ(a.cases.ForStaff(a.approver, t.case_no).state, CaseState::kInProgress);
}

TEST_P(Cases, ALongCorrectionNoticeRunsOnToAnotherPageWithTheSealAfterIt) {
  Approval a(*n_);
  a.SeedInside();
  auto me = a.Citizen();
  auto s = a.cases.Submit(me, a.App("long"));
  n_->exchange->Pump();
  std::vector<std::string> missing;
  for (int i = 1; i <= 30; ++i) {
    missing.push_back("第" + std::to_string(i) + "项：营业执照复印件的经营范围与申请的食品经营项目不一致，请提供变更后的营业执照复印件并加盖公章");
  }
  // Bounded: an opinion over 1000 characters, an item over 200, more than 50 items.
  std::string long_note;
  for (int i = 0; i < 1001; ++i) long_note += "字";
  EXPECT_THROW(a.cases.Act(a.clerk, s.case_no, "request_correction", long_note, missing), Error);
  std::vector<std::string> too_many(51, "缺少委托书");
  EXPECT_THROW(a.cases.Act(a.clerk, s.case_no, "request_correction", "", too_many), Error);
  EXPECT_EQ(a.cases.ForStaff(a.clerk, s.case_no).state, CaseState::kReceived);
  a.cases.Act(a.clerk, s.case_no, "request_correction", "请一并提交", missing);
  auto docs = a.documents.ForCase(s.case_no);
  ASSERT_EQ(docs.size(), 1u);
  const std::string text = PdfText(a.documents.Pdf(docs[0]));
  EXPECT_NE(text.find(s.case_no + "-G（续）"), std::string::npos) << "a second page, marked";
  const auto last_item = text.find("第30项");
  ASSERT_NE(last_item, std::string::npos) << "every item is printed";
  // The issuer and date (with the seal) come after the whole body, not over it.
  EXPECT_GT(text.rfind("二〇二六年三月二日"), last_item) << text;
  EXPECT_GT(text.rfind("请于 2026-03-23 前"), last_item);
  EXPECT_TRUE(a.documents.Verify(docs[0].doc_no).signature_valid);
}

YIWANG_BACKENDS(Cases);

}  // namespace
}  // namespace yiwang::testing
