#include "files/file_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "db/row.hpp"

namespace yiwang::files {
namespace fs = std::filesystem;

namespace {

bool StartsWith(std::string_view data, std::string_view magic) { return data.substr(0, magic.size()) == magic; }

void WriteDurably(const fs::path& path, std::string_view data) {
  fs::create_directories(path.parent_path());
  fs::path tmp = path.string() + ".tmp-" + core::RandomToken(6);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) throw Error(ErrorCode::kInternal, "无法写入文件存储目录：" + tmp.string());
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      throw Error(ErrorCode::kInternal, "写入文件失败：" + tmp.string());
    }
    off += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  fs::rename(tmp, path);
  int dfd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

std::string DetectType(std::string_view data) {
  if (StartsWith(data, "%PDF-")) return "application/pdf";
  if (StartsWith(data, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (StartsWith(data, "\xFF\xD8\xFF")) return "image/jpeg";
  if (StartsWith(data, "PK\x03\x04")) {
    // OFD (GB/T 33190-2016) is a ZIP package with OFD.xml at its root; ZIP stores entry names
    // in clear text in the local headers and the central directory.
    if (data.find("OFD.xml") != std::string_view::npos) return "application/ofd";
    // Office Open XML (a blank form to fill in): a ZIP whose parts name the kind of document.
    if (data.find("word/document.xml") != std::string_view::npos) return kDocx;
    if (data.find("xl/workbook.xml") != std::string_view::npos) return kXlsx;
    return "application/zip";
  }
  return "application/octet-stream";
}

std::string TypeLabel(const std::string& mime) {
  if (mime == "application/pdf") return "PDF 文档";
  if (mime == "image/png") return "PNG 图片";
  if (mime == "image/jpeg") return "JPG 图片";
  if (mime == "application/ofd") return "OFD 版式文件";
  if (mime == kDocx) return "Word 文档";
  if (mime == kXlsx) return "Excel 表格";
  if (mime == "application/zip") return "ZIP 压缩包";
  return "未知类型";
}

std::string SafeFileName(const std::string& filename) {
  const std::size_t slash = filename.find_last_of("/\\");
  std::string out;
  for (unsigned char ch : filename.substr(slash == std::string::npos ? 0 : slash + 1)) {
    if (ch >= 0x20 && ch != 0x7f && ch != '"') out += static_cast<char>(ch);
  }
  if (out.size() > 200) {
    std::size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

FileStore::FileStore(db::Database& db, const core::Clock& clock, std::string root_dir, std::int64_t max_bytes)
    : db_(db), clock_(clock), root_(std::move(root_dir)), max_bytes_(max_bytes) {}

std::string FileStore::PathFor(const std::string& sm3) const {
  if (sm3.size() != 64 || sm3.find_first_not_of("0123456789abcdef") != std::string::npos) {
    throw Error(ErrorCode::kNotFound, "文件不存在");
  }
  return (fs::path(root_) / sm3.substr(0, 2) / sm3.substr(2)).string();
}

bool FileStore::Exists(const std::string& sm3) const {
  const std::string path = PathFor(sm3);
  db::Conn c(db_);
  int inline_rows = 0;
  c.sql() << "SELECT COUNT(*) FROM files WHERE sm3 = :h AND content IS NOT NULL", soci::use(sm3), soci::into(inline_rows);
  return inline_rows > 0 || fs::exists(path);
}

StoredFile FileStore::Put(db::Tx& tx, std::string_view data, const std::set<std::string>& allowed_types) {
  StoredFile f = Stage(data, allowed_types);
  Record(tx, f);
  return f;
}

StoredFile FileStore::Stage(std::string_view data, const std::set<std::string>& allowed_types) {
  if (data.empty()) throw Error(ErrorCode::kInvalidInput, "文件为空，请重新选择文件");
  if (static_cast<std::int64_t>(data.size()) > max_bytes_) {
    throw Error(ErrorCode::kPayloadTooLarge,
                "文件过大：不能超过 " + std::to_string(max_bytes_ / (1024 * 1024)) + " MB");
  }
  StoredFile f;
  f.mime = DetectType(data);
  if (!allowed_types.count(f.mime)) {
    std::string allowed;
    for (const auto& t : allowed_types) allowed += (allowed.empty() ? "" : "、") + TypeLabel(t);
    throw Error(ErrorCode::kUnsupportedType, "文件类型不符合要求（按文件内容识别为" + TypeLabel(f.mime) + "），只接受：" + allowed);
  }
  f.sm3 = core::Sm3Hex(data);
  f.size = static_cast<std::int64_t>(data.size());
  if (f.size <= kInlineMaxBytes) {
    f.inline_base64 = core::Base64Encode(data);
    return f;
  }
  const std::string path = PathFor(f.sm3);
  if (!fs::exists(path)) {
    WriteDurably(path, data);
  } else {
    // Reused (the same bytes were staged before, perhaps by a request that then failed and left
    // no row): dated now, so that a collection does not take it as an old stray meanwhile.
    ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
  }
  return f;
}

void FileStore::Record(db::Tx& tx, const StoredFile& f) {
  long long size = f.size, now = clock_.NowMs(), stale = now - kRedateAfterMs;
  // Base64 text: SOCI 4.0 binds no bytea/BLOB portably (its PostgreSQL blob is a large
  // object), and one column type keeps one code path (ADR 0009).
  soci::indicator ind = f.is_inline() ? soci::i_ok : soci::i_null;
  // A file recorded again is re-dated when its date is old, so that garbage collection (which
  // removes only files dated before its cutoff, re-checked in its own write transaction) never
  // takes a file just referenced again. On PostgreSQL the upsert also locks the row against a
  // collection deleting it at the same moment; SQLite has one writer.
  tx.sql() << "INSERT INTO files (sm3, size, mime, created_at, content) VALUES (:h, :s, :m, :c, :d) "
              "ON CONFLICT (sm3) DO UPDATE SET created_at = excluded.created_at WHERE files.created_at < :st",
      soci::use(f.sm3), soci::use(size), soci::use(f.mime), soci::use(now), soci::use(f.inline_base64, ind),
      soci::use(stale);
  // A large file's bytes were written by Stage before this transaction; a collection running
  // meanwhile may have removed them with their old row. Then nothing is recorded: the request
  // fails and its retry stages the bytes again.
  if (!f.is_inline() && !fs::exists(PathFor(f.sm3))) {
    throw Error(ErrorCode::kConflict, "文件保存时被同时进行的存储清理移除，请重新提交");
  }
}

namespace {
/// The first 16 hex digits of an SM3 as a number (64 bits of the hash: a collision only keeps an
/// orphan, never removes a referenced file).
std::uint64_t Prefix(const std::string& hex) { return std::stoull(hex.substr(0, 16), nullptr, 16); }
bool IsHex64(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}
}  // namespace

Collection FileStore::Collect(std::int64_t cutoff_ms, bool remove) {
  if (cutoff_ms > clock_.NowMs() - 7 * 24LL * 3600 * 1000) {
    throw Error(ErrorCode::kInvalidInput, "只清理至少 7 天前保存的文件");
  }
  Collection out;
  // Everything that refers to a file, read once (outside any write transaction: at 1,000,000
  // cases this is millions of rows); a file referenced after this read is re-dated by Record.
  std::vector<std::uint64_t> refs;
  {
    db::Conn c(db_);
    for (const char* q : {"SELECT file_sm3 FROM case_materials", "SELECT pdf_sm3 FROM documents",
                          "SELECT file_sm3 FROM application_draft_materials", "SELECT file_sm3 FROM case_attachments"}) {
      soci::rowset<std::string> rs = c.sql().prepare << q;
      for (const std::string& h : rs) {
        if (IsHex64(h)) refs.push_back(Prefix(h));
      }
    }
    // Catalogue items keep their blank forms and samples in the item's JSON body (every version,
    // kept for running cases): any SM3-shaped text there counts.
    soci::rowset<std::string> bodies = c.sql().prepare << "SELECT body FROM items";
    for (const std::string& body : bodies) {
      for (std::size_t i = 0; i + 64 <= body.size();) {
        const std::size_t end = body.find_first_not_of("0123456789abcdef", i);
        const std::size_t run = (end == std::string::npos ? body.size() : end) - i;
        if (run == 64) refs.push_back(Prefix(body.substr(i, 64)));
        i += run + 1;
      }
    }
  }
  std::sort(refs.begin(), refs.end());
  refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
  out.referenced = static_cast<std::int64_t>(refs.size());
  std::set<std::string> adopted = Strays(cutoff_ms, remove, out);
  std::vector<std::string> orphans;
  {
    db::Conn c(db_);
    long long cut = cutoff_ms;
    soci::rowset<soci::row> rs = (c.sql().prepare << "SELECT sm3, size FROM files WHERE created_at < :c", soci::use(cut));
    for (const soci::row& r : rs) {
      const std::string h = db::RowStr(r, "sm3");
      if (!IsHex64(h) || std::binary_search(refs.begin(), refs.end(), Prefix(h))) continue;
      orphans.push_back(h);
      if (adopted.count(h)) continue;  // counted as a stray
      ++out.orphans;
      out.orphan_bytes += db::RowInt(r, "size");
    }
  }
  if (!remove) return out;
  // In small write transactions: each row is deleted only if still dated before the cutoff (a
  // Record since re-dated it), and a large file's bytes go in the same transaction.
  for (std::size_t at = 0; at < orphans.size(); at += 200) {
    std::int64_t removed = 0, bytes = 0;
    db::WithTx(db_, [&](db::Tx& tx) {
      removed = bytes = 0;  // a retried transaction counts again
      for (std::size_t i = at; i < std::min(orphans.size(), at + 200); ++i) {
        std::string h = orphans[i];
        long long cut = cutoff_ms, size = 0;
        int on_disk = 0;
        tx.sql() << "SELECT size, CASE WHEN content IS NULL THEN 1 ELSE 0 END FROM files WHERE sm3 = :h AND created_at < :c",
            soci::use(h), soci::use(cut), soci::into(size), soci::into(on_disk);
        if (!tx.sql().got_data()) continue;
        soci::statement del = (tx.sql().prepare << "DELETE FROM files WHERE sm3 = :h AND created_at < :c", soci::use(h),
                               soci::use(cut));
        del.execute(true);
        if (del.get_affected_rows() != 1) continue;
        if (on_disk) {
          std::error_code ec;
          fs::remove(PathFor(h), ec);
        }
        ++removed;
        bytes += size;
      }
    });
    out.removed += removed;
    out.removed_bytes += bytes;
  }
  return out;
}

std::set<std::string> FileStore::Strays(std::int64_t cutoff_ms, bool remove, Collection& out) {
  std::set<std::string> adopted;
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) return adopted;
  // Candidates from the directory walk (the layout of PathFor: two hex digits, then 62).
  struct Candidate {
    std::string sm3;
    std::string path;
    std::int64_t size = 0;
    std::int64_t mtime_ms = 0;
  };
  std::vector<Candidate> candidates;
  std::vector<std::pair<std::string, std::int64_t>> unfinished;  // path, size
  for (auto it = fs::recursive_directory_iterator(root_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it.depth() != 1 || !it->is_regular_file(ec)) continue;
    const std::string dir = it->path().parent_path().filename().string(), name = it->path().filename().string();
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;
    const std::int64_t mtime_ms = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    if (mtime_ms >= cutoff_ms) continue;
    const std::string sm3 = dir + name;
    if (name.find(".tmp-") != std::string::npos) {
      unfinished.emplace_back(it->path().string(), static_cast<std::int64_t>(st.st_size));
      ++out.strays;
      out.stray_bytes += static_cast<std::int64_t>(st.st_size);
    } else if (dir.size() == 2 && IsHex64(sm3)) {
      candidates.push_back({sm3, it->path().string(), static_cast<std::int64_t>(st.st_size), mtime_ms});
    }
  }
  if (!candidates.empty()) {
    // The rows of files kept on disk, read once (not a query per file).
    std::vector<std::string> on_disk;
    {
      db::Conn c(db_);
      soci::rowset<std::string> rs = c.sql().prepare << "SELECT sm3 FROM files WHERE content IS NULL";
      for (const std::string& h : rs) on_disk.push_back(h);
    }
    std::sort(on_disk.begin(), on_disk.end());
    std::erase_if(candidates,
                  [&](const Candidate& cand) { return std::binary_search(on_disk.begin(), on_disk.end(), cand.sm3); });
  }
  for (const auto& cand : candidates) {
    ++out.strays;
    out.stray_bytes += cand.size;
  }
  if (!remove) return adopted;
  auto remove_file = [&](const std::string& path, std::int64_t size) {
    if (!fs::remove(path, ec)) return;
    ++out.removed;
    out.removed_bytes += size;
  };
  for (const auto& [path, size] : unfinished) remove_file(path, size);
  for (const auto& cand : candidates) {
    std::string bytes;
    {
      std::ifstream in(cand.path, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      bytes = ss.str();
    }
    if (core::Sm3Hex(bytes) != cand.sm3) {
      // Not the content its name says (a disk fault): nothing can refer to it by that name.
      remove_file(cand.path, cand.size);
      continue;
    }
    // Adopted as a row dated by its last write; Record re-dates it if it is staged again, and the
    // removal below re-checks that date in its write transaction.
    long long size = cand.size, created = cand.mtime_ms;
    std::string mime = DetectType(bytes), h = cand.sm3;
    db::WithTx(db_, [&](db::Tx& tx) {
      tx.sql() << "INSERT INTO files (sm3, size, mime, created_at, content) VALUES (:h, :s, :m, :c, NULL) "
                  "ON CONFLICT (sm3) DO NOTHING",
          soci::use(h), soci::use(size), soci::use(mime), soci::use(created);
    });
    adopted.insert(cand.sm3);
  }
  return adopted;
}

std::string FileStore::Read(const std::string& sm3) const {
  db::Conn c(db_);
  return ReadFrom(c.sql(), sm3);
}

std::string FileStore::Read(db::Tx& tx, const std::string& sm3) const { return ReadFrom(tx.sql(), sm3); }

std::string FileStore::ReadFrom(soci::session& sql, const std::string& sm3) const {
  const std::string path = PathFor(sm3);
  std::string content;
  soci::indicator ind = soci::i_null;
  sql << "SELECT content FROM files WHERE sm3 = :h", soci::use(sm3), soci::into(content, ind);
  if (sql.got_data() && ind == soci::i_ok) {
    std::string data = core::Base64Decode(content, "文件内容");
    if (core::Sm3Hex(data) != sm3) throw Error(ErrorCode::kInternal, "文件内容与其 SM3 摘要不符（存储损坏）");
    return data;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "文件不存在");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  if (core::Sm3Hex(data) != sm3) throw Error(ErrorCode::kInternal, "文件内容与其 SM3 摘要不符（存储损坏）");
  return data;
}

}  // namespace yiwang::files
