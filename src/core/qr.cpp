#include "core/qr.hpp"

#include <qrencode.h>

#include <memory>
#include <sstream>

#include "core/error.hpp"

namespace yiwang::core {

std::string QrSvg(const std::string& text) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M), &QRcode_free);
  if (!qr) throw Error(ErrorCode::kInternal, "二维码生成失败");
  const int n = qr->width, quiet = 4, size = n + 2 * quiet;
  // ostringstream rather than string concatenation: GCC 12 reports a false -Wrestrict on
  // chains of operator+ here.
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << size << " " << size
      << "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"二维码\">"
      << "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      if (qr->data[y * n + x] & 1) svg << "M" << (x + quiet) << " " << (y + quiet) << "h1v1h-1z";
    }
  }
  svg << "\"/></svg>";
  return svg.str();
}

}  // namespace yiwang::core
