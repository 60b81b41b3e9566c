// Working-day arithmetic on the official 2025 and 2026 schedules (行政许可法 第八十二条;
// start day not counted, 民法典 第二百零一条). Expected dates worked out by hand from the
// State Council notices, one comment per case.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "calendar/calendar.hpp"
#include "core/error.hpp"

namespace yiwang::calendar {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Calendar Official() {
  std::vector<SpecialDay> days;
  for (const char* f : {YIWANG_SOURCE_DIR "/data/calendar/cn-2025.csv", YIWANG_SOURCE_DIR "/data/calendar/cn-2026.csv"}) {
    auto part = ParseCsv(ReadFile(f));
    EXPECT_FALSE(part.empty()) << f;
    days.insert(days.end(), part.begin(), part.end());
  }
  return Calendar(days, {2025, 2026});
}

struct Case {
  const char* start;
  int n;
  const char* due;
  const char* why;
};

TEST(Calendar, DueDatesOnTheOfficialCalendars) {
  const Calendar cal = Official();
  const Case cases[] = {
      {"2026-01-05", 1, "2026-01-06", "an ordinary Monday: the next day"},
      {"2026-01-09", 1, "2026-01-12", "Friday: the weekend is skipped"},
      {"2026-02-13", 1, "2026-02-14", "Saturday 2026-02-14 is a 调休 working day before the Spring Festival"},
      {"2026-02-13", 2, "2026-02-24", "then 02-15..02-23 are the Spring Festival holiday"},
      {"2025-12-31", 1, "2026-01-04", "year boundary: 01-01..01-03 holiday, Sunday 01-04 is a make-up working day"},
      {"2025-09-30", 1, "2025-10-09", "National Day 10-01..10-08 (2025)"},
      {"2025-09-26", 1, "2025-09-28", "Saturday 09-27 off, Sunday 09-28 a make-up working day"},
      {"2026-04-03", 1, "2026-04-07", "the naive end falls in 清明 (04-04..04-06): moves past the holiday"},
      {"2026-01-05", 20, "2026-02-02", "20 days (行政许可法 第四十二条): 4+5+5+5 in January, then Monday 02-02"},
      {"2026-09-18", 5, "2026-09-24", "Sunday 09-20 is a make-up working day"},
      {"2026-09-30", 1, "2026-10-08", "National Day 10-01..10-07 (2026)"},
      {"2026-10-09", 1, "2026-10-10", "Saturday 10-10 is a make-up working day"},
      {"2026-06-18", 1, "2026-06-22", "端午 06-19..06-21"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FormatDate(cal.Due(ParseDate(c.start), c.n).due), c.due) << c.start << " + " << c.n << ": " << c.why;
  }
}

TEST(Calendar, SuspensionStopsTheClock) {
  const Calendar cal = Official();
  // 行政许可法 第四十五条: 01-07..01-08 expert review is not counted.
  DueResult r = cal.Due(ParseDate("2026-01-05"), 5, {{ParseDate("2026-01-07"), ParseDate("2026-01-08"), "专家评审"}});
  EXPECT_EQ(FormatDate(r.due), "2026-01-14");
  EXPECT_EQ(r.days[1].reason, "中止计时（专家评审）");
  EXPECT_FALSE(r.days[1].counted);
}

TEST(Calendar, RefusesAYearThatIsNotLoaded) {
  const Calendar cal = Official();
  try {
    cal.Due(ParseDate("2026-12-30"), 5);
    FAIL() << "guessed a 2027 calendar";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("2027 年的节假日安排尚未导入"), std::string::npos);
  }
}

TEST(Calendar, ExplainsEveryDay) {
  const Calendar cal = Official();
  DueResult r = cal.Due(ParseDate("2026-02-13"), 2);
  std::string text = Explain(r, ParseDate("2026-02-13"), 2);
  EXPECT_NE(text.find("2026-02-14 周六  计入第 1 日（春节调休上班）"), std::string::npos) << text;
  EXPECT_NE(text.find("2026-02-16 周一  不计入（春节）"), std::string::npos) << text;
  EXPECT_NE(text.find("到期日 2026-02-24（周二）"), std::string::npos) << text;
  EXPECT_EQ(cal.WorkingDaysBetween(ParseDate("2026-02-13"), ParseDate("2026-02-24")), 2);
}

TEST(Calendar, BadInputIsRefused) {
  EXPECT_THROW(ParseDate("2026-02-30"), Error);
  EXPECT_THROW(ParseDate("26-1-1"), Error);
  EXPECT_THROW(ParseCsv("date,kind,name\n2026-01-01,party,x\n"), Error);
  EXPECT_THROW(ParseCsv("2026-13-01,holiday,x\n"), Error);
  EXPECT_THROW(Official().Due(ParseDate("2026-01-05"), 0), Error);
}

}  // namespace
}  // namespace yiwang::calendar
