#pragma once
#include <vector>
#include "approval/model.hpp"
namespace yiwang::approval {
/// The fictional 东河区's 304 approval items (demo data): realistic names, legal bases,
/// materials, fees and flows; dept_code set, dept_unit_id left 0 (resolved at load).
std::vector<Item> DemoCatalogue();
}
