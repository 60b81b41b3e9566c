// SQLite prepared-statement cache under SOCI (ADR 0010): the same text on the same connection
// reuses a kept statement, with fresh bindings; a statement in use is never handed out twice; a
// failed statement is reusable; a schema change is seen; closing the database finalizes what it
// kept. On PostgreSQL the cache is not involved (the counters do not move).
#include <soci/soci.h>

#include "db/database.hpp"
#include "db/statement_cache.hpp"
#include "test_support.hpp"

namespace yiwang::testing {
namespace {

class StatementCacheTest : public BackendTest {
 protected:
  void SetUp() override {
    temp = std::make_unique<TempDatabase>(GetParam());
    db = db::Database::Open(temp->url(), 2);
    db::WithTx(*db, [](db::Tx& tx) {
      tx.sql() << "CREATE TABLE sc_probe (k INTEGER PRIMARY KEY, v VARCHAR(20) NOT NULL)";
      for (int k = 1; k <= 5; ++k) {
        std::string v = "v" + std::to_string(k);
        tx.sql() << "INSERT INTO sc_probe (k, v) VALUES (:k, :v)", soci::use(k), soci::use(v);
      }
    });
  }
  std::unique_ptr<TempDatabase> temp;
  std::unique_ptr<db::Database> db;
};

TEST_P(StatementCacheTest, ReusesStatementsWithFreshBindings) {
  const db::StatementCacheStats before = db::StatementCache();
  db::Conn c(*db);
  for (int k = 1; k <= 5; ++k) {
    std::string v;
    c.sql() << "SELECT v FROM sc_probe WHERE k = :k", soci::use(k), soci::into(v);
    EXPECT_EQ(v, "v" + std::to_string(k)) << "each run sees its own parameter";
  }
  // A parameter left unbound would read as NULL: the kept statement's bindings were cleared.
  int n = -1;
  c.sql() << "SELECT COUNT(*) FROM sc_probe WHERE k = :k", soci::use(3), soci::into(n);
  EXPECT_EQ(n, 1);
  const db::StatementCacheStats after = db::StatementCache();
  if (db->is_sqlite() && before.enabled) {
    EXPECT_GE(after.hits - before.hits, 4u) << "the same text ran five times on one connection";
  } else {
    EXPECT_EQ(after.hits, before.hits);
  }
}

TEST_P(StatementCacheTest, TheSameTextTwiceAtOnceGetsTwoStatements) {
  db::Conn c(*db);
  const std::string sql = "SELECT k, v FROM sc_probe WHERE k >= :k ORDER BY k";
  std::vector<std::string> pairs;
  for (int round = 0; round < 2; ++round) {  // the second round runs on kept statements
    pairs.clear();
    int from = 4;
    soci::rowset<soci::row> outer = (c.sql().prepare << sql, soci::use(from));
    for (const soci::row& o : outer) {
      int inner_from = 5;
      soci::rowset<soci::row> inner = (c.sql().prepare << sql, soci::use(inner_from));
      for (const soci::row& i : inner) pairs.push_back(o.get<std::string>(1) + "/" + i.get<std::string>(1));
    }
    EXPECT_EQ(pairs, (std::vector<std::string>{"v4/v5", "v5/v5"})) << "round " << round;
  }
}

TEST_P(StatementCacheTest, AFailedStatementRunsAgainAndASchemaChangeIsSeen) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_THROW(db::WithTx(*db, [](db::Tx& tx) {
                   tx.sql() << "INSERT INTO sc_probe (k, v) VALUES (:k, :v)", soci::use(1), soci::use(std::string("dup"));
                 }),
                 soci::soci_error);
  }
  db::WithTx(*db, [](db::Tx& tx) {
    tx.sql() << "INSERT INTO sc_probe (k, v) VALUES (:k, :v)", soci::use(6), soci::use(std::string("v6"));
  });
  db::Conn c(*db);
  auto v6 = [&] {
    std::string v;
    c.sql() << "SELECT v FROM sc_probe WHERE k = 6", soci::into(v);
    return v;
  };
  EXPECT_EQ(v6(), "v6");
  EXPECT_EQ(v6(), "v6");
  db::WithTx(*db, [](db::Tx& tx) {
    tx.sql() << "ALTER TABLE sc_probe RENAME COLUMN v TO v_old";
    tx.sql() << "ALTER TABLE sc_probe ADD COLUMN v VARCHAR(20) DEFAULT 'renamed'";
  });
  EXPECT_EQ(v6(), "renamed") << "a kept statement is prepared again after the schema changed";
}

TEST_P(StatementCacheTest, ClosingTheDatabaseFinalizesWhatItKept) {
  if (!db->is_sqlite() || !db::StatementCache().enabled) GTEST_SKIP() << "SQLite with the cache on only";
  const std::uint64_t idle_before = db::StatementCache().idle;
  auto other = db::Database::Open(temp->url(), 2);
  {
    db::Conn c(*other);
    int n = 0;
    c.sql() << "SELECT COUNT(*) FROM sc_probe WHERE k > :k", soci::use(0), soci::into(n);
    EXPECT_EQ(n, 5);
  }
  EXPECT_GT(db::StatementCache().idle, idle_before);
  other.reset();  // sqlite3_close would refuse (and leak the connection) with statements left
  EXPECT_EQ(db::StatementCache().idle, idle_before);
}

YIWANG_BACKENDS(StatementCacheTest);

}  // namespace
}  // namespace yiwang::testing
