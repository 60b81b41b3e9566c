// db::Tx on both backends, and SQLite's group commit (ADR 0008): transactions queued behind
// one another share one COMMIT; each is durable and visible when its Commit() returns; one that
// fails rolls back only its own work; a transaction inside another is a savepoint of it.
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "db/database.hpp"
#include "test_support.hpp"

namespace yiwang::testing {
namespace {

class Transactions : public BackendTest {
 protected:
  void SetUp() override {
    temp = std::make_unique<TempDatabase>(GetParam());
    db = db::Database::Open(temp->url(), 4);
    db::WithTx(*db, [](db::Tx& tx) { tx.sql() << "CREATE TABLE tx_probe (k VARCHAR(10) PRIMARY KEY)"; });
  }
  void Insert(db::Tx& tx, const std::string& k) { tx.sql() << "INSERT INTO tx_probe (k) VALUES (:k)", soci::use(k); }
  /// Read on a pooled connection of its own, outside any transaction.
  bool Visible(const std::string& k) {
    db::Conn c(*db);
    int n = 0;
    c.sql() << "SELECT COUNT(*) FROM tx_probe WHERE k = :k", soci::use(k), soci::into(n);
    return n == 1;
  }
  std::unique_ptr<TempDatabase> temp;
  std::unique_ptr<db::Database> db;
};

TEST_P(Transactions, QueuedTransactionsShareOneCommitAndAFailedOneTakesOnlyItsOwnWork) {
  const bool sqlite = db->is_sqlite();
  const std::uint64_t commits_before = db->group_commits();
  std::atomic<bool> a_inside{false};
  bool a_visible = false, c_visible = false, b_threw = false;
  std::thread a([&] {
    db::WithTx(*db, [&](db::Tx& tx) {
      Insert(tx, "a");
      a_inside = true;
      // SQLite: hold the write lock until both others are queued behind this transaction.
      for (int i = 0; sqlite && db->queued_writers() < 2 && i < 10000; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    a_visible = Visible("a");  // Commit() returned: durable, and seen by other connections
  });
  while (!a_inside) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::thread b([&] {
    try {
      db::WithTx(*db, [&](db::Tx& tx) {
        Insert(tx, "b");
        throw std::runtime_error("refused after writing");
      });
    } catch (const std::runtime_error&) {
      b_threw = true;
    }
  });
  std::thread c([&] {
    db::WithTx(*db, [&](db::Tx& tx) { Insert(tx, "c"); });
    c_visible = Visible("c");
  });
  a.join();
  b.join();
  c.join();
  EXPECT_TRUE(a_visible);
  EXPECT_TRUE(c_visible);
  EXPECT_TRUE(b_threw);
  EXPECT_TRUE(Visible("a"));
  EXPECT_FALSE(Visible("b")) << "the failed transaction's row is rolled back";
  EXPECT_TRUE(Visible("c"));
  if (sqlite) {
    EXPECT_EQ(db->group_commits() - commits_before, 1u) << "three queued transactions, one COMMIT (one fsync)";
  }
}

TEST_P(Transactions, ManyWritersAllLandEachVisibleWhenItsCommitReturns) {
  std::vector<std::thread> threads;
  std::atomic<int> visible{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const std::string k = std::to_string(t) + "-" + std::to_string(i);
        db::WithTx(*db, [&](db::Tx& tx) { Insert(tx, k); });
        if (Visible(k)) ++visible;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(visible.load(), 240) << "each transaction is visible to others as soon as its Commit() returns";
  db::Conn conn(*db);
  int n = 0;
  conn.sql() << "SELECT COUNT(*) FROM tx_probe", soci::into(n);
  EXPECT_EQ(n, 240);
}

TEST_P(Transactions, ATransactionInsideAnotherIsASavepointOfIt) {
  if (!db->is_sqlite()) GTEST_SKIP() << "PostgreSQL: every Tx is its own transaction on a pooled session";
  {
    db::Tx outer(*db);
    Insert(outer, "x");
    {
      db::Tx inner(*db);
      Insert(inner, "y");
      inner.Commit();
    }
  }  // outer rolled back: the inner savepoint goes with it
  EXPECT_FALSE(Visible("x"));
  EXPECT_FALSE(Visible("y"));
  {
    db::Tx outer(*db);
    Insert(outer, "x");
    {
      db::Tx inner(*db);
      Insert(inner, "y");
    }  // inner rolled back alone
    outer.Commit();
  }
  EXPECT_TRUE(Visible("x"));
  EXPECT_FALSE(Visible("y"));
}

TEST_P(Transactions, AfterCommitRunsOnceTheDataIsVisibleAndNotOnRollback) {
  bool seen_by_other_connection = false;
  int runs = 0;
  db::WithTx(*db, [&](db::Tx& tx) {
    Insert(tx, "h");
    tx.AfterCommit([&] {
      ++runs;
      seen_by_other_connection = Visible("h");
    });
  });
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(seen_by_other_connection);
  try {
    db::WithTx(*db, [&](db::Tx& tx) {
      Insert(tx, "r");
      tx.AfterCommit([&] { ++runs; });
      throw std::runtime_error("rolled back");
    });
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(runs, 1) << "not run for a transaction that rolled back";
}

YIWANG_BACKENDS(Transactions);

}  // namespace
}  // namespace yiwang::testing
