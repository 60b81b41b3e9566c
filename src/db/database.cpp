#include "db/database.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>

#include "core/error.hpp"
#include "db/statement_cache.hpp"

namespace yiwang::db {

Database::~Database() = default;

std::unique_ptr<Database> Database::Open(const std::string& url, std::size_t pool_size) {
  std::unique_ptr<Database> db(new Database());
  db->url_ = url;
  db->size_ = pool_size;
  db->pool_ = std::make_unique<soci::connection_pool>(pool_size);
  if (url.rfind("sqlite://", 0) == 0) {
    db->dialect_ = Dialect::kSqlite;
    ConfigureSqlite();
    db->sqlite_path_ = url.substr(9);
    if (db->sqlite_path_.empty()) throw Error(ErrorCode::kInvalidInput, "SQLite 数据库路径为空：" + url);
    auto parent = std::filesystem::path(db->sqlite_path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    auto configure = [&](soci::session& s) {
      s.open(soci::sqlite3, "db=\"" + db->sqlite_path_ + "\" timeout=30");
      s << "PRAGMA journal_mode=WAL";
      s << "PRAGMA synchronous=FULL";
      s << "PRAGMA foreign_keys=ON";
      s << "PRAGMA busy_timeout=30000";
      // 32 MiB of page cache per connection (default 2 MiB) and reads through mmap: the
      // supervision tick and the stats touch index pages all over tables of millions of rows
      // (without mmap the stats at 1M cases took 180 ms instead of 28). The price: in WAL mode a
      // connection unmaps the file at the start of every read after another connection's write
      // and maps it again on the next read — ~7 % of the server's CPU per approval case.
      s << "PRAGMA cache_size=-32768";
      s << "PRAGMA mmap_size=268435456";
      // Checkpoint the WAL into the database every 10,000 pages (~40 MB) instead of 1,000: the
      // checkpoint runs inside a COMMIT, holding the one writer; hot pages (index roots, the
      // audit chain's last page) are copied once per checkpoint however often they changed.
      // Measured: COMMIT time per approval case 4.0 -> 3.7 ms (bench/README.md).
      s << "PRAGMA wal_autocheckpoint=10000";
    };
    for (std::size_t i = 0; i < pool_size; ++i) configure(db->pool_->at(i));
    db->writer_ = std::make_unique<soci::session>();
    configure(*db->writer_);
  } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    db->dialect_ = Dialect::kPostgres;
    for (std::size_t i = 0; i < pool_size; ++i) {
      soci::session& s = db->pool_->at(i);
      s.open(soci::postgresql, PgConnectString(url));
      s << "SET client_min_messages TO WARNING";
    }
  } else {
    throw Error(ErrorCode::kInvalidInput, "数据库地址应以 sqlite:// 或 postgresql:// 开头：" + url);
  }
  return db;
}

struct Database::Group {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  int members = 0;  // transactions that joined
  int kept = 0;     // of which committed their savepoint
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::string error;  // why the group did not commit
};

namespace {

bool InTransaction(soci::session& s) {
  auto* backend = static_cast<soci::sqlite3_session_backend*>(s.get_backend());
  return sqlite_api::sqlite3_get_autocommit(backend->conn_) == 0;
}

}  // namespace

std::shared_ptr<Database::Group> Database::EndTurn(std::unique_lock<std::recursive_mutex>& lock) {
  std::shared_ptr<Group> g = group_;
  if (!g) {
    ReleaseWriter(lock);
    return nullptr;
  }
  const auto age = std::chrono::steady_clock::now() - g->started;
  const bool last = waiting_.load() == 0 || g->members >= kGroupMax || age >= std::chrono::milliseconds(kGroupMaxMs);
  if (!last) {
    ReleaseWriter(lock);  // the next transaction in the queue joins the group and commits it or passes it on
    return g;
  }
  std::string error;
  try {
    if (!InTransaction(*writer_)) {
      // SQLite ended the outer transaction itself (I/O error, disk full): what the group kept is gone.
      if (g->kept > 0) error = "数据库事务被中止（磁盘或 I/O 错误），本次提交未能保存";
    } else if (g->kept == 0) {
      *writer_ << "ROLLBACK";
    } else {
      const auto t0 = std::chrono::steady_clock::now();
      *writer_ << "COMMIT";
      commit_ns_.fetch_add(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count()));
      commits_.fetch_add(1);
      grouped_.fetch_add(static_cast<std::uint64_t>(g->kept));
    }
  } catch (const std::exception& e) {
    error = std::string("数据库提交失败：") + e.what();
    try {
      if (InTransaction(*writer_)) *writer_ << "ROLLBACK";
    } catch (const std::exception&) {
      // Nothing more can be done on this connection; the next BEGIN reports it.
    }
  }
  group_.reset();
  ReleaseWriter(lock);
  {
    std::lock_guard done(g->mu);
    g->done = true;
    g->error = error;
  }
  g->cv.notify_all();
  return g;
}

void Database::ReleaseWriter(std::unique_lock<std::recursive_mutex>& lock) {
  held_ns_.fetch_add(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - held_since_).count()));
  lock.unlock();
}

Tx::Tx(Database& db) : db_(db) {
  if (!db.is_sqlite()) {
    pooled_.emplace(db.pool());
    session_ = &*pooled_;
    *session_ << "BEGIN";
    return;
  }
  db.waiting_.fetch_add(1);
  write_lock_ = std::unique_lock<std::recursive_mutex>(db.write_mutex());
  db.waiting_.fetch_sub(1);
  session_ = db.writer_.get();
  if (db.depth_ == 0) db.held_since_ = std::chrono::steady_clock::now();
  if (db.depth_ > 0) {  // inside another transaction of this thread: a savepoint of it
    *session_ << "SAVEPOINT yw";
    ++db.depth_;
    nested_ = true;
    return;
  }
  try {
    if (!db.group_) {
      *session_ << "BEGIN IMMEDIATE";
      db.group_ = std::make_shared<Database::Group>();
    }
    group_ = db.group_;
    group_->members += 1;
    *session_ << "SAVEPOINT yw";
    db.depth_ = 1;
  } catch (...) {
    group_.reset();
    db.EndTurn(write_lock_);  // others may be waiting for the group
    throw;
  }
}

Tx::~Tx() {
  if (!db_.is_sqlite()) {
    if (!done_) {
      try {
        *session_ << "ROLLBACK";
      } catch (const std::exception&) {
        // The connection may be broken; SOCI will reconnect or the pool entry fails loudly
        // on next use. Nothing else to do in a destructor.
      }
    }
    return;
  }
  if (!write_lock_.owns_lock()) return;  // committed
  if (!done_) {
    try {
      *session_ << "ROLLBACK TO yw";
      *session_ << "RELEASE yw";
    } catch (const std::exception&) {
      // The outer transaction is gone (SQLite aborts it on some errors); EndTurn sees that.
    }
  }
  --db_.depth_;
  if (nested_) return;  // the lock is released by the unique_lock
  db_.EndTurn(write_lock_);  // nothing of this transaction is kept: no need to wait
}

void Tx::Commit() {
  if (!db_.is_sqlite()) {
    *session_ << "COMMIT";
    done_ = true;
    RunAfterCommit();
    return;
  }
  *session_ << "RELEASE yw";
  done_ = true;
  if (nested_) {  // part of the enclosing transaction
    RunAfterCommit();
    return;
  }
  --db_.depth_;
  group_->kept += 1;
  std::shared_ptr<Database::Group> g = db_.EndTurn(write_lock_);
  if (g) {
    std::unique_lock wait(g->mu);
    g->cv.wait(wait, [&] { return g->done; });
    if (!g->error.empty()) throw Error(ErrorCode::kInternal, g->error);
  }
  RunAfterCommit();
}

void Tx::RunAfterCommit() {
  for (auto& fn : after_commit_) fn();
  after_commit_.clear();
}

std::string PgConnectString(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string userinfo, hostport = rest, dbname;
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    userinfo = rest.substr(0, at);
    hostport = rest.substr(at + 1);
  }
  if (auto slash = hostport.find('/'); slash != std::string::npos) {
    dbname = hostport.substr(slash + 1);
    hostport = hostport.substr(0, slash);
  }
  auto quote = [](const std::string& v) {
    std::string out = "'";
    for (char c : v) {
      if (c == '\\' || c == '\'') out += '\\';
      out += c;
    }
    return out + "'";
  };
  auto decode = [](const std::string& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '%' && i + 2 < v.size()) {
        out += static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += v[i];
      }
    }
    return out;
  };
  std::string cs;
  if (!userinfo.empty()) {
    auto colon = userinfo.find(':');
    cs += "user=" + quote(decode(userinfo.substr(0, colon)));
    if (colon != std::string::npos) cs += " password=" + quote(decode(userinfo.substr(colon + 1)));
  }
  if (!hostport.empty()) {
    std::string host = hostport, port;
    if (auto colon = hostport.rfind(':'); colon != std::string::npos && hostport.back() != ']') {
      host = hostport.substr(0, colon);
      port = hostport.substr(colon + 1);
    }
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (!host.empty()) cs += " host=" + quote(decode(host));
    if (!port.empty()) cs += " port=" + quote(port);
  }
  if (!dbname.empty()) cs += " dbname=" + quote(decode(dbname));
  std::size_t pos = 0;
  while (pos < query.size()) {
    auto amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    std::string kv = query.substr(pos, amp - pos);
    if (auto eq = kv.find('='); eq != std::string::npos) cs += " " + kv.substr(0, eq) + "=" + quote(decode(kv.substr(eq + 1)));
    pos = amp + 1;
  }
  return cs;
}

bool IsUniqueViolation(const std::exception& e) {
  // PostgreSQL by SQLSTATE (its message text follows the server's language); SQLite by its text.
  if (const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e)) return pg->sqlstate() == "23505";
  return std::string(e.what()).find("UNIQUE constraint failed") != std::string::npos;
}

bool IsBusyError(const std::exception& e) {
  std::string what = e.what();
  return what.find("database is locked") != std::string::npos || what.find("SQLITE_BUSY") != std::string::npos ||
         what.find("could not serialize") != std::string::npos || what.find("deadlock detected") != std::string::npos;
}

}  // namespace yiwang::db
