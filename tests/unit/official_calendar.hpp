#pragma once
// The official 2025 and 2026 schedules shipped in data/calendar/, for the unit tests of
// deadline arithmetic.
#include <fstream>
#include <sstream>

#include "calendar/calendar.hpp"

namespace yiwang::testing {

inline calendar::Calendar OfficialCalendar() {
  std::vector<calendar::SpecialDay> days;
  for (const char* f : {YIWANG_SOURCE_DIR "/data/calendar/cn-2025.csv", YIWANG_SOURCE_DIR "/data/calendar/cn-2026.csv"}) {
    std::ifstream in(f);
    std::stringstream ss;
    ss << in.rdbuf();
    auto part = calendar::ParseCsv(ss.str());
    days.insert(days.end(), part.begin(), part.end());
  }
  return calendar::Calendar(days, {2025, 2026});
}

}  // namespace yiwang::testing
