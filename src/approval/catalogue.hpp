#pragma once
// The catalogue service: administration in the internal zone (save a draft, publish, retire;
// a published version is never edited — editing makes the next version), and the published
// catalogue mirrored to the external zone as exchange packets for the 办事指南.
#include <string>
#include <vector>

#include "approval/model.hpp"
#include "approval/store.hpp"
#include "audit/audit.hpp"
#include "core/clock.hpp"
#include "db/database.hpp"
#include "exchange/exchange.hpp"
#include "identity/service.hpp"

namespace yiwang::approval {

class CatalogueService {
 public:
  CatalogueService(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit, exchange::Exchange& exchange)
      : db_(db), clock_(clock), audit_(audit), exchange_(exchange) {}

  /// "items.published" / "items.retired" packets applied on the external zone.
  void RegisterPacketHandlers();

  store::Page Search(const store::Query& q);
  /// The current published version (public guide), or kNotFound.
  Item Published(const std::string& code);
  /// The latest version whatever its status (administration), or kNotFound.
  Item Latest(const std::string& code);
  Item Version(std::int64_t id);
  std::vector<std::pair<Item, std::int64_t>> Departments();

  /// Saves an administrator's edit: a new code starts at version 1; a draft is updated in
  /// place; a published or retired item gets a new draft version. 系统管理员 only.
  Item SaveDraft(const identity::Context& ctx, Item item);
  /// Publishes the latest draft of a code (the previous published version is kept as
  /// superseded for the cases that started on it).
  Item Publish(const identity::Context& ctx, const std::string& code);
  Item Retire(const identity::Context& ctx, const std::string& code);
  /// Loads and publishes many items in one transaction and one packet (demo data, imports).
  int PublishAll(const identity::Context& ctx, std::vector<Item> items);

 private:
  void Announce(db::Tx& tx, const std::vector<Item>& items);
  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
  exchange::Exchange& exchange_;
};

}  // namespace yiwang::approval
