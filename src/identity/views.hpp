#pragma once
// JSON views of identity objects: the API's bodies and the pages' view data are the same.
#include <nlohmann/json.hpp>

#include "identity/model.hpp"

namespace yiwang::identity {

nlohmann::json UnitJson(const Unit& u);
nlohmann::json UserJson(const User& u);
/// Public account as staff and its owner see it; the ID number is masked unless full is true.
nlohmann::json PublicJson(const PublicAccount& a, bool full);
nlohmann::json PrincipalJson(const Principal& p);
/// Role list with labels and whether the user holds each (for checkboxes).
nlohmann::json RolesJson(const std::set<std::string>& held);

}  // namespace yiwang::identity
