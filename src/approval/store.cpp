#include "approval/store.hpp"

#include <algorithm>

#include "approval/views.hpp"
#include "core/text_search.hpp"
#include "db/row.hpp"

namespace yiwang::approval::store {
namespace {

const char* kCols =
    "i.id, i.code, i.version, i.dept_unit_id, u.code AS dept_code, u.name AS dept_name, i.name, i.kind, i.legal_basis, "
    "i.conditions, i.statutory_days, i.promised_days, i.place, i.fully_online, i.status, i.body, i.updated_at, "
    "i.published_at";

Item Load(const soci::row& r) {
  Item item = ItemFromJson(nlohmann::json::parse(db::RowStr(r, "body")));
  item.id = db::RowInt(r, "id");
  item.code = db::RowStr(r, "code");
  item.version = static_cast<int>(db::RowInt(r, "version"));
  item.dept_unit_id = db::RowInt(r, "dept_unit_id");
  item.dept_code = db::RowStr(r, "dept_code");
  item.dept_name = db::RowStr(r, "dept_name");
  item.name = db::RowStr(r, "name");
  item.kind = ParseItemKind(db::RowStr(r, "kind"));
  item.legal_basis = db::RowStr(r, "legal_basis");
  item.conditions = db::RowStr(r, "conditions");
  item.statutory_days = static_cast<int>(db::RowInt(r, "statutory_days"));
  item.promised_days = static_cast<int>(db::RowInt(r, "promised_days"));
  item.place = db::RowStr(r, "place");
  item.fully_online = db::RowInt(r, "fully_online") != 0;
  item.status = ParseItemStatus(db::RowStr(r, "status"));
  item.updated_at = db::RowInt(r, "updated_at");
  item.published_at = db::RowInt(r, "published_at");
  return item;
}

std::string Body(const Item& item) {
  nlohmann::json full = ItemJson(item);
  return nlohmann::json{{"code", item.code}, {"name", item.name}, {"materials", full["materials"]}, {"fees", full["fees"]},
                        {"steps", full["steps"]}, {"valid_years", item.valid_years}}
      .dump();
}

std::string Tokens(const Item& item) {
  return core::SearchTokens(item.name + " " + item.code + " " + item.dept_name + " " + item.conditions);
}

std::optional<Item> First(soci::rowset<soci::row>& rows) {
  std::optional<Item> out;
  for (const soci::row& r : rows) {
    out = Load(r);
    break;
  }
  return out;
}

}  // namespace

std::optional<Item> FindVersion(soci::session& sql, std::int64_t id) {
  long long v = id;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << kCols << " FROM items i JOIN units u ON u.id = i.dept_unit_id WHERE i.id = :id", soci::use(v));
  return First(rows);
}

std::optional<Item> FindByCodeVersion(soci::session& sql, const std::string& code, int version) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << kCols << " FROM items i JOIN units u ON u.id = i.dept_unit_id WHERE i.code = :c AND "
                      "i.version = :v",
       soci::use(code), soci::use(version));
  return First(rows);
}

std::optional<Item> Latest(soci::session& sql, const std::string& code) {
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT " << kCols
                                              << " FROM items i JOIN units u ON u.id = i.dept_unit_id WHERE i.code = :c "
                                                 "ORDER BY i.version DESC LIMIT 1",
                                  soci::use(code));
  return First(rows);
}

std::optional<Item> CurrentPublished(soci::session& sql, const std::string& code) {
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT " << kCols
                                              << " FROM items i JOIN units u ON u.id = i.dept_unit_id WHERE i.code = :c "
                                                 "AND i.status = 'published' ORDER BY i.version DESC LIMIT 1",
                                  soci::use(code));
  return First(rows);
}

std::int64_t InsertVersion(db::Tx& tx, const Item& item, std::int64_t now) {
  long long id = 0, dept = item.dept_unit_id, n = now;
  int online = item.fully_online ? 1 : 0;
  std::string kind = ItemKindKey(item.kind), status = ItemStatusKey(item.status), body = Body(item), tokens = Tokens(item);
  tx.sql() << "INSERT INTO items (code, version, dept_unit_id, name, kind, legal_basis, conditions, statutory_days, "
              "promised_days, place, fully_online, status, body, search_tokens, created_at, updated_at) VALUES (:c, :v, :d, "
              ":n, :k, :lb, :co, :sd, :pd, :pl, :o, :st, :b, :t, :ca, :ua) RETURNING id",
      soci::use(item.code), soci::use(item.version), soci::use(dept), soci::use(item.name), soci::use(kind),
      soci::use(item.legal_basis), soci::use(item.conditions), soci::use(item.statutory_days),
      soci::use(item.promised_days), soci::use(item.place), soci::use(online), soci::use(status), soci::use(body),
      soci::use(tokens), soci::use(n), soci::use(n), soci::into(id);
  return id;
}

void UpdateVersion(db::Tx& tx, const Item& item, std::int64_t now) {
  long long id = item.id, dept = item.dept_unit_id, n = now;
  int online = item.fully_online ? 1 : 0;
  std::string kind = ItemKindKey(item.kind), body = Body(item), tokens = Tokens(item);
  tx.sql() << "UPDATE items SET dept_unit_id = :d, name = :n, kind = :k, legal_basis = :lb, conditions = :co, "
              "statutory_days = :sd, promised_days = :pd, place = :pl, fully_online = :o, body = :b, search_tokens = :t, "
              "updated_at = :ua WHERE id = :id",
      soci::use(dept), soci::use(item.name), soci::use(kind), soci::use(item.legal_basis), soci::use(item.conditions),
      soci::use(item.statutory_days), soci::use(item.promised_days), soci::use(item.place), soci::use(online),
      soci::use(body), soci::use(tokens), soci::use(n), soci::use(id);
}

void SetStatus(db::Tx& tx, const Item& item, ItemStatus status, std::int64_t now) {
  long long id = item.id, n = now;
  std::string st = ItemStatusKey(status);
  if (status == ItemStatus::kPublished) {
    tx.sql() << "UPDATE items SET status = :s, published_at = :p, updated_at = :u WHERE id = :id", soci::use(st),
        soci::use(n), soci::use(n), soci::use(id);
  } else {
    tx.sql() << "UPDATE items SET status = :s, updated_at = :u WHERE id = :id", soci::use(st), soci::use(n), soci::use(id);
  }
  const std::string tokens = Tokens(item);
  if (tx.dialect() == db::Dialect::kSqlite) {
    tx.sql() << "DELETE FROM items_fts WHERE rowid = :id", soci::use(id);
    if (status == ItemStatus::kPublished) {
      tx.sql() << "INSERT INTO items_fts (rowid, tokens) VALUES (:id, :t)", soci::use(id), soci::use(tokens);
    }
  } else if (status == ItemStatus::kPublished) {
    tx.sql() << "UPDATE items SET search_tsv = to_tsvector('simple', :t) WHERE id = :id", soci::use(tokens), soci::use(id);
  } else {
    tx.sql() << "UPDATE items SET search_tsv = NULL WHERE id = :id", soci::use(id);
  }
}

Page Search(soci::session& sql, db::Dialect dialect, const Query& q) {
  Page page;
  std::string from = " FROM items i JOIN units u ON u.id = i.dept_unit_id";
  std::string where = " WHERE 1=1";
  // A repeated term narrows nothing: each is matched once.
  std::vector<std::string> tokens;
  for (std::string& t : core::QueryTokens(q.q)) {
    if (std::find(tokens.begin(), tokens.end(), t) == tokens.end()) tokens.push_back(std::move(t));
  }
  std::string match;
  if (!tokens.empty()) {
    // Tokens are CJK characters and ASCII alphanumerics only (the tokenizer drops everything
    // else), so they cannot carry query syntax; they are still bound, never spliced.
    if (dialect == db::Dialect::kSqlite) {
      for (const auto& t : tokens) match += (match.empty() ? "" : " ") + ("\"" + t + "\"");
      from += " JOIN items_fts f ON f.rowid = i.id";
      where += " AND items_fts MATCH :m";
    } else {
      for (const auto& t : tokens) match += (match.empty() ? "" : " & ") + t;
      where += " AND i.search_tsv @@ to_tsquery('simple', :m)";
    }
  } else if (!q.q.empty()) {
    return page;  // nothing searchable in the query (punctuation only)
  }
  if (q.published_only) {
    where += " AND i.status = 'published'";
  } else {
    where += " AND i.version = (SELECT MAX(i2.version) FROM items i2 WHERE i2.code = i.code)";
    if (!q.status.empty()) where += " AND i.status = :st";
  }
  if (q.dept_unit_id) where += " AND i.dept_unit_id = :d";
  if (!q.kind.empty()) where += " AND i.kind = :k";
  long long dept = q.dept_unit_id;
  const int per_page = std::clamp(q.per_page, 1, 200);
  long long limit = per_page, offset = static_cast<long long>(std::max(q.page, 1) - 1) * per_page;

  // Bind only the parameters the statement uses, in order.
  auto bind = [&](soci::statement& st) {
    if (!tokens.empty()) st.exchange(soci::use(match));
    if (!q.published_only && !q.status.empty()) st.exchange(soci::use(q.status));
    if (q.dept_unit_id) st.exchange(soci::use(dept));
    if (!q.kind.empty()) st.exchange(soci::use(q.kind));
  };
  {
    long long total = 0;
    soci::statement st(sql);
    bind(st);
    st.exchange(soci::into(total));
    st.alloc();
    st.prepare("SELECT COUNT(*)" + from + where);
    st.define_and_bind();
    st.execute(true);
    page.total = total;
  }
  {
    soci::row row;
    soci::statement st(sql);
    bind(st);
    st.exchange(soci::use(limit));
    st.exchange(soci::use(offset));
    st.exchange(soci::into(row));
    st.alloc();
    st.prepare(std::string("SELECT ") + kCols + from + where + " ORDER BY u.sort_order, i.code LIMIT :l OFFSET :o");
    st.define_and_bind();
    if (st.execute(true)) {
      do {
        page.items.push_back(Load(row));
      } while (st.fetch());
    }
  }
  return page;
}

std::vector<std::pair<Item, std::int64_t>> DepartmentCounts(soci::session& sql) {
  std::vector<std::pair<Item, std::int64_t>> out;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT u.id AS dept_unit_id, u.code AS dept_code, u.name AS dept_name, COUNT(*) AS n FROM items i "
                      "JOIN units u ON u.id = i.dept_unit_id WHERE i.status = 'published' GROUP BY u.id, u.code, u.name, "
                      "u.sort_order ORDER BY u.sort_order");
  for (const soci::row& r : rows) {
    Item d;
    d.dept_unit_id = db::RowInt(r, "dept_unit_id");
    d.dept_code = db::RowStr(r, "dept_code");
    d.dept_name = db::RowStr(r, "dept_name");
    out.emplace_back(d, db::RowInt(r, "n"));
  }
  return out;
}

}  // namespace yiwang::approval::store
