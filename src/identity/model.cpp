#include "identity/model.hpp"

namespace yiwang::identity {

const std::vector<Role>& AllRoles() {
  static const std::vector<Role> kAll = {Role::kSysAdmin, Role::kSecAdmin, Role::kAuditor,   Role::kWindowClerk, Role::kHandler,
                                         Role::kReviewer, Role::kApprover, Role::kSupervisor, Role::kEditor};
  return kAll;
}

std::string RoleKey(Role r) {
  switch (r) {
    case Role::kSysAdmin: return "sys_admin";
    case Role::kSecAdmin: return "sec_admin";
    case Role::kAuditor: return "auditor";
    case Role::kWindowClerk: return "window_clerk";
    case Role::kHandler: return "handler";
    case Role::kReviewer: return "reviewer";
    case Role::kApprover: return "approver";
    case Role::kSupervisor: return "supervisor";
    case Role::kEditor: return "editor";
  }
  return "";
}

std::string RoleLabel(Role r) {
  switch (r) {
    case Role::kSysAdmin: return "系统管理员";
    case Role::kSecAdmin: return "安全保密管理员";
    case Role::kAuditor: return "安全审计员";
    case Role::kWindowClerk: return "窗口受理员";
    case Role::kHandler: return "承办人";
    case Role::kReviewer: return "审核人";
    case Role::kApprover: return "审批人";
    case Role::kSupervisor: return "监察员";
    case Role::kEditor: return "信息员/编辑";
  }
  return "";
}

std::optional<Role> ParseRole(const std::string& key) {
  for (Role r : AllRoles()) {
    if (RoleKey(r) == key) return r;
  }
  return std::nullopt;
}

bool IsAdminTriad(Role r) { return r == Role::kSysAdmin || r == Role::kSecAdmin || r == Role::kAuditor; }

std::string UnitKindLabel(const std::string& kind) {
  if (kind == "city") return "市";
  if (kind == "district") return "区县";
  if (kind == "department") return "部门";
  if (kind == "town") return "镇街";
  if (kind == "office") return "科室";
  return kind;
}

}  // namespace yiwang::identity
