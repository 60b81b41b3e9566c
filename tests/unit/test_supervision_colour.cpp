// When a supervised clock turns yellow and red, on the official 2026 calendar (domain-rules:
// a reminder 1 working day before a limit; a card when it passes). Expected dates worked out
// by hand from the State Council notice, one comment per case.
#include <gtest/gtest.h>

#include "official_calendar.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "supervision/colour.hpp"

namespace yiwang::supervision {
namespace {

calendar::Calendar Official() { return testing::OfficialCalendar(); }

std::string Warn(const calendar::Calendar& cal, const char* due, int n) {
  return calendar::FormatDate(WarnOn(cal, calendar::ParseDate(due), n));
}

TEST(SupervisionColour, YellowStartsOneWorkingDayBeforeTheLimit) {
  const auto cal = Official();
  // Due Tue 2026-02-24, the first working day after 春节 (02-15..02-23 off): the working day
  // before is the 调休 Saturday 02-14.
  EXPECT_EQ(Warn(cal, "2026-02-24", 1), "2026-02-14");
  // Two working days before: 02-14 (Sat, 调休) and Fri 02-13.
  EXPECT_EQ(Warn(cal, "2026-02-24", 2), "2026-02-13");
  // Due Thu 2026-10-08 after 国庆 (10-01..10-07 off): Wed 09-30.
  EXPECT_EQ(Warn(cal, "2026-10-08", 1), "2026-09-30");
  // Due Mon 2026-10-12: Sun 10-11 off, Sat 10-10 is 国庆节调休上班.
  EXPECT_EQ(Warn(cal, "2026-10-12", 1), "2026-10-10");
  // Due Mon 2026-05-11: Sat 05-09 is 劳动节调休上班.
  EXPECT_EQ(Warn(cal, "2026-05-11", 1), "2026-05-09");
  // An ordinary week: due Wed 2026-03-18 → Tue 03-17; 0 days = yellow only on the due day.
  EXPECT_EQ(Warn(cal, "2026-03-18", 1), "2026-03-17");
  EXPECT_EQ(Warn(cal, "2026-03-18", 0), "2026-03-18");
  // Across New Year: due Mon 2026-01-05; 01-04 (Sun) is 元旦调休上班.
  EXPECT_EQ(Warn(cal, "2026-01-05", 1), "2026-01-04");
}

TEST(SupervisionColour, AYearNotImportedFallsBackToMondayToFriday) {
  const auto cal = Official();
  // 2027 not loaded: Tue 2027-01-05 → Mon 01-04; Mon 01-04 → Fri 2027-01-01.
  EXPECT_EQ(Warn(cal, "2027-01-05", 1), "2027-01-04");
  EXPECT_EQ(Warn(cal, "2027-01-04", 1), "2027-01-01");
}

TEST(SupervisionColour, ColourAndNextCheck) {
  // warn 2026-02-14, due 2026-02-24
  EXPECT_EQ(ColourOn("2026-02-13", "2026-02-14", "2026-02-24"), "green");
  EXPECT_EQ(ColourOn("2026-02-14", "2026-02-14", "2026-02-24"), "yellow");
  EXPECT_EQ(ColourOn("2026-02-20", "2026-02-14", "2026-02-24"), "yellow");  // holidays stay yellow
  EXPECT_EQ(ColourOn("2026-02-24", "2026-02-14", "2026-02-24"), "yellow");  // the due day is in time
  EXPECT_EQ(ColourOn("2026-02-25", "2026-02-14", "2026-02-24"), "red");
  EXPECT_EQ(NextCheck("green", "2026-02-14", "2026-02-24"), "2026-02-14");
  EXPECT_EQ(NextCheck("yellow", "2026-02-14", "2026-02-24"), "2026-02-25");
  EXPECT_EQ(NextCheck("red", "2026-02-14", "2026-02-24"), kNever);
  // A date string compares as a date only in YYYY-MM-DD; the never-date sorts after any.
  EXPECT_LT(std::string("2099-12-31"), std::string(kNever));
}

TEST(SupervisionColour, WorkingDaysAfterSkipsHolidaysAndCountsMakeUpDays) {
  const auto cal = Official();
  // From Wed 2026-09-30: 10-01..07 off, Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 调休 (3).
  EXPECT_EQ(WorkingDaysAfter(cal, "2026-09-30", 3), "2026-10-10");
  // From Fri 2026-02-13: Sat 02-14 调休 (1), then 02-24 (2), 02-25 (3).
  EXPECT_EQ(WorkingDaysAfter(cal, "2026-02-13", 3), "2026-02-25");
}

TEST(SupervisionColour, OneReminderNamesTheCaseAndLinksToIt) {
  const Digest d = ReminderDigest({{"approval", "DH20260213000001", "受理期限", "2026-02-14", "13700000000"}}, false);
  EXPECT_EQ(d.title, "期限即将届满：DH20260213000001");
  EXPECT_EQ(d.body, "【电子监察提醒】DH20260213000001 受理期限将于 2026-02-14 届满，请抓紧办理。");
  EXPECT_EQ(d.sms, d.body);
  EXPECT_EQ(d.link, "/cases/DH20260213000001");
  EXPECT_EQ(ReminderDigest({{"complaints", "TS1", "办理期限", "2026-02-14", ""}}, true).link,
            "/supervision/complaints/TS1");
}

TEST(SupervisionColour, ManyRemindersBecomeOneDigestByDueDate) {
  std::vector<Warned> list = {{"approval", "DH3", "“审查”环节期限", "2026-03-05", ""},
                              {"approval", "DH1", "受理期限", "2026-03-04", ""},
                              {"approval", "DH2", "办理期限", "2026-03-04", ""}};
  const Digest d = ReminderDigest(list, true);
  EXPECT_EQ(d.title, "期限即将届满：3 件");
  EXPECT_EQ(d.body,
            "【电子监察提醒】以下 3 件的期限即将届满，请抓紧办理（按届满日期排列）：\n"
            "DH1 受理期限将于 2026-03-04 届满\nDH2 办理期限将于 2026-03-04 届满\nDH3 “审查”环节期限将于 2026-03-05 届满");
  EXPECT_EQ(d.link, "/cases?state=all");  // a unit's digest opens the unit's list
  EXPECT_EQ(d.sms, "【电子监察提醒】本单位有 3 件办理期限即将届满，最早于 2026-03-04 届满，请登录系统查看。");
  EXPECT_EQ(ReminderDigest(list, false).link, "/cases");  // a person's, their own tasks
  EXPECT_EQ(ReminderDigest(list, false).sms.find("您有 3 件"), std::string("【电子监察提醒】").size());
  // Cases and complaints together: no single list holds both, so no link; the body names them.
  list.push_back({"complaints", "TS9", "办理期限", "2026-03-06", ""});
  EXPECT_EQ(ReminderDigest(list, false).link, "");
  EXPECT_EQ(ReminderDigest({}, false).title, "");
}

TEST(SupervisionColour, ACasesTotalAndStepTogetherAreOneCase) {
  // The last step's limit is the total's: both clocks turn yellow at the same tick.
  std::vector<Warned> one = {{"approval", "DH1", "承诺办结期限", "2026-03-05", ""},
                             {"approval", "DH1", "“决定”环节期限", "2026-03-04", ""}};
  Digest d = ReminderDigest(one, false);
  EXPECT_EQ(d.title, "期限即将届满：DH1");
  EXPECT_EQ(d.body, "【电子监察提醒】DH1 “决定”环节期限将于 2026-03-04 届满；承诺办结期限将于 2026-03-05 届满，请抓紧办理。");
  EXPECT_EQ(d.link, "/cases/DH1");
  one.push_back({"approval", "DH2", "受理期限", "2026-03-05", ""});
  d = ReminderDigest(one, false);
  EXPECT_EQ(d.title, "期限即将届满：2 件");
  EXPECT_EQ(d.sms, "【电子监察提醒】您有 2 件办理期限即将届满，最早于 2026-03-04 届满，请登录系统查看。");
  EXPECT_EQ(std::count(d.body.begin(), d.body.end(), '\n'), 2);  // one line a case
  EXPECT_NE(d.body.find("\nDH1 “决定”环节期限将于 2026-03-04 届满；承诺办结期限将于 2026-03-05 届满\nDH2 受理期限"),
            std::string::npos);
}

TEST(SupervisionColour, ALongDigestListsTheFirstThirtyAndCountsTheRest) {
  std::vector<Warned> list;
  for (int i = 0; i < 45; ++i) {
    list.push_back({"approval", "DH" + std::to_string(100 + i), "受理期限", i < 40 ? "2026-03-05" : "2026-03-04", ""});
  }
  const Digest d = ReminderDigest(list, false);
  EXPECT_EQ(d.title, "期限即将届满：45 件");
  EXPECT_EQ(std::count(d.body.begin(), d.body.end(), '\n'), 31);  // 30 lines and the remainder
  EXPECT_NE(d.body.find("\nDH140 受理期限将于 2026-03-04 届满"), std::string::npos) << "earliest first";
  EXPECT_NE(d.body.find("……另有 15 件，见办件列表。"), std::string::npos);
  EXPECT_EQ(d.body.find("DH139"), std::string::npos);  // beyond the 30 shown
}

}  // namespace
}  // namespace yiwang::supervision
