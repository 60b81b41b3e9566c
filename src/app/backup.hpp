#pragma once
// Consistent online backup and restore of a node: the database (SQLite: VACUUM INTO, a
// transactionally consistent copy taken while the server runs; PostgreSQL: pg_dump -Fc) and
// the content-addressed file store (files are immutable, so copying after the database
// snapshot gives every file the snapshot references). A manifest lists every file with its
// SM3 so that restore can refuse a damaged backup.
#include <string>

#include "core/config.hpp"

namespace yiwang::app {

/// Writes a backup into out_dir (created; must not exist or be empty). Returns a summary.
std::string Backup(const core::Config& config, const std::string& out_dir);
/// Restores a backup into the configured database and data directory. The server must be
/// stopped (restore refuses while it holds the data directory lock).
std::string Restore(const core::Config& config, const std::string& from_dir);

/// Holds an exclusive lock on <data>/yiwang.lock for the life of a serving process.
class DataDirLock {
 public:
  explicit DataDirLock(const std::string& data_dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace yiwang::app
