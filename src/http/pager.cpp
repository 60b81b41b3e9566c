#include "http/pager.hpp"

#include <algorithm>

namespace yiwang::http {

std::vector<int> PageWindow(int page, int pages) {
  std::vector<int> out;
  if (pages <= 0) return out;
  if (pages <= 7) {
    for (int p = 1; p <= pages; ++p) out.push_back(p);
    return out;
  }
  const int current = std::clamp(page, 1, pages);
  // Two on each side of the current page, slid inwards at the ends so that five numbers show
  // between the first and the last.
  int lo = current - 2;
  int hi = current + 2;
  if (lo < 2) {
    hi += 2 - lo;
    lo = 2;
  }
  if (hi > pages - 1) {
    lo = std::max(2, lo - (hi - (pages - 1)));
    hi = pages - 1;
  }
  // A gap of exactly one page shows that page instead of "…".
  if (lo == 3) lo = 2;
  if (hi == pages - 2) hi = pages - 1;
  out.push_back(1);
  if (lo > 2) out.push_back(0);
  for (int p = lo; p <= hi; ++p) out.push_back(p);
  if (hi < pages - 1) out.push_back(0);
  out.push_back(pages);
  return out;
}

}  // namespace yiwang::http
