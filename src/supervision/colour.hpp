#pragma once
// The colour arithmetic of electronic supervision: when a clock turns yellow and red.
// Pure functions (no database), unit-tested on the official calendars.
#include <string>

#include "calendar/calendar.hpp"

namespace yiwang::supervision {

/// A working day on the calendar; a year whose calendar is not loaded counts Monday–Friday
/// (the monitor must not stop because next year's notice is not out yet).
bool IsWorkingDay(const calendar::Calendar& cal, calendar::Date d);
/// The date n working days after `from` (the start day not counted), on IsWorkingDay.
std::string WorkingDaysAfter(const calendar::Calendar& cal, const std::string& from, int n);
/// The first day a clock due on `due` is yellow: the working day `n` working days before it
/// (domain-rules: a reminder 1 working day before a limit). Days of a year whose calendar
/// is not loaded fall back to Monday–Friday.
calendar::Date WarnOn(const calendar::Calendar& cal, calendar::Date due, int n);
/// green before warn_on, yellow from warn_on through due, red from the day after due.
std::string ColourOn(const std::string& today, const std::string& warn_on, const std::string& due_on);
/// The day the colour may next change: warn_on while green, the day after due while
/// yellow, never ("9999-12-31") once red.
std::string NextCheck(const std::string& colour, const std::string& warn_on, const std::string& due_on);
inline constexpr const char* kNever = "9999-12-31";

std::string ColourLabel(const std::string& colour);    // 绿灯/黄灯/红灯
std::string AlertStateLabel(const std::string& state);  // 待处理/已督办/已答复/已办结
std::string SeverityLabel(const std::string& severity);

}  // namespace yiwang::supervision
