#pragma once
// Uploaded-file store, content-addressed by SM3: <data>/files/ab/cdef... . The same content
// is stored once; a file's identity is its hash, so a reference can never point at changed
// bytes. Type is decided by magic bytes, never by the name the uploader gave.
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
};

/// "application/pdf", "image/png", "image/jpeg", "application/ofd" (a ZIP whose entries
/// include OFD.xml, GB/T 33190), "application/zip", or "application/octet-stream".
std::string DetectType(std::string_view data);
/// Chinese name of a type for messages ("PDF 文档").
std::string TypeLabel(const std::string& mime);

class FileStore {
 public:
  FileStore(const core::Clock& clock, std::string root_dir, std::int64_t max_bytes);

  /// Stores the bytes (durably, before the caller's transaction commits) and records them in
  /// the caller's transaction. Throws kPayloadTooLarge / kUnsupportedType / kInvalidInput.
  StoredFile Put(db::Tx& tx, std::string_view data, const std::set<std::string>& allowed_types);
  /// Put in two halves, so that the checks and the durable file write (two fsyncs) happen
  /// before the caller's write transaction and only the row is written inside it: Stage
  /// checks and writes the file (content-addressed: a staged file that no transaction records
  /// is harmless and is reused by the next Put of the same bytes); Record adds its row.
  StoredFile Stage(std::string_view data, const std::set<std::string>& allowed_types);
  void Record(db::Tx& tx, const StoredFile& f);
  /// The bytes of a stored file; verifies the hash on read (kInternal if the disk lies).
  std::string Read(const std::string& sm3) const;
  bool Exists(const std::string& sm3) const;
  std::string PathFor(const std::string& sm3) const;
  const std::string& root() const { return root_; }

 private:
  const core::Clock& clock_;
  std::string root_;
  std::int64_t max_bytes_;
};

}  // namespace yiwang::files
