// Baseline for `make bench-approval`: raw SQLite single-row durable inserts per second, with the
// pragmas yiwang's own connections use (src/db/database.cpp): journal_mode=WAL,
// synchronous=FULL, foreign_keys=ON, busy_timeout; every row in its own BEGIN IMMEDIATE ...
// COMMIT, so every row costs one durable commit (a WAL write and an fsync).
//
//   g++ -O2 -std=c++20 bench/sqlite-inserts.cpp -lsqlite3 -o sqlite-inserts
//   ./sqlite-inserts FILE [SECONDS=5]
//
// Prints one line: "inserts_per_s=<n> rows=<n> seconds=<s> sqlite=<version>". FILE must not exist
// (it and its -wal/-shm files are created; the caller removes them).
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>

namespace {

[[noreturn]] void Die(sqlite3* db, const char* what) {
  std::fprintf(stderr, "sqlite-inserts: %s: %s\n", what, db ? sqlite3_errmsg(db) : "(no connection)");
  std::exit(1);
}

void Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite-inserts: %s: %s\n", sql, err ? err : "?");
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s FILE [SECONDS]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const double seconds = argc == 3 ? std::atof(argv[2]) : 5.0;
  if (seconds <= 0) {
    std::fprintf(stderr, "sqlite-inserts: SECONDS must be positive\n");
    return 2;
  }
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    std::fprintf(stderr, "sqlite-inserts: %s exists; give a new file\n", path.c_str());
    return 2;
  }

  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) Die(db, "open");
  // The same settings as yiwang's connection pool.
  Exec(db, "PRAGMA journal_mode=WAL");
  Exec(db, "PRAGMA synchronous=FULL");
  Exec(db, "PRAGMA foreign_keys=ON");
  Exec(db, "PRAGMA busy_timeout=30000");
  // A row about the size of a case event (id, foreign key, time, a few short texts).
  Exec(db,
       "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, case_id INTEGER NOT NULL, ts INTEGER NOT NULL, "
       "action TEXT NOT NULL, actor TEXT NOT NULL, opinion TEXT NOT NULL)");
  Exec(db, "CREATE INDEX t_case ON t(case_id, ts)");

  sqlite3_stmt *begin = nullptr, *insert = nullptr, *commit = nullptr;
  if (sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr) != SQLITE_OK) Die(db, "prepare begin");
  if (sqlite3_prepare_v2(db, "INSERT INTO t (case_id, ts, action, actor, opinion) VALUES (?, ?, ?, ?, ?)", -1, &insert,
                         nullptr) != SQLITE_OK) {
    Die(db, "prepare insert");
  }
  if (sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr) != SQLITE_OK) Die(db, "prepare commit");

  const std::string opinion = "完成“审查”环节。意见：材料齐全，符合法定形式，同意进入下一环节。";
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  long long rows = 0;
  auto now = start;
  while (now < until) {
    if (sqlite3_step(begin) != SQLITE_DONE) Die(db, "BEGIN IMMEDIATE");
    sqlite3_reset(begin);
    sqlite3_bind_int64(insert, 1, rows / 8 + 1);
    sqlite3_bind_int64(insert, 2, std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
    sqlite3_bind_text(insert, 3, "complete_step", -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 4, "刘洋", -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 5, opinion.c_str(), static_cast<int>(opinion.size()), SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE) Die(db, "INSERT");
    sqlite3_reset(insert);
    if (sqlite3_step(commit) != SQLITE_DONE) Die(db, "COMMIT");
    sqlite3_reset(commit);
    ++rows;
    now = Clock::now();
  }
  const double elapsed = std::chrono::duration<double>(now - start).count();
  sqlite3_finalize(begin);
  sqlite3_finalize(insert);
  sqlite3_finalize(commit);
  sqlite3_close(db);
  std::printf("inserts_per_s=%.0f rows=%lld seconds=%.2f sqlite=%s\n", rows / elapsed, rows, elapsed, sqlite3_libversion());
  return 0;
}
