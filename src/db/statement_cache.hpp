#pragma once
// SQLite prepared-statement cache under SOCI (ADR 0010): see statement_cache.cpp.
#include <cstdint>

namespace yiwang::db {

struct StatementCacheStats {
  bool enabled = false;
  std::uint64_t hits = 0;    // prepares answered with a kept statement
  std::uint64_t misses = 0;  // statements prepared by SQLite (and kept afterwards)
  std::uint64_t idle = 0;    // statements kept right now, over all connections
};

/// The cache's counters (also shown on /metrics).
StatementCacheStats StatementCache();

/// Process-wide SQLite settings, made before the first connection opens (Database::Open calls
/// it): no memory-usage statistics (SQLITE_CONFIG_MEMSTATUS off: otherwise every allocation
/// of every connection takes one global mutex, measured ~5 % of the server's CPU in futex
/// calls under load). Idempotent; too late once SQLite is initialised (then a no-op).
void ConfigureSqlite();

}  // namespace yiwang::db
