#pragma once
// Files embedded into the binary at build time (templates/, static/, migrations/).
#include <optional>
#include <span>
#include <string_view>
#include <utility>

namespace yiwang::core {

/// Every embedded file as (path relative to the source root, contents).
std::span<const std::pair<std::string_view, std::string_view>> AllAssets();

/// The contents of one embedded file, e.g. "templates/layout_external.mustache".
std::optional<std::string_view> FindAsset(std::string_view path);

}  // namespace yiwang::core
