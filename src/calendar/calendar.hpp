#pragma once
// The official working-day calendar (行政许可法 第八十二条: periods are counted in working
// days, excluding statutory holidays). Data, not code: each year's State Council schedule is
// imported by an administrator (`yiwang calendar import cn-YYYY.csv`); a date in a year that
// has not been imported is refused rather than guessed.
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace yiwang::calendar {

using Date = std::chrono::sys_days;

Date ParseDate(const std::string& yyyy_mm_dd);  // throws yiwang::Error(kInvalidInput)
std::string FormatDate(Date d);
std::string WeekdayName(Date d);  // "周一" ... "周日"

enum class DayKind { kHoliday, kWorkday };

struct SpecialDay {
  Date date;
  DayKind kind;
  std::string name;  // 春节, 春节调休上班 ...
};

/// Parses the CSV format of shared/data/calendar (comment lines start with '#', header
/// "date,kind,name", kind = holiday | workday). Throws with the line number on bad input.
std::vector<SpecialDay> ParseCsv(const std::string& text);

/// One explained day of a period computation.
struct CountedDay {
  Date date;
  bool counted = false;
  std::string reason;  // "工作日", "周六", "春节", "春节调休上班", "中止计时（听证）" ...
};

/// A span during which the clock does not run (行政许可法 第四十五条: hearing, testing,
/// expert review ... are not counted). Both ends inclusive.
struct Suspension {
  Date from;
  Date to;
  std::string reason;
};

struct DueResult {
  Date due;
  std::vector<CountedDay> days;  // every day after start up to and including due
};

class Calendar {
 public:
  Calendar() = default;
  /// years: the years whose schedule is loaded (a year may have no special days listed).
  Calendar(std::vector<SpecialDay> days, std::set<int> years);

  bool IsLoaded(int year) const { return years_.count(year) > 0; }
  const std::set<int>& years() const { return years_; }
  /// Throws kInvalidInput naming the year when its schedule is not loaded.
  bool IsWorkday(Date d) const;
  /// Reason a day is or is not a working day ("工作日", "周日", "国庆节", "春节调休上班").
  std::string Describe(Date d) const;

  /// The date `n` working days after `start`. The start day itself is not counted
  /// (民法典 第二百零一条: a period in days begins the next day). Suspended days are skipped.
  /// n must be ≥ 1.
  DueResult Due(Date start, int n, const std::vector<Suspension>& suspensions = {}) const;
  /// Working days strictly after `from` up to and including `to` (0 if to <= from).
  int WorkingDaysBetween(Date from, Date to, const std::vector<Suspension>& suspensions = {}) const;

 private:
  std::map<Date, SpecialDay> special_;
  std::set<int> years_;
};

/// Human-readable explanation, one line per day ("2026-02-14 周六 计入 春节调休上班").
std::string Explain(const DueResult& r, Date start, int n);

}  // namespace yiwang::calendar
