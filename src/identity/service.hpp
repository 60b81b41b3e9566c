#pragma once
// Identity rules: the unit tree, staff accounts and roles (三员分立), public registration with
// ID-card / credit-code checks, login with lockout and TOTP, sessions with idle timeout, and
// per-unit / per-record authorization (domain-rules: security baseline). Never sees HTTP.
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "core/error.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "db/database.hpp"
#include "exchange/exchange.hpp"
#include "identity/model.hpp"
#include "identity/password.hpp"
#include "identity/store.hpp"

namespace yiwang::identity {

/// The acting request: who, from where, in which zone.
struct Context {
  Principal principal;
  std::string client_ip;
  std::string zone;  // "external" | "internal" | "cli"
  audit::Actor ToActor() const;
  static Context System(const std::string& name);
};

struct NewUnit {
  std::int64_t parent_id = 0;
  std::string code;
  std::string name;
  std::string kind;
  int sort_order = 0;
};

struct NewUser {
  std::string username;
  std::string display_name;
  std::int64_t unit_id = 0;
  std::string mobile;
  std::string password;
};

struct Registration {
  std::string kind;  // citizen | enterprise
  std::string name;
  std::string id_number;
  std::string mobile;
  std::string legal_rep;
  std::string password;
  std::string password_confirm;
};

struct LoginResult {
  std::string token;  // session cookie value (only its SM3 is stored)
  std::string csrf;
  std::string stage;  // "full" | "totp" | "enroll"
  Principal principal;
  bool password_expired = false;
};

/// What a login needs to know of an account, staff or public (defined in service.cpp).
struct LoginSubject;

struct SessionInfo {
  store::SessionRow row;
  Principal principal;  // authenticated only when row.stage == "full"
};

struct TotpEnrollment {
  std::string secret_base32;
  std::string uri;
};

class IdentityService {
 public:
  IdentityService(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit, exchange::Exchange& exchange,
                  const core::Config& config);

  /// What packets from the other zone mean for identity (unit tree to the portal, public
  /// accounts to the workbench, locks of public accounts back to the portal).
  void RegisterPacketHandlers();

  // ---- units
  std::vector<Unit> Units();
  std::optional<Unit> FindUnit(std::int64_t id);
  /// The unit and every unit below it.
  std::vector<std::int64_t> Subtree(std::int64_t unit_id);
  Unit CreateUnit(const Context& ctx, const NewUnit& input);

  // ---- staff
  /// Users of a unit (and its sub-units). A staff member may list only their own unit's
  /// subtree unless they hold an administrator or auditor role.
  std::vector<User> ListUsers(const Context& ctx, std::int64_t unit_id);
  User GetUser(const Context& ctx, std::int64_t user_id);
  User CreateUser(const Context& ctx, const NewUser& input);
  void SetRoles(const Context& ctx, std::int64_t user_id, const std::set<std::string>& roles);
  void SetUserLocked(const Context& ctx, std::int64_t user_id, bool locked);
  void ResetPassword(const Context& ctx, std::int64_t user_id, const std::string& new_password);
  /// Changes the caller's own password and ends their other sessions (keep_token: the session
  /// the change was made from).
  void ChangeOwnPassword(const Context& ctx, const std::string& keep_token, const std::string& old_password,
                         const std::string& new_password);
  /// Whether this user must pass TOTP at login (configured roles, or enrolled voluntarily).
  bool TotpRequired(const User& u) const;

  // ---- public accounts (external zone)
  /// Every problem of a registration, by field ("请填写…" for a blank one); empty when it can be
  /// registered (the ID number's uniqueness is checked by Register, in its transaction).
  std::map<std::string, std::string> RegistrationProblems(const Registration& input) const;
  PublicAccount Register(const Context& ctx, const Registration& input);
  std::optional<PublicAccount> FindPublic(std::int64_t id);
  std::int64_t CountPublic();
  std::vector<PublicAccount> ListPublic(const Context& ctx, int page, int per_page);
  /// Lock or unlock a public account from the workbench; takes effect on the portal through
  /// an exchange packet.
  void SetPublicLocked(const Context& ctx, std::int64_t id, bool locked);

  // ---- login and sessions
  LoginResult StaffLogin(const std::string& client_ip, const std::string& username, const std::string& password);
  LoginResult PublicLogin(const std::string& client_ip, const std::string& id_number, const std::string& password);
  /// Idle and absolute timeouts are enforced here; an expired session is deleted.
  std::optional<SessionInfo> ResolveSession(const std::string& token, const std::string& zone);
  /// For a session in stage "enroll": a new secret to show (stored sealed in the session).
  TotpEnrollment BeginTotpEnrollment(const std::string& token);
  /// Completes stage "totp" or "enroll" with a code; throws on a wrong or replayed code.
  Principal CompleteTotp(const std::string& token, const std::string& code, const std::string& client_ip);
  void Logout(const std::string& token, const Context& ctx);
  /// Demo mode only: the current code of a demo account, so that a newcomer can log in
  /// without an authenticator app.
  std::string DemoTotpCode(const std::string& username);
  /// Seeds a TOTP secret for a user (demo data); returns base32.
  std::string SetTotpSecret(const Context& ctx, std::int64_t user_id, const std::string& raw_secret);

  const PasswordPolicy& policy() const { return policy_; }

 private:
  Principal StaffPrincipal(const User& u) const;
  Principal PublicPrincipal(const PublicAccount& a) const;
  LoginResult OpenSession(db::Tx& tx, const std::string& zone, const std::string& kind, std::int64_t id,
                          const std::string& stage, const std::string& totp_pending, const std::string& client_ip);
  std::string SealKey() const;
  std::string WrongPasswordMessage(const std::string& what) const;
  /// Why a login is refused (administrator lock, lockout, wrong password), with the failure
  /// counted and audited in tx; nullopt when the login may proceed.
  std::optional<Error> Refusal(db::Tx& tx, const Context& ctx, const std::string& object_type, const std::string& id,
                               const LoginSubject& s, std::int64_t now, bool password_ok, const std::string& noun,
                               const std::string& disabled_message,
                               const std::function<void(int, std::int64_t)>& record_failure);

  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
  exchange::Exchange& exchange_;
  const core::Config& config_;
  PasswordPolicy policy_;
};

/// Throws kForbidden unless the principal is logged-in staff holding one of the roles.
void RequireRole(const Principal& p, std::initializer_list<Role> roles);

}  // namespace yiwang::identity
