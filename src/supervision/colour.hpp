#pragma once
// The colour arithmetic of electronic supervision (when a clock turns yellow and red) and the
// words of its reminders (a record's page, the daily digest).
// Pure functions (no database), unit-tested on the official calendars.
#include <string>
#include <vector>

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

/// The page of a watched record in the workbench ("" when its module has none).
std::string SubjectHref(const std::string& source, const std::string& subject);

/// A clock that turned yellow at a tick, as its reminder names it.
struct Warned {
  std::string source, subject, label, due_on;  // label: "受理期限", "“审查”环节期限", …
  std::string mobile;                          // the person's mobile ("" for a unit or none on file)
};
/// The reminder one person or unit gets for every clock of theirs that turned yellow at one
/// tick (in practice, a day): one message and one text message, however many cases.
struct Digest {
  std::string title, body, link, sms;
};
/// One case (one clock, or its total and its step together): the case is named in the title and
/// linked. Several cases: counted in the title, listed one line per case by due date (at most
/// kDigestLines lines, then how many more), linked to the task list (the person's own, sorted
/// most urgent first, or the unit's for a unit).
Digest ReminderDigest(std::vector<Warned> list, bool to_unit);
inline constexpr std::size_t kDigestLines = 30;

std::string ColourLabel(const std::string& colour);    // 绿灯/黄灯/红灯
std::string AlertStateLabel(const std::string& state);  // 待处理/已督办/已答复/已办结
std::string SeverityLabel(const std::string& severity);

}  // namespace yiwang::supervision
