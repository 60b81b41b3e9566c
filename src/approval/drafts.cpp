#include "approval/drafts.hpp"

#include <algorithm>
#include <map>

#include "core/error.hpp"
#include "db/row.hpp"

namespace yiwang::approval {
namespace {

const char* kDraftCols =
    "id, applicant_id, item_code, item_name, contact_name, contact_mobile, description, case_no, created_at, "
    "updated_at";

Draft LoadDraft(const soci::row& r) {
  Draft d;
  d.id = db::RowInt(r, "id");
  d.applicant_id = db::RowInt(r, "applicant_id");
  d.item_code = db::RowStr(r, "item_code");
  d.item_name = db::RowStr(r, "item_name");
  d.contact_name = db::RowStr(r, "contact_name");
  d.contact_mobile = db::RowStr(r, "contact_mobile");
  d.description = db::RowStr(r, "description");
  d.case_no = db::RowStr(r, "case_no");
  d.created_at = db::RowInt(r, "created_at");
  d.updated_at = db::RowInt(r, "updated_at");
  return d;
}

void LoadMaterials(soci::session& sql, Draft& d) {
  long long id = d.id;
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT material_no, name, file_sm3, size, mime, filename FROM "
                                                 "application_draft_materials WHERE draft_id = :d ORDER BY material_no",
                                  soci::use(id));
  for (const soci::row& r : rows) {
    d.materials.push_back({static_cast<int>(db::RowInt(r, "material_no")), db::RowStr(r, "name"),
                           db::RowStr(r, "file_sm3"), db::RowInt(r, "size"), db::RowStr(r, "mime"),
                           db::RowStr(r, "filename")});
  }
}

std::string Trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

void RequirePublic(const identity::Context& ctx) {
  if (ctx.principal.kind != "public") throw Error(ErrorCode::kUnauthenticated, "请先登录后再保存或查看草稿");
}

}  // namespace

Draft DraftService::Load(soci::session& sql, const identity::Context& ctx, std::int64_t id) {
  RequirePublic(ctx);
  long long key = id;
  std::optional<Draft> found;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << kDraftCols << " FROM application_drafts WHERE id = :id", soci::use(key));
  for (const soci::row& r : rows) found = LoadDraft(r);
  // Another applicant's draft is "not found": its existence is not told.
  if (!found || found->applicant_id != ctx.principal.id) throw Error(ErrorCode::kNotFound, "草稿不存在");
  if (found->case_no.empty() && found->updated_at < Cutoff()) {
    throw Error(ErrorCode::kNotFound, "该草稿已超过保留期限（最后保存后 " + std::to_string(kKeepDays) + " 天），已删除");
  }
  LoadMaterials(sql, *found);
  return *found;
}

Draft DraftService::Get(const identity::Context& ctx, std::int64_t id) {
  db::Conn c(db_);
  return Load(c.sql(), ctx, id);
}

std::vector<Draft> DraftService::Mine(const identity::Context& ctx) {
  std::vector<Draft> out;
  if (ctx.principal.kind != "public") return out;
  db::Conn c(db_);
  long long applicant = ctx.principal.id, cutoff = Cutoff();
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kDraftCols
                       << " FROM application_drafts WHERE applicant_id = :a AND case_no = '' AND updated_at >= :cut "
                          "ORDER BY updated_at DESC, id DESC",
       soci::use(applicant), soci::use(cutoff));
  for (const soci::row& r : rows) out.push_back(LoadDraft(r));
  for (Draft& d : out) LoadMaterials(c.sql(), d);
  return out;
}

Draft DraftService::Save(const identity::Context& ctx, std::int64_t id, const DraftInput& in) {
  RequirePublic(ctx);
  Draft d;
  if (id) {
    d = Get(ctx, id);
    if (!d.case_no.empty()) throw Error(ErrorCode::kConflict, "该草稿已提交为办件 " + d.case_no + "，不能再修改");
  } else {
    d.item_code = Trim(in.item_code);
    if (d.item_code.empty()) throw Error(ErrorCode::kInvalidInput, "请选择申报事项", {{"item_code", "请选择申报事项"}});
  }
  const Item item = catalogue_.Published(d.item_code);  // a retired item takes no more drafts
  std::map<std::string, std::string> fields;
  if (in.contact_name) d.contact_name = Trim(*in.contact_name);
  if (in.contact_mobile) d.contact_mobile = Trim(*in.contact_mobile);
  if (in.description) d.description = *in.description;
  if (d.contact_name.size() > 90) fields["contact_name"] = "联系人姓名不超过 30 字";
  if (d.contact_mobile.size() > 11 || d.contact_mobile.find_first_not_of("0123456789") != std::string::npos) {
    fields["contact_mobile"] = "联系电话应为 11 位中国大陆手机号（草稿可暂不填写）";
  }
  if (d.description.size() > 6000) fields["description"] = "申请说明不超过 2000 字";
  for (int no : in.remove) {
    if (no < 1 || no > static_cast<int>(item.materials.size()))
      fields["material_" + std::to_string(no)] = "材料序号不存在";
  }
  const std::int64_t now = clock_.NowMs();
  db::WithTx(db_, [&](db::Tx& tx) {
    std::vector<DraftMaterial> stored;
    for (const Upload& u : in.uploads) {
      const std::string key = "material_" + std::to_string(u.material_no);
      if (u.material_no < 1 || u.material_no > static_cast<int>(item.materials.size())) {
        fields[key] = "材料序号不存在";
        continue;
      }
      if (u.bytes.empty()) continue;  // an empty file input keeps what was uploaded before
      const Material& m = item.materials[static_cast<std::size_t>(u.material_no - 1)];
      try {
        files::StoredFile f = files_.Put(tx, u.bytes, cases_.AllowedTypes());
        stored.push_back({u.material_no, m.name, f.sm3, f.size, f.mime, u.filename.substr(0, 200)});
      } catch (const Error& e) {
        fields[key] = m.name + "：" + e.message();
      }
    }
    if (!fields.empty()) throw Error(ErrorCode::kInvalidInput, "草稿内容有误，请修正后再保存", fields);
    long long n = now, applicant = ctx.principal.id;
    DeleteExpired(tx.sql(), applicant, Cutoff());  // out of the count of drafts kept
    if (!d.id) {
      long long count = 0;
      tx.sql() << "SELECT COUNT(*) FROM application_drafts WHERE applicant_id = :a AND case_no = ''",
          soci::use(applicant), soci::into(count);
      if (count >= kMaxDrafts) {
        throw Error(ErrorCode::kConflict,
                    "草稿最多保存 " + std::to_string(kMaxDrafts) + " 份，请先提交或删除不需要的草稿");
      }
      long long new_id = 0;
      tx.sql() << "INSERT INTO application_drafts (applicant_id, item_code, item_name, contact_name, contact_mobile, "
                  "description, created_at, updated_at) VALUES (:a, :ic, :in, :cn, :cm, :d, :c, :u) RETURNING id",
          soci::use(applicant), soci::use(d.item_code), soci::use(item.name), soci::use(d.contact_name),
          soci::use(d.contact_mobile), soci::use(d.description), soci::use(n), soci::use(n), soci::into(new_id);
      d.id = new_id;
    } else {
      long long key = d.id;
      tx.sql()
          << "UPDATE application_drafts SET item_name = :in, contact_name = :cn, contact_mobile = :cm, description = "
             ":d, updated_at = :u WHERE id = :id AND case_no = ''",
          soci::use(item.name), soci::use(d.contact_name), soci::use(d.contact_mobile), soci::use(d.description),
          soci::use(n), soci::use(key);
    }
    long long key = d.id;
    for (int no : in.remove) {
      tx.sql() << "DELETE FROM application_draft_materials WHERE draft_id = :d AND material_no = :n", soci::use(key),
          soci::use(no);
    }
    for (const DraftMaterial& m : stored) {
      tx.sql() << "DELETE FROM application_draft_materials WHERE draft_id = :d AND material_no = :n", soci::use(key),
          soci::use(m.material_no);
      long long size = m.size;
      tx.sql()
          << "INSERT INTO application_draft_materials (draft_id, material_no, name, file_sm3, size, mime, filename, "
             "created_at) VALUES (:d, :no, :n, :h, :s, :m, :f, :c)",
          soci::use(key), soci::use(m.material_no), soci::use(m.name), soci::use(m.file_sm3), soci::use(size),
          soci::use(m.mime), soci::use(m.filename), soci::use(n);
    }
    audit_.Append(tx, ctx.ToActor(),
                  {"draft.save", "draft", std::to_string(d.id), "success",
                   d.item_code + " 材料 " + std::to_string(stored.size()) + " 份"});
  });
  return Get(ctx, d.id);
}

void DraftService::Delete(const identity::Context& ctx, std::int64_t id) {
  const Draft d = Get(ctx, id);
  if (!d.case_no.empty()) throw Error(ErrorCode::kConflict, "该草稿已提交为办件 " + d.case_no + "，不能删除");
  db::WithTx(db_, [&](db::Tx& tx) {
    long long key = d.id;
    tx.sql() << "DELETE FROM application_draft_materials WHERE draft_id = :d", soci::use(key);
    tx.sql() << "DELETE FROM application_drafts WHERE id = :d AND case_no = ''", soci::use(key);
    audit_.Append(tx, ctx.ToActor(), {"draft.delete", "draft", std::to_string(d.id), "success", d.item_code});
  });
}

Submitted DraftService::Submit(const identity::Context& ctx, std::int64_t id) {
  const Draft d = Get(ctx, id);
  if (!d.case_no.empty()) return {d.case_no, "", true};
  Application app;
  app.item_code = d.item_code;
  app.contact_name = d.contact_name;
  app.contact_mobile = d.contact_mobile;
  app.description = d.description;
  app.idempotency_key = "draft:" + std::to_string(d.id);
  for (const DraftMaterial& m : d.materials)
    app.uploads.push_back({m.material_no, m.filename, files_.Read(m.file_sm3)});
  Submitted s = cases_.Submit(ctx, app);
  // The case exists now (or existed: the same key). Mark the draft; a crash before this line
  // is healed by the next submit, which finds the case by its key.
  db::WithTx(db_, [&](db::Tx& tx) {
    long long key = d.id, n = clock_.NowMs();
    tx.sql() << "UPDATE application_drafts SET case_no = :c, updated_at = :u WHERE id = :id AND case_no = ''",
        soci::use(s.case_no), soci::use(n), soci::use(key);
    audit_.Append(tx, ctx.ToActor(), {"draft.submit", "draft", std::to_string(d.id), "success", s.case_no});
  });
  return s;
}

std::int64_t DraftService::Cutoff() const {
  const std::int64_t midnight = core::ParseLocal(core::FormatLocalDate(clock_.NowMs()) + " 00:00");
  return midnight - std::int64_t{kKeepDays} * 24 * 3600 * 1000;  // China keeps no summer time
}

int DraftService::DeleteExpired(soci::session& sql, std::int64_t applicant, std::int64_t cutoff) {
  long long a = applicant, a2 = applicant, cut = cutoff;
  std::vector<long long> ids;
  {
    soci::rowset<soci::row> rows = (sql.prepare << "SELECT id FROM application_drafts WHERE case_no = '' AND updated_at < :cut "
                                                   "AND (:a = 0 OR applicant_id = :a2)",
                                    soci::use(cut), soci::use(a), soci::use(a2));
    for (const soci::row& r : rows) ids.push_back(db::RowInt(r, "id"));
  }
  for (long long id : ids) {
    sql << "DELETE FROM application_draft_materials WHERE draft_id = :d", soci::use(id);
    sql << "DELETE FROM application_drafts WHERE id = :d AND case_no = ''", soci::use(id);
  }
  return static_cast<int>(ids.size());
}

int DraftService::Purge() {
  int n = 0;
  db::WithTx(db_, [&](db::Tx& tx) {
    n = DeleteExpired(tx.sql(), 0, Cutoff());
    if (n) {
      audit_.Append(tx, identity::Context::System("草稿清理").ToActor(),
                    {"draft.purge", "draft", "", "success",
                     "删除超过保留期限（" + std::to_string(kKeepDays) + " 天）的草稿 " + std::to_string(n) + " 份"});
    }
  });
  return n;
}

nlohmann::json DraftJson(const Draft& d) {
  nlohmann::json materials = nlohmann::json::array();
  for (const DraftMaterial& m : d.materials) {
    materials.push_back({{"material_no", m.material_no},
                         {"name", m.name},
                         {"filename", m.filename},
                         {"size_kb", (m.size + 1023) / 1024},
                         {"type", files::TypeLabel(m.mime)},
                         {"sm3", m.file_sm3}});
  }
  return {{"id", d.id},
          {"item_code", d.item_code},
          {"item_name", d.item_name},
          {"contact_name", d.contact_name},
          {"contact_mobile", d.contact_mobile},
          {"description", d.description},
          {"case_no", d.case_no},
          {"submitted", !d.case_no.empty()},
          {"created_at", core::FormatLocal(d.created_at)},
          {"updated_at", core::FormatLocal(d.updated_at)},
          // Kept until: kKeepDays after the last save (a submitted draft is the case's record).
          {"keep_until", d.case_no.empty() ? core::FormatLocalDate(d.updated_at + std::int64_t{DraftService::kKeepDays} * 24 * 3600 * 1000)
                                           : ""},
          {"materials", materials}};
}

}  // namespace yiwang::approval
