// Internal zone: the working-day calendar — years loaded, their holidays and 调休 days, an
// import form for the 系统管理员, and a due-date calculator that explains each day.
#include "app/app.hpp"
#include "app/modules.hpp"
#include "calendar/calendar.hpp"
#include "core/error.hpp"
#include "http/forms.hpp"

namespace yiwang::modules {
namespace {

using http::Access;
using http::Request;
using http::Response;

nlohmann::json DueJson(const calendar::DueResult& r, calendar::Date start, int n) {
  nlohmann::json days = nlohmann::json::array();
  int k = 0;
  for (const auto& d : r.days) {
    days.push_back({{"date", calendar::FormatDate(d.date)}, {"weekday", calendar::WeekdayName(d.date)},
                    {"counted", d.counted}, {"ordinal", d.counted ? ++k : 0}, {"reason", d.reason}});
  }
  return {{"start", calendar::FormatDate(start)}, {"days_limit", n}, {"due", calendar::FormatDate(r.due)},
          {"due_weekday", calendar::WeekdayName(r.due)}, {"days", days}};
}

}  // namespace

void RegisterCalendar(http::Router& r, app::App& app) {
  auto page = [&app](Request& req, nlohmann::json view, int status) {
    nlohmann::json years = nlohmann::json::array();
    for (const auto& y : app.calendar->Years()) {
      nlohmann::json days = nlohmann::json::array();
      int holidays = 0, workdays = 0;
      for (const auto& d : y.days) {
        bool holiday = d.kind == calendar::DayKind::kHoliday;
        (holiday ? holidays : workdays)++;
        days.push_back({{"date", calendar::FormatDate(d.date)}, {"weekday", calendar::WeekdayName(d.date)},
                        {"holiday", holiday}, {"name", d.name}});
      }
      years.push_back({{"year", y.year}, {"source", y.source}, {"imported_at", core::FormatLocal(y.imported_at)},
                       {"imported_by", y.imported_by}, {"holidays", holidays}, {"workdays", workdays}, {"days", days}});
    }
    view["years"] = years;
    view["empty"] = years.empty();
    view["can_import"] = req.principal.Has(identity::Role::kSysAdmin);
    if (!view.contains("start")) view["start"] = core::FormatLocalDate(app.clock->NowMs());
    if (!view.contains("n")) view["n"] = 20;
    return app.renderer->Page(req, "internal/calendar", "工作日历", view, status);
  };
  r.Add("GET", "/admin/calendar", Access::kStaff, [&app, page](Request& req) {
    nlohmann::json view;
    if (!req.Query("start").empty()) {
      view["start"] = req.Query("start");
      view["n"] = req.Query("n");
      try {
        const int n = static_cast<int>(req.QueryInt("n", 0));
        const calendar::Date start = calendar::ParseDate(req.Query("start"));
        view["result"] = DueJson(app.calendar->Load().Due(start, n), start, n);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kInvalidInput) throw;
        view["due_error"] = e.message();
      }
    }
    return page(req, view, 200);
  });
  r.Add("POST", "/admin/calendar", Access::kStaff, [&app, page](Request& req) {
    try {
      auto result = app.calendar->Import(ContextOf(req), req.Field("csv"), req.Field("source").empty() ? "网页导入" : req.Field("source"));
      Response res = Response::Redirect("/admin/calendar");
      http::Renderer::Flash(res,
                            "已导入 " + std::to_string(result.year) + " 年安排：节假日 " + std::to_string(result.holidays) +
                                " 天，调休上班 " + std::to_string(result.workdays) + " 天" + (result.replaced ? "（已替换原有安排）" : ""),
                            app.config.secure_cookies);
      return res;
    } catch (const Error& e) {
      if (!http::IsFormError(e)) throw;
      return page(req, {{"error", http::ErrorView(e)}, {"csv", req.Field("csv")}}, ErrorCodeHttpStatus(e.code()));
    }
  });
  r.Add("GET", "/api/v1/calendar/due", Access::kStaff, [&app](Request& req) {
    const int n = static_cast<int>(req.QueryInt("n", 0));
    const calendar::Date start = calendar::ParseDate(req.Query("start"));
    return Response::Json(DueJson(app.calendar->Load().Due(start, n), start, n));
  });
}

}  // namespace yiwang::modules
