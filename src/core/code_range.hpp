#pragma once
// Where a shared library's machine code is mapped: lets a function that this executable defines
// in place of a library's (ADR 0010, ADR 0011) tell calls made from inside that library apart
// from everyone else's, by return address.
#include <cstdint>

namespace yiwang::core {

struct CodeRange {
  std::uintptr_t begin = 0, end = 0;
  bool empty() const { return begin == end; }
  bool Contains(const void* address) const {
    const auto a = reinterpret_cast<std::uintptr_t>(address);
    return a >= begin && a < end;
  }
};

/// The executable segment of the loaded object (shared library or executable) that holds
/// `address`; empty if no loaded object holds it.
CodeRange CodeRangeOf(const void* address);

}  // namespace yiwang::core
