#pragma once
// Which page numbers a list's pager links to (pure: no request, no rendering).
#include <vector>

namespace yiwang::http {

/// The page numbers to show for page `page` of `pages`, in order, with 0 where numbers are left
/// out ("…"): every page when there are at most 7; otherwise the first, the last and the two
/// on each side of the current one, widened at either end so that the row keeps its length
/// (1 2 3 4 5 6 … 20; 1 … 8 9 10 11 12 … 20; 1 … 15 16 17 18 19 20). A gap never stands for a single
/// page: that page is shown instead. A page past the last shows the window of the last.
std::vector<int> PageWindow(int page, int pages);

}  // namespace yiwang::http
