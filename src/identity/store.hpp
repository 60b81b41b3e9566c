#pragma once
// SQL for identity, both dialects, always with bound parameters (convention 6).
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "identity/model.hpp"

namespace yiwang::identity::store {

std::vector<Unit> ListUnits(soci::session& sql);
std::optional<Unit> FindUnit(soci::session& sql, std::int64_t id);
/// The department (or town) a unit belongs to — the unit itself unless it is an office — and
/// every unit under it: what a staff member of `unit_id` handles.
std::vector<std::int64_t> DepartmentSubtree(soci::session& sql, std::int64_t unit_id);
std::optional<Unit> FindUnitByCode(soci::session& sql, const std::string& code);
std::int64_t InsertUnit(soci::session& sql, const Unit& u, std::int64_t now);
/// Insert or update by id (applying a unit packet on the other zone).
void UpsertUnit(soci::session& sql, const Unit& u, std::int64_t now);

struct UserRow {
  User user;
  std::string password_hash;
  std::string totp_sealed;
  std::int64_t totp_last_step = -1;
};
std::optional<UserRow> FindUser(soci::session& sql, std::int64_t id);
std::optional<UserRow> FindUserByName(soci::session& sql, const std::string& username);
std::vector<User> ListUsers(soci::session& sql, const std::vector<std::int64_t>& unit_ids, bool all_units);
std::int64_t InsertUser(soci::session& sql, const User& u, const std::string& password_hash, std::int64_t now);
void SetUserRoles(soci::session& sql, std::int64_t user_id, const std::set<std::string>& roles);
void RecordStaffLoginFailure(soci::session& sql, std::int64_t user_id, int failed, std::int64_t locked_until);
void RecordStaffLoginSuccess(soci::session& sql, std::int64_t user_id, std::int64_t now);
void SetUserDisabled(soci::session& sql, std::int64_t user_id, bool disabled);
void SetUserPassword(soci::session& sql, std::int64_t user_id, const std::string& hash, std::int64_t now);
void SetUserTotp(soci::session& sql, std::int64_t user_id, const std::string& sealed, std::int64_t last_step);

struct PublicRow {
  PublicAccount account;
  std::string password_hash;
  int failed_logins = 0;
};
std::optional<PublicRow> FindPublic(soci::session& sql, std::int64_t id);
std::optional<PublicRow> FindPublicByIdNumber(soci::session& sql, const std::string& id_number);
std::int64_t InsertPublic(soci::session& sql, const PublicAccount& a, const std::string& password_hash, std::int64_t now);
/// Mirror on the internal zone (no password: public accounts log in only on the external zone).
void UpsertPublicMirror(soci::session& sql, const PublicAccount& a);
void RecordPublicLoginFailure(soci::session& sql, std::int64_t id, int failed, std::int64_t locked_until);
void RecordPublicLoginSuccess(soci::session& sql, std::int64_t id, std::int64_t now);
void SetPublicDisabled(soci::session& sql, std::int64_t id, bool disabled);
std::int64_t CountPublic(soci::session& sql);
std::vector<PublicAccount> ListPublic(soci::session& sql, int limit, int offset);

struct SessionRow {
  std::string id_hash;
  std::string zone;
  std::string principal_kind;
  std::int64_t principal_id = 0;
  std::string stage;  // "full" | "totp" | "enroll"
  std::string csrf;
  std::string totp_pending;
  std::int64_t created_at = 0;
  std::int64_t last_seen_at = 0;
  std::int64_t expires_at = 0;
};
void InsertSession(soci::session& sql, const SessionRow& s, const std::string& client_ip);
std::optional<SessionRow> FindSession(soci::session& sql, const std::string& id_hash);
void TouchSession(soci::session& sql, const std::string& id_hash, std::int64_t now);
void UpdateSessionStage(soci::session& sql, const std::string& id_hash, const std::string& stage,
                        const std::string& totp_pending);
void DeleteSession(soci::session& sql, const std::string& id_hash);
void DeleteSessionsOf(soci::session& sql, const std::string& kind, std::int64_t principal_id);
void DeleteExpiredSessions(soci::session& sql, std::int64_t now);

}  // namespace yiwang::identity::store
