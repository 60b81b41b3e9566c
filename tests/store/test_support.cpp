#include "test_support.hpp"

#include <cstdlib>
#include <filesystem>

#include "core/crypto.hpp"
#include "core/sm2.hpp"
#include "db/migrator.hpp"

#include <soci/postgresql/soci-postgresql.h>

namespace yiwang::testing {
namespace fs = std::filesystem;

std::vector<std::string> Backends() {
  std::vector<std::string> out = {"sqlite"};
  const char* pg = std::getenv("YIWANG_TEST_PG");
  if (pg && *pg) out.push_back("postgresql");
  return out;
}

std::string BackendName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

TempDatabase::TempDatabase(const std::string& backend) : backend_(backend) {
  dir_ = (fs::temp_directory_path() / ("yiwang-test-" + core::HexEncode(core::RandomBytes(6)))).string();
  fs::create_directories(dir_);
  if (backend == "sqlite") {
    url_ = "sqlite://" + dir_ + "/test.db";
  } else {
    const std::string admin = std::getenv("YIWANG_TEST_PG");  // postgresql://user@host:port/postgres
    pg_name_ = "yw_" + core::HexEncode(core::RandomBytes(6));
    soci::session s(soci::postgresql, db::PgConnectString(admin));
    s << "CREATE DATABASE " + pg_name_;
    url_ = admin.substr(0, admin.rfind('/') + 1) + pg_name_;
  }
  auto db = db::Database::Open(url_, 1);
  db::Migrate(*db);
}

TempDatabase::~TempDatabase() {
  if (!pg_name_.empty()) {
    try {
      soci::session s(soci::postgresql, db::PgConnectString(std::getenv("YIWANG_TEST_PG")));
      s << "DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)";
    } catch (const std::exception&) {
      // The cluster is thrown away after the run anyway.
    }
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

exchange::Keys SplitZoneKeys(core::Zone zone) {
  if (zone == core::Zone::kBoth) return {};
  // One key pair per zone for the whole test process: two nodes of opposite zones trust each other.
  static const core::Sm2KeyPair external = core::GenerateSm2Key(), internal = core::GenerateSm2Key();
  const core::Sm2KeyPair& own = zone == core::Zone::kExternal ? external : internal;
  const core::Sm2KeyPair& peer = zone == core::Zone::kExternal ? internal : external;
  return {own.private_pem, own.public_pem, peer.public_pem};
}

Node::Node(const std::string& backend, core::Zone zone, const std::string& spool) {
  temp = std::make_unique<TempDatabase>(backend);
  config.mode = core::Mode::kTest;
  config.zone = zone;
  config.data_dir = temp->dir();
  config.database = temp->url();
  config.secret = std::string(64, 'k');
  config.spool_dir = spool;
  db = db::Database::Open(temp->url(), 4);
  audit = std::make_unique<audit::AuditLog>(clock, core::DeriveKey(config.secret, "audit-chain"));
  exchange = std::make_unique<exchange::Exchange>(*db, clock, *audit, zone, spool, SplitZoneKeys(zone));
  identity = std::make_unique<identity::IdentityService>(*db, clock, *audit, *exchange, config);
  identity->RegisterPacketHandlers();
  files = std::make_unique<files::FileStore>(*db, clock, temp->dir() + "/files", 1024 * 1024);
}

long long Node::Count(const std::string& table, const std::string& where) {
  db::Conn c(*db);
  long long n = 0;
  c.sql() << "SELECT COUNT(*) FROM " + table + " WHERE " + where, soci::into(n);
  return n;
}

void Node::Exec(const std::string& sql) {
  db::Conn c(*db);
  c.sql() << sql;
}

}  // namespace yiwang::testing
