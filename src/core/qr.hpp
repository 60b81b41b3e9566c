#pragma once
#include <string>

namespace yiwang::core {

/// A QR code (libqrencode, error correction M) as an SVG document sized to fit its container.
std::string QrSvg(const std::string& text);

}  // namespace yiwang::core
