#include "core/code_range.hpp"

#include <dlfcn.h>
#include <link.h>

namespace yiwang::core {

CodeRange CodeRangeOf(const void* address) {
  struct Search {
    std::uintptr_t base = 0;
    CodeRange range;
  } search;
  Dl_info info{};
  if (!address || !dladdr(address, &info) || !info.dli_fbase) return {};
  search.base = reinterpret_cast<std::uintptr_t>(info.dli_fbase);
  dl_iterate_phdr(
      [](dl_phdr_info* phdr, std::size_t, void* data) {
        auto* s = static_cast<Search*>(data);
        if (phdr->dlpi_addr != s->base) return 0;
        for (int i = 0; i < phdr->dlpi_phnum; ++i) {
          const auto& ph = phdr->dlpi_phdr[i];
          if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
          s->range.begin = phdr->dlpi_addr + ph.p_vaddr;
          s->range.end = s->range.begin + ph.p_memsz;
        }
        return 1;
      },
      &search);
  return search.range;
}

}  // namespace yiwang::core
