#pragma once
// cairo's PDF streams compressed with libdeflate instead of zlib (ADR 0011): see pdf_deflate.cpp.
#include <cstdint>

namespace yiwang::approval {

struct PdfDeflateStats {
  bool enabled = false;        // cairo's deflate calls are taken over (YIWANG_CAIRO_LIBDEFLATE != 0)
  std::uint64_t streams = 0;   // streams compressed with libdeflate
  std::uint64_t bytes_in = 0;  // their bytes before and after compression
  std::uint64_t bytes_out = 0;
};

/// The counters (also shown on /metrics).
PdfDeflateStats PdfDeflate();

}  // namespace yiwang::approval
