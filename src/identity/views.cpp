#include "identity/views.hpp"

#include "core/clock.hpp"
#include "identity/checkdigit.hpp"

namespace yiwang::identity {

nlohmann::json UnitJson(const Unit& u) {
  return {{"id", u.id},     {"parent_id", u.parent_id}, {"code", u.code},           {"name", u.name},
          {"kind", u.kind}, {"kind_label", UnitKindLabel(u.kind)}, {"sort_order", u.sort_order}, {"active", u.active}};
}

nlohmann::json UserJson(const User& u) {
  nlohmann::json roles = nlohmann::json::array(), labels = nlohmann::json::array();
  for (const std::string& r : u.roles) {
    roles.push_back(r);
    if (auto role = ParseRole(r)) labels.push_back(RoleLabel(*role));
  }
  return {{"id", u.id},
          {"username", u.username},
          {"display_name", u.display_name},
          {"unit_id", u.unit_id},
          {"unit_name", u.unit_name},
          {"mobile", u.mobile},
          {"roles", roles},
          {"role_labels", labels},
          {"disabled", u.disabled},
          {"locked_until", u.locked_until},
          {"totp_enrolled", u.totp_enrolled},
          {"last_login_at", u.last_login_at ? core::FormatLocal(u.last_login_at) : ""},
          {"created_at", core::FormatLocal(u.created_at)}};
}

nlohmann::json PublicJson(const PublicAccount& a, bool full) {
  return {{"id", a.id},
          {"kind", a.kind},
          {"kind_label", a.kind == "enterprise" ? "法人" : "个人"},
          {"name", a.name},
          {"id_number", full ? a.id_number : MaskIdNumber(a.id_number)},
          {"mobile", full ? a.mobile : (a.mobile.size() == 11 ? a.mobile.substr(0, 3) + "****" + a.mobile.substr(7) : a.mobile)},
          {"legal_rep", a.legal_rep},
          {"disabled", a.disabled},
          {"created_at", core::FormatLocal(a.created_at)}};
}

nlohmann::json PrincipalJson(const Principal& p) {
  nlohmann::json roles = nlohmann::json::array();
  for (const auto& r : p.roles) roles.push_back(r);
  return {{"kind", p.kind}, {"id", p.id}, {"name", p.name}, {"login", p.login}, {"unit_id", p.unit_id},
          {"unit_name", p.unit_name}, {"roles", roles}};
}

nlohmann::json RolesJson(const std::set<std::string>& held) {
  nlohmann::json out = nlohmann::json::array();
  for (Role r : AllRoles()) {
    out.push_back({{"key", RoleKey(r)}, {"label", RoleLabel(r)}, {"held", held.count(RoleKey(r)) > 0},
                   {"triad", IsAdminTriad(r)}});
  }
  return out;
}

}  // namespace yiwang::identity
