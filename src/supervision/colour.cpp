// The colour arithmetic of the monitor (pure: no database, unit-tested).
#include <algorithm>
#include <chrono>
#include <map>

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

std::string SubjectHref(const std::string& source, const std::string& subject) {
  if (source == "approval") return "/cases/" + subject;
  if (source == "complaints") return "/supervision/complaints/" + subject;
  return "";
}

Digest ReminderDigest(std::vector<Warned> list, bool to_unit) {
  Digest d;
  if (list.empty()) return d;
  std::stable_sort(list.begin(), list.end(), [](const Warned& a, const Warned& b) {
    return a.due_on != b.due_on ? a.due_on < b.due_on : a.subject < b.subject;
  });
  // One line per case (a case's total and its step may turn yellow together), in the order of
  // its earliest clock: "DH… 受理期限将于 2026-03-09 届满；“审查”环节期限将于 …".
  std::vector<std::string> subjects;
  std::map<std::string, std::string> line;
  for (const Warned& w : list) {
    std::string& l = line[w.subject];
    if (l.empty()) {
      subjects.push_back(w.subject);
      l = w.subject + " ";
    } else {
      l += "；";
    }
    l += w.label + "将于 " + w.due_on + " 届满";
  }
  if (subjects.size() == 1) {
    d.title = "期限即将届满：" + subjects.front();
    d.body = d.sms = "【电子监察提醒】" + line[subjects.front()] + "，请抓紧办理。";
    d.link = SubjectHref(list.front().source, subjects.front());
    return d;
  }
  const std::string n = std::to_string(subjects.size());
  d.title = "期限即将届满：" + n + " 件";
  d.body = "【电子监察提醒】以下 " + n + " 件的期限即将届满，请抓紧办理（按届满日期排列）：";
  for (std::size_t i = 0; i < subjects.size() && i < kDigestLines; ++i) d.body += "\n" + line[subjects[i]];
  if (subjects.size() > kDigestLines) {
    d.body += "\n……另有 " + std::to_string(subjects.size() - kDigestLines) + " 件，见办件列表。";
  }
  d.sms = "【电子监察提醒】" + std::string(to_unit ? "本单位" : "您") + "有 " + n + " 件办理期限即将届满，最早于 " +
          list.front().due_on + " 届满，请登录系统查看。";
  const bool all_cases = std::all_of(list.begin(), list.end(), [](const Warned& w) { return w.source == "approval"; });
  const bool all_complaints =
      std::all_of(list.begin(), list.end(), [](const Warned& w) { return w.source == "complaints"; });
  if (all_cases) d.link = to_unit ? "/cases?state=all" : "/cases";
  if (all_complaints) d.link = "/supervision/complaints";
  return d;
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
