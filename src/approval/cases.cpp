#include "approval/cases.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "approval/views.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "db/row.hpp"
#include "identity/checkdigit.hpp"
#include "identity/store.hpp"

namespace yiwang::approval {
namespace {

// ---------------------------------------------------------------- SQL (both dialects)

const char* kCaseCols =
    "id, case_no, item_code, item_version, item_name, dept_code, dept_unit_id, applicant_id, applicant_kind, "
    "applicant_name, applicant_id_number, contact_name, contact_mobile, description, state, corrections_requested, "
    "correction_note, correction_due, submitted_at, received_at, corrections_complete_at, accepted_at, accepted_on, acceptance_due, "
    "promised_due, statutory_due, current_step, assignee_id, assignee_name, step_started_on, step_due, extension_days, "
    "decision, licence_valid_until, decided_at, concluded_at, revision, "
    // The item's kind words the decision (approval/model.hpp WordingOf): the case's version, or
    // the item's latest version should that one not be in this zone's catalogue.
    "COALESCE((SELECT i.kind FROM items i WHERE i.code = cases.item_code AND i.version = cases.item_version), "
    "(SELECT i.kind FROM items i WHERE i.code = cases.item_code ORDER BY i.version DESC LIMIT 1)) AS item_kind";

Case LoadCase(const soci::row& r) {
  Case c;
  c.id = db::RowInt(r, "id");
  c.case_no = db::RowStr(r, "case_no");
  c.item_code = db::RowStr(r, "item_code");
  c.item_version = static_cast<int>(db::RowInt(r, "item_version"));
  c.item_name = db::RowStr(r, "item_name");
  try {
    c.item_kind = ParseItemKind(db::RowStr(r, "item_kind"));
  } catch (const Error&) {
    c.item_kind = ItemKind::kLicense;  // no such item in this zone's catalogue
  }
  c.dept_code = db::RowStr(r, "dept_code");
  c.dept_unit_id = db::RowInt(r, "dept_unit_id");
  c.applicant_id = db::RowInt(r, "applicant_id");
  c.applicant_kind = db::RowStr(r, "applicant_kind");
  c.applicant_name = db::RowStr(r, "applicant_name");
  c.applicant_id_number = db::RowStr(r, "applicant_id_number");
  c.contact_name = db::RowStr(r, "contact_name");
  c.contact_mobile = db::RowStr(r, "contact_mobile");
  c.description = db::RowStr(r, "description");
  c.state = ParseCaseState(db::RowStr(r, "state"));
  c.corrections_requested = static_cast<int>(db::RowInt(r, "corrections_requested"));
  c.correction_note = db::RowStr(r, "correction_note");
  c.correction_due = db::RowStr(r, "correction_due");
  c.submitted_at = db::RowInt(r, "submitted_at");
  c.received_at = db::RowInt(r, "received_at");
  c.corrections_complete_at = db::RowInt(r, "corrections_complete_at");
  c.accepted_at = db::RowInt(r, "accepted_at");
  c.accepted_on = db::RowStr(r, "accepted_on");
  c.acceptance_due = db::RowStr(r, "acceptance_due");
  c.promised_due = db::RowStr(r, "promised_due");
  c.statutory_due = db::RowStr(r, "statutory_due");
  c.current_step = static_cast<int>(db::RowInt(r, "current_step"));
  c.assignee_id = db::RowInt(r, "assignee_id");
  c.assignee_name = db::RowStr(r, "assignee_name");
  c.step_started_on = db::RowStr(r, "step_started_on");
  c.step_due = db::RowStr(r, "step_due");
  c.extension_days = static_cast<int>(db::RowInt(r, "extension_days"));
  c.decision = db::RowStr(r, "decision");
  c.licence_valid_until = db::RowStr(r, "licence_valid_until");
  c.decided_at = db::RowInt(r, "decided_at");
  c.concluded_at = db::RowInt(r, "concluded_at");
  c.revision = static_cast<int>(db::RowInt(r, "revision"));
  return c;
}

void LoadDetails(soci::session& sql, Case& c) {
  long long id = c.id;
  soci::rowset<soci::row> ms = (sql.prepare << "SELECT material_no, name, file_sm3, size, mime, filename, round FROM "
                                               "case_materials WHERE case_id = :id ORDER BY round, material_no",
                                soci::use(id));
  for (const soci::row& r : ms) {
    c.materials.push_back({static_cast<int>(db::RowInt(r, "material_no")), db::RowStr(r, "name"), db::RowStr(r, "file_sm3"),
                           db::RowInt(r, "size"), db::RowStr(r, "mime"), db::RowStr(r, "filename"),
                           static_cast<int>(db::RowInt(r, "round"))});
  }
  soci::rowset<soci::row> ss = (sql.prepare << "SELECT from_date, to_date, reason FROM case_suspensions WHERE case_id = "
                                               ":id ORDER BY id",
                                soci::use(id));
  for (const soci::row& r : ss) {
    c.suspensions.push_back({db::RowStr(r, "from_date"), db::RowStr(r, "to_date"), db::RowStr(r, "reason")});
  }
  soci::rowset<soci::row> es = (sql.prepare << "SELECT ts, action, state, actor, unit_name, opinion, public, proposal FROM "
                                               "case_events WHERE case_id = :id ORDER BY ts, id",
                                soci::use(id));
  for (const soci::row& r : es) {
    c.events.push_back({db::RowInt(r, "ts"), db::RowStr(r, "action"), db::RowStr(r, "state"), db::RowStr(r, "actor"),
                        db::RowStr(r, "unit_name"), db::RowStr(r, "opinion"), db::RowInt(r, "public") != 0,
                        db::RowStr(r, "proposal")});
  }
  c.fees = LoadFees(sql, c.id);
  soci::rowset<soci::row> as = (sql.prepare << "SELECT event_ts, action, file_sm3, size, mime, filename, actor FROM "
                                               "case_attachments WHERE case_id = :id ORDER BY id",
                                soci::use(id));
  for (const soci::row& r : as) {
    c.attachments.push_back({db::RowInt(r, "event_ts"), db::RowStr(r, "action"), db::RowStr(r, "file_sm3"),
                             db::RowInt(r, "size"), db::RowStr(r, "mime"), db::RowStr(r, "filename"),
                             db::RowStr(r, "actor")});
  }
}

std::optional<Case> FindCase(soci::session& sql, const std::string& case_no) {
  std::optional<Case> out;
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << kCaseCols << " FROM cases WHERE case_no = :n", soci::use(case_no));
  for (const soci::row& r : rows) out = LoadCase(r);
  if (out) LoadDetails(sql, *out);
  return out;
}

std::int64_t InsertCase(soci::session& sql, const Case& c, const std::string& code_hash, const std::string& idem,
                        std::int64_t now) {
  long long id = 0, dept = c.dept_unit_id, applicant = c.applicant_id, submitted = c.submitted_at, received = c.received_at,
            n = now;
  std::string state = CaseStateKey(c.state);
  sql << "INSERT INTO cases (case_no, query_code_hash, item_code, item_version, item_name, dept_code, dept_unit_id, "
         "applicant_id, applicant_kind, applicant_name, applicant_id_number, contact_name, contact_mobile, description, "
         "state, idempotency_key, submitted_at, received_at, acceptance_due, updated_at) VALUES (:no, :qh, :ic, :iv, :in, "
         ":dc, :du, :ai, :ak, :an, :aid, :cn, :cm, :d, :s, :ik, :sa, :ra, :ad, :ua) RETURNING id",
      soci::use(c.case_no), soci::use(code_hash), soci::use(c.item_code), soci::use(c.item_version),
      soci::use(c.item_name), soci::use(c.dept_code), soci::use(dept), soci::use(applicant), soci::use(c.applicant_kind),
      soci::use(c.applicant_name), soci::use(c.applicant_id_number), soci::use(c.contact_name),
      soci::use(c.contact_mobile), soci::use(c.description), soci::use(state), soci::use(idem), soci::use(submitted),
      soci::use(received), soci::use(c.acceptance_due), soci::use(n), soci::into(id);
  return id;
}

void InsertMaterials(soci::session& sql, std::int64_t case_id, const std::vector<CaseMaterial>& ms, std::int64_t now) {
  for (const auto& m : ms) {
    long long id = case_id, size = m.size, n = now;
    sql << "INSERT INTO case_materials (case_id, material_no, name, file_sm3, size, mime, filename, round, created_at) "
           "VALUES (:c, :no, :n, :h, :s, :m, :f, :r, :t)",
        soci::use(id), soci::use(m.material_no), soci::use(m.name), soci::use(m.file_sm3), soci::use(size),
        soci::use(m.mime), soci::use(m.filename), soci::use(m.round), soci::use(n);
  }
}

using core::Trim;

std::string RandomDigits(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += static_cast<char>('0' + randombytes_uniform(10));
  return out;
}

calendar::Date DateOf(std::int64_t ms) { return calendar::ParseDate(core::FormatLocalDate(ms)); }

/// The spans the case clock stood still (行政许可法 第四十五条): a running procedure stops the
/// clock through today; an ended one through its last day.
std::vector<calendar::Suspension> Stops(const Case& c, const std::string& today) {
  std::vector<calendar::Suspension> stops;
  for (const auto& s : c.suspensions) {
    const std::string to = s.to.empty() ? today : s.to;
    if (to >= s.from) stops.push_back({calendar::ParseDate(s.from), calendar::ParseDate(to), s.reason});
  }
  return stops;
}

/// What the portal's copy needs to explain every deadline as the inside computed it.
nlohmann::json ClockPacket(const Case& c) {
  nlohmann::json stops = nlohmann::json::array();
  for (const auto& s : c.suspensions) stops.push_back({{"from", s.from}, {"to", s.to}, {"reason", s.reason}});
  return {{"received_at", c.received_at},         {"corrections_complete_at", c.corrections_complete_at},
          {"acceptance_due", c.acceptance_due},   {"current_step", c.current_step},
          {"step_started_on", c.step_started_on}, {"step_due", c.step_due},
          {"extension_days", c.extension_days},   {"suspensions", stops}};
}

/// The portal's copy takes the clock facts of a newer feedback packet.
void MirrorClock(soci::session& sql, std::int64_t case_id, const nlohmann::json& j) {
  long long id = case_id, received = j.value("received_at", std::int64_t{0}),
            corrected = j.value("corrections_complete_at", std::int64_t{0});
  const std::string acceptance_due = j.value("acceptance_due", ""), started = j.value("step_started_on", ""),
                    step_due = j.value("step_due", "");
  const int step = j.value("current_step", 0), extension = j.value("extension_days", 0);
  sql << "UPDATE cases SET received_at = :r, corrections_complete_at = :c, acceptance_due = :ad, current_step = :cs, "
         "step_started_on = :ss, step_due = :sd, extension_days = :e WHERE id = :id",
      soci::use(received), soci::use(corrected), soci::use(acceptance_due), soci::use(step), soci::use(started),
      soci::use(step_due), soci::use(extension), soci::use(id);
  sql << "DELETE FROM case_suspensions WHERE case_id = :c", soci::use(id);
  for (const auto& s : j.value("suspensions", nlohmann::json::array())) {
    const std::string from = s.at("from").get<std::string>(), to = s.value("to", ""), reason = s.value("reason", "");
    sql << "INSERT INTO case_suspensions (case_id, from_date, to_date, reason) VALUES (:c, :f, :t, :r)", soci::use(id),
        soci::use(from), soci::use(to), soci::use(reason);
  }
}

/// The materials as the packet to the other zone carries them, from the uploaded bytes just
/// staged (not read back from the file store): StageUploads made one material per non-empty
/// upload, in order.
nlohmann::json MaterialsPayload(const std::vector<CaseMaterial>& ms, const std::vector<Upload>& uploads) {
  std::vector<const std::string*> bytes;
  for (const Upload& u : uploads) {
    if (!u.bytes.empty()) bytes.push_back(&u.bytes);
  }
  if (bytes.size() != ms.size()) throw Error(ErrorCode::kInternal, "材料与上传文件不对应");
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const CaseMaterial& m = ms[i];
    const std::string b64 = core::Base64Encode(*bytes[i]);
    out.push_back({{"material_no", m.material_no}, {"name", m.name}, {"filename", m.filename}, {"round", m.round},
                   {"sm3", m.file_sm3}, {"content", b64}});
  }
  return out;
}

std::string DecodeBase64(const std::string& b64) { return core::Base64Decode(b64, "交换包中的材料内容"); }

/// The applicant's and the public's view: internal steps (who signed for what) left out, and a
/// step's proposal and opinion (PublicOpinion).
Case PublicOnly(Case c) {
  c.events.erase(std::remove_if(c.events.begin(), c.events.end(), [](const CaseEvent& e) { return !e.is_public; }),
                 c.events.end());
  for (CaseEvent& e : c.events) {
    e.opinion = PublicOpinion(e.action, e.opinion);
    e.proposal.clear();
  }
  return c;
}

/// The units whose cases a staff member handles: the department (or town) their office belongs
/// to, and everything under it. A clerk in 登记注册科 handles the 市场监督管理局's cases.
std::vector<std::int64_t> HandledUnits(soci::session& sql, std::int64_t unit_id) {
  return identity::store::DepartmentSubtree(sql, unit_id);
}

}  // namespace

std::string CaseStateKey(CaseState s) {
  switch (s) {
    case CaseState::kSubmitted: return "submitted";
    case CaseState::kReceived: return "received";
    case CaseState::kCorrection: return "correction";
    case CaseState::kAccepted: return "accepted";
    case CaseState::kRefused: return "refused";
    case CaseState::kInProgress: return "in_progress";
    case CaseState::kSuspended: return "suspended";
    case CaseState::kDecided: return "decided";
    case CaseState::kConcluded: return "concluded";
    case CaseState::kWithdrawn: return "withdrawn";
  }
  return "submitted";
}

std::string CaseStateLabel(CaseState s) {
  switch (s) {
    case CaseState::kSubmitted: return "已提交";
    case CaseState::kReceived: return "待受理";
    case CaseState::kCorrection: return "待补正";
    case CaseState::kAccepted: return "已受理";
    case CaseState::kRefused: return "不予受理";
    case CaseState::kInProgress: return "办理中";
    case CaseState::kSuspended: return "特别程序中";
    case CaseState::kDecided: return "已作出决定";
    case CaseState::kConcluded: return "已办结";
    case CaseState::kWithdrawn: return "已撤回";
  }
  return "已提交";
}

CaseState ParseCaseState(const std::string& key) {
  for (CaseState s : {CaseState::kSubmitted, CaseState::kReceived, CaseState::kCorrection, CaseState::kAccepted,
                      CaseState::kRefused, CaseState::kInProgress, CaseState::kSuspended, CaseState::kDecided,
                      CaseState::kConcluded, CaseState::kWithdrawn}) {
    if (CaseStateKey(s) == key) return s;
  }
  throw Error(ErrorCode::kInvalidInput, "办件状态无效：" + key);
}

const std::set<std::string>& CaseService::AllowedTypes() const {
  static const std::set<std::string> kTypes = {"application/pdf", "image/jpeg", "image/png", "application/ofd"};
  return kTypes;
}

void CaseService::AddEvent(db::Tx& tx, std::int64_t case_id, std::int64_t at, const std::string& action, CaseState state,
                           const std::string& actor, const std::string& unit_name, const std::string& opinion,
                           bool is_public, const std::string& proposal) {
  long long id = case_id, ts = at;
  int pub = is_public ? 1 : 0;
  std::string st = CaseStateKey(state);
  tx.sql() << "INSERT INTO case_events (case_id, ts, action, state, actor, unit_name, opinion, public, proposal) VALUES "
              "(:c, :t, :a, :s, :ac, :u, :o, :p, :pr)",
      soci::use(id), soci::use(ts), soci::use(action), soci::use(st), soci::use(actor), soci::use(unit_name),
      soci::use(opinion), soci::use(pub), soci::use(proposal);
}

CaseService::StagedUploads CaseService::StageUploads(const Item& item, const std::vector<Upload>& uploads,
                                                     bool require_all, int round) {
  std::map<std::string, std::string> fields;
  StagedUploads out;
  std::set<int> given;
  for (const Upload& u : uploads) {
    const std::string key = "material_" + std::to_string(u.material_no);
    if (u.material_no < 1 || u.material_no > static_cast<int>(item.materials.size())) {
      fields[key] = "材料序号不存在";
      continue;
    }
    if (u.bytes.empty()) continue;  // an empty file input
    try {
      files::StoredFile f = files_.Stage(u.bytes, AllowedTypes());
      const Material& m = item.materials[static_cast<std::size_t>(u.material_no - 1)];
      out.materials.push_back({u.material_no, m.name, f.sm3, f.size, f.mime, files::SafeFileName(u.filename), round});
      out.files.push_back(std::move(f));
      given.insert(u.material_no);
    } catch (const Error& e) {
      fields[key] = item.materials[static_cast<std::size_t>(u.material_no - 1)].name + "：" + e.message();
    }
  }
  if (require_all) {
    for (std::size_t i = 0; i < item.materials.size(); ++i) {
      const std::string key = "material_" + std::to_string(i + 1);
      if (item.materials[i].required && !given.count(static_cast<int>(i + 1)) && !fields.count(key)) {
        fields[key] = "请上传必需材料：" + item.materials[i].name;
      }
    }
  } else if (out.materials.empty() && fields.empty()) {
    fields["materials"] = "请至少上传一份补正材料";
  }
  if (!fields.empty()) throw Error(ErrorCode::kInvalidInput, "申请材料不符合要求，请修正后再提交", fields);
  return out;
}

void CaseService::RecordUploads(db::Tx& tx, const StagedUploads& staged) {
  for (const auto& f : staged.files) files_.Record(tx, f);
}

// ---------------------------------------------------------------- external

Submitted CaseService::Submit(const identity::Context& ctx, const Application& in) {
  if (ctx.principal.kind != "public") throw Error(ErrorCode::kUnauthenticated, "请先登录后再申报");
  const std::string idem = Trim(in.idempotency_key);
  if (idem.empty()) throw Error(ErrorCode::kInvalidInput, "缺少防重复提交标识（Idempotency-Key）");
  // Compared as sent: cutting or cleaning a key could make two different keys one case.
  if (idem.size() > 100 || !core::IsVisibleAscii(idem)) {
    throw Error(ErrorCode::kInvalidInput, "防重复提交标识（Idempotency-Key）应为不超过 100 个可见 ASCII 字符（字母、数字、符号）", {{"idempotency_key", "防重复提交标识（Idempotency-Key）应为不超过 100 个可见 ASCII 字符（字母、数字、符号）"}});
  }
  {
    db::Conn c(db_);
    long long applicant = ctx.principal.id;
    std::string existing;
    soci::indicator ind = soci::i_null;
    c.sql() << "SELECT case_no FROM cases WHERE applicant_id = :a AND idempotency_key = :k", soci::use(applicant),
        soci::use(idem), soci::into(existing, ind);
    if (c.sql().got_data() && ind == soci::i_ok) return {existing, "", true};
  }
  const Item item = catalogue_.Published(in.item_code);
  std::map<std::string, std::string> fields;
  const std::string contact = Trim(in.contact_name), mobile = Trim(in.contact_mobile);
  if (contact.empty() || contact.size() > 90) fields["contact_name"] = "请填写联系人姓名";
  if (mobile.empty()) {
    fields["contact_mobile"] = "请填写联系电话（11 位手机号，用于接收办理进度短信）";
  } else if (!identity::IsValidMobile(mobile)) {
    fields["contact_mobile"] = "联系电话应为 11 位中国大陆手机号";
  }
  if (in.description.size() > 6000) fields["description"] = "申请说明不超过 2000 字";

  // Files checked and written, and the packet's copy of them made, before the write transaction.
  // Every problem of the form at once: the fields' and the materials'.
  StagedUploads staged;
  try {
    staged = StageUploads(item, in.uploads, true, 0);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kInvalidInput) throw;
    for (const auto& [k, v] : e.fields()) fields[k] = v;
    if (e.fields().empty()) fields["materials"] = e.message();
  }
  if (!fields.empty()) {
    const bool only_files = std::all_of(fields.begin(), fields.end(), [](const auto& f) { return f.first.rfind("material", 0) == 0; });
    throw Error(ErrorCode::kInvalidInput, only_files ? "申请材料不符合要求，请修正后再提交" : "申请信息有误，请按提示修正后再提交", fields);
  }
  const std::vector<CaseMaterial>& materials = staged.materials;
  const nlohmann::json materials_payload = MaterialsPayload(materials, in.uploads);
  Submitted out;
  try {
    db::WithTx(db_, [&](db::Tx& tx) {
      // A concurrent retry with the same key: the unique index decides; look again inside.
      long long applicant = ctx.principal.id;
      int seen = 0;
      tx.sql() << "SELECT COUNT(*) FROM cases WHERE applicant_id = :a AND idempotency_key = :k", soci::use(applicant),
          soci::use(idem), soci::into(seen);
      if (seen) {
        tx.sql() << "SELECT case_no FROM cases WHERE applicant_id = :a AND idempotency_key = :k", soci::use(applicant),
            soci::use(idem), soci::into(out.case_no);
        out.repeated = true;
        return;
      }
      auto account = identity::store::FindPublic(tx.sql(), ctx.principal.id);
      if (!account) throw Error(ErrorCode::kUnauthenticated, "账户不存在，请重新登录");
      RecordUploads(tx, staged);
      const std::int64_t now = clock_.NowMs();
      Case c;
      for (int attempt = 0; attempt < 8; ++attempt) {
        c.case_no = "DH" + core::FormatLocalDate(now).substr(0, 4) + core::FormatLocalDate(now).substr(5, 2) +
                    core::FormatLocalDate(now).substr(8, 2) + RandomDigits(6);
        int taken = 0;
        tx.sql() << "SELECT COUNT(*) FROM cases WHERE case_no = :n", soci::use(c.case_no), soci::into(taken);
        if (!taken) break;
      }
      out.case_no = c.case_no;
      out.query_code = RandomDigits(6);
      c.item_code = item.code;
      c.item_version = item.version;
      c.item_name = item.name;
      c.dept_code = item.dept_code;
      c.dept_unit_id = item.dept_unit_id;
      c.applicant_id = account->account.id;
      c.applicant_kind = account->account.kind;
      c.applicant_name = account->account.name;
      c.applicant_id_number = account->account.id_number;
      c.contact_name = contact;
      c.contact_mobile = mobile;
      c.description = in.description;
      c.state = CaseState::kSubmitted;
      c.submitted_at = now;
      const std::string code_hash = core::Sm3Hex(c.case_no + ":" + out.query_code);
      c.id = InsertCase(tx.sql(), c, code_hash, idem, now);
      InsertMaterials(tx.sql(), c.id, materials, now);
      AddEvent(tx, c.id, now, "submit", CaseState::kSubmitted, c.applicant_name, "", "网上提交申请", true);
      audit_.Append(tx, ctx.ToActor(), {"case.submit", "case", c.case_no, "success", item.code + " " + item.name});
      exchange_.Send(tx, core::Zone::kInternal, "application.submitted",
                     {{"case_no", c.case_no}, {"query_code_hash", code_hash}, {"item_code", c.item_code},
                      {"item_version", c.item_version}, {"item_name", c.item_name}, {"dept_code", c.dept_code},
                      {"applicant_id", c.applicant_id}, {"applicant_kind", c.applicant_kind},
                      {"applicant_name", c.applicant_name}, {"applicant_id_number", c.applicant_id_number},
                      {"contact_name", c.contact_name}, {"contact_mobile", c.contact_mobile},
                      {"description", c.description}, {"submitted_at", c.submitted_at}, {"idempotency_key", idem},
                      {"materials", materials_payload}});
    });
  } catch (const soci::soci_error& e) {
    // The same application sent twice at once (PostgreSQL: both looked, found nothing and inserted;
    // the unique index refused the second): the first one's case is the answer.
    if (!db::IsUniqueViolation(e)) throw;
    db::Conn conn(db_);
    long long applicant = ctx.principal.id;
    std::string existing;
    soci::indicator ind = soci::i_null;
    conn.sql() << "SELECT case_no FROM cases WHERE applicant_id = :a AND idempotency_key = :k", soci::use(applicant),
        soci::use(idem), soci::into(existing, ind);
    if (!conn.sql().got_data() || ind != soci::i_ok) throw;
    return {existing, "", true};
  }
  return out;
}

void CaseService::SubmitCorrections(const identity::Context& ctx, const std::string& case_no,
                                    const std::vector<Upload>& uploads) {
  Case c = ForApplicant(ctx, case_no);
  if (c.state != CaseState::kCorrection) throw Error(ErrorCode::kConflict, "本件当前不需要补正材料");
  const Item item = [&] {
    db::Conn conn(db_);
    auto v = store::FindByCodeVersion(conn.sql(), c.item_code, c.item_version);
    if (!v) throw Error(ErrorCode::kNotFound, "事项版本不存在");
    return *v;
  }();
  const StagedUploads staged = StageUploads(item, uploads, false, 1);
  const std::vector<CaseMaterial>& materials = staged.materials;
  const nlohmann::json materials_payload = MaterialsPayload(materials, uploads);
  db::WithTx(db_, [&](db::Tx& tx) {
    RecordUploads(tx, staged);
    const std::int64_t now = clock_.NowMs();
    InsertMaterials(tx.sql(), c.id, materials, now);
    long long id = c.id, n = now;
    std::string st = CaseStateKey(CaseState::kSubmitted);
    tx.sql() << "UPDATE cases SET state = :s, updated_at = :u WHERE id = :id", soci::use(st), soci::use(n), soci::use(id);
    AddEvent(tx, c.id, now, "correct", CaseState::kSubmitted, c.applicant_name, "", "提交补正材料", true);
    audit_.Append(tx, ctx.ToActor(), {"case.correct", "case", c.case_no, "success", ""});
    exchange_.Send(tx, core::Zone::kInternal, "application.corrected",
                   {{"case_no", c.case_no}, {"materials", materials_payload}});
  });
}

bool Withdrawable(CaseState s) {
  switch (s) {
    case CaseState::kSubmitted:
    case CaseState::kReceived:
    case CaseState::kCorrection:
    case CaseState::kAccepted:
    case CaseState::kInProgress:
    case CaseState::kSuspended: return true;
    case CaseState::kRefused:
    case CaseState::kDecided:
    case CaseState::kConcluded:
    case CaseState::kWithdrawn: return false;
  }
  return false;
}

bool Refundable(const Case& c) {
  if (c.state == CaseState::kWithdrawn) return true;
  return (c.state == CaseState::kDecided || c.state == CaseState::kConcluded) && c.decision == "deny";
}

bool WithdrawalPending(const Case& c) {
  if (c.state == CaseState::kWithdrawn) return false;
  for (auto e = c.events.rbegin(); e != c.events.rend(); ++e) {
    if (e->action == "withdraw_request") return true;
    if (e->action == "withdraw" || e->action == "withdraw_refused") return false;
  }
  return false;
}

std::string WithdrawalReasonProblem(const std::string& reason) {
  const std::string text = Trim(reason);
  if (text.empty()) return "请填写撤回理由";
  if (core::Utf8Length(text) > 500) return "撤回理由不超过 500 字";
  return "";
}

Case CaseService::Withdraw(const identity::Context& ctx, const std::string& case_no, const std::string& reason) {
  const std::string text = Trim(reason);
  if (const std::string bad = WithdrawalReasonProblem(text); !bad.empty()) {
    throw Error(ErrorCode::kInvalidInput, text.empty() ? "请说明撤回申请的理由" : bad, {{"reason", bad}});
  }
  if (ctx.principal.kind != "public") throw Error(ErrorCode::kNotFound, "办件不存在：" + case_no);
  Case out;
  db::WithTx(db_, [&](db::Tx& tx) {
    const std::int64_t now = clock_.NowMs();
    long long n = now, applicant = ctx.principal.id;
    // Takes the applicant's own row (PostgreSQL: locks it until the commit) and reads it in the
    // same transaction: two requests at once, or a feedback packet applied meanwhile, cannot
    // both pass the checks. Another applicant's case is "not found" (rolled back).
    tx.sql() << "UPDATE cases SET updated_at = :u WHERE case_no = :n AND applicant_id = :a", soci::use(n),
        soci::use(case_no), soci::use(applicant);
    auto c = FindCase(tx.sql(), case_no);
    if (!c || c->applicant_id != ctx.principal.id) throw Error(ErrorCode::kNotFound, "办件不存在：" + case_no);
    if (c->state == CaseState::kDecided || c->state == CaseState::kConcluded) {
      throw Error(ErrorCode::kConflict, "本件已作出审批决定，不能撤回申请");
    }
    if (!Withdrawable(c->state)) {
      throw Error(ErrorCode::kConflict, "本件当前状态为“" + CaseStateLabel(c->state) + "”，不能撤回申请");
    }
    if (WithdrawalPending(*c)) throw Error(ErrorCode::kConflict, "您已申请撤回本件，正在等待办理部门确认");
    // The state stays as it is until the department answers; only the request is recorded.
    const std::string opinion = "申请人申请撤回申请，理由：" + text;
    AddEvent(tx, c->id, now, "withdraw_request", c->state, c->applicant_name, "", opinion, true);
    audit_.Append(tx, ctx.ToActor(),
                  {"case.withdraw_request", "case", case_no, "success", std::string(core::Utf8Prefix(text, 300))});
    exchange_.Send(tx, core::Zone::kInternal, "application.withdrawn",
                   {{"case_no", case_no}, {"reason", text}, {"requested_at", now}, {"applicant_name", c->applicant_name}});
    c->events.push_back({now, "withdraw_request", CaseStateKey(c->state), c->applicant_name, "", opinion, true, ""});
    out = PublicOnly(*c);
  });
  return out;
}

Case CaseService::ForApplicant(const identity::Context& ctx, const std::string& case_no) {
  db::Snapshot c(db_);  // the row and its events as of one moment (a withdrawal half seen offered it again)
  auto found = FindCase(c.sql(), case_no);
  // Another applicant's case is "not found", not "forbidden": its existence is not told.
  if (!found || ctx.principal.kind != "public" || found->applicant_id != ctx.principal.id) {
    throw Error(ErrorCode::kNotFound, "办件不存在：" + case_no);
  }
  return PublicOnly(*found);
}

namespace {

// The search box of a case list: at most 50 characters; matched as a whole case number, ID
// number or credit code, or as part of a case number or a name (LIKE with its wildcards escaped).
struct CaseSearch {
  std::string exact, like;
  bool case_no = false;  // the text is a case number: looked up by its unique index alone
  bool any() const { return !exact.empty(); }
  const char* where(bool sqlite) const;
};

CaseSearch CaseSearchOf(const std::string& text) {
  CaseSearch out;
  out.exact = Trim(text);
  if (out.exact.empty()) return out;
  if (!core::Utf8Valid(out.exact) || core::Utf8Length(out.exact) > 50) {
    throw Error(ErrorCode::kInvalidInput, "搜索内容不超过 50 个字", {{"q", "请输入办件编号、证件号码或名称的一部分（不超过 50 个字）"}});
  }
  // Case numbers, ID numbers (…X) and credit codes are stored upper-case.
  std::transform(out.exact.begin(), out.exact.end(), out.exact.begin(),
                 [](unsigned char ch) { return ch < 0x80 ? static_cast<char>(std::toupper(ch)) : static_cast<char>(ch); });
  const std::string typed = Trim(text);
  out.case_no = out.exact.size() == 16 && out.exact.rfind("DH", 0) == 0 &&
                std::all_of(out.exact.begin() + 2, out.exact.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  out.like = "%";
  for (unsigned char ch : typed) {
    if (ch < 0x80) ch = static_cast<unsigned char>(std::tolower(ch));
    if (ch == '%' || ch == '_' || ch == '\\') out.like += '\\';
    out.like += ch;
  }
  out.like += '%';
  return out;
}

// SQLite's LIKE already ignores ASCII letters' case; PostgreSQL's ILIKE ignores case (and is
// cheaper than LOWER() on every row). The pattern is lower-case.
// Part of a case number (its date, its last digits) matches too.
constexpr const char* kSearchWhereSqlite =
    " AND (case_no = :q1 OR applicant_id_number = :q2 OR case_no LIKE :l0 ESCAPE '\\' OR applicant_name LIKE :l1 "
    "ESCAPE '\\' OR contact_name LIKE :l2 ESCAPE '\\' OR item_name LIKE :l3 ESCAPE '\\')";
constexpr const char* kSearchWherePostgres =
    " AND (case_no = :q1 OR applicant_id_number = :q2 OR case_no ILIKE :l0 ESCAPE '\\' OR applicant_name ILIKE :l1 "
    "ESCAPE '\\' OR contact_name ILIKE :l2 ESCAPE '\\' OR item_name ILIKE :l3 ESCAPE '\\')";

const char* CaseSearch::where(bool sqlite) const {
  if (!any()) return "";
  if (case_no) return " AND case_no = :q1";
  return sqlite ? kSearchWhereSqlite : kSearchWherePostgres;
}

void BindSearch(soci::details::prepare_temp_type& st, const CaseSearch& q) {
  if (!q.any()) return;
  if (q.case_no) {
    st, soci::use(q.exact);
    return;
  }
  st, soci::use(q.exact), soci::use(q.exact), soci::use(q.like), soci::use(q.like), soci::use(q.like), soci::use(q.like);
}

// The applicant's groups on 我的办件, by their states ("" = every state).
const std::map<std::string, std::set<CaseState>>& ApplicantGroups() {
  using S = CaseState;
  static const std::map<std::string, std::set<CaseState>> groups = {
      {"", {}},
      {"correction", {S::kCorrection}},
      {"open", {S::kSubmitted, S::kReceived, S::kAccepted, S::kInProgress, S::kSuspended, S::kDecided}},
      {"concluded", {S::kConcluded}},
      {"ended", {S::kRefused, S::kWithdrawn}},
  };
  return groups;
}

std::vector<Case> LoadPage(soci::details::prepare_temp_type& st) {
  std::vector<Case> out;
  soci::rowset<soci::row> rows(st);
  for (const soci::row& r : rows) out.push_back(LoadCase(r));
  return out;
}

}  // namespace

std::string RunningDue(const Case& c) {
  switch (c.state) {
    case CaseState::kReceived: return c.acceptance_due;
    case CaseState::kCorrection: return c.correction_due;
    case CaseState::kAccepted:
    case CaseState::kInProgress: return c.step_due;
    default: return "";
  }
}

CasePage CaseService::MyCases(const identity::Context& ctx, const std::string& group, int page, int per_page,
                              std::map<std::string, std::int64_t>* counts) {
  CasePage out;
  if (ctx.principal.kind != "public") return out;
  const auto& groups = ApplicantGroups();
  const auto g = groups.find(group);
  if (g == groups.end()) throw Error(ErrorCode::kInvalidInput, "未知的办件分类：" + group);
  db::Conn c(db_);
  long long applicant = ctx.principal.id;
  // Every group's count from one count per state (an applicant has few cases); the asked
  // group's total is among them.
  std::map<std::string, std::int64_t> n_of;
  for (const auto& [key, states] : groups) n_of[key] = 0;
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT state, COUNT(*) AS n FROM cases WHERE applicant_id = :a GROUP BY state", soci::use(applicant));
  for (const soci::row& r : rows) {
    const CaseState state = ParseCaseState(db::RowStr(r, "state"));
    const std::int64_t n = db::RowInt(r, "n");
    for (const auto& [key, states] : groups) {
      if (states.empty() || states.count(state)) n_of[key] += n;
    }
  }
  out.total = n_of[group];
  if (counts) *counts = n_of;
  // The SQL condition over the constant keys of the group's states.
  std::string where;
  for (CaseState s : g->second) where += (where.empty() ? "" : ", ") + ("'" + CaseStateKey(s) + "'");
  if (!where.empty()) where = " AND state IN (" + where + ")";
  long long limit = std::clamp(per_page, 1, 200), offset = static_cast<long long>(std::max(page, 1) - 1) * limit;
  auto st = (c.sql().prepare << "SELECT " << kCaseCols << " FROM cases WHERE applicant_id = :a" << where
                             << " ORDER BY submitted_at DESC, id DESC LIMIT :l OFFSET :o",
             soci::use(applicant), soci::use(limit), soci::use(offset));
  out.cases = LoadPage(st);
  return out;
}

Case CaseService::PublicStatus(const std::string& typed_case_no, const std::string& query_code) {
  // As people type it: spaces around, lower-case letters (case numbers are stored upper-case).
  std::string case_no = Trim(typed_case_no);
  std::transform(case_no.begin(), case_no.end(), case_no.begin(),
                 [](unsigned char ch) { return ch < 0x80 ? static_cast<char>(std::toupper(ch)) : static_cast<char>(ch); });
  db::Snapshot c(db_);
  std::string hash;
  soci::indicator ind = soci::i_null;
  c.sql() << "SELECT query_code_hash FROM cases WHERE case_no = :n", soci::use(case_no), soci::into(hash, ind);
  const bool ok = c.sql().got_data() && ind == soci::i_ok &&
                  core::ConstantTimeEqual(hash, core::Sm3Hex(case_no + ":" + Trim(query_code)));
  if (!ok) throw Error(ErrorCode::kNotFound, "办件编号或查询码不正确");
  return PublicOnly(*FindCase(c.sql(), case_no));
}

// ---------------------------------------------------------------- exchange

void CaseService::FeedBack(db::Tx& tx, const Case& c, const CaseEvent& e, const std::vector<IssuedDocument>& docs) {
  // One node serving both zones keeps one row per case, its events and documents in one
  // database: the applicant already sees this change, and the packet would only be applied as
  // a no-op (with a PDF or two in it). Split zones need it.
  if (exchange_.self() == core::Zone::kBoth) return;
  exchange_.Send(tx, core::Zone::kExternal, "case.updated",
                 {{"case_no", c.case_no},
                  {"documents", documents_.Packet(tx, docs)},
                  {"decision", c.decision},
                  {"licence_valid_until", c.licence_valid_until},
                  {"concluded_at", c.concluded_at},
                  {"revision", c.revision},
                  {"state", CaseStateKey(c.state)},
                  {"correction_note", c.correction_note},
                  {"correction_due", c.correction_due},
                  {"accepted_on", c.accepted_on},
                  {"promised_due", c.promised_due},
                  {"statutory_due", c.statutory_due},
                  {"clock", ClockPacket(c)},
                  {"fees", FeesPacket(c.fees)},
                  {"event",
                   {{"ts", e.ts}, {"action", e.action}, {"state", e.state}, {"actor", e.actor}, {"unit_name", e.unit_name},
                    {"opinion", PublicOpinion(e.action, e.opinion)}}}});
}

void CaseService::RegisterPacketHandlers() {
  // Internal zone: an application arrives.
  exchange_.On("application.submitted", [this](db::Tx& tx, const exchange::Packet& p) {
    const auto& j = p.payload;
    const std::string case_no = j.at("case_no").get<std::string>();
    auto existing = FindCase(tx.sql(), case_no);
    const std::int64_t now = clock_.NowMs();
    std::vector<CaseMaterial> materials;
    for (const auto& m : j.at("materials")) {
      const std::string bytes = DecodeBase64(m.at("content").get<std::string>());
      if (core::Sm3Hex(bytes) != m.at("sm3").get<std::string>()) throw Error(ErrorCode::kInvalidInput, "材料内容与摘要不符");
      files::StoredFile f = files_.Put(tx, bytes, AllowedTypes());
      materials.push_back({m.at("material_no").get<int>(), m.at("name").get<std::string>(), f.sm3, f.size, f.mime,
                           m.at("filename").get<std::string>(), m.value("round", 0)});
    }
    auto unit = identity::store::FindUnitByCode(tx.sql(), j.at("dept_code").get<std::string>());
    Case c;
    if (existing) {
      // Zone "both": the applicant's row is the working row; it is now received inside.
      c = *existing;
    } else {
      c.case_no = case_no;
      c.item_code = j.at("item_code").get<std::string>();
      c.item_version = j.at("item_version").get<int>();
      c.item_name = j.at("item_name").get<std::string>();
      c.dept_code = j.at("dept_code").get<std::string>();
      c.applicant_id = j.at("applicant_id").get<std::int64_t>();
      c.applicant_kind = j.at("applicant_kind").get<std::string>();
      c.applicant_name = j.at("applicant_name").get<std::string>();
      c.applicant_id_number = j.at("applicant_id_number").get<std::string>();
      c.contact_name = j.at("contact_name").get<std::string>();
      c.contact_mobile = j.at("contact_mobile").get<std::string>();
      c.description = j.value("description", "");
      c.submitted_at = j.at("submitted_at").get<std::int64_t>();
    }
    c.dept_unit_id = unit ? unit->id : 0;
    c.state = CaseState::kReceived;
    c.received_at = now;
    const calendar::Calendar cal = calendar_.Load();
    c.acceptance_due = calendar::FormatDate(AcceptanceDeadline(cal, periods_, DateOf(now)).result.due);
    if (existing) {
      long long id = c.id, n = now, dept = c.dept_unit_id;
      std::string st = CaseStateKey(c.state);
      c.revision += 1;
      tx.sql() << "UPDATE cases SET state = :s, received_at = :r, acceptance_due = :d, dept_unit_id = :u, updated_at = :n2, "
                  "revision = revision + 1 WHERE id = :id",
          soci::use(st), soci::use(n), soci::use(c.acceptance_due), soci::use(dept), soci::use(n), soci::use(id);
    } else {
      c.id = InsertCase(tx.sql(), c, j.at("query_code_hash").get<std::string>(), j.at("idempotency_key").get<std::string>(),
                        now);
      c.revision = 1;
      long long new_id = c.id;
      tx.sql() << "UPDATE cases SET revision = 1 WHERE id = :id", soci::use(new_id);
      InsertMaterials(tx.sql(), c.id, materials, now);
    }
    AddEvent(tx, c.id, now, "receive", CaseState::kReceived, "数据交换", unit ? unit->name : "",
             "申请已送达办理部门，受理期限至 " + c.acceptance_due, true);
    Watch(tx, c, Item{}, cal);
    c.events.clear();
    FeedBack(tx, c, {now, "receive", CaseStateKey(CaseState::kReceived), "数据交换", unit ? unit->name : "",
                     "申请已送达办理部门，受理期限至 " + c.acceptance_due, true, ""});
  });
  // Internal zone: corrections arrive; the acceptance clock restarts (第三十二条).
  exchange_.On("application.corrected", [this](db::Tx& tx, const exchange::Packet& p) {
    auto c = FindCase(tx.sql(), p.payload.at("case_no").get<std::string>());
    if (!c) throw Error(ErrorCode::kNotFound, "补正材料对应的办件不存在");
    const std::int64_t now = clock_.NowMs();
    std::vector<CaseMaterial> materials;
    for (const auto& m : p.payload.at("materials")) {
      const std::string bytes = DecodeBase64(m.at("content").get<std::string>());
      files::StoredFile f = files_.Put(tx, bytes, AllowedTypes());
      materials.push_back({m.at("material_no").get<int>(), m.at("name").get<std::string>(), f.sm3, f.size, f.mime,
                           m.at("filename").get<std::string>(), 1});
    }
    // In zone "both" the applicant's rows were already written by SubmitCorrections.
    bool known = std::any_of(c->materials.begin(), c->materials.end(), [](const CaseMaterial& m) { return m.round == 1; });
    if (!known) InsertMaterials(tx.sql(), c->id, materials, now);
    const calendar::Calendar cal = calendar_.Load();
    c->state = CaseState::kReceived;
    c->corrections_complete_at = now;
    c->acceptance_due =
        calendar::FormatDate(AcceptanceDeadline(cal, periods_, DateOf(c->received_at), DateOf(now)).result.due);
    long long id = c->id, n = now;
    std::string st = CaseStateKey(c->state);
    c->revision += 1;
    tx.sql() << "UPDATE cases SET state = :s, corrections_complete_at = :c, acceptance_due = :d, updated_at = :u, "
                "revision = revision + 1 WHERE id = :id",
        soci::use(st), soci::use(n), soci::use(c->acceptance_due), soci::use(n), soci::use(id);
    AddEvent(tx, c->id, now, "corrections_received", CaseState::kReceived, "数据交换", "",
             "补正材料已送达，受理期限至 " + c->acceptance_due, true);
    Watch(tx, *c, Item{}, cal);
    FeedBack(tx, *c, {now, "corrections_received", st, "数据交换", "", "补正材料已送达，受理期限至 " + c->acceptance_due, true, ""});
  });
  // Internal zone: the applicant withdraws. Before the decision the case ends here (every clock
  // closed, a running special procedure ended); after it, the request is answered as too late.
  exchange_.On("application.withdrawn", [this](db::Tx& tx, const exchange::Packet& p) {
    const auto& j = p.payload;
    auto c = FindCase(tx.sql(), j.at("case_no").get<std::string>());
    if (!c) throw Error(ErrorCode::kNotFound, "撤回申请对应的办件不存在");
    const std::int64_t now = clock_.NowMs();
    const std::int64_t requested_at = j.at("requested_at").get<std::int64_t>();
    const std::string reason = j.value("reason", "");
    // Split zones: the request joins the working record (zone "both": it is there already).
    const bool known = std::any_of(c->events.begin(), c->events.end(), [&](const CaseEvent& e) {
      return e.action == "withdraw_request" && e.ts == requested_at;
    });
    if (!known) {
      AddEvent(tx, c->id, requested_at, "withdraw_request", c->state, j.value("applicant_name", c->applicant_name), "",
               "申请人申请撤回申请，理由：" + reason, true);
    }
    std::string unit_name;
    if (auto u = identity::store::FindUnit(tx.sql(), c->dept_unit_id)) unit_name = u->name;
    long long id = c->id, n = now;
    std::string action, opinion;
    if (Withdrawable(c->state) && c->state != CaseState::kSubmitted) {
      if (c->state == CaseState::kSuspended && !c->suspensions.empty()) {
        // The special procedure ends with the case: its days ran to yesterday, as on resume.
        const std::string last = calendar::FormatDate(calendar::ParseDate(core::FormatLocalDate(now)) - std::chrono::days{1});
        c->suspensions.back().to = last;
        tx.sql() << "UPDATE case_suspensions SET to_date = :t WHERE case_id = :c AND to_date = ''", soci::use(last),
            soci::use(id);
      }
      c->state = CaseState::kWithdrawn;
      c->assignee_id = 0;
      c->assignee_name.clear();
      c->step_due.clear();  // no step runs any more
      action = "withdraw";
      opinion = "申请人撤回申请，本件终止办理。如需办理，可重新提出申请";
    } else {
      action = "withdraw_refused";
      opinion = "本件当前状态为“" + CaseStateLabel(c->state) + "”，撤回申请未能办理" +
                (c->state == CaseState::kDecided || c->state == CaseState::kConcluded ? "：审批决定已经作出" : "");
    }
    std::string st = CaseStateKey(c->state);
    c->revision += 1;
    long long assignee = c->assignee_id;
    tx.sql() << "UPDATE cases SET state = :s, assignee_id = :ai, assignee_name = :an, step_due = :sd, updated_at = :u, "
                "revision = revision + 1 WHERE id = :id",
        soci::use(st), soci::use(assignee), soci::use(c->assignee_name), soci::use(c->step_due), soci::use(n),
        soci::use(id);
    if (action == "withdraw") {
      // Every clock of the case closes (and their open warnings with them).
      Watch(tx, *c, Item{}, calendar_.Load());
    }
    AddEvent(tx, c->id, now, action, c->state, "数据交换", unit_name, opinion, true);
    audit_.Append(tx, identity::Context::System("数据交换").ToActor(),
                  {"case." + action, "case", c->case_no, "success", opinion});
    if (sms_) sms_->Send(tx, c->contact_mobile, ApplicantMessage(*c, action));
    FeedBack(tx, *c, {now, action, st, "数据交换", unit_name, opinion, true, ""});
  });
  // External zone: a change of state fed back from inside.
  exchange_.On("case.updated", [this](db::Tx& tx, const exchange::Packet& p) {
    const auto& j = p.payload;
    auto c = FindCase(tx.sql(), j.at("case_no").get<std::string>());
    if (!c) throw Error(ErrorCode::kNotFound, "反馈对应的办件不存在");
    const auto& e = j.at("event");
    const bool already = std::any_of(c->events.begin(), c->events.end(), [&](const CaseEvent& x) {
      return x.ts == e.at("ts").get<std::int64_t>() && x.action == e.at("action").get<std::string>();
    });
    long long id = c->id, n = clock_.NowMs();
    std::string st = j.at("state").get<std::string>(), note = j.value("correction_note", ""),
                cdue = j.value("correction_due", ""), on = j.value("accepted_on", ""), pd = j.value("promised_due", ""),
                sd = j.value("statutory_due", "");
    std::string decision = j.value("decision", ""), licence_until = j.value("licence_valid_until", "");
    long long concluded = j.value("concluded_at", std::int64_t{0});
    int revision = j.value("revision", 0);
    // Only forward: with both zones in one database this row is the working row itself, and a
    // packet applied late must not undo a newer step.
    if (revision > c->revision) {
      tx.sql() << "UPDATE cases SET state = :s, correction_note = :c, correction_due = :cd, accepted_on = :a, "
                  "promised_due = :p, statutory_due = :sd, decision = :d, licence_valid_until = :lv, concluded_at = :ca, "
                  "updated_at = :u, revision = :r WHERE id = :id",
          soci::use(st), soci::use(note), soci::use(cdue), soci::use(on), soci::use(pd), soci::use(sd), soci::use(decision),
          soci::use(licence_until), soci::use(concluded), soci::use(n), soci::use(revision), soci::use(id);
      if (j.contains("clock")) MirrorClock(tx.sql(), id, j.at("clock"));
      if (j.contains("fees")) UpsertFees(tx.sql(), id, FeesFromPacket(j.at("fees")));
    }
    if (j.contains("documents")) documents_.Accept(tx, j.at("documents"));
    if (!already) {  // zone "both": the event row is already there
      long long ts = e.at("ts").get<std::int64_t>();
      std::string action = e.at("action").get<std::string>(), est = e.at("state").get<std::string>(),
                  actor = e.at("actor").get<std::string>(), unit = e.value("unit_name", ""), op = e.value("opinion", "");
      tx.sql() << "INSERT INTO case_events (case_id, ts, action, state, actor, unit_name, opinion, public) VALUES (:c, :t, "
                  ":a, :s, :ac, :u, :o, 1)",
          soci::use(id), soci::use(ts), soci::use(action), soci::use(est), soci::use(actor), soci::use(unit),
          soci::use(op);
    }
  });
}

// ---------------------------------------------------------------- internal

CasePage CaseService::Queue(const identity::Context& ctx, const QueueQuery& query) {
  if (ctx.principal.kind != "staff") throw Error(ErrorCode::kForbidden, "此操作仅限工作人员");
  // Only the constant key of a known state reaches the SQL text.
  const std::string state =
      query.state.empty() || query.state == "all" ? "" : CaseStateKey(ParseCaseState(query.state));
  const CaseSearch search = CaseSearchOf(query.q);
  const long long limit = std::clamp(query.per_page, 1, 200);
  const long long offset = static_cast<long long>(std::max(query.page, 1) - 1) * limit;
  db::Conn c(db_);
  std::string in;
  for (auto u : HandledUnits(c.sql(), ctx.principal.unit_id)) in += (in.empty() ? "" : ",") + std::to_string(u);
  // Only cases received inside: in a single-node district the external zone's just-sent ones
  // share the table (state submitted: received_at 0, or corrections on their way in). Every state
  // named here implies receipt, and the conditions are on columns that let the planner use the
  // index it needs: (state, department) for one state, (department, receipt, state) for all.
  CasePage out;
  if (state == CaseStateKey(CaseState::kSubmitted)) return out;
  std::string where = " WHERE dept_unit_id IN (" + in + ")";
  if (!state.empty()) {
    where += " AND state = '" + state + "'";
  } else if (!query.mine) {
    where += " AND received_at > 0 AND state <> 'submitted'";
  }
  if (query.mine) {
    // My work: assigned to me, or waiting unclaimed at a step whose role I hold (the window's:
    // accepting and concluding). The role of a step is in the item's flow, so the candidates
    // (open cases only) are filtered here.
    long long me = ctx.principal.id;
    auto st = (c.sql().prepare << "SELECT " << kCaseCols << " FROM cases" << where
                               << " AND state IN ('received', 'accepted', 'in_progress', 'suspended', 'decided') AND "
                                  "(assignee_id = :me OR (COALESCE(assignee_id, 0) = 0 AND state IN ('received', "
                                  "'accepted', 'in_progress', 'decided')))"
                               << search.where(db_.is_sqlite()),
               soci::use(me));
    BindSearch(st, search);
    std::map<std::string, Item> items;
    for (Case& k : LoadPage(st)) {
      bool take = k.assignee_id == ctx.principal.id;
      // Applications to accept, and decided cases to conclude (办结), wait for the window.
      if (!take && (k.state == CaseState::kReceived || k.state == CaseState::kDecided)) {
        take = ctx.principal.Has(identity::Role::kWindowClerk);
      }
      if (!take && (k.state == CaseState::kAccepted || k.state == CaseState::kInProgress)) {
        const std::string key = k.item_code + "@" + std::to_string(k.item_version);
        if (!items.count(key)) items.emplace(key, ItemOf(k));
        const Item& it = items.at(key);
        take = k.current_step >= 1 && k.current_step <= static_cast<int>(it.steps.size()) &&
               ctx.principal.roles.count(it.steps[static_cast<std::size_t>(k.current_step - 1)].role);
      }
      if (take) out.cases.push_back(std::move(k));
    }
    // Most urgent first: the deadline that runs now, then the order of receipt.
    std::stable_sort(out.cases.begin(), out.cases.end(), [](const Case& a, const Case& b) {
      const std::string da = RunningDue(a), db = RunningDue(b);
      if (da.empty() != db.empty()) return db.empty();
      return da != db ? da < db : a.received_at < b.received_at;
    });
    out.total = static_cast<std::int64_t>(out.cases.size());
    const auto from = std::min<std::size_t>(out.cases.size(), static_cast<std::size_t>(offset));
    const auto to = std::min<std::size_t>(out.cases.size(), from + static_cast<std::size_t>(limit));
    out.cases = std::vector<Case>(std::make_move_iterator(out.cases.begin() + static_cast<std::ptrdiff_t>(from)),
                                  std::make_move_iterator(out.cases.begin() + static_cast<std::ptrdiff_t>(to)));
    return out;
  }
  // Open work most urgent first (the deadline that runs in that state); ended cases newest first.
  static const std::map<std::string, std::string> kOrder = {
      {"received", "acceptance_due, received_at, id"},   {"correction", "correction_due, received_at, id"},
      {"accepted", "step_due, received_at, id"},         {"in_progress", "step_due, received_at, id"},
      {"suspended", "received_at, id"},                  {"decided", "decided_at, id"},
      {"concluded", "concluded_at DESC, id DESC"},
  };
  const auto order = kOrder.find(state);
  // The page's ids first, then those rows: for a whole department the ids come from the index
  // on (department, receipt, state) alone, not 100,000 rows into the sorter. A search reads the
  // department's rows anyway: its total comes with the ids in the same pass (a window count over
  // every match, before LIMIT), not from a second scan.
  std::vector<long long> ids;
  bool counted = false;
  if (!query.count_only) {
    auto st = (c.sql().prepare << "SELECT id" << (search.any() ? ", COUNT(*) OVER () AS total" : "") << " FROM cases"
                               << where << search.where(db_.is_sqlite()) << " ORDER BY "
                               << (order != kOrder.end() ? order->second : "received_at DESC, id DESC")
                               << " LIMIT :l OFFSET :o");
    BindSearch(st, search);
    st, soci::use(limit), soci::use(offset);
    soci::rowset<soci::row> rows(st);
    for (const soci::row& r : rows) {
      ids.push_back(db::RowInt(r, "id"));
      if (search.any()) {
        out.total = db::RowInt(r, "total");
        counted = true;
      }
    }
  }
  if (!counted && (!search.any() || offset > 0)) {  // (a search with no match at all: 0)
    long long total = 0;
    auto st = (c.sql().prepare << "SELECT COUNT(*) FROM cases" << where << search.where(db_.is_sqlite()));
    BindSearch(st, search);
    st, soci::into(total);
    soci::statement(st).execute(true);
    out.total = total;
  }
  if (ids.empty()) return out;
  std::string list;
  for (auto id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  std::map<long long, Case> byId;
  soci::rowset<soci::row> rows = (c.sql().prepare << "SELECT " << kCaseCols << " FROM cases WHERE id IN (" << list << ")");
  for (const soci::row& r : rows) {
    Case k = LoadCase(r);
    byId.emplace(k.id, std::move(k));
  }
  for (auto id : ids) {
    if (auto it = byId.find(id); it != byId.end()) out.cases.push_back(std::move(it->second));
  }
  return out;
}

Case CaseService::ForStaff(const identity::Context& ctx, const std::string& case_no, bool* own_unit) {
  if (ctx.principal.kind != "staff") throw Error(ErrorCode::kForbidden, "此操作仅限工作人员");
  std::optional<Case> found;
  bool allowed = false;
  {
    db::Snapshot c(db_);  // the row and its events as of one moment
    found = FindCase(c.sql(), case_no);
    if (!found || found->state == CaseState::kSubmitted) throw Error(ErrorCode::kNotFound, "办件不存在：" + case_no);
    // Per record: the case's department must be among the units the staff member handles.
    const auto handled = HandledUnits(c.sql(), ctx.principal.unit_id);
    allowed = std::find(handled.begin(), handled.end(), found->dept_unit_id) != handled.end();
  }
  const bool global = ctx.principal.Has(identity::Role::kSupervisor) || ctx.principal.Has(identity::Role::kAuditor);
  if (!allowed && !global) {
    // A refused look at another unit's case is on the record (等保: access refused is audited).
    db::WithTx(db_, [&](db::Tx& tx) {
      audit_.Append(tx, ctx.ToActor(), {"case.view", "case", found->case_no, "denied", "查看或办理其他单位的办件被拒绝"});
    });
    throw Error(ErrorCode::kForbidden, "该办件不属于您所在单位，无权查看或办理").Audited();
  }
  if (own_unit) *own_unit = allowed;
  return *found;
}

Deadline CaseService::AcceptanceDeadlineOf(const Case& c) {
  const calendar::Calendar cal = calendar_.Load();
  std::optional<calendar::Date> corrections;
  if (c.corrections_complete_at) corrections = DateOf(c.corrections_complete_at);
  return AcceptanceDeadline(cal, periods_, DateOf(c.received_at), corrections);
}

std::optional<std::string> CaseService::DeemedAcceptanceOf(const Case& c) {
  if (c.state != CaseState::kReceived || c.corrections_requested > 0) return std::nullopt;
  const calendar::Calendar cal = calendar_.Load();
  auto deemed = DeemedAcceptance(cal, periods_, DateOf(c.received_at), false, DateOf(clock_.NowMs()));
  if (!deemed) return std::nullopt;
  return calendar::FormatDate(*deemed);
}

Case CaseService::Act(const identity::Context& ctx, const std::string& case_no, const std::string& action,
                      const std::string& opinion, const std::vector<std::string>& missing) {
  CaseAction a;
  a.action = action;
  a.opinion = opinion;
  a.missing = missing;
  return Act(ctx, case_no, a);
}

Item CaseService::ItemOf(const Case& c) {
  db::Conn conn(db_);
  auto v = store::FindByCodeVersion(conn.sql(), c.item_code, c.item_version);
  if (!v) throw Error(ErrorCode::kNotFound, "事项版本不存在：" + c.item_code + " 第 " + std::to_string(c.item_version) + " 版");
  return *v;
}

void CaseService::RecomputeDues(Case& c, const Item& item, const calendar::Calendar& cal, const std::string& today) {
  const std::vector<calendar::Suspension> stops = Stops(c, today);
  const calendar::Date from = calendar::ParseDate(c.accepted_on);
  c.promised_due = calendar::FormatDate(
      DecisionDeadline(cal, periods_, "承诺办结期限", from, item.promised_days, stops, c.extension_days).result.due);
  c.statutory_due = calendar::FormatDate(
      DecisionDeadline(cal, periods_, "法定办结期限", from, item.statutory_days, stops, c.extension_days).result.due);
  if (c.current_step >= 1 && c.current_step <= static_cast<int>(item.steps.size()) && !c.step_started_on.empty()) {
    const Step& step = item.steps[static_cast<std::size_t>(c.current_step - 1)];
    c.step_due = calendar::FormatDate(
        StepDeadline(cal, step.name, calendar::ParseDate(c.step_started_on), step.limit_days, stops).result.due);
  }
}

std::vector<Deadline> CaseService::DeadlinesOf(const Case& c) {
  std::vector<Deadline> out;
  if (!c.received_at) return out;
  const calendar::Calendar cal = calendar_.Load();
  const std::string today = core::FormatLocalDate(clock_.NowMs());
  const bool withdrawn = c.state == CaseState::kWithdrawn;
  // The first event of one of `actions` at or after `from_ms` (null when none). Events, not the
  // case's own columns: the portal's copy of a case has the same events (全过程公开) but not
  // every internal column (decided_at).
  auto first = [&](std::initializer_list<const char*> actions, std::int64_t from_ms = 0) -> const CaseEvent* {
    for (const CaseEvent& e : c.events) {
      if (e.ts < from_ms) continue;
      for (const char* a : actions) {
        if (e.action == a) return &e;
      }
    }
    return nullptr;
  };
  auto day_of = [](const CaseEvent* e) { return e ? core::FormatLocalDate(e->ts) : std::string(); };
  // Where a period stands: done on `done_on` (met or late), or not (running, overdue, ended).
  auto settle = [&](Deadline& d, const std::string& done_on, const std::string& done_what, const std::string& pending_what,
                    bool paused = false) {
    const std::string due = calendar::FormatDate(d.result.due);
    if (!done_on.empty()) {
      d.status = done_on <= due ? "met" : "late";
      d.status_text = "已于 " + done_on + " " + done_what + (done_on <= due ? "，在期限内" : "，超过期限");
    } else if (withdrawn) {
      d.status = "ended";
      d.status_text = "申请人已撤回申请，本件终止办理，此期限不再计算";
    } else if (paused) {
      d.status = "paused";
      d.status_text = "特别程序进行中，期限暂停计算";
    } else if (today > due) {
      d.status = "overdue";
      d.status_text = "已超过期限，尚未" + pending_what;
    } else {
      d.status = "running";
      d.status_text = "正在计算，尚未" + pending_what;
    }
  };
  // 受理期限: answered by acceptance, refusal or the one-time correction notice; after complete
  // corrections the period ran again and only acceptance or refusal answers it.
  {
    Deadline d = AcceptanceDeadlineOf(c);
    const CaseEvent* answer = c.corrections_complete_at ? first({"accept", "refuse"}, c.corrections_complete_at)
                                                        : first({"accept", "refuse", "request_correction"});
    const std::string what = !answer                                  ? ""
                             : answer->action == "accept"             ? "予以受理"
                             : answer->action == "refuse"             ? "作出不予受理决定"
                                                                      : "一次性告知补正（补齐后受理期限重新起算）";
    settle(d, day_of(answer), what, "作出受理决定");
    out.push_back(std::move(d));
  }
  // 补正期限: from the day of the one-time notice; met when the corrections are complete.
  for (const CaseEvent& e : c.events) {
    if (e.action != "request_correction") continue;
    Deadline d = CorrectionDeadline(cal, periods_, DateOf(e.ts));
    settle(d, c.corrections_complete_at ? core::FormatLocalDate(c.corrections_complete_at) : "", "补齐全部补正材料",
           "补齐补正材料");
    out.push_back(std::move(d));
    break;
  }
  if (c.accepted_on.empty()) return out;
  const Item item = ItemOf(c);
  const std::vector<calendar::Suspension> stops = Stops(c, today);
  const bool running = !c.suspensions.empty() && c.suspensions.back().to.empty();
  const calendar::Date from = calendar::ParseDate(c.accepted_on);
  const std::string decided_on = day_of(first({"decide"}));
  std::vector<Deadline> flow = {
      DecisionDeadline(cal, periods_, "承诺办结期限", from, item.promised_days, stops, c.extension_days),
      DecisionDeadline(cal, periods_, "法定办结期限", from, item.statutory_days, stops, c.extension_days)};
  for (Deadline& d : flow) settle(d, decided_on, "作出审批决定", "作出审批决定", running);
  const bool flowing = c.state == CaseState::kAccepted || c.state == CaseState::kInProgress || c.state == CaseState::kSuspended;
  if (flowing && c.current_step >= 1 && c.current_step <= static_cast<int>(item.steps.size()) &&
      !c.step_started_on.empty()) {
    const Step& step = item.steps[static_cast<std::size_t>(c.current_step - 1)];
    Deadline d = StepDeadline(cal, step.name, calendar::ParseDate(c.step_started_on), step.limit_days, stops);
    d.internal = true;
    settle(d, "", "", "完成本环节", running);
    flow.push_back(std::move(d));
  }
  for (Deadline& d : flow) {
    if (running) d.notes.push_back("特别程序尚在进行，暂计至今日（" + today + "）；程序结束后期限相应顺延");
    out.push_back(std::move(d));
  }
  return out;
}

const std::set<std::string>& CaseService::AttachmentTypes() {
  static const std::set<std::string> kTypes = {"application/pdf", "image/jpeg", "image/png", "application/ofd",
                                               files::kDocx, files::kXlsx};
  return kTypes;
}

std::vector<files::StoredFile> CaseService::StageAttachments(const CaseAction& a) {
  std::vector<files::StoredFile> out;
  if (a.attachments.empty()) return out;
  if (a.action == "claim") throw Error(ErrorCode::kInvalidInput, "签收时不能上传附件", {{"attachments", "签收时不能上传附件"}});
  if (a.attachments.size() > kMaxAttachments) {
    throw Error(ErrorCode::kInvalidInput, "一次最多上传 " + std::to_string(kMaxAttachments) + " 个附件",
                {{"attachments", "附件过多"}});
  }
  for (const Upload& u : a.attachments) {
    try {
      out.push_back(files_.Stage(u.bytes, AttachmentTypes()));
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kInternal) throw;
      const std::string name = AttachmentName(u.filename);
      throw Error(e.code(), "附件“" + name + "”不符合要求：" + e.message(), {{"attachments", name + "：" + e.message()}});
    }
  }
  return out;
}

std::string AttachmentName(const std::string& filename) {
  const std::string out = files::SafeFileName(filename);
  return out.empty() ? "附件" : out;
}

std::vector<StepProposal> StepProposals(const Case& c) {
  std::vector<StepProposal> out;
  for (const auto& e : c.events) {
    if (e.action != "complete_step") continue;
    const auto parts = SplitStepCompletion(e.opinion);
    if (!parts) continue;
    const std::string said = "。意见：";
    const auto words = parts->second.find(said);
    StepProposal p{parts->first, e.actor, e.proposal,
                   words == std::string::npos ? "" : parts->second.substr(words + said.size()), e.ts};
    // A step done again after a 退回: its latest completion stands, in the flow's order.
    auto same = std::find_if(out.begin(), out.end(), [&](const StepProposal& q) { return q.step_name == p.step_name; });
    if (same != out.end()) *same = p; else out.push_back(p);
  }
  return out;
}

Case CaseService::Act(const identity::Context& ctx, const std::string& case_no, const CaseAction& a) {
  static const std::set<std::string> kActions = {"accept", "refuse", "request_correction", "claim", "complete_step",
                                                 "decide", "conclude", "suspend", "resume", "extend", "assess_fees",
                                                 "record_payment", "refund", "return_step", "release"};
  if (!kActions.count(a.action)) {
    throw Error(ErrorCode::kInvalidInput, "未知的办理操作：" + a.action, {{"action", "不支持的办理操作"}});
  }
  if (!a.proposal.empty() && a.action != "complete_step") {
    throw Error(ErrorCode::kInvalidInput, "拟办意见只在完成环节时填写", {{"proposal", "拟办意见只在完成环节时填写"}});
  }
  if (ctx.principal.kind != "staff" && ctx.principal.kind != "system") throw Error(ErrorCode::kForbidden, "此操作仅限工作人员");
  bool own_unit = false;
  Case c = ForStaff(ctx, case_no, &own_unit);
  // 监察、审计 read every department's cases; acting is for the case's own department.
  if (!own_unit) throw Error(ErrorCode::kForbidden, "该办件不属于您所在单位，只能查看，不能办理");
  const Item item = ItemOf(c);
  const DecisionWording& w = WordingOf(item.kind);
  const std::string text = Trim(a.opinion);
  const std::int64_t now = clock_.NowMs();
  const std::string today = core::FormatLocalDate(now);
  const calendar::Calendar cal = calendar_.Load();
  auto wrong_state = [&] {
    return Error(ErrorCode::kConflict, "本件当前状态为“" + CaseStateLabel(c.state) + "”，不能执行该操作");
  };
  const Step* step = c.current_step >= 1 && c.current_step <= static_cast<int>(item.steps.size())
                         ? &item.steps[static_cast<std::size_t>(c.current_step - 1)]
                         : nullptr;
  const bool last_step = c.current_step == static_cast<int>(item.steps.size());
  auto require_role = [&](const std::string& role) {
    auto r = identity::ParseRole(role);
    if (!r) throw Error(ErrorCode::kInternal, "事项流程中的角色无效：" + role);
    identity::RequireRole(ctx.principal, {*r});
  };
  auto require_assignee = [&] {
    if (c.assignee_id != ctx.principal.id) {
      throw Error(ErrorCode::kForbidden, c.assignee_id ? "本环节由 " + c.assignee_name + " 办理，您不能代为处理"
                                                       : "请先签收本环节再办理");
    }
  };

  // Opinions, reasons and the correction list go into sealed documents and the public record:
  // bounded, so that a notice stays a notice (it runs on to further pages when long).
  if (core::Utf8Length(text) > 1000) {
    throw Error(ErrorCode::kInvalidInput, "意见、理由不超过 1000 字",
                {{"opinion", "意见、理由不超过 1000 字（现 " + std::to_string(core::Utf8Length(text)) + " 字）"}});
  }
  {
    std::size_t items = 0;
    for (const auto& m : a.missing) {
      if (Trim(m).empty()) continue;
      ++items;
      if (core::Utf8Length(Trim(m)) > 200) {
        throw Error(ErrorCode::kInvalidInput, "每项补正内容不超过 200 字", {{"missing", "每项补正内容不超过 200 字"}});
      }
    }
    if (items > 50) throw Error(ErrorCode::kInvalidInput, "补正内容最多 50 项", {{"missing", "补正内容最多 50 项，请合并同类内容"}});
  }
  std::string event_opinion;
  std::vector<CaseFee> new_fees;  // assess_fees / record_payment: the fees as they will be
  CaseFee paid_fee;  // record_payment / refund: the fee as it will be
  std::string payment_text;
  int back_to = 0;  // return_step: the step the case goes back to
  Refusal refusal;  // refuse: its grounds, checked
  // ---- checks (nothing written yet)
  if (a.action == "accept" || a.action == "refuse" || a.action == "request_correction") {
    identity::RequireRole(ctx.principal, {identity::Role::kWindowClerk});
    if (c.state != CaseState::kReceived) throw wrong_state();
    if (a.action == "refuse") {
      // 第三十二条第一款: the ground decides the clause cited and what the applicant is told.
      refusal.ground = ParseRefusalGround(a.ground);
      refusal.authority = Trim(a.authority);
      refusal.reason = text;
      if (refusal.ground == RefusalGround::kNotRequired && item.kind != ItemKind::kLicense) {
        throw Error(ErrorCode::kInvalidInput, "本事项不是行政许可事项，不能以“依法不需要取得行政许可”不予受理",
                    {{"ground", "请选择其他理由类别"}});
      }
      if (refusal.ground == RefusalGround::kNotCompetent && refusal.authority.empty()) {
        throw Error(ErrorCode::kInvalidInput, "不属于本机关职权范围的，须告知申请人向哪个行政机关申请（行政许可法第三十二条第一款第（二）项）",
                    {{"authority", "请填写申请人应当向其申请的行政机关"}});
      }
      if (core::Utf8Length(refusal.authority) > 100) {
        throw Error(ErrorCode::kInvalidInput, "行政机关名称不超过 100 字", {{"authority", "行政机关名称不超过 100 字"}});
      }
      if (refusal.ground != RefusalGround::kNotCompetent && !refusal.authority.empty()) {
        throw Error(ErrorCode::kInvalidInput, "只有“不属于本机关职权范围”时才填写应向其申请的行政机关；请改选该理由或清空机关名称",
                    {{"authority", "理由类别不是“不属于本机关职权范围”时不填写"}});
      }
      if (refusal.ground == RefusalGround::kOther && text.empty()) {
        throw Error(ErrorCode::kInvalidInput, "不予受理须说明理由", {{"opinion", "请填写不予受理的理由"}});
      }
    } else if (!Trim(a.authority).empty()) {
      throw Error(ErrorCode::kInvalidInput, "您填写了应向其申请的行政机关，但选择的不是“不予受理”。请改选“不予受理”或清空机关名称",
                  {{"authority", "不予受理时才填写"}});
    }
    // A list of what is missing sent with another decision: the clerk meant 补正 and chose
    // otherwise (the page shows every field at once). Nothing is decided on a contradiction.
    if (a.action != "request_correction" &&
        std::any_of(a.missing.begin(), a.missing.end(), [](const std::string& m) { return !Trim(m).empty(); })) {
      const std::string chosen = a.action == "accept" ? "予以受理" : "不予受理";
      throw Error(ErrorCode::kInvalidInput,
                  "您填写了需补正的内容，但选择的是“" + chosen + "”。要一次性告知补正，请选择“一次性告知补正”；否则请清空需补正的内容",
                  {{"missing", "选择“" + chosen + "”时不填写需补正的内容"}});
    }
    if (a.action == "request_correction") {
      if (c.corrections_requested > 0) {
        throw Error(ErrorCode::kConflict, "已一次性告知过补正内容，不得再次要求补正（行政许可法第三十二条）");
      }
      // Art. 32: a correction notice is due within the acceptance period; once it has passed in
      // silence the application counts as accepted on the day of receipt and can no longer be sent back.
      if (auto deemed = DeemedAcceptanceOf(c)) {
        throw Error(ErrorCode::kConflict, "受理期限已过且未告知补正：依行政许可法第三十二条，本件自收到申请之日（" + *deemed +
                                              "）起视为受理，不得再要求补正");
      }
      bool any = std::any_of(a.missing.begin(), a.missing.end(), [](const std::string& m) { return !Trim(m).empty(); });
      if (!any) {
        throw Error(ErrorCode::kInvalidInput, "补正告知须一次列明全部需补正的材料", {{"missing", "请逐项列出需补正的内容"}});
      }
    }
  } else if (a.action == "claim") {
    if ((c.state != CaseState::kAccepted && c.state != CaseState::kInProgress) || !step) throw wrong_state();
    require_role(step->role);
    if (c.assignee_id) throw Error(ErrorCode::kConflict, "本环节已由 " + c.assignee_name + " 签收");
  } else if (a.action == "complete_step") {
    if (c.state != CaseState::kInProgress || !step) throw wrong_state();
    require_assignee();
    if (last_step) throw Error(ErrorCode::kConflict, std::string("最后一个环节须作出审批决定（") + w.grant_short + "或" + w.deny_short + "）");
    // Every step's opinion is on the record (审查意见、审核意见…): the next person reads it.
    if (text.empty()) {
      throw Error(ErrorCode::kInvalidInput, "请填写本环节意见", {{"opinion", "请填写本环节的审查或审核意见"}});
    }
    if (!a.proposal.empty() && a.proposal != "approve" && a.proposal != "deny") {
      throw Error(ErrorCode::kInvalidInput, std::string("拟办意见应为拟") + w.grant_short + "或拟" + w.deny_short,
                  {{"proposal", "请选择拟办意见"}});
    }
  } else if (a.action == "release") {
    // 取消签收 by whoever signed for the step; or the department's 审批人 takes back a step someone
    // else holds (on leave, moved…) so that a colleague can sign for it: the case is never stuck.
    if (c.state != CaseState::kInProgress || !step || !c.assignee_id) throw wrong_state();
    if (c.assignee_id != ctx.principal.id) {
      if (!ctx.principal.Has(identity::Role::kApprover)) {
        throw Error(ErrorCode::kForbidden, "本环节由 " + c.assignee_name + " 签收：只有本人或本部门审批人可以收回");
      }
      if (text.empty()) {
        throw Error(ErrorCode::kInvalidInput, "收回他人签收的环节须说明理由", {{"opinion", "请说明收回的理由（如经办人休假、调岗）"}});
      }
    }
  } else if (a.action == "return_step") {
    // 退回: the person holding a step sends the case back to an earlier handling step to be done
    // again (审核 finds the 审查 incomplete…). Step 1 is acceptance, which is not re-done: a case
    // that should not have been accepted is decided on (不予许可) at the last step.
    if (c.state != CaseState::kInProgress || !step) throw wrong_state();
    require_assignee();
    if (c.current_step < 3) throw Error(ErrorCode::kConflict, "本环节之前没有可退回的办理环节（受理环节不能退回）");
    back_to = a.to_step ? a.to_step : c.current_step - 1;
    if (back_to < 2 || back_to >= c.current_step) {
      throw Error(ErrorCode::kInvalidInput, "只能退回到本环节之前的办理环节", {{"to_step", "请选择本环节之前的办理环节"}});
    }
    if (text.empty()) throw Error(ErrorCode::kInvalidInput, "退回须说明理由", {{"opinion", "请写明退回的理由和需重新办理的内容"}});
  } else if (a.action == "decide") {
    if (c.state != CaseState::kInProgress || !step || !last_step) throw wrong_state();
    identity::RequireRole(ctx.principal, {identity::Role::kApprover});
    require_assignee();
    if (a.decision != "approve" && a.decision != "deny") {
      throw Error(ErrorCode::kInvalidInput, std::string("请选择") + w.grant_short + "或" + w.deny_short,
                  {{"decision", "请选择审批决定"}});
    }
    if (a.decision == "deny" && text.empty()) {
      throw Error(ErrorCode::kInvalidInput, std::string(w.deny_short) + "须说明理由",
                  {{"opinion", std::string("请填写") + w.deny_short + "的理由"}});
    }
    // 证照有效期至: only when granting a licence whose item fixes no term (a 变更 keeps the
    // original licence's term, which the 审批人 reads off the original in the materials).
    if (!a.valid_until.empty()) {
      const auto refuse = [](const std::string& message) {
        throw Error(ErrorCode::kInvalidInput, message, {{"valid_until", message}});
      };
      if (a.decision != "approve") refuse(std::string("证照有效期只在") + w.grant_short + "时填写");
      if (item.kind != ItemKind::kLicense) refuse("证照有效期只适用于行政许可事项");
      if (item.valid_years != 0) {
        refuse("本事项的证照有效期由事项目录规定（" +
               (item.valid_years == Item::kPermanent ? std::string("长期") : std::to_string(item.valid_years) + " 年") +
               "），不在决定时填写");
      }
      if (const std::string problem = LicenceTermProblem(a.valid_until, today); !problem.empty()) refuse(problem);
    }
    // A decision against a step's proposal (拟办意见) says why, on the record.
    if (text.empty()) {
      for (const StepProposal& p : StepProposals(c)) {
        if (!p.proposal.empty() && p.proposal != a.decision) {
          throw Error(ErrorCode::kInvalidInput,
                      "决定与“" + p.step_name + "”环节的拟办意见（" + ProposalLabel(item.kind, p.proposal) + "）不同，请在决定意见中说明理由",
                      {{"opinion", "请说明与拟办意见不同的理由"}});
        }
      }
    }
  } else if (a.action == "conclude") {
    if (c.state != CaseState::kDecided) throw wrong_state();
    identity::RequireRole(ctx.principal, {identity::Role::kApprover, identity::Role::kWindowClerk});
    // Fees are for the licence: a 不予许可 concludes without them (what was paid is refunded).
    if (c.decision == "approve") RequireFeesSettled(item, c.fees);
  } else if (a.action == "assess_fees" || a.action == "record_payment") {
    if (c.state != CaseState::kAccepted && c.state != CaseState::kInProgress && c.state != CaseState::kSuspended &&
        c.state != CaseState::kDecided) {
      throw wrong_state();
    }
    if (Refundable(c)) {  // 不予许可: the fees are for the licence; what was paid is refunded
      throw Error(ErrorCode::kConflict,
                  std::string("本件已作出") + w.deny_short + "决定，不再核定或收取费用；已缴的费用请登记退费");
    }
    identity::RequireRole(ctx.principal, {identity::Role::kWindowClerk, identity::Role::kHandler});
    if (a.action == "assess_fees") {
      new_fees = AssessFees(item, c.fees, a.fees, ctx.principal.name, now);
    } else {
      new_fees = c.fees;
      CaseFee& fee = new_fees[PaymentTarget(c.fees, a.fee_no, a.amount)];
      const PaymentProvider& provider = payments_.Find(a.provider);
      PaymentConfirmation paid = provider.Confirm({c.case_no, fee.fee_no, fee.name, fee.assessed_fen, a.receipt_no});
      fee.paid_fen = paid.paid_fen;
      fee.receipt_no = paid.receipt_no;
      fee.provider = provider.Key();
      fee.paid_at = now;
      fee.recorded_by = ctx.principal.name;
      paid_fee = fee;
      payment_text = PaymentText(fee, provider.Label());
    }
  } else if (a.action == "refund") {
    if (!Refundable(c)) {
      throw Error(ErrorCode::kConflict, "本件当前状态为“" + CaseStateLabel(c.state) + "”：只有申请人已撤回、或作出" +
                                            w.deny_short + "决定的办件可以退还已缴费用");
    }
    identity::RequireRole(ctx.principal, {identity::Role::kWindowClerk, identity::Role::kHandler});
    new_fees = c.fees;
    CaseFee& fee = new_fees[RefundTarget(c.fees, a.fee_no, a.amount, a.refund_no, a.opinion)];
    fee.refunded_fen = fee.paid_fen;
    fee.refund_no = VoucherNumber(a.refund_no);
    fee.refund_reason = text;
    fee.refunded_at = now;
    fee.refunded_by = ctx.principal.name;
    paid_fee = fee;
  } else if (a.action == "suspend") {
    if (c.state != CaseState::kInProgress && c.state != CaseState::kAccepted) throw wrong_state();
    identity::RequireRole(ctx.principal, {identity::Role::kHandler, identity::Role::kReviewer, identity::Role::kApprover});
    if (text.empty()) {
      throw Error(ErrorCode::kInvalidInput, "请写明特别程序（听证、检验检测、专家评审等）及其事由",
                  {{"opinion", "请写明特别程序及其事由"}});
    }
  } else if (a.action == "resume") {
    if (c.state != CaseState::kSuspended) throw wrong_state();
    identity::RequireRole(ctx.principal, {identity::Role::kHandler, identity::Role::kReviewer, identity::Role::kApprover});
  } else if (a.action == "extend") {
    if (c.state != CaseState::kInProgress && c.state != CaseState::kSuspended && c.state != CaseState::kAccepted) {
      throw wrong_state();
    }
    identity::RequireRole(ctx.principal, {identity::Role::kApprover});
    CheckExtension(periods_, a.days, c.extension_days > 0 ? 1 : 0, text);
  }

  // 办理附件: checked by content and written (a large one) before the write transaction.
  const std::vector<files::StoredFile> attached = StageAttachments(a);

  // The window's answer to an application (受理, 不予受理, 一次性告知补正): the change it makes to
  // the case and the text recorded, applied to a copy for its notice and again in the transaction.
  auto answer = [&](Case& x) -> std::string {
    if (a.action == "accept") {
      // Deemed acceptance: if the acceptance period had passed, acceptance counts from receipt.
      std::optional<std::string> deemed;
      if (x.corrections_requested == 0) {
        auto d = DeemedAcceptance(cal, periods_, DateOf(x.received_at), false, DateOf(now));
        if (d) deemed = calendar::FormatDate(*d);
      }
      x.state = CaseState::kAccepted;
      x.accepted_at = now;
      x.accepted_on = deemed.value_or(today);
      x.current_step = item.steps.size() > 1 ? 2 : 1;  // step 1 (受理) is this act
      x.step_started_on = today;
      RecomputeDues(x, item, cal, today);
      return "予以受理。受理通知书：" + x.case_no + "-S，承诺于 " + x.promised_due + " 前办结（法定期限 " + x.statutory_due +
             "）" + (deemed ? "。因未在受理期限内告知补正，自收到申请材料之日起视为受理（第三十二条第一款第（四）项）" : "") + (text.empty() ? "" : "。" + text);
    }
    if (a.action == "refuse") {
      x.state = CaseState::kRefused;
      return "不予受理。理由：" + RefusalReason(refusal) +
             "。申请人如不服，可以自收到本决定之日起六十日内依法申请行政复议，或者六个月内依法提起行政诉讼。";
    }
    x.state = CaseState::kCorrection;
    x.corrections_requested = 1;
    std::string list;
    int k = 0;
    for (const auto& m : a.missing) {
      if (!Trim(m).empty()) list += std::to_string(++k) + ". " + Trim(m) + "；";
    }
    x.correction_note = list + text;
    x.correction_due = calendar::FormatDate(CorrectionDeadline(cal, periods_, DateOf(now)).result.due);
    return "一次性告知需补正的全部内容：" + x.correction_note + " 请于 " + x.correction_due + " 前补齐；补齐后受理期限重新起算。";
  };
  const bool answering = a.action == "accept" || a.action == "refuse" || a.action == "request_correction";
  // 行政许可法 第三十二条: accepting or refusing an application, and the one-time correction
  // notice, are answered in writing, sealed and dated.
  const std::string notice_kind = a.action == "accept"   ? "acceptance"
                                  : a.action == "refuse" ? "refusal"
                                                         : "correction";
  const std::string notice_text = a.action == "refuse" ? RefusalFinding(refusal, item.kind == ItemKind::kLicense) : text;

  // The sealed documents are drawn before the write transaction (tens of milliseconds each);
  // Issue re-draws inside only if the department's seal was made meanwhile.
  PreparedDocument prepared;
  if (answering) {
    Case answered = c;
    answer(answered);
    prepared = documents_.Prepare(answered, item, notice_kind, notice_text, now);
  } else if (a.action == "decide") {
    Case decided = c;
    decided.decision = a.decision;
    decided.licence_valid_until = a.valid_until;
    prepared = documents_.Prepare(decided, item, "decision", text, now);
  } else if (a.action == "conclude" && c.decision == "approve") {
    prepared = documents_.Prepare(c, item, "certificate", "", now);
  }
  const Case before = c;  // the case as read and checked; a retried transaction starts again from it
  db::WithTx(db_, [&](db::Tx& tx) {
    c = before;
    long long id = c.id, n = now, revision = c.revision;
    if (answering) {
      event_opinion = answer(c);
    } else if (a.action == "claim") {
      c.state = CaseState::kInProgress;
      c.assignee_id = ctx.principal.id;
      c.assignee_name = ctx.principal.name;
      event_opinion = "签收“" + step->name + "”环节，环节期限至 " + c.step_due;
    } else if (a.action == "complete_step") {
      event_opinion = "完成“" + step->name + "”环节" + (a.proposal.empty() ? "" : "，" + ProposalLabel(item.kind, a.proposal)) +
                      (text.empty() ? "" : "。意见：" + text);
      c.current_step += 1;
      c.assignee_id = 0;
      c.assignee_name.clear();
      c.step_started_on = today;
      RecomputeDues(c, item, cal, today);
    } else if (a.action == "release") {
      event_opinion = (c.assignee_id == ctx.principal.id ? "取消签收“" + step->name + "”环节"
                                                          : "收回 " + c.assignee_name + " 签收的“" + step->name + "”环节") +
                      "，等待重新签收" + (text.empty() ? "" : "。理由：" + text);
      c.assignee_id = 0;
      c.assignee_name.clear();
    } else if (a.action == "return_step") {
      const Step& target = item.steps[static_cast<std::size_t>(back_to - 1)];
      event_opinion = "“" + step->name + "”环节退回“" + target.name + "”环节重新办理。理由：" + text;
      c.current_step = back_to;
      c.assignee_id = 0;
      c.assignee_name.clear();
      c.step_started_on = today;  // the step's limit runs again from today
      RecomputeDues(c, item, cal, today);
    } else if (a.action == "decide") {
      c.state = CaseState::kDecided;
      c.decision = a.decision;
      c.licence_valid_until = a.valid_until;  // checked above: only with a grant
      c.decided_at = now;
      c.assignee_id = 0;
      c.assignee_name.clear();
      c.step_due.clear();  // no step runs any more
      event_opinion = a.decision == "approve"
                          ? w.grant + (a.valid_until.empty() ? std::string() : "，证照有效期至 " + a.valid_until) +
                                (text.empty() ? std::string() : "。" + text)
                          : std::string(w.deny) + "。理由：" + core::WithoutFullStop(text) +
                                "。申请人如不服，可以自收到本决定之日起六十日内依法申请行政复议，或者六个月内依法提起行政诉讼。";
    } else if (a.action == "conclude") {
      c.state = CaseState::kConcluded;
      c.concluded_at = now;
      event_opinion = std::string("办结（") + (c.decision == "approve" ? w.grant_short : w.deny_short) + "）";
    } else if (a.action == "suspend") {
      c.state = CaseState::kSuspended;
      c.suspensions.push_back({today, "", text});
      tx.sql() << "INSERT INTO case_suspensions (case_id, from_date, reason) VALUES (:c, :f, :r)", soci::use(id),
          soci::use(today), soci::use(text);
      RecomputeDues(c, item, cal, today);
      event_opinion = "进入特别程序：" + text + "。所需时间不计算在办理期限内（行政许可法第四十五条），已书面告知申请人";
    } else if (a.action == "resume") {
      // The procedure's days ran from its first day to yesterday; today counts again.
      const std::string last = calendar::FormatDate(calendar::ParseDate(today) - std::chrono::days{1});
      c.suspensions.back().to = last;
      tx.sql() << "UPDATE case_suspensions SET to_date = :t WHERE case_id = :c AND to_date = ''", soci::use(last),
          soci::use(id);
      c.state = c.assignee_id ? CaseState::kInProgress : CaseState::kAccepted;
      RecomputeDues(c, item, cal, today);
      event_opinion = "特别程序结束，恢复计时" + (text.empty() ? std::string() : "。" + text) + "。承诺办结期限调整为 " +
                      c.promised_due;
    } else if (a.action == "extend") {
      c.extension_days = a.days;
      RecomputeDues(c, item, cal, today);
      event_opinion = "经批准延长办理期限 " + std::to_string(a.days) + " 个工作日（行政许可法第四十二条），理由：" +
                      core::WithoutFullStop(text) + "。办结期限调整为 " + c.statutory_due;
    } else if (a.action == "assess_fees") {
      UpsertFees(tx.sql(), c.id, new_fees);
      c.fees = new_fees;
      event_opinion = AssessmentText(c.fees, item.place) + (text.empty() ? "" : "。" + text);
    } else if (a.action == "record_payment") {
      const std::string holder = ReceiptHolder(tx.sql(), paid_fee.receipt_no);
      if (!holder.empty()) {
        throw Error(ErrorCode::kConflict, "票据号 " + paid_fee.receipt_no + " 已登记过" +
                                              (holder == c.case_no ? "" : "（办件 " + holder + "）") + "，请核对票据",
                    {{"receipt_no", "该票据号已登记过，同一票据不能重复使用"}});
      }
      if (!StorePayment(tx.sql(), c.id, paid_fee)) throw Error(ErrorCode::kConflict, "该项费用刚由他人登记了缴费，请刷新后核对");
      c.fees = new_fees;
      event_opinion = payment_text + (text.empty() ? "" : "。" + text);
    } else if (a.action == "refund") {
      const std::string holder = RefundHolder(tx.sql(), paid_fee.refund_no);
      if (!holder.empty()) {
        throw Error(ErrorCode::kConflict, "退费凭证号 " + paid_fee.refund_no + " 已登记过" +
                                              (holder == c.case_no ? "" : "（办件 " + holder + "）") + "，请核对凭证",
                    {{"refund_no", "该凭证号已登记过，同一凭证不能重复使用"}});
      }
      bool stored = false;
      try {
        stored = StoreRefund(tx.sql(), c.id, paid_fee);
      } catch (const soci::soci_error& e) {
        // Another case recorded the same voucher at the same moment: the unique index decides.
        if (!db::IsUniqueViolation(e)) throw;
        throw Error(ErrorCode::kConflict, "退费凭证号 " + paid_fee.refund_no + " 刚被另一办件登记，请核对凭证",
                    {{"refund_no", "该凭证号已登记过，同一凭证不能重复使用"}});
      }
      if (!stored) throw Error(ErrorCode::kConflict, "该项费用刚由他人登记了退费，请刷新后核对");
      c.fees = new_fees;
      event_opinion = RefundText(paid_fee);
    }
    std::string st = CaseStateKey(c.state);
    long long accepted_at = c.accepted_at, assignee = c.assignee_id, decided_at = c.decided_at,
              concluded_at = c.concluded_at;
    soci::statement update = (tx.sql().prepare << "UPDATE cases SET state = :s, accepted_at = :aa, accepted_on = :ao, promised_due = :pd, statutory_due = "
                ":sd, corrections_requested = :cr, correction_note = :cn, correction_due = :cd, current_step = :cs, assignee_id = :ai, "
                "assignee_name = :an, step_started_on = :ss, step_due = :sdu, extension_days = :ed, decision = :de, "
                "licence_valid_until = :lv, decided_at = :da, concluded_at = :ca, updated_at = :u, revision = revision + 1 WHERE id = :id AND "
                "revision = :rev",
        soci::use(st), soci::use(accepted_at), soci::use(c.accepted_on), soci::use(c.promised_due),
        soci::use(c.statutory_due), soci::use(c.corrections_requested), soci::use(c.correction_note),
        soci::use(c.correction_due), soci::use(c.current_step), soci::use(assignee), soci::use(c.assignee_name),
        soci::use(c.step_started_on), soci::use(c.step_due), soci::use(c.extension_days), soci::use(c.decision),
        soci::use(c.licence_valid_until), soci::use(decided_at), soci::use(concluded_at), soci::use(n),
        soci::use(id), soci::use(revision));
    update.execute(true);
    // Checked against the revision read before the checks: two people acting on the same case at
    // once (two handlers claiming the same step, a double click) cannot both succeed.
    if (update.get_affected_rows() != 1) {
      throw Error(ErrorCode::kConflict, "本件刚由他人办理过，请刷新后查看最新状态再操作");
    }
    Watch(tx, c, item, cal);
    // The sealed documents: the written answer to the application (第三十二条), the decision when
    // it is made, the certificate when a grant is concluded (第三十八条, 第四十四条).
    std::vector<IssuedDocument> docs;
    if (answering) docs.push_back(documents_.Issue(tx, c, item, notice_kind, notice_text, &prepared));
    if (a.action == "decide") docs.push_back(documents_.Issue(tx, c, item, "decision", text, &prepared));
    if (a.action == "conclude" && c.decision == "approve") {
      docs.push_back(documents_.Issue(tx, c, item, "certificate", "", &prepared));
    }
    c.revision += 1;
    // Who signs for a step is internal (claim, release); the rest is 全过程公开.
    const bool is_public = a.action != "claim" && a.action != "release";
    const CaseEvent event{now, a.action, st, ctx.principal.name, ctx.principal.unit_name, event_opinion, is_public,
                          a.action == "complete_step" ? a.proposal : ""};
    AddEvent(tx, c.id, now, a.action, c.state, ctx.principal.name, ctx.principal.unit_name, event_opinion, is_public,
             event.proposal);
    for (std::size_t i = 0; i < attached.size(); ++i) {
      files_.Record(tx, attached[i]);
      CaseAttachment att{now, a.action, attached[i].sm3, attached[i].size, attached[i].mime,
                         AttachmentName(a.attachments[i].filename), ctx.principal.name};
      long long cid = c.id, ts = now, size = att.size;
      tx.sql() << "INSERT INTO case_attachments (case_id, event_ts, action, file_sm3, size, mime, filename, actor, "
                  "created_at) VALUES (:c, :t, :a, :h, :s, :m, :f, :ac, :ca)",
          soci::use(cid), soci::use(ts), soci::use(att.action), soci::use(att.file_sm3), soci::use(size),
          soci::use(att.mime), soci::use(att.filename), soci::use(att.actor), soci::use(ts);
      c.attachments.push_back(std::move(att));
    }
    audit_.Append(tx, ctx.ToActor(),
                  {"case." + a.action, "case", c.case_no, "success",
                   (attached.empty() ? std::string() : "附件 " + std::to_string(attached.size()) + " 份；") +
                       std::string(core::Utf8Prefix(event_opinion, 300))});
    if (is_public) FeedBack(tx, c, event, docs);
    if (sms_) {
      const std::string message = ApplicantMessage(c, a.action, text);
      if (!message.empty()) sms_->Send(tx, c.contact_mobile, message);
    }
    c.events.push_back(event);  // as FindCase would list it: ordered by time, then insertion
  });
  // The case as written: the checks above were made on it (unit, role, state), and the
  // transaction changed exactly what `c` now holds, so it is not read back.
  return c;
}

std::string ApplicantMessage(const Case& c, const std::string& action, const std::string& opinion) {
  const std::string head = "【网上审批】您申请的" + c.item_name + "（办件编号 " + c.case_no + "）";
  const std::string look = "详情请登录网上办事大厅“我的办件”或凭办件编号和查询码查询。";
  if (action == "accept") {
    return head + "已受理，承诺于 " + c.promised_due + " 前办结（法定期限 " + c.statutory_due + "）。" + look;
  }
  if (action == "refuse") return head + "不予受理，理由和救济途径见办件页。" + look;
  if (action == "request_correction") {
    return head + "需要补正材料" + (c.correction_due.empty() ? "" : "，请于 " + c.correction_due + " 前") +
           "登录网上办事大厅查看需补正的内容并提交。补齐之日起受理期限重新计算。";
  }
  if (action == "suspend") {
    return head + "进入特别程序（" + opinion + "），所需时间不计入办理期限（行政许可法第四十五条）。" + look;
  }
  if (action == "extend") {
    return head + "经批准延长办理期限，办结期限调整为 " + c.statutory_due + "（行政许可法第四十二条）。" + look;
  }
  if (action == "decide") {
    const DecisionWording& w = WordingOf(c.item_kind);
    return head + "已作出" + (c.decision == "approve" ? w.grant_short : w.deny_short) + "决定，决定书可在办件页下载。" + look;
  }
  if (action == "conclude") {
    const std::string result = WordingOf(c.item_kind).result_title;
    return head + "已办结" + (c.decision == "approve" ? "，" + result + "可在办件页下载并扫码核验" : "") + "。" + look;
  }
  if (action == "withdraw") return head + "已按您的申请撤回，终止办理。如需办理，请重新申请。";
  if (action == "refund") {
    const CaseFee* last = nullptr;  // the refund just recorded: the latest
    bool more = false;
    for (const CaseFee& f : c.fees) {
      if (f.Refunded() && (!last || f.refunded_at >= last->refunded_at)) last = &f;
      if (f.ToRefund()) more = true;
    }
    if (!last) return "";
    return head + "已退还您缴纳的" + last->name + " " + FormatFen(last->refunded_fen) + "（退费凭证号 " + last->refund_no +
           "）" + (more ? "，其余已缴费用将另行退还" : "") + "。" + look;
  }
  if (action == "withdraw_refused") return head + "撤回申请未能办理：审批决定已经作出。" + look;
  return "";
}

std::string MaskApplicant(const std::string& kind, const std::string& name) {
  if (kind != "enterprise") return identity::MaskName(name);
  static const char* kForms[] = {"股份有限公司", "有限责任公司", "有限公司", "专业合作社", "合作社", "合伙企业",
                                 "个体工商户", "研究院", "中心", "协会", "学校", "医院", "公司", "厂", "店"};
  std::vector<std::string> chars;
  for (std::size_t i = 0; i < name.size();) {
    unsigned char ch = static_cast<unsigned char>(name[i]);
    std::size_t len = ch < 0x80 ? 1 : (ch >> 5) == 6 ? 2 : (ch >> 4) == 14 ? 3 : 4;
    chars.push_back(name.substr(i, len));
    i += len;
  }
  std::string prefix;
  for (std::size_t i = 0; i < std::min<std::size_t>(2, chars.size()); ++i) prefix += chars[i];
  for (const char* form : kForms) {
    const std::string f(form);
    if (name.size() > f.size() && name.compare(name.size() - f.size(), f.size(), f) == 0) return prefix + "某某" + f;
  }
  return prefix + "某某";
}

std::vector<Case> CaseService::Concluded(int page, int per_page, std::int64_t* total) {
  db::Conn c(db_);
  long long n = 0;
  c.sql() << "SELECT COUNT(*) FROM cases WHERE state = 'concluded'", soci::into(n);
  if (total) *total = n;
  long long limit = std::clamp(per_page, 1, 100), offset = static_cast<long long>(std::max(page, 1) - 1) * limit;
  std::vector<Case> out;
  soci::rowset<soci::row> rows = (c.sql().prepare << "SELECT " << kCaseCols
                                                  << " FROM cases WHERE state = 'concluded' ORDER BY concluded_at DESC, id "
                                                     "DESC LIMIT :l OFFSET :o",
                                  soci::use(limit), soci::use(offset));
  for (const soci::row& r : rows) out.push_back(LoadCase(r));
  return out;
}

std::string DecisionLabel(const Case& c) {
  const DecisionWording& w = WordingOf(c.item_kind);
  return c.decision == "approve" ? w.grant_short : c.decision == "deny" ? w.deny_short : "";
}

nlohmann::json CaseJson(const Case& c, bool staff_view, const PaymentProviders* payments) {
  nlohmann::json materials = nlohmann::json::array(), events = nlohmann::json::array();
  for (std::size_t i = 0; i < c.materials.size(); ++i) {
    const CaseMaterial& m = c.materials[i];
    nlohmann::json mj = {{"material_no", m.material_no}, {"name", m.name}, {"filename", m.filename},
                         {"size_kb", (m.size + 1023) / 1024}, {"type", files::TypeLabel(m.mime)},
                         {"sm3", m.file_sm3}, {"sm3_short", m.file_sm3.substr(0, 12)}, {"correction", m.round == 1}};
    // The same file given for two different materials (or again as a correction) is told to the
    // clerk checking completeness: the content is identical, whatever the names say.
    if (staff_view) {
      for (std::size_t j = 0; j < i; ++j) {
        if (c.materials[j].file_sm3 == m.file_sm3) {
          mj["same_as"] = c.materials[j].material_no;
          break;
        }
      }
    }
    materials.push_back(mj);
  }
  for (const auto& e : c.events) {
    if (!e.is_public && !staff_view) continue;
    nlohmann::json ej = {{"time", core::FormatLocal(e.ts)}, {"action", e.action}, {"state", e.state},
                         {"state_label", CaseStateLabel(ParseCaseState(e.state))}, {"actor", e.actor},
                         {"unit_name", e.unit_name}, {"opinion", e.opinion}};
    if (staff_view && !e.proposal.empty()) {
      ej["proposal"] = e.proposal;
      ej["proposal_label"] = ProposalLabel(c.item_kind, e.proposal);
    }
    // Who acted, as the timeline says it: a step the exchange recorded (收件, 补正材料送达, a
    // withdrawal) is the receiving department's, done by the system, not a person named 数据交换.
    ej["by"] = e.actor == "数据交换" ? (e.unit_name.empty() ? std::string("系统自动") : e.unit_name + "（系统自动）")
                                    : e.actor + (e.unit_name.empty() ? "" : "（" + e.unit_name + "）");
    if (staff_view) {  // 办理附件 are internal working papers
      nlohmann::json attached = nlohmann::json::array();
      for (const auto& a : c.attachments) {
        if (a.event_ts != e.ts || a.action != e.action) continue;
        attached.push_back({{"filename", a.filename}, {"size_kb", (a.size + 1023) / 1024}, {"type", files::TypeLabel(a.mime)},
                         {"sm3", a.file_sm3}, {"href", "/cases/" + c.case_no + "/attachments/" + a.file_sm3}});
      }
      ej["has_attachments"] = !attached.empty();
      ej["attachments"] = attached;
    }
    events.push_back(ej);
  }
  nlohmann::json j = {{"case_no", c.case_no},
                      {"item_code", c.item_code},
                      {"item_version", c.item_version},
                      {"item_name", c.item_name},
                      {"dept_code", c.dept_code},
                      {"state", CaseStateKey(c.state)},
                      {"state_label", CaseStateLabel(c.state)},
                      {"submitted_at", core::FormatLocal(c.submitted_at)},
                      {"acceptance_due", c.acceptance_due},
                      {"accepted_on", c.accepted_on},
                      {"promised_due", c.promised_due},
                      {"statutory_due", c.statutory_due},
                      {"correction_note", c.correction_note},
                      {"correction_due", c.correction_due},
                      {"licence_valid_until", c.licence_valid_until},
                      {"needs_correction", c.state == CaseState::kCorrection},
                      {"current_step", c.current_step},
                      // A step's limit means something only while a step runs (not once decided).
                      {"step_due", c.state == CaseState::kAccepted || c.state == CaseState::kInProgress ||
                                           c.state == CaseState::kSuspended
                                       ? c.step_due
                                       : std::string()},
                      {"assignee_name", c.assignee_name},
                      {"extension_days", c.extension_days},
                      {"extended", c.extension_days > 0},
                      {"decision", c.decision},
                      {"decision_label", DecisionLabel(c)},
                      {"events", events}};
  std::int64_t due = 0, paid = 0, refunded = 0;
  for (const CaseFee& f : c.fees) {
    if (!f.Settled()) due += f.assessed_fen;
    paid += f.paid_fen;
    refunded += f.refunded_fen;
  }
  j["fees"] = FeesView(c.fees, staff_view, payments);
  j["fees_assessed"] = !c.fees.empty();
  j["fees_due_fen"] = due;
  j["fees_due"] = FormatFen(due);
  j["fees_paid_fen"] = paid;
  j["fees_paid"] = FormatFen(paid);
  j["fees_settled"] = !c.fees.empty() && due == 0;
  j["fees_refunded_fen"] = refunded;
  j["fees_refunded"] = FormatFen(refunded);
  j["fees_any_refunded"] = refunded > 0;
  if (staff_view) {
    j["applicant_name"] = c.applicant_name;
    j["applicant_kind"] = c.applicant_kind;
    j["applicant_id_number"] = identity::MaskIdNumber(c.applicant_id_number);
    j["contact_name"] = c.contact_name;
    j["contact_mobile"] = c.contact_mobile;
    j["description"] = c.description;
    j["materials"] = materials;
    j["received_at"] = c.received_at ? core::FormatLocal(c.received_at) : "";
    j["concluded_at"] = c.concluded_at ? core::FormatLocal(c.concluded_at) : "";
    j["corrections_requested"] = c.corrections_requested;
  } else {
    j["applicant_name"] = MaskApplicant(c.applicant_kind, c.applicant_name);
    j["concluded_on"] = c.concluded_at ? core::FormatLocalDate(c.concluded_at) : "";
    j["materials"] = materials;
  }
  return j;
}

std::optional<Case> FindCaseById(soci::session& sql, std::int64_t id) {
  std::optional<Case> out;
  long long cid = id;
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT " << kCaseCols << " FROM cases WHERE id = :i", soci::use(cid));
  for (const soci::row& r : rows) out = LoadCase(r);
  if (out) LoadDetails(sql, *out);
  return out;
}

}  // namespace yiwang::approval
