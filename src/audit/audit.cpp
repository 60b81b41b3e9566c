#include "audit/audit.hpp"

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "db/row.hpp"

#include <algorithm>
#include <limits>

namespace yiwang::audit {
namespace {

constexpr char kSep = '\x1f';

void LoadRow(const soci::row& r, Record& rec) {
  rec.seq = db::RowInt(r, "seq");
  rec.ts = db::RowInt(r, "ts");
  rec.actor.kind = db::RowStr(r, "actor_kind");
  rec.actor.id = db::RowInt(r, "actor_id");
  rec.actor.name = db::RowStr(r, "actor_name");
  rec.actor.unit_id = db::RowInt(r, "unit_id");
  rec.event.action = db::RowStr(r, "action");
  rec.event.object_type = db::RowStr(r, "object_type");
  rec.event.object_id = db::RowStr(r, "object_id");
  rec.event.outcome = db::RowStr(r, "outcome");
  rec.actor.client_ip = db::RowStr(r, "client_ip");
  rec.actor.zone = db::RowStr(r, "zone");
  rec.event.detail = db::RowStr(r, "detail");
  rec.prev_hash = db::RowStr(r, "prev_hash");
  rec.hash = db::RowStr(r, "hash");
}

const char* kColumns =
    "seq, ts, actor_kind, actor_id, actor_name, unit_id, action, object_type, object_id, outcome, client_ip, zone, "
    "detail, prev_hash, hash";

}  // namespace

std::string AuditLog::ComputeHash(const Record& r) const {
  std::string s;
  s.reserve(256);
  s += r.prev_hash; s += kSep;
  s += std::to_string(r.seq); s += kSep;
  s += std::to_string(r.ts); s += kSep;
  s += r.actor.kind; s += kSep;
  s += std::to_string(r.actor.id); s += kSep;
  s += r.actor.name; s += kSep;
  s += std::to_string(r.actor.unit_id); s += kSep;
  s += r.event.action; s += kSep;
  s += r.event.object_type; s += kSep;
  s += r.event.object_id; s += kSep;
  s += r.event.outcome; s += kSep;
  s += r.actor.client_ip; s += kSep;
  s += r.actor.zone; s += kSep;
  s += r.event.detail;
  return core::HmacSm3Hex(key_, s);
}

void AuditLog::Append(db::Tx& tx, const Actor& actor, const Event& event) const {
  long long last_seq = 0;
  std::string last_hash;
  // FOR UPDATE serialises audited transactions on PostgreSQL; SQLite's BEGIN IMMEDIATE has
  // already taken the write lock.
  tx.sql() << (tx.dialect() == db::Dialect::kPostgres ? "SELECT last_seq, last_hash FROM audit_head WHERE id = 1 FOR UPDATE"
                                                       : "SELECT last_seq, last_hash FROM audit_head WHERE id = 1"),
      soci::into(last_seq), soci::into(last_hash);
  Record r;
  r.seq = last_seq + 1;
  r.ts = clock_.NowMs();
  r.actor = actor;
  r.event = event;
  r.prev_hash = last_hash;
  r.hash = ComputeHash(r);
  long long seq = r.seq, ts = r.ts, actor_id = actor.id, unit_id = actor.unit_id;
  tx.sql() << "INSERT INTO audit_log (seq, ts, actor_kind, actor_id, actor_name, unit_id, action, object_type, object_id, "
              "outcome, client_ip, zone, detail, prev_hash, hash) VALUES (:seq, :ts, :ak, :aid, :an, :uid, :act, :ot, :oid, "
              ":out, :ip, :zone, :detail, :prev, :hash)",
      soci::use(seq), soci::use(ts), soci::use(actor.kind), soci::use(actor_id), soci::use(actor.name),
      soci::use(unit_id), soci::use(event.action), soci::use(event.object_type), soci::use(event.object_id),
      soci::use(event.outcome), soci::use(actor.client_ip), soci::use(actor.zone), soci::use(event.detail),
      soci::use(r.prev_hash), soci::use(r.hash);
  tx.sql() << "UPDATE audit_head SET last_seq = :s, last_hash = :h WHERE id = 1", soci::use(seq), soci::use(r.hash);
}

AuditLog::VerifyResult AuditLog::Verify(db::Database& db) const {
  VerifyResult res;
  db::Conn c(db);
  std::string expected_prev(64, '0');
  std::int64_t expected_seq = 1;
  soci::rowset<soci::row> rows = (c.sql().prepare << "SELECT " << kColumns << " FROM audit_log ORDER BY seq");
  auto fail = [&](std::int64_t seq, std::string problem) {
    res.ok = false;
    res.first_bad_seq = seq;
    res.problem = std::move(problem);
  };
  for (const soci::row& row : rows) {
    Record r;
    LoadRow(row, r);
    if (r.seq != expected_seq) {
      fail(expected_seq, r.seq > expected_seq
                             ? "第 " + std::to_string(expected_seq) + " 条审计记录缺失（已被删除），下一条为第 " +
                                   std::to_string(r.seq) + " 条"
                             : "第 " + std::to_string(r.seq) + " 条审计记录序号异常（在应用之外插入）");
      return res;
    }
    if (r.prev_hash != expected_prev) {
      fail(r.seq, "第 " + std::to_string(r.seq) + " 条审计记录的前序哈希不符：其前面的记录被删除、替换或在应用之外插入");
      return res;
    }
    if (ComputeHash(r) != r.hash) {
      fail(r.seq, "第 " + std::to_string(r.seq) + " 条审计记录的内容被篡改或在应用之外写入（哈希校验失败）");
      return res;
    }
    expected_prev = r.hash;
    ++expected_seq;
    ++res.checked;
  }
  long long head_seq = 0;
  std::string head_hash;
  c.sql() << "SELECT last_seq, last_hash FROM audit_head WHERE id = 1", soci::into(head_seq), soci::into(head_hash);
  if (head_seq != expected_seq - 1 || head_hash != expected_prev) {
    if (head_seq > expected_seq - 1) {
      fail(expected_seq, "第 " + std::to_string(expected_seq) + " 条及之后的审计记录缺失（链尾被删除），应有 " +
                             std::to_string(head_seq) + " 条");
    } else {
      fail(head_seq + 1, "第 " + std::to_string(head_seq + 1) + " 条审计记录在应用之外追加（链头未记录）");
    }
  }
  return res;
}

AuditLog::Page AuditLog::Search(db::Database& db, const Query& q) const {
  Page page;
  db::Conn c(db);
  long long from = q.from_ms, to = q.to_ms == 0 ? std::numeric_limits<long long>::max() : q.to_ms;
  std::string actor = "%" + q.actor + "%";
  std::string action = q.action + "%";
  std::string outcome = q.outcome.empty() ? "%" : q.outcome;
  std::string object_id = q.object_id.empty() ? "%" : q.object_id;
  const std::string where =
      " WHERE ts >= :f AND ts <= :t AND actor_name LIKE :a AND action LIKE :ac AND outcome LIKE :o AND object_id LIKE :oid";
  long long total = 0;
  c.sql() << "SELECT COUNT(*) FROM audit_log" + where, soci::use(from), soci::use(to), soci::use(actor),
      soci::use(action), soci::use(outcome), soci::use(object_id), soci::into(total);
  page.total = total;
  int per_page = std::clamp(q.per_page, 1, 200);
  long long limit = per_page, offset = static_cast<long long>(std::max(q.page, 1) - 1) * per_page;
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kColumns << " FROM audit_log" << where << " ORDER BY seq DESC LIMIT :l OFFSET :off",
       soci::use(from), soci::use(to), soci::use(actor), soci::use(action), soci::use(outcome), soci::use(object_id),
       soci::use(limit), soci::use(offset));
  for (const soci::row& row : rows) {
    Record r;
    LoadRow(row, r);
    page.rows.push_back(std::move(r));
  }
  return page;
}

}  // namespace yiwang::audit
