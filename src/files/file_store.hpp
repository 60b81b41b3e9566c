#pragma once
// Uploaded-file store, content-addressed by SM3. The same content is stored once; a file's
// identity is its hash, so a reference can never point at changed bytes. Type is decided by
// magic bytes, never by the name the uploader gave. Files up to kInlineMaxBytes are kept in
// the `files` row itself (ADR 0009: written in the caller's transaction, under its commit,
// instead of one new file and two fsyncs each); larger ones in <data>/files/ab/cdef... .
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "db/database.hpp"

namespace yiwang::files {

struct StoredFile {
  std::string sm3;
  std::int64_t size = 0;
  std::string mime;
  /// Staged and small enough to be kept in the database: the bytes as they are stored (base64,
  /// ADR 0009), encoded when staged so that Record's write transaction only inserts them (never
  /// empty for such a file: Stage refuses empty files).
  std::string inline_base64;
  bool is_inline() const { return !inline_base64.empty(); }
};

inline constexpr const char* kDocx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
inline constexpr const char* kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// "application/pdf", "image/png", "image/jpeg", "application/ofd" (a ZIP whose entries
/// include OFD.xml, GB/T 33190), kDocx / kXlsx (a ZIP with word/document.xml or
/// xl/workbook.xml), "application/zip", or "application/octet-stream".
std::string DetectType(std::string_view data);
/// Chinese name of a type for messages ("PDF 文档").
std::string TypeLabel(const std::string& mime);
/// An uploaded file's name as kept and offered again: without any path, control characters or
/// double quotes, at most 200 bytes (not cutting a UTF-8 character); "" when nothing is left.
std::string SafeFileName(const std::string& filename);

/// What a garbage collection found and removed (FileStore::Collect).
struct Collection {
  std::int64_t referenced = 0;  // distinct files something refers to
  std::int64_t orphans = 0;     // files nothing refers to, recorded before the cutoff
  std::int64_t orphan_bytes = 0;
  std::int64_t strays = 0;      // large files on disk with no row (staged by a request that then
  std::int64_t stray_bytes = 0; // failed), last written before the cutoff; and unfinished writes
  std::int64_t removed = 0;     // of them all, removed (0 on a dry run)
  std::int64_t removed_bytes = 0;
};

class FileStore {
 public:
  /// Record re-dates a file recorded more than this long ago (so that a collection with a
  /// cutoff older than this never removes a file that was just referenced again).
  static constexpr std::int64_t kRedateAfterMs = 24LL * 3600 * 1000;
  /// Files of at most this many bytes are kept in the database (generated documents, small
  /// scans); larger ones as files on disk. See ADR 0009 for the measurement behind it.
  static constexpr std::int64_t kInlineMaxBytes = 256 * 1024;

  FileStore(db::Database& db, const core::Clock& clock, std::string root_dir, std::int64_t max_bytes);

  /// Stores the bytes (durably, before the caller's transaction commits) and records them in
  /// the caller's transaction. Throws kPayloadTooLarge / kUnsupportedType / kInvalidInput.
  StoredFile Put(db::Tx& tx, std::string_view data, const std::set<std::string>& allowed_types);
  /// Put in two halves, so that the checks and a large file's durable write (two fsyncs)
  /// happen before the caller's write transaction and only the row is written inside it:
  /// Stage checks the bytes and writes a large file (content-addressed: a staged file that no
  /// transaction records is harmless and is reused by the next Put of the same bytes) or keeps
  /// a small one's bytes in the StoredFile; Record adds the row (with a small file's bytes).
  StoredFile Stage(std::string_view data, const std::set<std::string>& allowed_types);
  void Record(db::Tx& tx, const StoredFile& f);
  /// The bytes of a stored file; verifies the hash on read (kInternal if the disk lies). The
  /// second form reads inside a transaction (a file it recorded is not yet visible elsewhere).
  std::string Read(const std::string& sm3) const;
  std::string Read(db::Tx& tx, const std::string& sm3) const;
  bool Exists(const std::string& sm3) const;
  /// Garbage collection (`yiwang files gc`): files that no case material, document, draft
  /// material, attachment or catalogue item (blank forms, samples) refers to, and that were last
  /// recorded before `cutoff_ms` (files of drafts purged after 90 days, of failed uploads).
  /// With `remove`, deletes their rows and, for large files, their bytes on disk; otherwise only
  /// counts. Safe beside a running node: each removal re-checks the date in a write transaction,
  /// Record re-dates a file it references again (kRedateAfterMs) and refuses one whose bytes
  /// vanished (kConflict: the request is retried), and the cutoff must be at least 7 days back.
  /// Large files on disk that no row names (Stage wrote them, then the request was refused or
  /// failed before Record) and that were last written before the cutoff are strays: counted,
  /// and with `remove` first recorded as rows dated by their last write, then removed like any
  /// other orphan (so the same protocol keeps a file staged again meanwhile: Stage re-dates a
  /// stray it reuses). Leftovers of writes cut off by a crash (`*.tmp-*`) are removed with them.
  Collection Collect(std::int64_t cutoff_ms, bool remove);
  std::string PathFor(const std::string& sm3) const;
  const std::string& root() const { return root_; }

 private:
  std::string ReadFrom(soci::session& sql, const std::string& sm3) const;
  /// The strays of Collect (counted in `out`; with `remove`, recorded as rows): their hashes.
  std::set<std::string> Strays(std::int64_t cutoff_ms, bool remove, Collection& out);

  db::Database& db_;
  const core::Clock& clock_;
  std::string root_;
  std::int64_t max_bytes_;
};

}  // namespace yiwang::files
