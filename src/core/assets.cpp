#include "core/assets.hpp"

namespace yiwang::core {

std::optional<std::string_view> FindAsset(std::string_view path) {
  for (const auto& [name, data] : AllAssets()) {
    if (name == path) return data;
  }
  return std::nullopt;
}

}  // namespace yiwang::core
