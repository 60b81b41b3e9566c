#pragma once
// The codes anyone may try: a case's or a complaint's 6-digit 查询码 opens its status to whoever
// knows the number (public in 办件公示) and the code. A million codes are found in minutes by a
// script unless wrong guesses are counted: per number and per client address, in the database
// (shared by every worker and by both zones of one node), within an hour from the first wrong try.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "audit/audit.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/database.hpp"

namespace yiwang::identity {

class LookupGuard {
 public:
  /// Wrong codes for one number within the window before its lookups stop (the number's
  /// holder still sees it after logging in: 我的办件).
  static constexpr int kPerSubject = 10;
  /// Wrong codes from one client address within the window, over all numbers.
  static constexpr int kPerClient = 100;
  static constexpr std::int64_t kWindowMs = 3600 * 1000;

  LookupGuard(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit)
      : db_(db), clock_(clock), audit_(audit) {}

  /// Runs `lookup` (which throws kNotFound for a wrong number or code) unless the number or
  /// the client has run out of tries (kTooManyRequests); a kNotFound counts against both.
  /// `subject` names the number, e.g. "case:DH20261128123456".
  template <typename F>
  auto Guard(const std::string& client_ip, const std::string& subject, F&& lookup) {
    Check(client_ip, subject);
    try {
      return std::forward<F>(lookup)();
    } catch (const Error& e) {
      // A failure to count (the database busy past its timeout) must not turn the applicant's
      // "wrong number or code" into a server error: it is logged, and the answer stands. Parallel
      // requests may each pass Check before the others are counted: at most one try more per
      // request in flight (the HTTP worker threads) beyond a limit, then every try is refused.
      if (e.code() == ErrorCode::kNotFound) CountFailure(client_ip, subject);
      throw;
    }
  }

  /// The subject for a number as typed: trimmed and upper-cased, as the lookups compare it, so
  /// that "dh2026…" and " DH2026… " count as the same number.
  static std::string Subject(const std::string& kind, const std::string& typed_no);

  /// Anonymous writes ("register", "complaint") are limited per client address in the same
  /// table: runs `write` unless `client_ip` has done `action` `per_hour` times within the window
  /// (kTooManyRequests; per_hour 0, or no address: no limit). Only a write that succeeds and for
  /// which `counts(result)` holds is counted (a form sent back for a typo, a repeat of one
  /// already accepted cost nothing); a failure to count is logged, never thrown: the write has
  /// already happened.
  template <typename F, typename Counts>
  auto Limit(const std::string& client_ip, const std::string& action, int per_hour, F&& write, Counts&& counts) {
    const bool limited = per_hour > 0 && !client_ip.empty();
    if (limited) CheckRate(client_ip, action, per_hour);
    auto result = std::forward<F>(write)();
    if (limited && counts(result)) CountUse(client_ip, action, per_hour);
    return result;
  }
  template <typename F>
  auto Limit(const std::string& client_ip, const std::string& action, int per_hour, F&& write) {
    return Limit(client_ip, action, per_hour, std::forward<F>(write), [](const auto&) { return true; });
  }

  /// Throws kTooManyRequests (Chinese message) when either has no tries left.
  void Check(const std::string& client_ip, const std::string& subject) const;
  /// Counts one wrong try against both; the try that uses up a limit is audited.
  void Failed(const std::string& client_ip, const std::string& subject) const;

 private:
  /// Failed(), with its own errors logged instead of thrown.
  void CountFailure(const std::string& client_ip, const std::string& subject) const noexcept;
  void CheckRate(const std::string& client_ip, const std::string& action, int per_hour) const;
  void CountUse(const std::string& client_ip, const std::string& action, int per_hour) const noexcept;
  /// A counter, its limit, and the audit record written by the count that reaches it.
  struct Counter {
    std::string key;
    int limit = 0;
    audit::Event on_limit;
  };
  /// One more for each counter in one transaction, attributed to `actor`.
  void Count(const std::vector<Counter>& counters, const audit::Actor& actor) const;

  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
};

}  // namespace yiwang::identity
