#pragma once
// Loading and importing the calendar (state in the database, so every node agrees).
#include <mutex>
#include <optional>
#include <string>

#include "audit/audit.hpp"
#include "calendar/calendar.hpp"
#include "core/clock.hpp"
#include "db/database.hpp"
#include "identity/service.hpp"

namespace yiwang::calendar {

struct ImportResult {
  int year = 0;
  int holidays = 0;
  int workdays = 0;
  bool replaced = false;
};

class CalendarService {
 public:
  CalendarService(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit)
      : db_(db), clock_(clock), audit_(audit) {}

  /// Every imported year (callers that compute many dates keep the returned Calendar instead
  /// of reloading per day). Kept in memory between calls and read again only when the list of
  /// imported years or their import times changed (an import on this node or another).
  Calendar Load();
  /// Imports one year's schedule from the CSV format of the State Council notice (all dates
  /// must fall in one year); replaces that year if it was imported before. 系统管理员 only.
  ImportResult Import(const identity::Context& ctx, const std::string& csv, const std::string& source);

  struct YearInfo {
    int year;
    std::string source;
    std::int64_t imported_at;
    std::string imported_by;
    std::vector<SpecialDay> days;
  };
  std::vector<YearInfo> Years();

 private:
  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
  std::mutex cache_mu_;
  std::string cache_key_;  // "year:imported_at;..." of the cached calendar
  std::optional<Calendar> cache_;
};

}  // namespace yiwang::calendar
