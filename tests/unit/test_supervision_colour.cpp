// When a supervised clock turns yellow and red, on the official 2026 calendar (domain-rules:
// a reminder 1 working day before a limit; a card when it passes). Expected dates worked out
// by hand from the State Council notice, one comment per case.
#include <gtest/gtest.h>

#include "official_calendar.hpp"

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

}  // namespace
}  // namespace yiwang::supervision
