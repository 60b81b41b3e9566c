#include "calendar/calendar.hpp"

#include <cstdio>
#include <sstream>

#include "core/error.hpp"
#include "core/text.hpp"

namespace yiwang::calendar {
namespace {

int YearOf(Date d) { return static_cast<int>(std::chrono::year_month_day{d}.year()); }

using core::Trim;

bool Suspended(Date d, const std::vector<Suspension>& suspensions, std::string* reason) {
  for (const auto& s : suspensions) {
    if (d >= s.from && d <= s.to) {
      if (reason) *reason = "中止计时（" + s.reason + "）";
      return true;
    }
  }
  return false;
}

}  // namespace

Date ParseDate(const std::string& text) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (text.size() == 10 && std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) == 3) {
    std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
    if (ymd.ok()) return Date{ymd};
  }
  throw Error(ErrorCode::kInvalidInput, "日期应为 YYYY-MM-DD 格式的有效日期：" + text);
}

std::string FormatDate(Date d) {
  std::chrono::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string WeekdayName(Date d) {
  static const char* kNames[] = {"周日", "周一", "周二", "周三", "周四", "周五", "周六"};
  return kNames[std::chrono::weekday{d}.c_encoding()];
}

std::vector<SpecialDay> ParseCsv(const std::string& text) {
  std::vector<SpecialDay> out;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line.rfind("date,", 0) == 0) continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, ',')) cols.push_back(Trim(col));
    if (cols.size() < 2) throw Error(ErrorCode::kInvalidInput, "节假日文件第 " + std::to_string(n) + " 行应为 日期,类型,名称");
    SpecialDay day;
    try {
      day.date = ParseDate(cols[0]);
    } catch (const Error&) {
      throw Error(ErrorCode::kInvalidInput, "节假日文件第 " + std::to_string(n) + " 行日期无效：" + cols[0]);
    }
    if (cols[1] == "holiday") day.kind = DayKind::kHoliday;
    else if (cols[1] == "workday") day.kind = DayKind::kWorkday;
    else throw Error(ErrorCode::kInvalidInput, "节假日文件第 " + std::to_string(n) + " 行类型应为 holiday 或 workday：" + cols[1]);
    day.name = cols.size() > 2 ? cols[2] : (day.kind == DayKind::kHoliday ? "节假日" : "调休上班");
    out.push_back(day);
  }
  return out;
}

Calendar::Calendar(std::vector<SpecialDay> days, std::set<int> years) : years_(std::move(years)) {
  for (auto& d : days) special_[d.date] = std::move(d);
}

bool Calendar::IsWorkday(Date d) const {
  const int y = YearOf(d);
  if (!IsLoaded(y)) {
    throw Error(ErrorCode::kInvalidInput,
                std::to_string(y) + " 年的节假日安排尚未导入，无法计算工作日（请系统管理员导入国务院办公厅公布的安排）");
  }
  auto it = special_.find(d);
  if (it != special_.end()) return it->second.kind == DayKind::kWorkday;
  const unsigned wd = std::chrono::weekday{d}.c_encoding();
  return wd != 0 && wd != 6;
}

std::string Calendar::Describe(Date d) const {
  auto it = special_.find(d);
  if (it != special_.end()) return it->second.name;
  const unsigned wd = std::chrono::weekday{d}.c_encoding();
  if (wd == 0 || wd == 6) return WeekdayName(d);
  return "工作日";
}

DueResult Calendar::Due(Date start, int n, const std::vector<Suspension>& suspensions) const {
  if (n < 1) throw Error(ErrorCode::kInvalidInput, "期限天数应为正整数");
  DueResult r;
  Date d = start;
  int counted = 0;
  // Bounded: 366 days per year of the period is far beyond any legal period.
  for (int guard = 0; counted < n && guard < 3660; ++guard) {
    d += std::chrono::days{1};
    CountedDay day;
    day.date = d;
    std::string why;
    if (Suspended(d, suspensions, &why)) {
      day.reason = why;
    } else if (IsWorkday(d)) {
      day.counted = true;
      day.reason = Describe(d);
      ++counted;
    } else {
      day.reason = Describe(d);
    }
    r.days.push_back(day);
  }
  r.due = d;
  return r;
}

int Calendar::WorkingDaysBetween(Date from, Date to, const std::vector<Suspension>& suspensions) const {
  int n = 0;
  for (Date d = from + std::chrono::days{1}; d <= to; d += std::chrono::days{1}) {
    if (!Suspended(d, suspensions, nullptr) && IsWorkday(d)) ++n;
  }
  return n;
}

std::string Explain(const DueResult& r, Date start, int n) {
  std::ostringstream out;
  out << "起算日 " << FormatDate(start) << "（" << WeekdayName(start) << "，当日不计入，民法典第二百零一条），期限 " << n
      << " 个工作日：\n";
  int k = 0;
  for (const auto& d : r.days) {
    out << "  " << FormatDate(d.date) << " " << WeekdayName(d.date) << "  ";
    if (d.counted) {
      out << "计入第 " << ++k << " 日";
      if (d.reason != "工作日") out << "（" << d.reason << "）";
    } else {
      out << "不计入（" << d.reason << "）";
    }
    out << "\n";
  }
  out << "到期日 " << FormatDate(r.due) << "（" << WeekdayName(r.due) << "）\n";
  return out.str();
}

}  // namespace yiwang::calendar
