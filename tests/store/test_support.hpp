#pragma once
// Store tests run against every available backend: SQLite always; PostgreSQL when
// YIWANG_TEST_PG names a server (scripts/test.sh starts a throw-away cluster). Each test gets
// a fresh database.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "db/database.hpp"
#include "exchange/exchange.hpp"
#include "files/file_store.hpp"
#include "identity/service.hpp"

namespace yiwang::testing {

/// "sqlite" and, when configured, "postgresql".
std::vector<std::string> Backends();

/// A fresh, migrated database of one backend in a temporary directory.
class TempDatabase {
 public:
  explicit TempDatabase(const std::string& backend);
  ~TempDatabase();
  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string backend_;
  std::string url_;
  std::string dir_;
  std::string pg_name_;
};

/// Services of one node over a TempDatabase, with a manual clock.
/// The exchange keys of a test node of this zone (none for kBoth): every split-zone node of the
/// test process signs with its zone's key and trusts the other zone's.
exchange::Keys SplitZoneKeys(core::Zone zone);

struct Node {
  Node(const std::string& backend, core::Zone zone = core::Zone::kBoth, const std::string& spool = "");
  std::unique_ptr<TempDatabase> temp;
  core::Config config;
  core::ManualClock clock{1767240000000LL};  // 2026-01-01 12:00 (CST)
  std::unique_ptr<db::Database> db;
  std::unique_ptr<audit::AuditLog> audit;
  std::unique_ptr<exchange::Exchange> exchange;
  std::unique_ptr<identity::IdentityService> identity;
  std::unique_ptr<files::FileStore> files;

  /// Count rows with a condition, for "nothing changed" assertions.
  long long Count(const std::string& table, const std::string& where = "1=1");
  /// Runs raw SQL as an out-of-band actor (a DBA), e.g. to tamper with the audit log.
  void Exec(const std::string& sql);
};

/// Two nodes with their zones split over one spool directory: pumps both a few times, so that
/// a packet and the answers it causes cross (inside first, then outside).
inline void Ferry(Node& inside, Node& outside) {
  for (int i = 0; i < 3; ++i) {
    inside.exchange->Pump();
    outside.exchange->Pump();
  }
}

class BackendTest : public ::testing::TestWithParam<std::string> {};

std::string BackendName(const ::testing::TestParamInfo<std::string>& info);

#define YIWANG_BACKENDS(Suite) \
  INSTANTIATE_TEST_SUITE_P(Db, Suite, ::testing::ValuesIn(::yiwang::testing::Backends()), ::yiwang::testing::BackendName)

}  // namespace yiwang::testing
