#include "core/clock.hpp"

#include <chrono>
#include <cstdio>

#include "core/error.hpp"

namespace yiwang::core {
namespace {

// Howard Hinnant's days-from-civil algorithm (public domain), via std::chrono.
std::int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  return sys_days{year{y} / month{m} / day{d}}.time_since_epoch().count();
}

struct Civil {
  int y;
  unsigned m, d, hh, mm, ss;
};

Civil ToCivil(std::int64_t ms) {
  using namespace std::chrono;
  std::int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  std::int64_t rem = secs - days * 86400;
  year_month_day ymd{sys_days{std::chrono::days{days}}};
  return Civil{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
               static_cast<unsigned>(rem / 3600), static_cast<unsigned>((rem % 3600) / 60),
               static_cast<unsigned>(rem % 60)};
}

}  // namespace

std::int64_t SystemClock::NowMs() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() + offset_ms_;
}

std::string FormatLocal(std::int64_t epoch_ms) {
  Civil c = ToCivil(epoch_ms + kChinaOffsetMs);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02u:%02u:%02u", c.y, c.m, c.d, c.hh, c.mm, c.ss);
  return buf;
}

std::string FormatLocalDate(std::int64_t epoch_ms) { return FormatLocal(epoch_ms).substr(0, 10); }

std::string FormatIsoUtc(std::int64_t epoch_ms) {
  Civil c = ToCivil(epoch_ms);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02uZ", c.y, c.m, c.d, c.hh, c.mm, c.ss);
  return buf;
}

std::int64_t ParseLocal(std::string_view text) {
  int y = 0;
  unsigned mo = 0, d = 0, hh = 0, mi = 0, ss = 0;
  std::string s(text);
  bool utc = !s.empty() && (s.back() == 'Z' || s.back() == 'z');
  if (utc) s.pop_back();
  if (s.size() > 10 && (s[10] == 'T' || s[10] == 't')) s[10] = ' ';
  char tail = 0;
  int n = std::sscanf(s.c_str(), "%4d-%2u-%2u %2u:%2u:%2u%c", &y, &mo, &d, &hh, &mi, &ss, &tail);
  bool ok = (n == 3 && s.size() == 10) || n == 5 || n == 6;
  using namespace std::chrono;
  if (ok) {
    year_month_day ymd{year{y}, month{mo}, day{d}};
    ok = ymd.ok() && hh < 24 && mi < 60 && ss < 60;
  }
  if (!ok) {
    throw Error(ErrorCode::kInvalidInput, "时间格式应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM:SS：" + std::string(text));
  }
  std::int64_t ms = (DaysFromCivil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss) * 1000;
  return utc ? ms : ms - kChinaOffsetMs;
}

}  // namespace yiwang::core
