// The colour arithmetic of the monitor (pure: no database, unit-tested).
#include <algorithm>
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
  auto line = [](const Warned& w) { return w.subject + " " + w.label + "将于 " + w.due_on + " 届满"; };
  if (list.size() == 1) {
    const Warned& w = list.front();
    d.title = "期限即将届满：" + w.subject;
    d.body = d.sms = "【电子监察提醒】" + line(w) + "，请抓紧办理。";
    d.link = SubjectHref(w.source, w.subject);
    return d;
  }
  const std::string n = std::to_string(list.size());
  d.title = "期限即将届满：" + n + " 件";
  d.body = "【电子监察提醒】以下 " + n + " 件的期限即将届满，请抓紧办理（按届满日期排列）：";
  for (std::size_t i = 0; i < list.size() && i < kDigestLines; ++i) d.body += "\n" + line(list[i]);
  if (list.size() > kDigestLines) {
    d.body += "\n……另有 " + std::to_string(list.size() - kDigestLines) + " 件，见办件列表（最紧急的在前）。";
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
