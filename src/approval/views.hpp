#pragma once
// JSON of catalogue items: the stored body, the exchange packet, the API response and the
// page view are the same object (plus labels for people).
#include <nlohmann/json.hpp>

#include "approval/model.hpp"

namespace yiwang::approval {

nlohmann::json ItemJson(const Item& item);
/// Reads what ItemJson wrote (labels ignored). Throws kInvalidInput on a malformed object.
Item ItemFromJson(const nlohmann::json& j);
/// "¥80.00" / "免费".
std::string FormatFen(std::int64_t fen);

}  // namespace yiwang::approval
