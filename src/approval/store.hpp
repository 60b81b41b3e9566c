#pragma once
// SQL for the catalogue, both dialects. The search index is FTS5 on SQLite and a tsvector +
// GIN index on PostgreSQL over the same token string (src/core/text_search.hpp).
#include <optional>
#include <string>
#include <vector>

#include "approval/model.hpp"
#include "db/database.hpp"

namespace yiwang::approval::store {

std::optional<Item> FindVersion(soci::session& sql, std::int64_t id);
std::optional<Item> FindByCodeVersion(soci::session& sql, const std::string& code, int version);
/// Highest version of a code, whatever its status.
std::optional<Item> Latest(soci::session& sql, const std::string& code);
std::optional<Item> CurrentPublished(soci::session& sql, const std::string& code);

std::int64_t InsertVersion(db::Tx& tx, const Item& item, std::int64_t now);
void UpdateVersion(db::Tx& tx, const Item& item, std::int64_t now);
/// Sets a version's status and keeps the search index to published versions only.
void SetStatus(db::Tx& tx, const Item& item, ItemStatus status, std::int64_t now);

struct Query {
  std::string q;
  std::int64_t dept_unit_id = 0;
  std::string kind;
  bool published_only = true;  // false: the latest version of every code (administration)
  std::string status;          // administration filter
  int page = 1;
  int per_page = 20;
};
struct Page {
  std::vector<Item> items;
  std::int64_t total = 0;
};
Page Search(soci::session& sql, db::Dialect dialect, const Query& q);

/// Departments with published items and their counts (for the department filter).
std::vector<std::pair<Item, std::int64_t>> DepartmentCounts(soci::session& sql);

}  // namespace yiwang::approval::store
