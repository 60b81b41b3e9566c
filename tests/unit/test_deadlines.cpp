// Case deadlines on the official 2026 calendar: Art. 32 acceptance and deemed acceptance,
// restart after 补正, Art. 42 decision with one extension, Art. 45 suspension, Art. 44
// certificate. Dates worked out by hand.
#include <gtest/gtest.h>

#include "official_calendar.hpp"

#include <fstream>
#include <sstream>

#include "approval/deadlines.hpp"
#include "approval/model.hpp"
#include "core/error.hpp"

namespace yiwang::approval {
namespace {

using calendar::FormatDate;
using calendar::ParseDate;

calendar::Calendar Official() { return testing::OfficialCalendar(); }

TEST(Deadlines, AcceptanceIsFiveWorkingDaysAfterReceipt) {
  const auto cal = Official();
  // Received Thursday 2026-09-24: 09-25..27 中秋 off, 28, 29, 30 count, 10-01..07 国庆 off, 10-08 (4), 10-09 (5).
  Deadline d = AcceptanceDeadline(cal, {}, ParseDate("2026-09-24"));
  EXPECT_EQ(FormatDate(d.result.due), "2026-10-09");
  EXPECT_EQ(d.basis, "行政许可法第三十二条");
}

TEST(Deadlines, CorrectionsRestartTheAcceptanceClock) {
  const auto cal = Official();
  // Received 2026-03-02 (Mon); complete corrections arrive 2026-03-10 (Tue): 11,12,13,16,17 → 03-17.
  Deadline d = AcceptanceDeadline(cal, {}, ParseDate("2026-03-02"), ParseDate("2026-03-10"));
  EXPECT_EQ(FormatDate(d.result.due), "2026-03-17");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_NE(d.notes[0].find("重新起算"), std::string::npos);
}

TEST(Deadlines, SilenceCountsAsAcceptanceOnTheDayOfReceipt) {
  const auto cal = Official();
  const auto received = ParseDate("2026-03-02");  // due 2026-03-09 (Mon)
  EXPECT_FALSE(DeemedAcceptance(cal, {}, received, false, ParseDate("2026-03-09")));  // still in time
  auto deemed = DeemedAcceptance(cal, {}, received, false, ParseDate("2026-03-10"));
  ASSERT_TRUE(deemed);
  EXPECT_EQ(FormatDate(*deemed), "2026-03-02");
  EXPECT_FALSE(DeemedAcceptance(cal, {}, received, true, ParseDate("2026-04-01")));  // answered in time
}

TEST(Deadlines, DecisionWithSuspensionAndOneExtension) {
  const auto cal = Official();
  const auto accepted = ParseDate("2026-04-01");  // Wed
  // 20 days: 04-02, 03 (2), 04-04..06 清明 off, 07-10 (6), 13-17 (11), 20-24 (16), 27-30 (20) → 04-30.
  EXPECT_EQ(FormatDate(DecisionDeadline(cal, {}, "法定办结期限", accepted, 20, {}).result.due), "2026-04-30");
  // Expert review 04-13..04-14 is not counted (Art. 45): two more days → 05-07 (05-01..05 off).
  std::vector<calendar::Suspension> s = {{ParseDate("2026-04-13"), ParseDate("2026-04-14"), "专家评审"}};
  Deadline suspended = DecisionDeadline(cal, {}, "法定办结期限", accepted, 20, s);
  EXPECT_EQ(FormatDate(suspended.result.due), "2026-05-07");
  EXPECT_NE(suspended.notes[0].find("第四十五条"), std::string::npos);
  // Extended by 10 (Art. 42): 05-08 (1), Saturday 05-09 is a 调休 working day (2), 11-15 (7),
  // 18-20 (10) → 05-20.
  Deadline extended = DecisionDeadline(cal, {}, "法定办结期限", accepted, 20, s, 10);
  EXPECT_EQ(FormatDate(extended.result.due), "2026-05-20");
  EXPECT_THROW(DecisionDeadline(cal, {}, "法定办结期限", accepted, 20, s, 11), Error);
}

TEST(Deadlines, ExtensionOnlyOnceWithReasons) {
  LegalPeriods p;
  EXPECT_NO_THROW(CheckExtension(p, 10, 0, "需现场核查的场所较多"));
  EXPECT_THROW(CheckExtension(p, 10, 1, "再次延长"), Error);
  EXPECT_THROW(CheckExtension(p, 11, 0, "超过十日"), Error);
  try {
    CheckExtension(p, 5, 0, "  ");
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(e.fields().count("reasons"));
  }
}

TEST(Deadlines, CertificateAndStepDeadlinesAndExplanation) {
  const auto cal = Official();
  // Decided 2026-12-18 (Fri): 21-25 (5), 28-31 (9), 2027 not loaded → refused, never guessed.
  EXPECT_THROW(CertificateDeadline(cal, {}, ParseDate("2026-12-18")), Error);
  // Decided 2026-06-17 (Wed): 18 (1), 19-21 端午 off, 22-26 (6), 29, 30, 07-01, 02 (10) → 07-02.
  Deadline cert = CertificateDeadline(cal, {}, ParseDate("2026-06-17"));
  EXPECT_EQ(FormatDate(cert.result.due), "2026-07-02");
  Deadline step = StepDeadline(cal, "审查", ParseDate("2026-02-13"), 2, {});
  EXPECT_EQ(FormatDate(step.result.due), "2026-02-24");
  std::string text = ExplainDeadline(step);
  EXPECT_NE(text.find("审查环节期限"), std::string::npos);
  EXPECT_NE(text.find("春节调休上班"), std::string::npos);
}

TEST(Deadlines, AStepNotesTheSpecialProceduresThatReachIntoIt) {
  const auto cal = Official();
  // Step started Monday 2026-03-02, 3 days; 检验检测 stopped 03-03 and 03-04: 05, 06, 09 → 03-09.
  const std::vector<calendar::Suspension> stops = {{ParseDate("2026-02-20"), ParseDate("2026-02-24"), "听证"},
                                                   {ParseDate("2026-03-03"), ParseDate("2026-03-04"), "检验检测"}};
  Deadline step = StepDeadline(cal, "审查", ParseDate("2026-03-02"), 3, stops);
  EXPECT_EQ(FormatDate(step.result.due), "2026-03-09");
  ASSERT_EQ(step.notes.size(), 1u) << "the hearing was over before the step began";
  EXPECT_EQ(step.notes[0], "2026-03-03 至 2026-03-04 检验检测，所需时间不计算在期限内（行政许可法第四十五条）");
  EXPECT_EQ(step.result.days[0].reason, "中止计时（检验检测）");
}

}  // namespace
}  // namespace yiwang::approval

namespace yiwang::approval {
namespace {

TEST(CertificateTerm, RunsThroughTheDayBeforeTheSameDateYearsOn) {
  EXPECT_EQ(ValidUntil("2026-03-02", 5), "2031-03-01");
  EXPECT_EQ(ValidUntil("2026-01-01", 3), "2028-12-31");
  EXPECT_EQ(ValidUntil("2028-02-29", 5), "2033-02-28");  // no 29 February in 2033: the term ends on the 28th
  EXPECT_EQ(ValidUntil("2028-02-29", 4), "2032-02-28");  // a leap year again: the day before the 29th
  EXPECT_EQ(ValidUntil("2027-03-01", 1), "2028-02-29");
}

TEST(CertificateTerm, AnApproversTermIsADateAfterTodayAndWithinFiftyYears) {
  EXPECT_EQ(LicenceTermProblem("2029-06-30", "2026-03-02"), "");
  EXPECT_EQ(LicenceTermProblem("2026-03-03", "2026-03-02"), "");  // tomorrow
  EXPECT_EQ(LicenceTermProblem("2076-03-01", "2026-03-02"), "");  // fifty years, to the day before
  EXPECT_NE(LicenceTermProblem("2076-03-02", "2026-03-02"), "");
  EXPECT_NE(LicenceTermProblem("2026-03-02", "2026-03-02"), "");  // today: already expiring
  EXPECT_NE(LicenceTermProblem("2020-01-01", "2026-03-02"), "");
  for (const char* bad : {"2029-02-30", "2029-13-01", "2029/06/30", "2029-6-30", "20290630", "长期", ""}) {
    EXPECT_EQ(LicenceTermProblem(bad, "2026-03-02"), "证照有效期至应为日期（如 2030-06-30）") << bad;
  }
}

}  // namespace
}  // namespace yiwang::approval

namespace yiwang::approval {
namespace {

// 不予受理 (行政许可法 第三十二条第一款): the ground decides the clause cited and what the applicant is told.
TEST(Refusal, EachGroundCitesItsClauseAndOutsideThePowersNamesTheAuthority) {
  Refusal r{RefusalGround::kNotCompetent, "东河区住房和城乡建设局", ""};
  EXPECT_EQ(RefusalFinding(r, true),
            "经审查，你（单位）申请的事项依法不属于本机关职权范围。根据《中华人民共和国行政许可法》第三十二条第一款第（二）项的规定，"
            "本机关决定不予受理。请向东河区住房和城乡建设局提出申请。");
  EXPECT_EQ(RefusalReason(r), "申请事项依法不属于本机关职权范围，请向东河区住房和城乡建设局申请");
  // Another kind of item cites no article of 行政许可法; the authority is still named.
  EXPECT_EQ(RefusalFinding(r, false),
            "经审查，你（单位）申请的事项依法不属于本机关职权范围。本机关决定不予受理。请向东河区住房和城乡建设局提出申请。");
  // The clerk's own words follow the finding as a sentence of their own (one full stop).
  r = {RefusalGround::kNotRequired, "", "个体工商户设立登记后即可从事该项经营。"};
  EXPECT_EQ(RefusalFinding(r, true),
            "经审查，你（单位）申请的事项依法不需要取得行政许可。个体工商户设立登记后即可从事该项经营。"
            "根据《中华人民共和国行政许可法》第三十二条第一款第（一）项的规定，本机关决定不予受理。");
  EXPECT_EQ(RefusalReason(r), "申请事项依法不需要取得行政许可；个体工商户设立登记后即可从事该项经营");
  r = {RefusalGround::kOther, "", "申请人不具备主体资格。"};
  EXPECT_EQ(RefusalFinding(r, true),
            "经审查，申请人不具备主体资格。根据《中华人民共和国行政许可法》第三十二条第一款的规定，本机关决定不予受理。");
  EXPECT_EQ(RefusalReason(r), "申请人不具备主体资格");
}

TEST(Refusal, GroundKeys) {
  EXPECT_EQ(ParseRefusalGround(""), RefusalGround::kOther);  // the API before grounds: reasons only
  EXPECT_EQ(ParseRefusalGround("other"), RefusalGround::kOther);
  EXPECT_EQ(ParseRefusalGround("not_required"), RefusalGround::kNotRequired);
  EXPECT_EQ(ParseRefusalGround("not_competent"), RefusalGround::kNotCompetent);
  try {
    ParseRefusalGround("jurisdiction");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_TRUE(e.fields().count("ground"));
  }
}

TEST(ApprovalModel, APublicTimelineNamesTheCompletedStepWithoutItsProposalOrOpinion) {
  const std::string full = "完成“现场核查”环节，拟不予许可。意见：经营场所与申请材料不符";
  const auto parts = SplitStepCompletion(full);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->first, "现场核查");
  EXPECT_EQ(parts->second, "，拟不予许可。意见：经营场所与申请材料不符");
  EXPECT_EQ(PublicOpinion("complete_step", full), "完成“现场核查”环节");
  EXPECT_EQ(PublicOpinion("complete_step", "完成“审查”环节"), "完成“审查”环节");
  EXPECT_FALSE(SplitStepCompletion("完成审查"));
  EXPECT_EQ(PublicOpinion("complete_step", "意见：不符"), "完成办理环节");  // never the raw text
  // A return says from where to where, not why (the reasons argue about the steps' opinions).
  EXPECT_EQ(PublicOpinion("return_step", "“审核”环节退回“审查”环节重新办理。理由：审查意见未写明核查结论"),
            "“审核”环节退回“审查”环节重新办理");
  // Other events are public as written: a decision's reasons, a suspension.
  EXPECT_EQ(PublicOpinion("decide", "不予许可。理由：不符合条件"), "不予许可。理由：不符合条件");
  EXPECT_EQ(PublicOpinion("suspend", "进入特别程序：检验检测。所需时间不计算在办理期限内"),
            "进入特别程序：检验检测。所需时间不计算在办理期限内");
}

}  // namespace
}  // namespace yiwang::approval
