// cairo's PDF streams compressed with libdeflate instead of zlib (ADR 0011).
//
// cairo compresses every PDF stream (the font subsets, the page content, images) through zlib's
// streaming API at zlib's default level, and offers no setting for it. Measured on the approval
// benchmark, zlib's deflate was ~16 % of the server's CPU: a sealed document carries ~50 KB of
// TrueType glyph outlines that compress poorly and slowly (zlib level 6: ~0.94 ms for the streams of
// one document; libdeflate level 6: ~0.38 ms for output of the same size; Debian's libdeflate).
//
// cairo uses exactly three zlib calls (cairo-deflate-stream.c): deflateInit_ with
// Z_DEFAULT_COMPRESSION; deflate with Z_NO_FLUSH as its 16 KiB input buffer fills, then with
// Z_FINISH until Z_STREAM_END; deflateEnd. This executable defines those three symbols; the dynamic
// linker binds libcairo's calls to them. For a caller inside libcairo (by return address) the input
// is collected and compressed in one libdeflate call at Z_FINISH, and the zlib-format result
// (header, deflate data, Adler-32) handed out through next_out/avail_out as zlib would; the output
// is a standard zlib stream that any PDF reader inflates. Every other caller (libpng, our own code,
// tests) goes straight to zlib. Other flush modes are refused with Z_STREAM_ERROR (cairo does not
// use them). YIWANG_CAIRO_LIBDEFLATE=0 in the environment sends cairo to zlib as well (comparison,
// escape hatch).
#include "approval/pdf_deflate.hpp"

#include <dlfcn.h>
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/code_range.hpp"

namespace yiwang::approval {
namespace {

using InitFn = int (*)(z_streamp, int, const char*, int);
using DeflateFn = int (*)(z_streamp, int);
using EndFn = int (*)(z_streamp);

struct Real {
  InitFn init = nullptr;
  DeflateFn deflate = nullptr;
  EndFn end = nullptr;
  core::CodeRange cairo;  // where libcairo's code is mapped: only its calls are taken over
  bool enabled = false;
};

const Real& RealApi() {
  static const Real real = [] {
    Real r;
    r.init = reinterpret_cast<InitFn>(dlsym(RTLD_NEXT, "deflateInit_"));
    r.deflate = reinterpret_cast<DeflateFn>(dlsym(RTLD_NEXT, "deflate"));
    r.end = reinterpret_cast<EndFn>(dlsym(RTLD_NEXT, "deflateEnd"));
    if (!r.init || !r.deflate || !r.end) std::abort();  // libz is linked: cannot happen
    // libcairo's own definition of one of its functions (not a PLT slot in this executable).
    if (void* lib = dlopen("libcairo.so.2", RTLD_LAZY | RTLD_NOLOAD)) {
      r.cairo = core::CodeRangeOf(dlsym(lib, "cairo_pdf_surface_create"));
      dlclose(lib);
    }
    const char* env = std::getenv("YIWANG_CAIRO_LIBDEFLATE");
    r.enabled = !(env && std::strcmp(env, "0") == 0) && !r.cairo.empty();
    return r;
  }();
  return real;
}

// Our state behind z_stream::state for a stream that cairo opened.
struct Collected {
  static constexpr std::uint32_t kMagic = 0x6c646631;  // "ldf1"
  std::uint32_t magic = kMagic;
  int level = 6;
  std::vector<unsigned char> in;
  std::vector<unsigned char> out;  // the finished zlib stream, once Z_FINISH was asked
  std::size_t handed = 0;          // bytes of `out` already given to the caller
  bool finished = false;
};

Collected* Ours(z_streamp s) {
  auto* c = reinterpret_cast<Collected*>(s ? s->state : nullptr);
  return c && c->magic == Collected::kMagic ? c : nullptr;
}

std::atomic<std::uint64_t> g_streams{0}, g_bytes_in{0}, g_bytes_out{0};

// One compressor per thread and level (a compressor is not thread-safe; allocating one per stream
// costs more than compressing a small stream).
libdeflate_compressor* CompressorFor(int level) {
  struct Free {
    void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
  };
  thread_local std::unique_ptr<libdeflate_compressor, Free> compressors[13];
  auto& c = compressors[level];
  if (!c) c.reset(libdeflate_alloc_compressor(level));
  return c.get();
}

int Init(z_streamp s, int level) {
  if (level == Z_DEFAULT_COMPRESSION) level = 6;
  if (level < 0 || level > 9) return Z_STREAM_ERROR;
  auto* c = new (std::nothrow) Collected;
  if (!c) return Z_MEM_ERROR;
  c->level = level;  // libdeflate: 0 stores, 1–12 compress; zlib's 0–9 map 1:1
  s->state = reinterpret_cast<internal_state*>(c);
  s->total_in = s->total_out = 0;
  s->msg = nullptr;
  s->adler = 1;
  return Z_OK;
}

int Deflate(z_streamp s, Collected& c, int flush) {
  if (flush != Z_NO_FLUSH && flush != Z_FINISH) return Z_STREAM_ERROR;
  if (s->avail_in > 0) {
    if (c.finished || !s->next_in) return Z_STREAM_ERROR;  // zlib refuses new input after Z_FINISH
    c.in.insert(c.in.end(), s->next_in, s->next_in + s->avail_in);
    s->next_in += s->avail_in;
    s->total_in += s->avail_in;
    s->avail_in = 0;
  }
  if (flush == Z_NO_FLUSH) return Z_OK;
  if (!c.finished) {
    libdeflate_compressor* z = CompressorFor(c.level);
    if (!z) return Z_MEM_ERROR;
    c.out.resize(libdeflate_zlib_compress_bound(z, c.in.size()));
    const std::size_t n = libdeflate_zlib_compress(z, c.in.data(), c.in.size(), c.out.data(), c.out.size());
    if (n == 0) return Z_MEM_ERROR;  // cannot happen: the buffer is the library's own bound
    c.out.resize(n);
    c.finished = true;
    s->adler = libdeflate_adler32(1, c.in.data(), c.in.size());
    g_streams.fetch_add(1, std::memory_order_relaxed);
    g_bytes_in.fetch_add(c.in.size(), std::memory_order_relaxed);
    g_bytes_out.fetch_add(n, std::memory_order_relaxed);
    std::vector<unsigned char>().swap(c.in);
  }
  if (!s->next_out && s->avail_out > 0) return Z_STREAM_ERROR;
  const std::size_t give = std::min<std::size_t>(s->avail_out, c.out.size() - c.handed);
  if (give > 0) std::memcpy(s->next_out, c.out.data() + c.handed, give);
  c.handed += give;
  s->next_out += give;
  s->avail_out -= static_cast<uInt>(give);
  s->total_out += give;
  return c.handed == c.out.size() ? Z_STREAM_END : Z_OK;
}

}  // namespace

PdfDeflateStats PdfDeflate() {
  PdfDeflateStats out;
  out.enabled = RealApi().enabled;
  out.streams = g_streams.load();
  out.bytes_in = g_bytes_in.load();
  out.bytes_out = g_bytes_out.load();
  return out;
}

}  // namespace yiwang::approval

extern "C" {

int deflateInit_(z_streamp strm, int level, const char* version, int stream_size) {
  const auto& real = yiwang::approval::RealApi();
  if (!real.enabled || !strm || !real.cairo.Contains(__builtin_return_address(0)) ||
      stream_size != static_cast<int>(sizeof(z_stream))) {
    return real.init(strm, level, version, stream_size);
  }
  return yiwang::approval::Init(strm, level);
}

int deflate(z_streamp strm, int flush) {
  const auto& real = yiwang::approval::RealApi();
  if (real.enabled && real.cairo.Contains(__builtin_return_address(0))) {
    if (auto* c = yiwang::approval::Ours(strm)) return yiwang::approval::Deflate(strm, *c, flush);
  }
  return real.deflate(strm, flush);
}

int deflateEnd(z_streamp strm) {
  const auto& real = yiwang::approval::RealApi();
  if (real.enabled && real.cairo.Contains(__builtin_return_address(0))) {
    if (auto* c = yiwang::approval::Ours(strm)) {
      const bool complete = c->finished && c->handed == c->out.size();
      delete c;
      strm->state = nullptr;
      return complete ? Z_OK : Z_DATA_ERROR;  // as zlib: freed before the end is a data error
    }
  }
  return real.end(strm);
}

}  // extern "C"
