// SQLite prepared-statement cache under SOCI (ADR 0010).
//
// SOCI 4.0 prepares every statement it runs (sqlite3_prepare_v2) and finalizes it afterwards
// (sqlite3_finalize); it has no statement cache and no hook for one. Measured on the approval
// benchmark, preparing was ~17 % of the server's CPU (about 30 statements per request, the same
// few hundred texts over and over). The drivers of other languages keep a per-connection cache
// of prepared statements keyed by their text (Python's sqlite3 module, rusqlite, JDBC pools);
// this file gives SOCI's SQLite backend the same, by defining the three SQLite entry points it
// calls in this executable, which the dynamic linker then binds in place of libsqlite3's:
//
//   sqlite3_prepare_v2  — returns an idle statement with the same text on the same connection
//                         if there is one (a "hit"), else prepares one through libsqlite3;
//   sqlite3_finalize    — for a statement prepared here: resets it, clears its bindings and
//                         keeps it idle for the next prepare of the same text (up to
//                         kMaxIdlePerConnection per connection; beyond that it is finalized);
//   sqlite3_close       — finalizes the connection's idle statements first (SQLite refuses to
//                         close a connection with unfinalized statements).
//
// libsqlite3 calls its own sqlite3_prepare_v2 / sqlite3_finalize through the same symbols (for
// sqlite3_exec, VACUUM, schema loading) and sometimes frees those statements internally; calls
// that come from inside libsqlite3 (by return address) therefore pass straight through.
//
// A reset statement holds no locks and no read transaction, exactly like a finalized one; a
// statement in use is never handed out twice (only idle ones are). Statements whose text holds
// more than one SQL statement are not cached. SQLite re-prepares a cached statement by itself
// when the schema changes (prepare_v2). YIWANG_SQLITE_STATEMENT_CACHE=0 in the environment turns
// the cache off (every call passes straight through), for comparison and as an escape hatch.
#include "db/statement_cache.hpp"

#include "core/code_range.hpp"

#include <dlfcn.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace yiwang::db {
namespace {

using PrepareFn = int (*)(sqlite3*, const char*, int, sqlite3_stmt**, const char**);
using FinalizeFn = int (*)(sqlite3_stmt*);
using CloseFn = int (*)(sqlite3*);

constexpr std::size_t kMaxIdlePerConnection = 256;

struct Real {
  PrepareFn prepare = nullptr;
  FinalizeFn finalize = nullptr;
  CloseFn close = nullptr;
  bool enabled = true;
  // Where libsqlite3's code is mapped: its own calls are not cached.
  core::CodeRange lib;
};

const Real& RealApi() {
  static const Real real = [] {
    Real r;
    r.prepare = reinterpret_cast<PrepareFn>(dlsym(RTLD_NEXT, "sqlite3_prepare_v2"));
    r.finalize = reinterpret_cast<FinalizeFn>(dlsym(RTLD_NEXT, "sqlite3_finalize"));
    r.close = reinterpret_cast<CloseFn>(dlsym(RTLD_NEXT, "sqlite3_close"));
    if (!r.prepare || !r.finalize || !r.close) std::abort();  // libsqlite3 is linked: cannot happen
    r.lib = core::CodeRangeOf(reinterpret_cast<const void*>(r.prepare));
    const char* env = std::getenv("YIWANG_SQLITE_STATEMENT_CACHE");
    // Without the library's range the cache cannot tell its calls apart: off.
    r.enabled = !(env && std::strcmp(env, "0") == 0) && !r.lib.empty();
    return r;
  }();
  return real;
}

struct Idle {
  sqlite3_stmt* stmt;
  int tail;  // bytes of the text the statement used (what prepare reports through pzTail)
};

struct State {
  std::mutex mu;
  // Idle statements by connection and text.
  std::unordered_map<sqlite3*, std::unordered_multimap<std::string, Idle>> idle;
  std::unordered_map<sqlite3*, std::size_t> idle_count;
  // Statements handed out by the cache (in use): their text and tail, to be kept on finalize.
  std::unordered_map<sqlite3_stmt*, std::pair<std::string, int>> in_use;
  std::atomic<std::uint64_t> hits{0}, misses{0};
};

State& St() {
  static State* s = new State;  // never destroyed: connections may close during static teardown
  return *s;
}

bool OnlyBlanks(const char* p, const char* end) {
  for (; (end ? p < end : *p != '\0'); ++p) {
    if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';') return false;
  }
  return true;
}

}  // namespace

StatementCacheStats StatementCache() {
  State& s = St();
  StatementCacheStats out;
  out.enabled = RealApi().enabled;
  out.hits = s.hits.load();
  out.misses = s.misses.load();
  std::lock_guard lock(s.mu);
  for (const auto& [db, n] : s.idle_count) out.idle += n;
  return out;
}

void ConfigureSqlite() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace yiwang::db

extern "C" {

int sqlite3_prepare_v2(sqlite3* db, const char* sql, int n_bytes, sqlite3_stmt** out, const char** tail) {
  const auto& real = yiwang::db::RealApi();
  if (!real.enabled || !db || !sql || real.lib.Contains(__builtin_return_address(0))) {
    return real.prepare(db, sql, n_bytes, out, tail);
  }
  std::string key = n_bytes < 0 ? std::string(sql) : std::string(sql, static_cast<std::size_t>(n_bytes));
  auto& s = yiwang::db::St();
  {
    std::lock_guard lock(s.mu);
    auto conn = s.idle.find(db);
    if (conn != s.idle.end()) {
      auto it = conn->second.find(key);
      if (it != conn->second.end()) {
        const yiwang::db::Idle idle = it->second;
        conn->second.erase(it);
        --s.idle_count[db];
        s.in_use.emplace(idle.stmt, std::make_pair(std::move(key), idle.tail));
        s.hits.fetch_add(1, std::memory_order_relaxed);
        *out = idle.stmt;
        if (tail) *tail = sql + idle.tail;
        return SQLITE_OK;
      }
    }
  }
  const char* rest = nullptr;
  const int rc = real.prepare(db, sql, n_bytes, out, &rest);
  if (tail) *tail = rest;
  if (rc != SQLITE_OK || !*out) return rc;
  const char* end = n_bytes < 0 ? nullptr : sql + n_bytes;
  if (!rest || !yiwang::db::OnlyBlanks(rest, end)) return rc;  // several statements: not cached
  s.misses.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(s.mu);
  s.in_use.emplace(*out, std::make_pair(std::move(key), static_cast<int>(rest - sql)));
  return rc;
}

int sqlite3_finalize(sqlite3_stmt* stmt) {
  const auto& real = yiwang::db::RealApi();
  if (!stmt) return SQLITE_OK;
  auto& s = yiwang::db::St();
  std::pair<std::string, int> info;
  {
    std::lock_guard lock(s.mu);
    auto it = s.in_use.find(stmt);
    if (it == s.in_use.end()) return real.finalize(stmt);
    info = std::move(it->second);
    s.in_use.erase(it);
  }
  // Same result a finalize reports: the error of the statement's last step, if any.
  const int rc = sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  sqlite3* db = sqlite3_db_handle(stmt);
  {
    std::lock_guard lock(s.mu);
    std::size_t& n = s.idle_count[db];
    if (n < yiwang::db::kMaxIdlePerConnection) {
      s.idle[db].emplace(std::move(info.first), yiwang::db::Idle{stmt, info.second});
      ++n;
      return rc;
    }
  }
  real.finalize(stmt);
  return rc;
}

int sqlite3_close(sqlite3* db) {
  const auto& real = yiwang::db::RealApi();
  std::vector<sqlite3_stmt*> idle;
  {
    auto& s = yiwang::db::St();
    std::lock_guard lock(s.mu);
    auto conn = s.idle.find(db);
    if (conn != s.idle.end()) {
      for (auto& [text, e] : conn->second) idle.push_back(e.stmt);
      s.idle.erase(conn);
    }
    s.idle_count.erase(db);
  }
  for (sqlite3_stmt* stmt : idle) real.finalize(stmt);
  return real.close(db);
}

}  // extern "C"
