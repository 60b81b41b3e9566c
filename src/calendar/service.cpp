#include "calendar/service.hpp"

#include "core/error.hpp"
#include "db/row.hpp"

namespace yiwang::calendar {

Calendar CalendarService::Load() {
  db::Conn c(db_);
  std::set<int> years;
  std::string key;
  soci::rowset<soci::row> yrows = (c.sql().prepare << "SELECT year, imported_at FROM calendar_years ORDER BY year");
  for (const soci::row& r : yrows) {
    years.insert(static_cast<int>(db::RowInt(r, "year")));
    key += std::to_string(db::RowInt(r, "year")) + ":" + std::to_string(db::RowInt(r, "imported_at")) + ";";
  }
  {
    std::lock_guard lock(cache_mu_);
    if (cache_ && cache_key_ == key) return *cache_;
  }
  std::vector<SpecialDay> days;
  soci::rowset<soci::row> drows = (c.sql().prepare << "SELECT day, kind, name FROM calendar_days");
  for (const soci::row& r : drows) {
    days.push_back({ParseDate(db::RowStr(r, "day")), db::RowStr(r, "kind") == "workday" ? DayKind::kWorkday : DayKind::kHoliday,
                    db::RowStr(r, "name")});
  }
  Calendar cal(std::move(days), std::move(years));
  std::lock_guard lock(cache_mu_);
  cache_key_ = key;
  cache_ = cal;
  return cal;
}

ImportResult CalendarService::Import(const identity::Context& ctx, const std::string& csv, const std::string& source) {
  identity::RequireRole(ctx.principal, {identity::Role::kSysAdmin});
  std::vector<SpecialDay> days = ParseCsv(csv);
  if (days.empty()) throw Error(ErrorCode::kInvalidInput, "节假日文件中没有任何日期");
  ImportResult result;
  result.year = static_cast<int>(std::chrono::year_month_day{days.front().date}.year());
  for (const auto& d : days) {
    if (static_cast<int>(std::chrono::year_month_day{d.date}.year()) != result.year) {
      throw Error(ErrorCode::kInvalidInput, "一个文件只能包含一个年度的安排：发现 " + FormatDate(d.date));
    }
    (d.kind == DayKind::kHoliday ? result.holidays : result.workdays)++;
  }
  db::WithTx(db_, [&](db::Tx& tx) {
    int year = result.year, exists = 0;
    tx.sql() << "SELECT COUNT(*) FROM calendar_years WHERE year = :y", soci::use(year), soci::into(exists);
    result.replaced = exists > 0;
    tx.sql() << "DELETE FROM calendar_days WHERE year = :y", soci::use(year);
    tx.sql() << "DELETE FROM calendar_years WHERE year = :y", soci::use(year);
    long long now = clock_.NowMs();
    std::string by = ctx.principal.name;
    tx.sql() << "INSERT INTO calendar_years (year, source, imported_at, imported_by) VALUES (:y, :s, :t, :b)",
        soci::use(year), soci::use(source), soci::use(now), soci::use(by);
    for (const auto& d : days) {
      std::string day = FormatDate(d.date), kind = d.kind == DayKind::kHoliday ? "holiday" : "workday";
      tx.sql() << "INSERT INTO calendar_days (day, year, kind, name) VALUES (:d, :y, :k, :n)", soci::use(day),
          soci::use(year), soci::use(kind), soci::use(d.name);
    }
    audit_.Append(tx, ctx.ToActor(), {"calendar.import", "calendar_year", std::to_string(year), "success",
                                      source + "：节假日 " + std::to_string(result.holidays) + " 天，调休上班 " +
                                          std::to_string(result.workdays) + " 天" + (result.replaced ? "（替换）" : "")});
  });
  {
    std::lock_guard lock(cache_mu_);
    cache_.reset();  // a re-import within the same millisecond keeps its key
  }
  return result;
}

std::vector<CalendarService::YearInfo> CalendarService::Years() {
  std::vector<YearInfo> out;
  Calendar cal;
  db::Conn c(db_);
  soci::rowset<soci::row> yrows =
      (c.sql().prepare << "SELECT year, source, imported_at, imported_by FROM calendar_years ORDER BY year DESC");
  for (const soci::row& r : yrows) {
    out.push_back({static_cast<int>(db::RowInt(r, "year")), db::RowStr(r, "source"), db::RowInt(r, "imported_at"),
                   db::RowStr(r, "imported_by"), {}});
  }
  for (auto& y : out) {
    int year = y.year;
    soci::rowset<soci::row> drows =
        (c.sql().prepare << "SELECT day, kind, name FROM calendar_days WHERE year = :y ORDER BY day", soci::use(year));
    for (const soci::row& r : drows) {
      y.days.push_back({ParseDate(db::RowStr(r, "day")),
                        db::RowStr(r, "kind") == "workday" ? DayKind::kWorkday : DayKind::kHoliday, db::RowStr(r, "name")});
    }
  }
  return out;
}

}  // namespace yiwang::calendar
