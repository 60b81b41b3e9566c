#include "identity/store.hpp"

#include <map>

#include "db/row.hpp"

namespace yiwang::identity::store {
namespace {

Unit LoadUnit(const soci::row& r) {
  Unit u;
  u.id = db::RowInt(r, "id");
  u.parent_id = db::RowInt(r, "parent_id");
  u.code = db::RowStr(r, "code");
  u.name = db::RowStr(r, "name");
  u.kind = db::RowStr(r, "kind");
  u.sort_order = static_cast<int>(db::RowInt(r, "sort_order"));
  u.active = db::RowInt(r, "active") != 0;
  return u;
}

const char* kUserCols =
    "u.id, u.username, u.display_name, u.unit_id, un.name AS unit_name, u.mobile, u.password_hash, "
    "u.password_changed_at, u.totp_secret, u.totp_last_step, u.failed_logins, u.locked_until, u.disabled, "
    "u.created_at, u.last_login_at";

void LoadRoles(soci::session& sql, User& u) {
  long long id = u.id;
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT role FROM user_roles WHERE user_id = :id", soci::use(id));
  for (const soci::row& r : rows) u.roles.insert(db::RowStr(r, "role"));
}

UserRow LoadUser(const soci::row& r) {
  UserRow row;
  User& u = row.user;
  u.id = db::RowInt(r, "id");
  u.username = db::RowStr(r, "username");
  u.display_name = db::RowStr(r, "display_name");
  u.unit_id = db::RowInt(r, "unit_id");
  u.unit_name = db::RowStr(r, "unit_name");
  u.mobile = db::RowStr(r, "mobile");
  u.password_changed_at = db::RowInt(r, "password_changed_at");
  u.failed_logins = static_cast<int>(db::RowInt(r, "failed_logins"));
  u.locked_until = db::RowInt(r, "locked_until");
  u.disabled = db::RowInt(r, "disabled") != 0;
  u.created_at = db::RowInt(r, "created_at");
  u.last_login_at = db::RowInt(r, "last_login_at");
  row.password_hash = db::RowStr(r, "password_hash");
  row.totp_sealed = db::RowStr(r, "totp_secret");
  row.totp_last_step = db::RowInt(r, "totp_last_step");
  u.totp_enrolled = !row.totp_sealed.empty();
  return row;
}

std::optional<UserRow> FirstUser(soci::session& sql, soci::rowset<soci::row>& rows) {
  std::optional<UserRow> out;
  for (const soci::row& r : rows) out = LoadUser(r);
  if (out) LoadRoles(sql, out->user);
  return out;
}

PublicRow LoadPublic(const soci::row& r) {
  PublicRow row;
  PublicAccount& a = row.account;
  a.id = db::RowInt(r, "id");
  a.kind = db::RowStr(r, "kind");
  a.name = db::RowStr(r, "name");
  a.id_number = db::RowStr(r, "id_number");
  a.mobile = db::RowStr(r, "mobile");
  a.legal_rep = db::RowStr(r, "legal_rep");
  a.disabled = db::RowInt(r, "disabled") != 0;
  a.locked_until = db::RowInt(r, "locked_until");
  a.created_at = db::RowInt(r, "created_at");
  row.password_hash = db::RowStr(r, "password_hash");
  row.failed_logins = static_cast<int>(db::RowInt(r, "failed_logins"));
  return row;
}

const char* kPublicCols =
    "id, kind, name, id_number, mobile, legal_rep, password_hash, failed_logins, locked_until, disabled, created_at";

}  // namespace

std::vector<Unit> ListUnits(soci::session& sql) {
  std::vector<Unit> out;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT id, parent_id, code, name, kind, sort_order, active FROM units ORDER BY sort_order, id");
  for (const soci::row& r : rows) out.push_back(LoadUnit(r));
  return out;
}

std::optional<Unit> FindUnit(soci::session& sql, std::int64_t id) {
  long long v = id;
  std::optional<Unit> out;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT id, parent_id, code, name, kind, sort_order, active FROM units WHERE id = :id", soci::use(v));
  for (const soci::row& r : rows) out = LoadUnit(r);
  return out;
}

std::optional<Unit> FindUnitByCode(soci::session& sql, const std::string& code) {
  std::optional<Unit> out;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT id, parent_id, code, name, kind, sort_order, active FROM units WHERE code = :c",
       soci::use(code));
  for (const soci::row& r : rows) out = LoadUnit(r);
  return out;
}

std::int64_t InsertUnit(soci::session& sql, const Unit& u, std::int64_t now) {
  long long id = 0, n = now;
  soci::indicator parent_ind = u.parent_id == 0 ? soci::i_null : soci::i_ok;
  long long parent = u.parent_id;
  int active = u.active ? 1 : 0;
  sql << "INSERT INTO units (parent_id, code, name, kind, sort_order, active, created_at, updated_at) "
         "VALUES (:p, :c, :n, :k, :s, :a, :t, :t2) RETURNING id",
      soci::use(parent, parent_ind), soci::use(u.code), soci::use(u.name), soci::use(u.kind), soci::use(u.sort_order),
      soci::use(active), soci::use(n), soci::use(n), soci::into(id);
  return id;
}

void UpsertUnit(soci::session& sql, const Unit& u, std::int64_t now) {
  long long id = u.id, parent = u.parent_id, n = now;
  soci::indicator parent_ind = u.parent_id == 0 ? soci::i_null : soci::i_ok;
  int active = u.active ? 1 : 0;
  int exists = 0;
  sql << "SELECT COUNT(*) FROM units WHERE id = :id", soci::use(id), soci::into(exists);
  if (exists) {
    sql << "UPDATE units SET parent_id = :p, code = :c, name = :n, kind = :k, sort_order = :s, active = :a, "
           "updated_at = :t WHERE id = :id",
        soci::use(parent, parent_ind), soci::use(u.code), soci::use(u.name), soci::use(u.kind), soci::use(u.sort_order),
        soci::use(active), soci::use(n), soci::use(id);
  } else {
    sql << "INSERT INTO units (id, parent_id, code, name, kind, sort_order, active, created_at, updated_at) "
           "VALUES (:id, :p, :c, :n, :k, :s, :a, :t, :t2)",
        soci::use(id), soci::use(parent, parent_ind), soci::use(u.code), soci::use(u.name), soci::use(u.kind),
        soci::use(u.sort_order), soci::use(active), soci::use(n), soci::use(n);
  }
}

std::optional<UserRow> FindUser(soci::session& sql, std::int64_t id) {
  long long v = id;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << kUserCols << " FROM users u JOIN units un ON un.id = u.unit_id WHERE u.id = :id",
       soci::use(v));
  return FirstUser(sql, rows);
}

std::optional<UserRow> FindUserByName(soci::session& sql, const std::string& username) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << kUserCols << " FROM users u JOIN units un ON un.id = u.unit_id WHERE u.username = :n",
       soci::use(username));
  return FirstUser(sql, rows);
}

std::vector<User> ListUsers(soci::session& sql, const std::vector<std::int64_t>& unit_ids, bool all_units) {
  std::vector<User> out;
  std::string where;
  if (!all_units) {
    if (unit_ids.empty()) return out;
    where = " WHERE u.unit_id IN (";
    for (std::size_t i = 0; i < unit_ids.size(); ++i) where += (i ? "," : "") + std::to_string(unit_ids[i]);
    where += ")";
  }
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT " << kUserCols << " FROM users u JOIN units un ON un.id = u.unit_id"
                                              << where << " ORDER BY u.unit_id, u.id");
  for (const soci::row& r : rows) out.push_back(LoadUser(r).user);
  for (User& u : out) LoadRoles(sql, u);
  return out;
}

std::int64_t InsertUser(soci::session& sql, const User& u, const std::string& password_hash, std::int64_t now) {
  long long id = 0, n = now, unit = u.unit_id;
  sql << "INSERT INTO users (username, display_name, unit_id, mobile, password_hash, password_changed_at, created_at) "
         "VALUES (:u, :d, :unit, :m, :h, :t, :t2) RETURNING id",
      soci::use(u.username), soci::use(u.display_name), soci::use(unit), soci::use(u.mobile), soci::use(password_hash),
      soci::use(n), soci::use(n), soci::into(id);
  return id;
}

void SetUserRoles(soci::session& sql, std::int64_t user_id, const std::set<std::string>& roles) {
  long long id = user_id;
  sql << "DELETE FROM user_roles WHERE user_id = :id", soci::use(id);
  for (const std::string& r : roles) {
    sql << "INSERT INTO user_roles (user_id, role) VALUES (:id, :r)", soci::use(id), soci::use(r);
  }
}

void RecordStaffLoginFailure(soci::session& sql, std::int64_t user_id, int failed, std::int64_t locked_until) {
  long long id = user_id, until = locked_until;
  sql << "UPDATE users SET failed_logins = :f, locked_until = :l WHERE id = :id", soci::use(failed), soci::use(until),
      soci::use(id);
}

void RecordStaffLoginSuccess(soci::session& sql, std::int64_t user_id, std::int64_t now) {
  long long id = user_id, n = now;
  sql << "UPDATE users SET failed_logins = 0, locked_until = 0, last_login_at = :n WHERE id = :id", soci::use(n),
      soci::use(id);
}

void SetUserDisabled(soci::session& sql, std::int64_t user_id, bool disabled) {
  long long id = user_id;
  int d = disabled ? 1 : 0;
  sql << "UPDATE users SET disabled = :d, failed_logins = 0, locked_until = 0 WHERE id = :id", soci::use(d), soci::use(id);
}

void SetUserPassword(soci::session& sql, std::int64_t user_id, const std::string& hash, std::int64_t now) {
  long long id = user_id, n = now;
  sql << "UPDATE users SET password_hash = :h, password_changed_at = :n WHERE id = :id", soci::use(hash), soci::use(n),
      soci::use(id);
}

void SetUserTotp(soci::session& sql, std::int64_t user_id, const std::string& sealed, std::int64_t last_step) {
  long long id = user_id, step = last_step;
  sql << "UPDATE users SET totp_secret = :s, totp_last_step = :l WHERE id = :id", soci::use(sealed), soci::use(step),
      soci::use(id);
}

std::optional<PublicRow> FindPublic(soci::session& sql, std::int64_t id) {
  long long v = id;
  std::optional<PublicRow> out;
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT " << kPublicCols << " FROM public_accounts WHERE id = :id", soci::use(v));
  for (const soci::row& r : rows) out = LoadPublic(r);
  return out;
}

std::optional<PublicRow> FindPublicByIdNumber(soci::session& sql, const std::string& id_number) {
  std::optional<PublicRow> out;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << kPublicCols << " FROM public_accounts WHERE id_number = :n", soci::use(id_number));
  for (const soci::row& r : rows) out = LoadPublic(r);
  return out;
}

std::int64_t InsertPublic(soci::session& sql, const PublicAccount& a, const std::string& password_hash, std::int64_t now) {
  long long id = 0, n = now;
  sql << "INSERT INTO public_accounts (kind, name, id_number, mobile, legal_rep, password_hash, password_changed_at, "
         "created_at) VALUES (:k, :n, :i, :m, :l, :h, :t, :t2) RETURNING id",
      soci::use(a.kind), soci::use(a.name), soci::use(a.id_number), soci::use(a.mobile), soci::use(a.legal_rep),
      soci::use(password_hash), soci::use(n), soci::use(n), soci::into(id);
  return id;
}

void UpsertPublicMirror(soci::session& sql, const PublicAccount& a) {
  long long id = a.id, created = a.created_at;
  int exists = 0;
  sql << "SELECT COUNT(*) FROM public_accounts WHERE id = :id", soci::use(id), soci::into(exists);
  if (exists) {
    sql << "UPDATE public_accounts SET kind = :k, name = :n, mobile = :m, legal_rep = :l WHERE id = :id",
        soci::use(a.kind), soci::use(a.name), soci::use(a.mobile), soci::use(a.legal_rep), soci::use(id);
  } else {
    sql << "INSERT INTO public_accounts (id, kind, name, id_number, mobile, legal_rep, created_at) "
           "VALUES (:id, :k, :n, :i, :m, :l, :c)",
        soci::use(id), soci::use(a.kind), soci::use(a.name), soci::use(a.id_number), soci::use(a.mobile),
        soci::use(a.legal_rep), soci::use(created);
  }
}

void RecordPublicLoginFailure(soci::session& sql, std::int64_t id, int failed, std::int64_t locked_until) {
  long long v = id, until = locked_until;
  sql << "UPDATE public_accounts SET failed_logins = :f, locked_until = :l WHERE id = :id", soci::use(failed),
      soci::use(until), soci::use(v);
}

void RecordPublicLoginSuccess(soci::session& sql, std::int64_t id, std::int64_t now) {
  long long v = id, n = now;
  sql << "UPDATE public_accounts SET failed_logins = 0, locked_until = 0, last_login_at = :n WHERE id = :id",
      soci::use(n), soci::use(v);
}

void SetPublicDisabled(soci::session& sql, std::int64_t id, bool disabled) {
  long long v = id;
  int d = disabled ? 1 : 0;
  sql << "UPDATE public_accounts SET disabled = :d, failed_logins = 0, locked_until = 0 WHERE id = :id", soci::use(d),
      soci::use(v);
}

std::int64_t CountPublic(soci::session& sql) {
  long long n = 0;
  sql << "SELECT COUNT(*) FROM public_accounts", soci::into(n);
  return n;
}

std::vector<PublicAccount> ListPublic(soci::session& sql, int limit, int offset) {
  std::vector<PublicAccount> out;
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT " << kPublicCols
                                              << " FROM public_accounts ORDER BY id DESC LIMIT :l OFFSET :o",
                                  soci::use(limit), soci::use(offset));
  for (const soci::row& r : rows) out.push_back(LoadPublic(r).account);
  return out;
}

void InsertSession(soci::session& sql, const SessionRow& s, const std::string& client_ip) {
  long long pid = s.principal_id, c = s.created_at, l = s.last_seen_at, e = s.expires_at;
  sql << "INSERT INTO sessions (id_hash, zone, principal_kind, principal_id, stage, csrf, totp_pending, created_at, "
         "last_seen_at, expires_at, client_ip) VALUES (:h, :z, :k, :p, :s, :c, :tp, :ca, :la, :ea, :ip)",
      soci::use(s.id_hash), soci::use(s.zone), soci::use(s.principal_kind), soci::use(pid), soci::use(s.stage),
      soci::use(s.csrf), soci::use(s.totp_pending), soci::use(c), soci::use(l), soci::use(e), soci::use(client_ip);
}

std::optional<SessionRow> FindSession(soci::session& sql, const std::string& id_hash) {
  std::optional<SessionRow> out;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT id_hash, zone, principal_kind, principal_id, stage, csrf, totp_pending, created_at, "
                      "last_seen_at, expires_at FROM sessions WHERE id_hash = :h",
       soci::use(id_hash));
  for (const soci::row& r : rows) {
    SessionRow s;
    s.id_hash = db::RowStr(r, "id_hash");
    s.zone = db::RowStr(r, "zone");
    s.principal_kind = db::RowStr(r, "principal_kind");
    s.principal_id = db::RowInt(r, "principal_id");
    s.stage = db::RowStr(r, "stage");
    s.csrf = db::RowStr(r, "csrf");
    s.totp_pending = db::RowStr(r, "totp_pending");
    s.created_at = db::RowInt(r, "created_at");
    s.last_seen_at = db::RowInt(r, "last_seen_at");
    s.expires_at = db::RowInt(r, "expires_at");
    out = s;
  }
  return out;
}

void TouchSession(soci::session& sql, const std::string& id_hash, std::int64_t now) {
  long long n = now;
  sql << "UPDATE sessions SET last_seen_at = :n WHERE id_hash = :h", soci::use(n), soci::use(id_hash);
}

void UpdateSessionStage(soci::session& sql, const std::string& id_hash, const std::string& stage,
                        const std::string& totp_pending) {
  sql << "UPDATE sessions SET stage = :s, totp_pending = :t WHERE id_hash = :h", soci::use(stage),
      soci::use(totp_pending), soci::use(id_hash);
}

void DeleteSession(soci::session& sql, const std::string& id_hash) {
  sql << "DELETE FROM sessions WHERE id_hash = :h", soci::use(id_hash);
}

void DeleteSessionsOf(soci::session& sql, const std::string& kind, std::int64_t principal_id) {
  long long id = principal_id;
  sql << "DELETE FROM sessions WHERE principal_kind = :k AND principal_id = :id", soci::use(kind), soci::use(id);
}

void DeleteExpiredSessions(soci::session& sql, std::int64_t now) {
  long long n = now;
  sql << "DELETE FROM sessions WHERE expires_at < :n", soci::use(n);
}

std::vector<std::int64_t> DepartmentSubtree(soci::session& sql, std::int64_t unit_id) {
  // Asked on every case a staff member opens or acts on: only the three columns it needs.
  struct Node {
    std::int64_t parent;
    bool office;
  };
  std::map<std::int64_t, Node> by_id;
  std::multimap<std::int64_t, std::int64_t> children;
  long long id = 0, parent = 0;
  std::string kind;
  soci::indicator parent_ind = soci::i_ok;
  soci::statement st = (sql.prepare << "SELECT id, parent_id, kind FROM units", soci::into(id),
                        soci::into(parent, parent_ind), soci::into(kind));
  st.execute();
  while (st.fetch()) {
    if (parent_ind != soci::i_ok) parent = 0;
    by_id[id] = {parent, kind == "office"};
    children.emplace(parent, id);
  }
  std::int64_t root = unit_id;
  for (std::int64_t u = unit_id; u != 0 && by_id.count(u); u = by_id[u].parent) {
    if (!by_id[u].office) {
      root = u;
      break;
    }
  }
  std::vector<std::int64_t> out = {root};
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto range = children.equal_range(out[i]);
    for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  }
  return out;
}

}  // namespace yiwang::identity::store
