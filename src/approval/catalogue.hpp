#pragma once
// The catalogue service: administration in the internal zone (save a draft, publish, retire;
// a published version is never edited — editing makes the next version), and the published
// catalogue mirrored to the external zone as exchange packets for the 办事指南.
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "approval/model.hpp"
#include "approval/store.hpp"
#include "approval/transfer.hpp"
#include "audit/audit.hpp"
#include "core/clock.hpp"
#include "db/database.hpp"
#include "exchange/exchange.hpp"
#include "files/file_store.hpp"
#include "identity/service.hpp"

namespace yiwang::approval {

/// What an import did (CatalogueService::Import).
struct ImportResult {
  int count = 0;           // rows imported
  int created = 0;         // new codes, version 1
  int new_versions = 0;    // a new draft version after a published or retired one
  int drafts_updated = 0;  // an existing draft updated in place
  bool published = false;
};

class CatalogueService {
 public:
  CatalogueService(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit, exchange::Exchange& exchange,
                   files::FileStore& files)
      : db_(db), clock_(clock), audit_(audit), exchange_(exchange), files_(files) {}

  /// What a material's 空白表格/示范文本 may be: PDF, OFD, Word, Excel, JPG, PNG (by content).
  static const std::set<std::string>& SampleTypes();

  /// "items.published" / "items.retired" packets applied on the external zone.
  void RegisterPacketHandlers();

  /// The longest search text, in characters (a longer one: kInvalidInput on field "q").
  static constexpr std::size_t kMaxSearchChars = 50;

  store::Page Search(const store::Query& q);
  /// Every item the query matches, all pages (the catalogue export); q.page is ignored.
  std::vector<Item> SearchAll(store::Query q);
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
  /// Loads a spreadsheet's items (approval/transfer.hpp) in one transaction, each as SaveDraft
  /// would save it: a new code starts at version 1, a draft is updated in place, otherwise a
  /// new draft version follows (a published version is never changed). With publish, all of
  /// them are then published and announced in one "items.published" packet, like PublishAll.
  /// Everything or nothing: an unknown 实施部门编码 or an invalid item is reported with its
  /// row (rows[i] is the file row of items[i]; the list position + 2 when not given) together
  /// with every other problem. 系统管理员 only; one audit record "item.import".
  ImportResult Import(const identity::Context& ctx, std::vector<Item> items, bool publish,
                      const std::vector<int>& rows = {});
  /// A file as read (approval/transfer.hpp): the problems found while reading it and those
  /// found here are reported together, in row order.
  ImportResult Import(const identity::Context& ctx, Sheet sheet, bool publish);

  /// Attaches a blank form or sample (空白表格/示范文本) to material `material_no` (from 1) of the
  /// code's latest version, which must be a draft (a published version never changes: save a
  /// new version first). Checked by content (SampleTypes) and size; replaces an earlier one.
  /// 系统管理员 only; audited. Published with the version and sent to the external zone with it.
  Item AttachSample(const identity::Context& ctx, const std::string& code, int material_no, const std::string& filename,
                    const std::string& bytes);
  Item RemoveSample(const identity::Context& ctx, const std::string& code, int material_no);
  /// A material's sample by its SM3, with its bytes: of the current published version (the
  /// public guide), or of the latest version whatever its status (administration). kNotFound.
  std::pair<Material, std::string> SampleOf(const std::string& code, const std::string& sm3, bool published_only);

 private:
  void Announce(db::Tx& tx, const std::vector<Item>& items);
  /// The code's latest version, which must be a draft; kNotFound / kConflict ("…请先保存为新版本草稿" + then).
  Item LatestDraft(db::Tx& tx, const std::string& code, const std::string& then);
  /// SaveDraft's rule inside a transaction; item must be valid with its unit resolved.
  /// Returns what it did: "修改草稿", "新建版本" or "新建事项".
  std::string StoreDraft(db::Tx& tx, Item& item, std::int64_t now);
  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
  exchange::Exchange& exchange_;
  files::FileStore& files_;
};

}  // namespace yiwang::approval
