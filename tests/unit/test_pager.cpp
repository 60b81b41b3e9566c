// The pager's page numbers: every page up to 7, else first, last and a window of five.
#include <gtest/gtest.h>

#include <string>

#include "http/pager.hpp"

namespace {

std::string Row(int page, int pages) {
  std::string s;
  for (int p : yiwang::http::PageWindow(page, pages)) {
    if (!s.empty()) s += ' ';
    s += p == 0 ? std::string("…") : std::to_string(p);
  }
  return s;
}

TEST(PageWindow, FewPagesShowEveryOne) {
  EXPECT_EQ(Row(1, 0), "");
  EXPECT_EQ(Row(1, 1), "1");
  EXPECT_EQ(Row(3, 7), "1 2 3 4 5 6 7");
}

TEST(PageWindow, ManyPagesShowFirstLastAndFiveAroundTheCurrent) {
  EXPECT_EQ(Row(1, 20), "1 2 3 4 5 6 … 20");
  EXPECT_EQ(Row(3, 20), "1 2 3 4 5 6 … 20");
  EXPECT_EQ(Row(4, 20), "1 2 3 4 5 6 … 20");
  EXPECT_EQ(Row(10, 20), "1 … 8 9 10 11 12 … 20");
  EXPECT_EQ(Row(17, 20), "1 … 15 16 17 18 19 20");
  EXPECT_EQ(Row(20, 20), "1 … 15 16 17 18 19 20");
}

TEST(PageWindow, AGapNeverHidesASinglePage) {
  // 5: the window 3…7 would leave "…" for page 2 alone; 2 is shown instead.
  EXPECT_EQ(Row(5, 20), "1 2 3 4 5 6 7 … 20");
  EXPECT_EQ(Row(16, 20), "1 … 14 15 16 17 18 19 20");
  EXPECT_EQ(Row(4, 8), "1 2 3 4 5 6 7 8");
  EXPECT_EQ(Row(5, 9), "1 2 3 4 5 6 7 8 9");
}

TEST(PageWindow, APagePastTheLastShowsTheEnd) {
  EXPECT_EQ(Row(999, 20), "1 … 15 16 17 18 19 20");
  EXPECT_EQ(Row(0, 20), "1 2 3 4 5 6 … 20");
}

}  // namespace
