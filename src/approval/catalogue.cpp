#include "approval/catalogue.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "approval/transfer.hpp"
#include "approval/views.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "identity/store.hpp"

namespace yiwang::approval {

namespace {

/// A new version keeps the sample of a material of the same name in the version before it (the
/// edit form and imports carry no files).
void KeepSamples(Item& item, const std::optional<Item>& before) {
  if (!before) return;
  for (Material& m : item.materials) {
    if (!m.sample_sm3.empty()) continue;
    for (const Material& old : before->materials) {
      if (old.name == m.name && !old.sample_sm3.empty()) {
        m.sample_sm3 = old.sample_sm3;
        m.sample_name = old.sample_name;
        m.sample_mime = old.sample_mime;
        break;
      }
    }
  }
}

/// The name a sample is offered under: the uploaded file's own name (files::SafeFileName); the
/// material's name when nothing is left.
std::string SampleName(const std::string& filename, const Material& m, const std::string& mime) {
  const std::string out = files::SafeFileName(filename);
  if (!out.empty()) return out;
  return m.name + (mime == "application/pdf" ? ".pdf" : mime == files::kDocx ? ".docx" : mime == files::kXlsx ? ".xlsx"
                   : mime == "application/ofd" ? ".ofd" : mime == "image/png" ? ".png" : mime == "image/jpeg" ? ".jpg" : "");
}

}  // namespace

const std::set<std::string>& CatalogueService::SampleTypes() {
  static const std::set<std::string> kTypes = {"application/pdf", "application/ofd", files::kDocx, files::kXlsx,
                                               "image/jpeg", "image/png"};
  return kTypes;
}

void CatalogueService::Announce(db::Tx& tx, const std::vector<Item>& items) {
  nlohmann::json arr = nlohmann::json::array(), samples = nlohmann::json::array();
  std::set<std::string> sent;
  for (const Item& i : items) {
    arr.push_back(ItemJson(i));
    // The external zone has its own file store: the samples travel with the versions.
    for (const Material& m : i.materials) {
      if (m.sample_sm3.empty() || !sent.insert(m.sample_sm3).second) continue;
      samples.push_back({{"sm3", m.sample_sm3}, {"content", core::Base64Encode(files_.Read(tx, m.sample_sm3))}});
    }
  }
  exchange_.Send(tx, core::Zone::kExternal, "items.published", {{"items", arr}, {"samples", samples}});
}

void CatalogueService::RegisterPacketHandlers() {
  // On the external zone: make the mirror hold exactly the versions announced, with the same
  // status, and keep one published version per code.
  exchange_.On("items.published", [this](db::Tx& tx, const exchange::Packet& p) {
    const std::int64_t now = clock_.NowMs();
    for (const auto& f : p.payload.value("samples", nlohmann::json::array())) {
      const std::string bytes = core::Base64Decode(f.at("content").get<std::string>(), "样表");
      if (files_.Put(tx, bytes, SampleTypes()).sm3 != f.at("sm3").get<std::string>()) {
        throw Error(ErrorCode::kInvalidInput, "样表内容与其 SM3 摘要不符");
      }
    }
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

namespace {

/// The search box takes a few words, not a page: every two characters are one more full-text
/// term, so an unbounded query would let one anonymous request occupy a worker for seconds.
void CheckSearchText(const std::string& q) {
  if (!core::Utf8Valid(q) || core::Utf8Length(q) > CatalogueService::kMaxSearchChars) {
    throw Error(ErrorCode::kInvalidInput, "搜索内容不超过 " + std::to_string(CatalogueService::kMaxSearchChars) + " 个字",
                {{"q", "请输入事项名称中的几个字或关键词（不超过 " + std::to_string(CatalogueService::kMaxSearchChars) + " 个字）"}});
  }
}

}  // namespace

store::Page CatalogueService::Search(const store::Query& q) {
  CheckSearchText(q.q);
  db::Conn c(db_);
  return store::Search(c.sql(), db_.dialect(), q);
}

std::vector<Item> CatalogueService::SearchAll(store::Query q) {
  CheckSearchText(q.q);
  db::Conn c(db_);
  q.page = 1;
  q.per_page = 200;
  std::vector<Item> items;
  for (;;) {
    store::Page page = store::Search(c.sql(), db_.dialect(), q);
    items.insert(items.end(), page.items.begin(), page.items.end());
    if (page.items.empty() || static_cast<std::int64_t>(items.size()) >= page.total) return items;
    ++q.page;
  }
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

std::string CatalogueService::StoreDraft(db::Tx& tx, Item& item, std::int64_t now) {
  auto latest = store::Latest(tx.sql(), item.code);
  KeepSamples(item, latest);
  item.status = ItemStatus::kDraft;
  if (latest && latest->status == ItemStatus::kDraft) {
    item.id = latest->id;
    item.version = latest->version;
    store::UpdateVersion(tx, item, now);
    return "修改草稿";
  }
  item.version = latest ? latest->version + 1 : 1;
  item.id = store::InsertVersion(tx, item, now);
  return latest ? "新建版本" : "新建事项";
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
    const std::string what = StoreDraft(tx, item, clock_.NowMs());
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
      KeepSamples(item, latest);
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

ImportResult CatalogueService::Import(const identity::Context& ctx, std::vector<Item> items, bool publish,
                                      const std::vector<int>& rows) {
  Sheet sheet;
  for (std::size_t i = 0; i < items.size(); ++i) sheet.rows.push_back(i < rows.size() ? rows[i] : static_cast<int>(i) + 2);
  sheet.items = std::move(items);
  return Import(ctx, std::move(sheet), publish);
}

ImportResult CatalogueService::Import(const identity::Context& ctx, Sheet sheet, bool publish) {
  identity::RequireRole(ctx.principal, {identity::Role::kSysAdmin});
  if (sheet.items.empty()) throw Error(ErrorCode::kInvalidInput, "文件中没有事项", {{"header", "文件中只有表头，没有事项"}});
  std::vector<Item>& items = sheet.items;
  auto row_of = [&sheet](std::size_t i) { return i < sheet.rows.size() ? sheet.rows[i] : static_cast<int>(i) + 2; };
  std::set<int> read_problems;  // rows the reader already checked and found wrong
  for (const auto& [row, text] : sheet.problems) read_problems.insert(row);
  return db::WithTx(db_, [&](db::Tx& tx) {
    // Check every row before writing any: all problems are reported at once.
    std::vector<std::pair<int, std::string>> problems = sheet.problems;
    std::map<std::string, std::optional<identity::Unit>> units;  // by code, looked up once
    std::map<std::string, int> code_rows;
    for (std::size_t i = 0; i < items.size(); ++i) {
      Item& item = items[i];
      const int row = row_of(i);
      const bool read_wrong = read_problems.count(row) > 0;  // its own checks already reported
      auto [u, fresh] = units.try_emplace(item.dept_code);
      if (fresh && !item.dept_code.empty()) u->second = identity::store::FindUnitByCode(tx.sql(), item.dept_code);
      const std::optional<identity::Unit>& unit = u->second;
      item.dept_unit_id = 0;
      if (item.dept_code.empty()) {
        if (!read_wrong) problems.emplace_back(row, "请填写实施部门编码");
      } else if (!unit) {
        problems.emplace_back(row, "实施部门编码不存在：" + item.dept_code);
      } else if (unit->kind != "department" && unit->kind != "town") {
        problems.emplace_back(row, "实施部门应为部门或乡镇（街道），" + item.dept_code + " 是" + identity::UnitKindLabel(unit->kind) +
                                       "“" + unit->name + "”");
      } else {
        item.dept_unit_id = unit->id;
        item.dept_name = unit->name;
      }
      if (read_wrong) continue;
      if (!item.code.empty() && !code_rows.emplace(item.code, row).second) {
        problems.emplace_back(row, "事项编码 " + item.code + " 与第 " + std::to_string(code_rows[item.code]) + " 行重复");
      }
      try {
        ValidateItem(item);
      } catch (const Error& e) {
        for (const auto& [field, message] : e.fields()) {
          if (field != "dept") problems.emplace_back(row, message);
        }
      }
    }
    if (!problems.empty()) {
      std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      ThrowRowProblems(problems);
    }

    const std::int64_t now = clock_.NowMs();
    ImportResult result;
    std::vector<Item> saved;
    for (Item& item : items) {
      const std::string what = StoreDraft(tx, item, now);
      (what == "新建事项" ? result.created : what == "新建版本" ? result.new_versions : result.drafts_updated)++;
      if (publish) {
        if (auto old = store::CurrentPublished(tx.sql(), item.code)) store::SetStatus(tx, *old, ItemStatus::kSuperseded, now);
        store::SetStatus(tx, item, ItemStatus::kPublished, now);
        saved.push_back(*store::FindVersion(tx.sql(), item.id));
      }
    }
    result.count = static_cast<int>(items.size());
    result.published = publish;
    audit_.Append(tx, ctx.ToActor(),
                  {"item.import", "catalogue", "", "success",
                   "导入事项 " + std::to_string(result.count) + " 项（新建 " + std::to_string(result.created) + "，新版本 " +
                       std::to_string(result.new_versions) + "，修改草稿 " + std::to_string(result.drafts_updated) + "）" +
                       (publish ? "，并已发布" : "")});
    if (publish) Announce(tx, saved);
    return result;
  });
}

/// The code's latest version, which must be a draft (a published version never changes).
Item CatalogueService::LatestDraft(db::Tx& tx, const std::string& code, const std::string& then) {
  auto latest = store::Latest(tx.sql(), code);
  if (!latest) throw Error(ErrorCode::kNotFound, "事项不存在：" + code);
  if (latest->status != ItemStatus::kDraft) {
    throw Error(ErrorCode::kConflict, "第 " + std::to_string(latest->version) + " 版已" + ItemStatusLabel(latest->status) +
                                          "，不能再修改：请先保存为新版本草稿" + then);
  }
  return *latest;
}

Item CatalogueService::AttachSample(const identity::Context& ctx, const std::string& code, int material_no,
                                   const std::string& filename, const std::string& bytes) {
  identity::RequireRole(ctx.principal, {identity::Role::kSysAdmin});
  files::StoredFile f;
  try {
    f = files_.Stage(bytes, SampleTypes());  // checked (and a large one written) before the transaction
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kInternal) throw;
    throw Error(e.code(), "样表文件不符合要求：" + e.message(), {{"sample", e.message()}});
  }
  return db::WithTx(db_, [&](db::Tx& tx) {
    Item item = LatestDraft(tx, code, "，再上传样表，然后发布");
    if (material_no < 1 || material_no > static_cast<int>(item.materials.size())) {
      throw Error(ErrorCode::kInvalidInput, "请选择要上传样表的申请材料", {{"material_no", "材料序号不存在"}});
    }
    files_.Record(tx, f);
    Material& m = item.materials[static_cast<std::size_t>(material_no - 1)];
    m.sample_sm3 = f.sm3;
    m.sample_mime = f.mime;
    m.sample_name = SampleName(filename, m, f.mime);
    store::UpdateVersion(tx, item, clock_.NowMs());
    audit_.Append(tx, ctx.ToActor(), {"item.sample", "item", code + "@v" + std::to_string(item.version), "success",
                                      "材料“" + m.name + "”的样表：" + m.sample_name + "（SM3 " + f.sm3 + "）"});
    return *store::FindVersion(tx.sql(), item.id);
  });
}

Item CatalogueService::RemoveSample(const identity::Context& ctx, const std::string& code, int material_no) {
  identity::RequireRole(ctx.principal, {identity::Role::kSysAdmin});
  return db::WithTx(db_, [&](db::Tx& tx) {
    Item item = LatestDraft(tx, code, "");
    if (material_no < 1 || material_no > static_cast<int>(item.materials.size()) ||
        item.materials[static_cast<std::size_t>(material_no - 1)].sample_sm3.empty()) {
      throw Error(ErrorCode::kNotFound, "该材料没有样表");
    }
    Material& m = item.materials[static_cast<std::size_t>(material_no - 1)];
    const std::string was = m.sample_name;
    m.sample_sm3.clear();
    m.sample_name.clear();
    m.sample_mime.clear();
    store::UpdateVersion(tx, item, clock_.NowMs());
    audit_.Append(tx, ctx.ToActor(), {"item.sample_remove", "item", code + "@v" + std::to_string(item.version), "success",
                                      "材料“" + m.name + "”的样表：" + was});
    return *store::FindVersion(tx.sql(), item.id);
  });
}

std::pair<Material, std::string> CatalogueService::SampleOf(const std::string& code, const std::string& sm3,
                                                            bool published_only) {
  std::optional<Item> item;
  {
    db::Conn c(db_);
    item = published_only ? store::CurrentPublished(c.sql(), code) : store::Latest(c.sql(), code);
  }
  if (item && !sm3.empty()) {
    for (const Material& m : item->materials) {
      if (m.sample_sm3 == sm3) return {m, files_.Read(sm3)};
    }
  }
  throw Error(ErrorCode::kNotFound, "样表不存在或已更新，请回到办事指南重新下载");
}

}  // namespace yiwang::approval
