#pragma once
// The codes anyone may try: a case's or a complaint's 6-digit 查询码 opens its status to whoever
// knows the number (public in 办件公示) and the code. A million codes are found in minutes by a
// script unless wrong guesses are counted: per number and per client address, in the database
// (shared by every worker and by both zones of one node), within an hour from the first wrong try.
#include <cstdint>
#include <string>
#include <utility>

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
      if (e.code() == ErrorCode::kNotFound) Failed(client_ip, subject);
      throw;
    }
  }

  /// The subject for a number as typed: trimmed and upper-cased, as the lookups compare it, so
  /// that "dh2026…" and " DH2026… " count as the same number.
  static std::string Subject(const std::string& kind, const std::string& typed_no);

  /// Throws kTooManyRequests (Chinese message) when either has no tries left.
  void Check(const std::string& client_ip, const std::string& subject) const;
  /// Counts one wrong try against both; the try that uses up a limit is audited.
  void Failed(const std::string& client_ip, const std::string& subject) const;

 private:
  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
};

}  // namespace yiwang::identity
