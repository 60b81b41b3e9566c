#include "approval/catalogue.hpp"

#include "approval/views.hpp"
#include "core/error.hpp"
#include "identity/store.hpp"

namespace yiwang::approval {

void CatalogueService::Announce(db::Tx& tx, const std::vector<Item>& items) {
  nlohmann::json arr = nlohmann::json::array();
  for (const Item& i : items) arr.push_back(ItemJson(i));
  exchange_.Send(tx, core::Zone::kExternal, "items.published", {{"items", arr}});
}

void CatalogueService::RegisterPacketHandlers() {
  // On the external zone: make the mirror hold exactly the versions announced, with the same
  // status, and keep one published version per code.
  exchange_.On("items.published", [this](db::Tx& tx, const exchange::Packet& p) {
    const std::int64_t now = clock_.NowMs();
    for (const auto& j : p.payload.at("items")) {
      Item item = ItemFromJson(j);
      auto unit = identity::store::FindUnitByCode(tx.sql(), item.dept_code);
      if (!unit) throw Error(ErrorCode::kInvalidInput, "事项 " + item.code + " 的实施部门 " + item.dept_code + " 在外网尚不存在");
      item.dept_unit_id = unit->id;
      item.dept_name = unit->name;
      auto existing = store::FindByCodeVersion(tx.sql(), item.code, item.version);
      const ItemStatus status = item.status;
      if (existing) {
        item.id = existing->id;
        store::UpdateVersion(tx, item, now);
      } else {
        item.status = ItemStatus::kDraft;
        item.id = store::InsertVersion(tx, item, now);
      }
      if (status == ItemStatus::kPublished) {
        if (auto old = store::CurrentPublished(tx.sql(), item.code); old && old->version != item.version) {
          store::SetStatus(tx, *old, ItemStatus::kSuperseded, now);
        }
      }
      store::SetStatus(tx, item, status, now);
    }
  });
}

store::Page CatalogueService::Search(const store::Query& q) {
  db::Conn c(db_);
  return store::Search(c.sql(), db_.dialect(), q);
}

Item CatalogueService::Published(const std::string& code) {
  db::Conn c(db_);
  auto item = store::CurrentPublished(c.sql(), code);
  if (!item) throw Error(ErrorCode::kNotFound, "事项不存在或已停止办理：" + code);
  return *item;
}

Item CatalogueService::Latest(const std::string& code) {
  db::Conn c(db_);
  auto item = store::Latest(c.sql(), code);
  if (!item) throw Error(ErrorCode::kNotFound, "事项不存在：" + code);
  return *item;
}

Item CatalogueService::Version(std::int64_t id) {
  db::Conn c(db_);
  auto item = store::FindVersion(c.sql(), id);
  if (!item) throw Error(ErrorCode::kNotFound, "事项版本不存在");
  return *item;
}

std::vector<std::pair<Item, std::int64_t>> CatalogueService::Departments() {
  db::Conn c(db_);
  return store::DepartmentCounts(c.sql());
}

Item CatalogueService::SaveDraft(const identity::Context& ctx, Item item) {
  identity::RequireRole(ctx.principal, {identity::Role::kSysAdmin});
  return db::WithTx(db_, [&](db::Tx& tx) {
    if (item.dept_unit_id == 0 && !item.dept_code.empty()) {
      if (auto u = identity::store::FindUnitByCode(tx.sql(), item.dept_code)) item.dept_unit_id = u->id;
    }
    if (item.dept_unit_id) {
      auto u = identity::store::FindUnit(tx.sql(), item.dept_unit_id);
      if (!u) item.dept_unit_id = 0;
      else {
        item.dept_code = u->code;
        item.dept_name = u->name;
      }
    }
    ValidateItem(item);
    const std::int64_t now = clock_.NowMs();
    auto latest = store::Latest(tx.sql(), item.code);
    std::string what;
    if (latest && latest->status == ItemStatus::kDraft) {
      item.id = latest->id;
      item.version = latest->version;
      item.status = ItemStatus::kDraft;
      store::UpdateVersion(tx, item, now);
      what = "修改草稿";
    } else {
      item.version = latest ? latest->version + 1 : 1;
      item.status = ItemStatus::kDraft;
      item.id = store::InsertVersion(tx, item, now);
      what = latest ? "新建版本" : "新建事项";
    }
    audit_.Append(tx, ctx.ToActor(), {"item.save", "item", item.code + "@v" + std::to_string(item.version), "success",
                                      what + "：" + item.name});
    return *store::FindVersion(tx.sql(), item.id);
  });
}

Item CatalogueService::Publish(const identity::Context& ctx, const std::string& code) {
  identity::RequireRole(ctx.principal, {identity::Role::kSysAdmin});
  return db::WithTx(db_, [&](db::Tx& tx) {
    auto latest = store::Latest(tx.sql(), code);
    if (!latest) throw Error(ErrorCode::kNotFound, "事项不存在：" + code);
    if (latest->status != ItemStatus::kDraft) {
      throw Error(ErrorCode::kConflict, "只有草稿可以发布；该事项当前为“" + ItemStatusLabel(latest->status) + "”");
    }
    ValidateItem(*latest);
    const std::int64_t now = clock_.NowMs();
    if (auto old = store::CurrentPublished(tx.sql(), code)) store::SetStatus(tx, *old, ItemStatus::kSuperseded, now);
    store::SetStatus(tx, *latest, ItemStatus::kPublished, now);
    Item published = *store::FindVersion(tx.sql(), latest->id);
    audit_.Append(tx, ctx.ToActor(), {"item.publish", "item", code + "@v" + std::to_string(published.version), "success",
                                      published.name});
    Announce(tx, {published});
    return published;
  });
}

Item CatalogueService::Retire(const identity::Context& ctx, const std::string& code) {
  identity::RequireRole(ctx.principal, {identity::Role::kSysAdmin});
  return db::WithTx(db_, [&](db::Tx& tx) {
    auto current = store::CurrentPublished(tx.sql(), code);
    if (!current) throw Error(ErrorCode::kConflict, "该事项没有已发布的版本，无需停用");
    store::SetStatus(tx, *current, ItemStatus::kRetired, clock_.NowMs());
    Item retired = *store::FindVersion(tx.sql(), current->id);
    audit_.Append(tx, ctx.ToActor(), {"item.retire", "item", code + "@v" + std::to_string(retired.version), "success",
                                      retired.name});
    Announce(tx, {retired});
    return retired;
  });
}

int CatalogueService::PublishAll(const identity::Context& ctx, std::vector<Item> items) {
  identity::RequireRole(ctx.principal, {identity::Role::kSysAdmin});
  return db::WithTx(db_, [&](db::Tx& tx) {
    const std::int64_t now = clock_.NowMs();
    std::vector<Item> published;
    for (Item& item : items) {
      auto unit = identity::store::FindUnitByCode(tx.sql(), item.dept_code);
      if (!unit) throw Error(ErrorCode::kInvalidInput, "事项 " + item.code + " 的实施部门编码不存在：" + item.dept_code);
      item.dept_unit_id = unit->id;
      item.dept_name = unit->name;
      ValidateItem(item);
      auto latest = store::Latest(tx.sql(), item.code);
      item.version = latest ? latest->version + 1 : 1;
      item.status = ItemStatus::kDraft;
      item.id = store::InsertVersion(tx, item, now);
      if (auto old = store::CurrentPublished(tx.sql(), item.code)) store::SetStatus(tx, *old, ItemStatus::kSuperseded, now);
      store::SetStatus(tx, item, ItemStatus::kPublished, now);
      published.push_back(*store::FindVersion(tx.sql(), item.id));
    }
    audit_.Append(tx, ctx.ToActor(), {"item.publish_all", "catalogue", "", "success",
                                      "批量发布事项 " + std::to_string(published.size()) + " 项"});
    Announce(tx, published);
    return static_cast<int>(published.size());
  });
}

}  // namespace yiwang::approval
