#pragma once
// Identity: units (tree), staff users and roles, public accounts (citizens, enterprises),
// and the authenticated principal a request acts as. No I/O here.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace yiwang::identity {

enum class Role {
  kSysAdmin,     // 系统管理员: units and accounts
  kSecAdmin,     // 安全保密管理员: roles, locks, security settings
  kAuditor,      // 安全审计员: reads the audit log
  kWindowClerk,  // 窗口受理员
  kHandler,      // 承办人
  kReviewer,     // 审核人
  kApprover,     // 审批人
  kSupervisor,   // 监察员
  kEditor,       // 信息员/编辑
};

const std::vector<Role>& AllRoles();
std::string RoleKey(Role r);    // "sys_admin"
std::string RoleLabel(Role r);  // "系统管理员"
std::optional<Role> ParseRole(const std::string& key);
/// The three separated administrator roles (三员分立): no account may hold two of them.
bool IsAdminTriad(Role r);

struct Unit {
  std::int64_t id = 0;
  std::int64_t parent_id = 0;  // 0 = root
  std::string code;
  std::string name;
  std::string kind;  // city | district | department | town | office
  int sort_order = 0;
  bool active = true;
};
std::string UnitKindLabel(const std::string& kind);

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string display_name;
  std::int64_t unit_id = 0;
  std::string unit_name;
  std::string mobile;
  std::set<std::string> roles;
  bool disabled = false;
  std::int64_t locked_until = 0;
  int failed_logins = 0;
  bool totp_enrolled = false;
  std::int64_t last_login_at = 0;
  std::int64_t created_at = 0;
  std::int64_t password_changed_at = 0;
};

struct PublicAccount {
  std::int64_t id = 0;
  std::string kind;  // citizen | enterprise
  std::string name;
  std::string id_number;  // resident ID (GB 11643) or unified social credit code (GB 32100)
  std::string mobile;
  std::string legal_rep;
  bool disabled = false;
  std::int64_t locked_until = 0;
  std::int64_t created_at = 0;
};

/// Who a request acts as.
struct Principal {
  std::string kind;  // "staff" | "public" | "" (anonymous)
  std::int64_t id = 0;
  std::string name;
  std::string login;  // username or ID number
  std::int64_t unit_id = 0;
  std::string unit_name;
  std::set<std::string> roles;
  bool authenticated() const { return !kind.empty(); }
  bool Has(Role r) const { return roles.count(RoleKey(r)) > 0; }
};

}  // namespace yiwang::identity
