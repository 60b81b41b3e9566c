#pragma once
// The audit trail (domain-rules: security baseline; 网络安全法 第二十一条 retention ≥ 6 months).
// Every state change calls Record() inside its own transaction (architecture.md convention 7).
// Records form a chain: hash = HMAC-SM3(key, prev_hash | fields). Keying the chain with a key
// derived from the configured secret means a person with only database access cannot append
// or rewrite records that verify; plain SM3 would let them recompute the whole chain.
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "db/database.hpp"

namespace yiwang::audit {

/// Who acted. kind: "staff", "public", "system", "anonymous".
struct Actor {
  std::string kind = "system";
  std::int64_t id = 0;
  std::string name;
  std::int64_t unit_id = 0;
  std::string client_ip;
  std::string zone;
};

struct Event {
  std::string action;       // e.g. "user.create", "session.login"
  std::string object_type;  // e.g. "user"
  std::string object_id;
  std::string outcome = "success";  // "success", "failure", "denied"
  std::string detail;
};

struct Record {
  std::int64_t seq = 0;
  std::int64_t ts = 0;
  Actor actor;
  Event event;
  std::string prev_hash;
  std::string hash;
};

class AuditLog {
 public:
  AuditLog(const core::Clock& clock, std::string chain_key) : clock_(clock), key_(std::move(chain_key)) {}

  /// Appends one record in the caller's transaction.
  void Append(db::Tx& tx, const Actor& actor, const Event& event) const;

  struct VerifyResult {
    bool ok = true;
    std::int64_t checked = 0;
    std::int64_t first_bad_seq = 0;
    std::string problem;  // Chinese, names the record
  };
  /// Walks the whole chain; names the first record that was altered, deleted or inserted
  /// outside the application.
  VerifyResult Verify(db::Database& db) const;

  struct Query {
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 0;  // 0 = open
    std::string actor;       // substring of actor name
    std::string action;      // prefix
    std::string outcome;
    std::string object_id;
    int page = 1;
    int per_page = 50;
  };
  struct Page {
    std::vector<Record> rows;
    std::int64_t total = 0;
  };
  Page Search(db::Database& db, const Query& q) const;

  std::string ComputeHash(const Record& r) const;

 private:
  const core::Clock& clock_;
  std::string key_;
};

}  // namespace yiwang::audit
