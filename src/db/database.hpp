#pragma once
// One code path for SQLite (embedded default) and PostgreSQL (scale-out) through SOCI.
// Stores receive a soci::session& from a Tx; services never see SQL text.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <soci/soci.h>

namespace yiwang::db {

enum class Dialect { kSqlite, kPostgres };

class Database {
 public:
  /// url: "sqlite:///path/to/file.db" or "postgresql://user@host:port/dbname".
  /// SQLite is opened in WAL mode with synchronous=FULL (binding records must survive a
  /// power cut) and a busy timeout; foreign keys are enforced on both backends.
  static std::unique_ptr<Database> Open(const std::string& url, std::size_t pool_size = 8);
  ~Database();

  Dialect dialect() const { return dialect_; }
  bool is_sqlite() const { return dialect_ == Dialect::kSqlite; }
  const std::string& url() const { return url_; }
  /// For SQLite: the database file path; empty for PostgreSQL.
  const std::string& sqlite_path() const { return sqlite_path_; }
  soci::connection_pool& pool() { return *pool_; }
  /// SQLite has one writer at a time: this process's writers queue here (in order, without
  /// the busy handler's sleeps) and run on one writer connection. Recursive: a transaction
  /// opened inside another in the same thread becomes a savepoint of it.
  std::recursive_mutex& write_mutex() { return write_mu_; }

  /// SQLite group commit (ADR 0008): transactions that queue behind one another share one
  /// durable COMMIT (one fsync) instead of paying one each. Each transaction runs alone, in
  /// order, under write_mutex(), as a SAVEPOINT of an outer transaction on the writer
  /// connection; the last one of a queue (nobody waiting behind it, or the group has reached
  /// kGroupMax transactions or kGroupMaxMs) commits the group. Tx::Commit returns only when the
  /// group is durable, so nothing is acknowledged before it is on disk; a failed COMMIT fails
  /// every member. A transaction that rolls back undoes only its own savepoint.
  struct Group;
  /// Threads queued for the write mutex (tests line transactions up with it).
  int queued_writers() const { return waiting_.load(); }
  /// SQLite: COMMITs issued for groups so far (each one fsync), and the transactions they made
  /// durable (/metrics shows both: their ratio is the mean group size).
  std::uint64_t group_commits() const { return commits_.load(); }
  std::uint64_t grouped_transactions() const { return grouped_.load(); }
  /// SQLite: seconds the writer (write_mutex()) has been held so far, COMMITs included. Its
  /// growth over wall time is how busy the one writer is: near 1 means writes queue behind it.
  double write_lock_seconds() const { return static_cast<double>(held_ns_.load()) / 1e9; }
  /// SQLite: seconds spent in those COMMITs (writing the WAL, fsync, checkpoints).
  double commit_seconds() const { return static_cast<double>(commit_ns_.load()) / 1e9; }
  static constexpr int kGroupMax = 64;
  static constexpr int kGroupMaxMs = 10;

 private:
  friend class Tx;
  Database() = default;
  /// With write_mutex() held and no transaction of this thread running: commits the open group
  /// when this is the end of a queue (or rolls it back when nothing in it was kept); then
  /// releases `lock`. Returns the group a committed member must wait for (null once durable).
  std::shared_ptr<Group> EndTurn(std::unique_lock<std::recursive_mutex>& lock);

  Dialect dialect_ = Dialect::kSqlite;
  std::string url_;
  std::string sqlite_path_;
  std::size_t size_ = 0;
  std::unique_ptr<soci::connection_pool> pool_;
  std::recursive_mutex write_mu_;
  // SQLite only, all guarded by write_mu_ except waiting_.
  std::unique_ptr<soci::session> writer_;
  std::shared_ptr<Group> group_;  // the open outer transaction, if any
  int depth_ = 0;                 // nesting of the thread holding write_mu_
  std::atomic<int> waiting_{0};   // threads queued for write_mu_
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> grouped_{0};
  std::chrono::steady_clock::time_point held_since_;  // when the writer was last taken
  std::atomic<std::uint64_t> held_ns_{0};
  std::atomic<std::uint64_t> commit_ns_{0};
  void ReleaseWriter(std::unique_lock<std::recursive_mutex>& lock);
};

/// A transaction on a pooled session. SQLite uses BEGIN IMMEDIATE so that writers queue on
/// the database lock up front instead of failing on a read-to-write upgrade. Rolls back in
/// the destructor unless committed.
class Tx {
 public:
  explicit Tx(Database& db);
  ~Tx();
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  soci::session& sql() { return *session_; }
  Database& db() { return db_; }
  Dialect dialect() const { return db_.dialect(); }
  /// Durable when it returns (SQLite: once the group this transaction joined is committed).
  void Commit();
  /// Runs fn once Commit() has succeeded (not if the transaction rolls back): for telling
  /// another thread about data it can now read. A transaction nested in another runs it when
  /// its savepoint is released. fn must not throw.
  void AfterCommit(std::function<void()> fn) { after_commit_.push_back(std::move(fn)); }

 private:
  Database& db_;
  std::unique_lock<std::recursive_mutex> write_lock_;  // SQLite: held while this transaction runs
  std::optional<soci::session> pooled_;                // PostgreSQL: a pooled session
  soci::session* session_ = nullptr;
  std::shared_ptr<Database::Group> group_;  // SQLite: the group joined
  bool nested_ = false;
  bool done_ = false;
  std::vector<std::function<void()>> after_commit_;
  void RunAfterCommit();
};

/// A read-only use of a pooled session (no explicit transaction).
class Conn {
 public:
  explicit Conn(Database& db) : db_(db), session_(db.pool()) {}
  soci::session& sql() { return session_; }
  Dialect dialect() const { return db_.dialect(); }

 private:
  Database& db_;
  soci::session session_;
};

/// Several reads that must agree with one another (a case's row and its events) in one snapshot:
/// without it, a write committed between two statements shows half of itself (PostgreSQL's READ
/// COMMITTED takes a new snapshot per statement; so does SQLite outside a transaction). SQLite:
/// a deferred read transaction; PostgreSQL: REPEATABLE READ, READ ONLY. Ends in the destructor.
class Snapshot {
 public:
  explicit Snapshot(Database& db) : conn_(db) {
    conn_.sql() << (db.is_sqlite() ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }
  ~Snapshot() {
    try {
      conn_.sql() << "COMMIT";  // nothing was written: ends the read (or the failed transaction) either way
    } catch (...) {
    }
  }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  soci::session& sql() { return conn_.sql(); }

 private:
  Conn conn_;
};

/// Runs fn(tx) in a transaction and commits; on SQLite "database is locked" the whole
/// function is retried a few times (it must not have side effects outside the database).
template <typename Fn>
auto WithTx(Database& db, Fn&& fn) -> decltype(fn(std::declval<Tx&>()));

bool IsBusyError(const std::exception& e);
/// A UNIQUE constraint refused a row (SQLite "UNIQUE constraint failed", PostgreSQL 23505): on
/// PostgreSQL two transactions can both look for an idempotency key, find nothing, and insert;
/// the second one meets the index and the caller then answers with the first one's record.
bool IsUniqueViolation(const std::exception& e);

/// libpq keyword/value form of a postgresql:// URL (SOCI 4.0 mangles URLs it is handed).
std::string PgConnectString(const std::string& url);

template <typename Fn>
auto WithTx(Database& db, Fn&& fn) -> decltype(fn(std::declval<Tx&>())) {
  for (int attempt = 0;; ++attempt) {
    try {
      Tx tx(db);
      if constexpr (std::is_void_v<decltype(fn(tx))>) {
        fn(tx);
        tx.Commit();
        return;
      } else {
        auto result = fn(tx);
        tx.Commit();
        return result;
      }
    } catch (const soci::soci_error& e) {
      if (attempt >= 5 || !IsBusyError(e)) throw;
    }
  }
}

}  // namespace yiwang::db
