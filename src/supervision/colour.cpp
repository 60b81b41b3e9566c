// The colour arithmetic of the monitor (pure: no database, unit-tested).
#include <chrono>

#include "supervision/colour.hpp"

namespace yiwang::supervision {

bool IsWorkingDay(const calendar::Calendar& cal, calendar::Date d) {
  const int year = static_cast<int>(std::chrono::year_month_day{d}.year());
  if (cal.IsLoaded(year)) return cal.IsWorkday(d);
  const std::chrono::weekday wd{d};
  return wd != std::chrono::Saturday && wd != std::chrono::Sunday;
}

namespace {

std::string DayAfter(const std::string& date) {
  return calendar::FormatDate(calendar::ParseDate(date) + std::chrono::days{1});
}

}  // namespace

std::string WorkingDaysAfter(const calendar::Calendar& cal, const std::string& from, int n) {
  calendar::Date d = calendar::ParseDate(from);
  for (int k = 0; k < n;) {
    d += std::chrono::days{1};
    if (IsWorkingDay(cal, d)) ++k;
  }
  return calendar::FormatDate(d);
}

calendar::Date WarnOn(const calendar::Calendar& cal, calendar::Date due, int n) {
  calendar::Date d = due;
  for (int k = 0; k < n;) {
    d -= std::chrono::days{1};
    if (IsWorkingDay(cal, d)) ++k;
  }
  return d;
}

std::string ColourOn(const std::string& today, const std::string& warn_on, const std::string& due_on) {
  if (today > due_on) return "red";
  if (today >= warn_on) return "yellow";
  return "green";
}

std::string NextCheck(const std::string& colour, const std::string& warn_on, const std::string& due_on) {
  if (colour == "green") return warn_on;
  if (colour == "yellow") return DayAfter(due_on);
  return kNever;
}

std::string ColourLabel(const std::string& colour) {
  if (colour == "green") return "绿灯";
  if (colour == "yellow") return "黄灯";
  if (colour == "red") return "红灯";
  return colour;
}

std::string AlertStateLabel(const std::string& state) {
  if (state == "open") return "待处理";
  if (state == "noticed") return "已督办";
  if (state == "answered") return "已答复";
  if (state == "closed") return "已办结";
  return state;
}

std::string SeverityLabel(const std::string& severity) {
  if (severity == "high") return "严重";
  if (severity == "medium") return "一般";
  if (severity == "low") return "提示";
  return severity;
}

}  // namespace yiwang::supervision
