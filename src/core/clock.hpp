#pragma once
// Time comes from an injected Clock (architecture.md convention 5), so that deadlines can be
// demonstrated and tested. Times are Unix epoch milliseconds (UTC) everywhere in storage.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace yiwang::core {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t NowMs() const = 0;
  std::int64_t NowSeconds() const { return NowMs() / 1000; }
};

/// The real clock, optionally shifted by a fixed offset. The offset exists only for demo and
/// test mode (YIWANG_NOW / YIWANG_CLOCK_OFFSET); the config refuses it in production mode.
class SystemClock final : public Clock {
 public:
  explicit SystemClock(std::int64_t offset_ms = 0) : offset_ms_(offset_ms) {}
  std::int64_t NowMs() const override;
  std::int64_t offset_ms() const { return offset_ms_; }

 private:
  std::int64_t offset_ms_;
};

/// A clock that only moves when told to: unit and store tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t now_ms) : now_ms_(now_ms) {}
  std::int64_t NowMs() const override { return now_ms_.load(); }
  void Set(std::int64_t now_ms) { now_ms_ = now_ms; }
  void Advance(std::int64_t ms) { now_ms_ += ms; }

 private:
  std::atomic<std::int64_t> now_ms_;
};

/// China Standard Time is UTC+8 all year (no DST); dates shown and calendar days use it.
inline constexpr std::int64_t kChinaOffsetMs = 8LL * 3600 * 1000;

/// "2026-11-26 09:30:00" in China Standard Time.
std::string FormatLocal(std::int64_t epoch_ms);
/// "2026-11-26" in China Standard Time.
std::string FormatLocalDate(std::int64_t epoch_ms);
/// RFC 3339 UTC, for the API: "2026-11-26T01:30:00Z".
std::string FormatIsoUtc(std::int64_t epoch_ms);
/// Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DDTHH:MM[:SS]" as China Standard
/// Time, or with a trailing "Z" as UTC; throws yiwang::Error(kInvalidInput) otherwise.
std::int64_t ParseLocal(std::string_view text);

}  // namespace yiwang::core
