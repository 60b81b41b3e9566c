// The calendar as stored: import (系统管理员 only, one year per file, replace on re-import,
// audited), load, and bad files changing nothing — on both databases.
#include "calendar/service.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

namespace yiwang::testing {
namespace {

const char* kCsv2026 =
    "# test\ndate,kind,name\n2026-01-01,holiday,元旦\n2026-01-02,holiday,元旦\n2026-01-03,holiday,元旦\n"
    "2026-01-04,workday,元旦调休上班\n";

class CalendarStore : public BackendTest {};

TEST_P(CalendarStore, ImportLoadReplace) {
  Node n(GetParam());
  calendar::CalendarService svc(*n.db, n.clock, *n.audit);
  auto sys = identity::Context::System("测试");
  auto r = svc.Import(sys, kCsv2026, "测试");
  EXPECT_EQ(r.year, 2026);
  EXPECT_EQ(r.holidays, 3);
  EXPECT_EQ(r.workdays, 1);
  EXPECT_FALSE(r.replaced);
  calendar::Calendar cal = svc.Load();
  EXPECT_TRUE(cal.IsLoaded(2026));
  EXPECT_FALSE(cal.IsLoaded(2025));
  EXPECT_EQ(calendar::FormatDate(cal.Due(calendar::ParseDate("2026-01-01"), 1).due), "2026-01-04");
  EXPECT_TRUE(svc.Import(sys, "2026-01-01,holiday,元旦\n", "更正").replaced);
  EXPECT_EQ(n.Count("calendar_days"), 1);
  EXPECT_EQ(n.Count("audit_log", "action = 'calendar.import'"), 2);
}

TEST_P(CalendarStore, BadFilesAndRolesChangeNothing) {
  Node n(GetParam());
  calendar::CalendarService svc(*n.db, n.clock, *n.audit);
  auto sys = identity::Context::System("测试");
  EXPECT_THROW(svc.Import(sys, "2026-12-31,holiday,x\n2027-01-01,holiday,y\n", "两年"), Error);
  EXPECT_THROW(svc.Import(sys, "2026-02-30,holiday,x\n", "坏日期"), Error);
  EXPECT_THROW(svc.Import(sys, "", "空"), Error);
  identity::Context clerk;
  clerk.principal.kind = "staff";
  clerk.principal.roles = {"window_clerk"};
  EXPECT_THROW(svc.Import(clerk, kCsv2026, "越权"), Error);
  EXPECT_EQ(n.Count("calendar_years"), 0);
  EXPECT_EQ(n.Count("calendar_days"), 0);
}

YIWANG_BACKENDS(CalendarStore);

}  // namespace
}  // namespace yiwang::testing
