// Clock formatting/parsing (China Standard Time) and configuration validation.
#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/error.hpp"

namespace yiwang::core {
namespace {

TEST(Clock, FormatsInChinaStandardTime) {
  // 2026-01-01T00:00:00Z is 08:00 in Beijing.
  const std::int64_t ms = 1767225600000LL;
  EXPECT_EQ(FormatIsoUtc(ms), "2026-01-01T00:00:00Z");
  EXPECT_EQ(FormatLocal(ms), "2026-01-01 08:00:00");
  EXPECT_EQ(FormatLocalDate(ms - 9 * 3600 * 1000LL), "2025-12-31");
}

TEST(Clock, ParsesLocalAndUtc) {
  EXPECT_EQ(ParseLocal("2026-01-01 08:00:00"), 1767225600000LL);
  EXPECT_EQ(ParseLocal("2026-01-01T08:00"), 1767225600000LL);
  EXPECT_EQ(ParseLocal("2026-01-01T00:00:00Z"), 1767225600000LL);
  EXPECT_EQ(ParseLocal("2026-01-01"), 1767225600000LL - 8 * 3600 * 1000LL);
  EXPECT_EQ(FormatLocal(ParseLocal("2024-02-29 23:59:59")), "2024-02-29 23:59:59");
}

TEST(Clock, RejectsBadDates) {
  for (const char* bad : {"2026-02-30", "2026-13-01", "20260101", "2026-01-01 25:00", "", "abc", "2026-01-01x"}) {
    EXPECT_THROW(ParseLocal(bad), Error) << bad;
  }
}

TEST(Clock, ManualClockMoves) {
  ManualClock c(1000);
  c.Advance(500);
  EXPECT_EQ(c.NowMs(), 1500);
  c.Set(42);
  EXPECT_EQ(c.NowMs(), 42);
}

TEST(Config, ProductionRefusesEmptyOrKnownSecret) {
  Config c;
  c.data_dir = "/tmp/x";
  EXPECT_THROW(ValidateConfig(c), Error);
  c.secret = "changeme";
  EXPECT_THROW(ValidateConfig(c), Error);
  c.secret = std::string(31, 'a');
  EXPECT_THROW(ValidateConfig(c), Error);
  c.secret = std::string(64, 'a');
  EXPECT_NO_THROW(ValidateConfig(c));
  EXPECT_EQ(c.database, "sqlite:///tmp/x/yiwang.db");
}

TEST(Config, ProductionRefusesClockOverride) {
  Config c;
  c.data_dir = "/tmp/x";
  c.secret = std::string(64, 'b');
  c.now_override = "2026-03-01 09:00";
  EXPECT_THROW(ValidateConfig(c), Error);
  c.mode = Mode::kDemo;
  EXPECT_NO_THROW(ValidateConfig(c));
  EXPECT_NEAR(static_cast<double>(ClockOffsetMs(c, ParseLocal("2026-02-28 09:00"))), 86400000.0, 1.0);
}

TEST(Config, SplitZoneNeedsSpool) {
  Config c;
  c.data_dir = "/tmp/x";
  c.secret = std::string(64, 'c');
  SetConfigValue(c, "zone", "external");
  EXPECT_THROW(ValidateConfig(c), Error);
  SetConfigValue(c, "spool_dir", "/tmp/spool");
  EXPECT_NO_THROW(ValidateConfig(c));
}

TEST(Config, BadValuesNameTheKey) {
  Config c;
  try {
    SetConfigValue(c, "threads", "many");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("threads"), std::string::npos);
  }
  EXPECT_THROW(SetConfigValue(c, "no_such_key", "1"), Error);
  EXPECT_THROW(SetConfigValue(c, "mode", "prod"), Error);
  EXPECT_THROW(SetConfigValue(c, "password_profile", "strong"), Error);
  SetConfigValue(c, "totp_required_roles", "sys_admin, approver");
  EXPECT_EQ(c.totp_required_roles, (std::vector<std::string>{"sys_admin", "approver"}));
}

}  // namespace
}  // namespace yiwang::core
