#include "complaints/complaints.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "db/row.hpp"
#include "identity/checkdigit.hpp"
#include "identity/store.hpp"
#include "supervision/colour.hpp"

namespace yiwang::complaints {
namespace {

const char* kCols =
    "id, complaint_no, about, case_no, dept_unit_id, dept_code, dept_name, channel, complainant_id, complainant_name, "
    "complainant_mobile, content, state, reason, reply, upheld, submitted_at, received_at, acceptance_due, accepted_at, "
    "rejected_at, reply_due, replied_at, registered_by, revision";

Complaint Load(const soci::row& r) {
  Complaint c;
  c.id = db::RowInt(r, "id");
  c.complaint_no = db::RowStr(r, "complaint_no");
  c.about = db::RowStr(r, "about");
  c.case_no = db::RowStr(r, "case_no");
  c.dept_unit_id = db::RowInt(r, "dept_unit_id");
  c.dept_code = db::RowStr(r, "dept_code");
  c.dept_name = db::RowStr(r, "dept_name");
  c.channel = db::RowStr(r, "channel");
  c.complainant_id = db::RowInt(r, "complainant_id");
  c.complainant_name = db::RowStr(r, "complainant_name");
  c.complainant_mobile = db::RowStr(r, "complainant_mobile");
  c.content = db::RowStr(r, "content");
  c.state = ParseState(db::RowStr(r, "state"));
  c.reason = db::RowStr(r, "reason");
  c.reply = db::RowStr(r, "reply");
  c.upheld = db::RowInt(r, "upheld") != 0;
  c.submitted_at = db::RowInt(r, "submitted_at");
  c.received_at = db::RowInt(r, "received_at");
  c.acceptance_due = db::RowStr(r, "acceptance_due");
  c.accepted_at = db::RowInt(r, "accepted_at");
  c.rejected_at = db::RowInt(r, "rejected_at");
  c.reply_due = db::RowStr(r, "reply_due");
  c.replied_at = db::RowInt(r, "replied_at");
  c.registered_by = db::RowStr(r, "registered_by");
  c.revision = static_cast<int>(db::RowInt(r, "revision"));
  return c;
}

std::optional<Complaint> Find(soci::session& sql, const std::string& no) {
  std::optional<Complaint> out;
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT " << kCols << " FROM complaints WHERE complaint_no = :n", soci::use(no));
  for (const soci::row& r : rows) out = Load(r);
  if (!out) return out;
  long long id = out->id;
  soci::rowset<soci::row> es = (sql.prepare << "SELECT ts, action, state, actor, unit_name, text, public FROM "
                                               "complaint_events WHERE complaint_id = :i ORDER BY ts, id",
                                soci::use(id));
  for (const soci::row& r : es) {
    out->events.push_back({db::RowInt(r, "ts"), db::RowStr(r, "action"), db::RowStr(r, "state"), db::RowStr(r, "actor"),
                           db::RowStr(r, "unit_name"), db::RowStr(r, "text"), db::RowInt(r, "public") != 0});
  }
  return out;
}

std::int64_t Insert(soci::session& sql, const Complaint& c, const std::string& code_hash, const std::string& idem,
                    std::int64_t now) {
  long long id = 0, dept = c.dept_unit_id, complainant = c.complainant_id, submitted = c.submitted_at,
            received = c.received_at, accepted = c.accepted_at, rejected = c.rejected_at, replied = c.replied_at, n = now;
  int upheld = c.upheld ? 1 : 0;
  std::string state = StateKey(c.state);
  sql << "INSERT INTO complaints (complaint_no, query_code_hash, about, case_no, dept_unit_id, dept_code, dept_name, "
         "channel, complainant_id, complainant_name, complainant_mobile, content, state, reason, reply, upheld, "
         "submitted_at, received_at, acceptance_due, accepted_at, rejected_at, reply_due, replied_at, registered_by, "
         "idempotency_key, updated_at, revision) VALUES (:no, :qh, :ab, :cn, :du, :dc, :dn, :ch, :ci, :nm, :mb, :ct, :st, "
         ":rs, :rp, :up, :sa, :ra, :ad, :aa, :ja, :rd, :pa, :rb, :ik, :ua, :rv) RETURNING id",
      soci::use(c.complaint_no), soci::use(code_hash), soci::use(c.about), soci::use(c.case_no), soci::use(dept),
      soci::use(c.dept_code), soci::use(c.dept_name), soci::use(c.channel), soci::use(complainant),
      soci::use(c.complainant_name), soci::use(c.complainant_mobile), soci::use(c.content), soci::use(state),
      soci::use(c.reason), soci::use(c.reply), soci::use(upheld), soci::use(submitted), soci::use(received),
      soci::use(c.acceptance_due), soci::use(accepted), soci::use(rejected), soci::use(c.reply_due), soci::use(replied),
      soci::use(c.registered_by), soci::use(idem), soci::use(n), soci::use(c.revision), soci::into(id);
  return id;
}

using core::Trim;

/// Characters as people count them (UTF-8 code points), not bytes.
std::string RandomDigits(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += static_cast<char>('0' + randombytes_uniform(10));
  return out;
}

/// A free complaint number of the day: TS + YYYYMMDD + 6 digits. Numbers registered inside
/// (letters, calls) have 9 as the first serial digit and online ones never do, so the two zones
/// never hand out the same number while a packet is on its way.
std::string NewComplaintNo(db::Tx& tx, const std::string& day, bool inside) {
  std::string no;
  for (int attempt = 0; attempt < 8; ++attempt) {
    no = "TS" + day.substr(0, 4) + day.substr(5, 2) + day.substr(8, 2) +
         (inside ? '9' : static_cast<char>('0' + randombytes_uniform(9))) + RandomDigits(5);
    int taken = 0;
    tx.sql() << "SELECT COUNT(*) FROM complaints WHERE complaint_no = :n", soci::use(no), soci::into(taken);
    if (!taken) break;
  }
  return no;
}

std::string ChannelLabel(const std::string& ch) {
  return ch == "letter" ? "来信" : ch == "phone" ? "来电" : "网上投诉";
}

/// The complaints unit in this zone's unit tree (ids differ between zones; codes do not).
std::optional<identity::Unit> ComplaintsUnit(soci::session& sql, const std::string& code) {
  return identity::store::FindUnitByCode(sql, code);
}

/// The department of a case as this zone knows it: code, and the unit row when present.
struct CaseDept {
  bool found = false;
  std::string dept_code;
};
CaseDept DeptOfCase(soci::session& sql, const std::string& case_no) {
  CaseDept out;
  std::string code;
  soci::indicator ind = soci::i_null;
  sql << "SELECT dept_code FROM cases WHERE case_no = :n", soci::use(case_no), soci::into(code, ind);
  if (sql.got_data() && ind == soci::i_ok) {
    out.found = true;
    out.dept_code = code;
  }
  return out;
}

}  // namespace

std::string StateKey(State s) {
  switch (s) {
    case State::kSubmitted: return "submitted";
    case State::kReceived: return "received";
    case State::kAccepted: return "accepted";
    case State::kRejected: return "rejected";
    case State::kReplied: return "replied";
  }
  return "submitted";
}

std::string StateLabel(State s) {
  switch (s) {
    case State::kSubmitted: return "已提交";
    case State::kReceived: return "待受理";
    case State::kAccepted: return "已受理，调查处理中";
    case State::kRejected: return "不予受理";
    case State::kReplied: return "已答复";
  }
  return "已提交";
}

State ParseState(const std::string& key) {
  for (State s : {State::kSubmitted, State::kReceived, State::kAccepted, State::kRejected, State::kReplied}) {
    if (StateKey(s) == key) return s;
  }
  throw Error(ErrorCode::kInvalidInput, "投诉状态无效：" + key, {{"state", "可选 received / accepted / rejected / replied"}});
}

bool IsComplaintNo(const std::string& s) {
  return s.size() == 16 && s.rfind("TS", 0) == 0 && s.find_first_not_of("0123456789", 2) == std::string::npos;
}

// ---------------------------------------------------------------- shared rules

/// The checked input: what about, which department, who.
struct ComplaintService::Fields {
  std::string about, case_no, dept_code, dept_name, channel, name, mobile, content;
  std::int64_t dept_unit_id = 0;
};

ComplaintService::Fields ComplaintService::Validate(soci::session& sql, const Input& in, bool staff) {
  std::map<std::string, std::string> errors;
  Fields f;
  f.about = Trim(in.about);
  f.name = Trim(in.name);
  f.mobile = Trim(in.mobile);
  f.content = Trim(in.content);
  f.channel = staff ? Trim(in.channel) : "online";
  if (staff && f.channel != "letter" && f.channel != "phone") errors["channel"] = "请选择投诉渠道：来信或来电";
  if (f.about == "case") {
    f.case_no = Trim(in.case_no);
    // Case numbers: DH + 8 date digits + 6 digits (approval::CaseService::Submit).
    const bool format = f.case_no.size() == 16 && f.case_no.rfind("DH", 0) == 0 &&
                        f.case_no.find_first_not_of("0123456789", 2) == std::string::npos;
    if (!format) {
      errors["case_no"] = "办件编号格式为 DH 加 14 位数字";
    } else {
      CaseDept d = DeptOfCase(sql, f.case_no);
      if (!d.found) {
        errors["case_no"] = "未找到该办件，请核对办件编号";
      } else {
        f.dept_code = d.dept_code;
      }
    }
  } else if (f.about == "department") {
    f.dept_code = Trim(in.dept_code);
    auto u = identity::store::FindUnitByCode(sql, f.dept_code);
    if (f.dept_code.empty() || !u || !u->active || (u->kind != "department" && u->kind != "town")) {
      errors["dept_code"] = "请从列表中选择被投诉的部门或镇街";
    }
  } else {
    errors["about"] = "请选择投诉对象：办件或部门";
  }
  if (!f.dept_code.empty()) {
    if (auto u = identity::store::FindUnitByCode(sql, f.dept_code)) {
      f.dept_unit_id = u->id;
      f.dept_name = u->name;
    }
  }
  if (f.name.empty() || core::Utf8Length(f.name) > 30) errors["name"] = "请填写投诉人姓名（不超过 30 字）";
  const bool mobile_optional = staff && f.channel == "letter" && f.mobile.empty();  // a letter may give no phone
  if (!mobile_optional && !identity::IsValidMobile(f.mobile)) errors["mobile"] = "联系电话应为 11 位中国大陆手机号";
  const std::size_t n = core::Utf8Length(f.content);
  if (n < 10 || n > 2000) errors["content"] = "投诉内容应为 10 至 2000 字（现为 " + std::to_string(n) + " 字）";
  if (!errors.empty()) throw Error(ErrorCode::kInvalidInput, "投诉信息有误，请修正后再提交", errors);
  return f;
}

void ComplaintService::RequireActor(soci::session& sql, const identity::Context& ctx) {
  identity::RequireRole(ctx.principal, {identity::Role::kSupervisor});
  if (ctx.principal.kind == "system") return;
  auto unit = ComplaintsUnit(sql, settings_.unit_code);
  if (!unit) return;  // no such unit configured: any 监察员 handles complaints
  const auto mine = identity::store::DepartmentSubtree(sql, ctx.principal.unit_id);
  if (std::find(mine.begin(), mine.end(), unit->id) == mine.end()) {
    throw Error(ErrorCode::kForbidden, "投诉由" + unit->name + "的监察员办理，您无权处理");
  }
}

bool ComplaintService::CanAct(const identity::Principal& p) {
  if (p.kind != "staff" || !p.Has(identity::Role::kSupervisor)) return false;
  db::Conn c(db_);
  identity::Context ctx;
  ctx.principal = p;
  try {
    RequireActor(c.sql(), ctx);
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::string ComplaintService::UnitName() {
  db::Conn c(db_);
  auto u = ComplaintsUnit(c.sql(), settings_.unit_code);
  return u ? u->name : "";
}

std::string ComplaintService::DueAfter(const calendar::Calendar& cal, std::int64_t from_ms, int days) {
  const std::string from = core::FormatLocalDate(from_ms);
  try {
    return calendar::FormatDate(cal.Due(calendar::ParseDate(from), days).due);
  } catch (const Error&) {
    // The year's schedule is not imported yet: Monday–Friday, as the monitor counts then.
    return supervision::WorkingDaysAfter(cal, from, days);
  }
}

void ComplaintService::AddEvent(db::Tx& tx, const Complaint& c, std::int64_t ts, const std::string& action,
                                const std::string& actor, const std::string& unit_name, const std::string& text,
                                bool is_public) {
  long long id = c.id, t = ts;
  int pub = is_public ? 1 : 0;
  std::string st = StateKey(c.state);
  tx.sql() << "INSERT INTO complaint_events (complaint_id, ts, action, state, actor, unit_name, text, public) VALUES "
              "(:c, :t, :a, :s, :ac, :u, :x, :p)",
      soci::use(id), soci::use(t), soci::use(action), soci::use(st), soci::use(actor), soci::use(unit_name),
      soci::use(text), soci::use(pub);
}

void ComplaintService::Watch(db::Tx& tx, const Complaint& c, const calendar::Calendar& cal) {
  if (!deadlines_) return;
  auto unit = ComplaintsUnit(tx.sql(), settings_.unit_code);
  std::vector<supervision::WatchedDeadline> open;
  supervision::WatchedDeadline d;
  d.overdue_rule = "DEADLINE_OVERDUE";
  d.topic_code = "complaint";
  d.topic_name = "投诉：" + (c.dept_name.empty() ? std::string("（未指明部门）") : c.dept_name);
  d.unit_id = unit ? unit->id : 0;
  d.unit_name = unit ? unit->name : "";
  if (c.state == State::kReceived) {
    d.kind = "acceptance";
    d.label = "投诉受理期限";
    d.started_on = core::FormatLocalDate(c.received_at);
    d.due_on = c.acceptance_due;
    open.push_back(d);
  } else if (c.state == State::kAccepted) {
    d.kind = "reply";
    d.label = "投诉答复期限";
    d.started_on = core::FormatLocalDate(c.accepted_at);
    d.due_on = c.reply_due;
    open.push_back(d);
  }
  deadlines_->Sync(tx, "complaints", c.complaint_no, open, cal);
}

void ComplaintService::FeedBack(db::Tx& tx, const Complaint& c, const std::string& query_code_hash, const Event& e) {
  // A snapshot, not a delta: the portal creates its copy from it when the complaint was
  // registered inside (letter, phone), and only ever moves forward by revision.
  exchange_.Send(tx, core::Zone::kExternal, "complaint.updated",
                 {{"complaint_no", c.complaint_no},
                  {"query_code_hash", query_code_hash},
                  {"about", c.about},
                  {"case_no", c.case_no},
                  {"dept_code", c.dept_code},
                  {"dept_name", c.dept_name},
                  {"channel", c.channel},
                  {"complainant_name", c.complainant_name},
                  {"complainant_mobile", c.complainant_mobile},
                  {"content", c.content},
                  {"state", StateKey(c.state)},
                  {"reason", c.reason},
                  {"reply", c.reply},
                  {"upheld", c.upheld},
                  {"submitted_at", c.submitted_at},
                  {"received_at", c.received_at},
                  {"acceptance_due", c.acceptance_due},
                  {"accepted_at", c.accepted_at},
                  {"rejected_at", c.rejected_at},
                  {"reply_due", c.reply_due},
                  {"replied_at", c.replied_at},
                  {"revision", c.revision},
                  {"event",
                   {{"ts", e.ts}, {"action", e.action}, {"state", e.state}, {"actor", e.actor}, {"unit_name", e.unit_name},
                    {"text", e.text}}}});
}

// ---------------------------------------------------------------- external

Complaint ComplaintService::NewComplaint(db::Tx& tx, const Fields& f, bool registered, std::int64_t now, Submitted& out,
                                         std::string& code_hash) {
  Complaint c;
  c.complaint_no = NewComplaintNo(tx, core::FormatLocalDate(now), registered);
  out.complaint_no = c.complaint_no;
  out.query_code = RandomDigits(6);
  code_hash = core::Sm3Hex(c.complaint_no + ":" + out.query_code);
  c.about = f.about;
  c.case_no = f.case_no;
  c.dept_code = f.dept_code;
  c.dept_name = f.dept_name;
  c.dept_unit_id = f.dept_unit_id;
  c.channel = registered ? f.channel : "online";
  c.complainant_name = f.name;
  c.complainant_mobile = f.mobile;
  c.content = f.content;
  c.submitted_at = now;
  return c;
}

Submitted ComplaintService::Submit(const identity::Context& ctx, const Input& raw) {
  if (ctx.principal.kind == "staff") throw Error(ErrorCode::kForbidden, "工作人员请在内网登记来信来电投诉");
  Input in = raw;
  std::optional<identity::PublicAccount> account;
  if (ctx.principal.kind == "public") {
    db::Conn c(db_);
    if (auto row = identity::store::FindPublic(c.sql(), ctx.principal.id)) account = row->account;
    if (account) {
      if (Trim(in.name).empty()) in.name = account->name;
      if (Trim(in.mobile).empty()) in.mobile = account->mobile;
    }
  }
  const std::string idem = Trim(in.idempotency_key);
  // Compared as sent: cutting or cleaning a key could make two different keys one complaint.
  if (!idem.empty() && (idem.size() > 100 || !core::IsVisibleAscii(idem))) {
    throw Error(ErrorCode::kInvalidInput, "防重复提交标识（Idempotency-Key）应为不超过 100 个可见 ASCII 字符（字母、数字、符号）", {{"idempotency_key", "防重复提交标识（Idempotency-Key）应为不超过 100 个可见 ASCII 字符（字母、数字、符号）"}});
  }
  Submitted out;
  try {
    db::WithTx(db_, [&](db::Tx& tx) {
      const Fields f = Validate(tx.sql(), in, false);
      if (!idem.empty()) {
        std::string existing;
        soci::indicator ind = soci::i_null;
        tx.sql() << "SELECT complaint_no FROM complaints WHERE complainant_mobile = :m AND idempotency_key = :k",
            soci::use(f.mobile), soci::use(idem), soci::into(existing, ind);
        if (tx.sql().got_data() && ind == soci::i_ok) {
          out = {existing, "", true};
          return;
        }
      }
      const std::int64_t now = clock_.NowMs();
      std::string code_hash;
      Complaint c = NewComplaint(tx, f, false, now, out, code_hash);
      c.complainant_id = account ? account->id : 0;
      c.state = State::kSubmitted;
      c.id = Insert(tx.sql(), c, code_hash, idem, now);
      AddEvent(tx, c, now, "submit", f.name, "", "网上提交投诉", true);
      audit_.Append(tx, ctx.ToActor(),
                    {"complaint.submit", "complaint", c.complaint_no, "success",
                     (c.about == "case" ? "办件 " + c.case_no : "部门 " + c.dept_code)});
      exchange_.Send(tx, core::Zone::kInternal, "complaint.submitted",
                     {{"complaint_no", c.complaint_no}, {"query_code_hash", code_hash}, {"about", c.about},
                      {"case_no", c.case_no}, {"dept_code", c.dept_code}, {"dept_name", c.dept_name},
                      {"complainant_id", c.complainant_id}, {"complainant_name", c.complainant_name},
                      {"complainant_mobile", c.complainant_mobile}, {"content", c.content},
                      {"submitted_at", c.submitted_at}, {"idempotency_key", idem}});
    });
  } catch (const soci::soci_error& e) {
    // The same submission sent twice at once (PostgreSQL): the other one's complaint is the answer.
    if (idem.empty() || !db::IsUniqueViolation(e)) throw;
    db::Conn conn(db_);
    std::string existing, mobile = Trim(in.mobile);
    soci::indicator ind = soci::i_null;
    conn.sql() << "SELECT complaint_no FROM complaints WHERE complainant_mobile = :m AND idempotency_key = :k",
        soci::use(mobile), soci::use(idem), soci::into(existing, ind);
    if (!conn.sql().got_data() || ind != soci::i_ok) throw;
    return {existing, "", true};
  }
  return out;
}

Complaint ComplaintService::PublicStatus(const std::string& no, const std::string& query_code) {
  db::Conn c(db_);
  std::string hash;
  soci::indicator ind = soci::i_null;
  // As people type it: spaces around, lower-case letters (numbers are stored upper-case).
  std::string n = Trim(no);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  c.sql() << "SELECT query_code_hash FROM complaints WHERE complaint_no = :n", soci::use(n), soci::into(hash, ind);
  const bool ok = c.sql().got_data() && ind == soci::i_ok &&
                  core::ConstantTimeEqual(hash, core::Sm3Hex(n + ":" + Trim(query_code)));
  if (!ok) throw Error(ErrorCode::kNotFound, "投诉编号或查询码不正确");
  return *Find(c.sql(), n);
}

Complaint ComplaintService::ForComplainant(const identity::Context& ctx, const std::string& no) {
  db::Conn c(db_);
  auto found = Find(c.sql(), no);
  // Someone else's complaint is "not found": its existence is not told.
  if (!found || ctx.principal.kind != "public" || found->complainant_id == 0 ||
      found->complainant_id != ctx.principal.id) {
    throw Error(ErrorCode::kNotFound, "投诉编号或查询码不正确");
  }
  return *found;
}

// ---------------------------------------------------------------- exchange

void ComplaintService::RegisterPacketHandlers() {
  // Internal zone: an online complaint arrives; the acceptance clock starts.
  exchange_.On("complaint.submitted", [this](db::Tx& tx, const exchange::Packet& p) {
    const auto& j = p.payload;
    const std::string no = j.at("complaint_no").get<std::string>();
    auto existing = Find(tx.sql(), no);
    if (existing && existing->received_at) return;  // already received (nothing to do twice)
    const std::int64_t now = clock_.NowMs();
    Complaint c;
    if (existing) {
      c = *existing;  // zone "both": the complainant's row is the working row
    } else {
      c.complaint_no = no;
      c.about = j.at("about").get<std::string>();
      c.case_no = j.value("case_no", "");
      c.dept_code = j.value("dept_code", "");
      c.dept_name = j.value("dept_name", "");
      c.channel = "online";
      c.complainant_id = j.value("complainant_id", std::int64_t{0});
      c.complainant_name = j.at("complainant_name").get<std::string>();
      c.complainant_mobile = j.at("complainant_mobile").get<std::string>();
      c.content = j.at("content").get<std::string>();
      c.submitted_at = j.at("submitted_at").get<std::int64_t>();
    }
    // The department as the working copy knows it: the case's department inside, else by code.
    if (c.about == "case") {
      CaseDept d = DeptOfCase(tx.sql(), c.case_no);
      if (d.found && !d.dept_code.empty()) c.dept_code = d.dept_code;
    }
    if (auto u = identity::store::FindUnitByCode(tx.sql(), c.dept_code)) {
      c.dept_unit_id = u->id;
      c.dept_name = u->name;
    } else {
      c.dept_unit_id = 0;
    }
    const calendar::Calendar cal = calendar_.Load();
    c.state = State::kReceived;
    c.received_at = now;
    c.acceptance_due = DueAfter(cal, now, settings_.acceptance_days);
    c.revision += 1;
    if (existing) {
      long long id = c.id, n = now, dept = c.dept_unit_id;
      std::string st = StateKey(c.state);
      tx.sql() << "UPDATE complaints SET state = :s, received_at = :r, acceptance_due = :d, dept_unit_id = :du, "
                  "dept_code = :dc, dept_name = :dn, updated_at = :u, revision = :rv WHERE id = :id",
          soci::use(st), soci::use(n), soci::use(c.acceptance_due), soci::use(dept), soci::use(c.dept_code),
          soci::use(c.dept_name), soci::use(n), soci::use(c.revision), soci::use(id);
    } else {
      c.id = Insert(tx.sql(), c, j.at("query_code_hash").get<std::string>(), j.value("idempotency_key", ""), now);
    }
    auto unit = ComplaintsUnit(tx.sql(), settings_.unit_code);
    const std::string unit_name = unit ? unit->name : "";
    const std::string text = "投诉已送达" + (unit_name.empty() ? std::string("投诉受理部门") : unit_name) +
                             "，将于 " + c.acceptance_due + " 前决定是否受理";
    AddEvent(tx, c, now, "receive", "数据交换", unit_name, text, true);
    Watch(tx, c, cal);
    FeedBack(tx, c, j.at("query_code_hash").get<std::string>(),
             {now, "receive", StateKey(c.state), "数据交换", unit_name, text, true});
  });
  // External zone: a change made inside (or a complaint registered inside) reaches the portal.
  exchange_.On("complaint.updated", [this](db::Tx& tx, const exchange::Packet& p) {
    const auto& j = p.payload;
    const std::string no = j.at("complaint_no").get<std::string>();
    auto c = Find(tx.sql(), no);
    const int revision = j.value("revision", 0);
    Complaint in;
    in.complaint_no = no;
    in.about = j.at("about").get<std::string>();
    in.case_no = j.value("case_no", "");
    in.dept_code = j.value("dept_code", "");
    in.dept_name = j.value("dept_name", "");
    in.channel = j.value("channel", "online");
    in.complainant_name = j.value("complainant_name", "");
    in.complainant_mobile = j.value("complainant_mobile", "");
    in.content = j.value("content", "");
    in.state = ParseState(j.at("state").get<std::string>());
    in.reason = j.value("reason", "");
    in.reply = j.value("reply", "");
    in.upheld = j.value("upheld", false);
    in.submitted_at = j.value("submitted_at", std::int64_t{0});
    in.received_at = j.value("received_at", std::int64_t{0});
    in.acceptance_due = j.value("acceptance_due", "");
    in.accepted_at = j.value("accepted_at", std::int64_t{0});
    in.rejected_at = j.value("rejected_at", std::int64_t{0});
    in.reply_due = j.value("reply_due", "");
    in.replied_at = j.value("replied_at", std::int64_t{0});
    in.revision = revision;
    const std::int64_t now = clock_.NowMs();
    if (!c) {
      // Registered inside (letter, phone): the portal's copy starts here.
      if (auto u = identity::store::FindUnitByCode(tx.sql(), in.dept_code)) in.dept_unit_id = u->id;
      in.id = Insert(tx.sql(), in, j.at("query_code_hash").get<std::string>(), "", now);
      c = Find(tx.sql(), no);
    } else if (revision > c->revision) {
      // Only forward: with both zones in one database this row is the working row itself.
      long long id = c->id, n = now, received = in.received_at, accepted = in.accepted_at, rejected = in.rejected_at,
                replied = in.replied_at;
      int upheld = in.upheld ? 1 : 0;
      std::string st = StateKey(in.state);
      tx.sql() << "UPDATE complaints SET state = :s, reason = :r, reply = :rp, upheld = :up, received_at = :ra, "
                  "acceptance_due = :ad, accepted_at = :aa, rejected_at = :ja, reply_due = :rd, replied_at = :pa, "
                  "updated_at = :u, revision = :rv WHERE id = :id",
          soci::use(st), soci::use(in.reason), soci::use(in.reply), soci::use(upheld), soci::use(received),
          soci::use(in.acceptance_due), soci::use(accepted), soci::use(rejected), soci::use(in.reply_due),
          soci::use(replied), soci::use(n), soci::use(revision), soci::use(id);
    }
    const auto& e = j.at("event");
    const std::int64_t ts = e.at("ts").get<std::int64_t>();
    const std::string action = e.at("action").get<std::string>();
    const bool already = std::any_of(c->events.begin(), c->events.end(),
                                     [&](const Event& x) { return x.ts == ts && x.action == action; });
    if (!already) {  // zone "both": the event row is already there
      long long id = c->id, t = ts;
      std::string est = e.at("state").get<std::string>(), actor = e.value("actor", ""), unit = e.value("unit_name", ""),
                  text = e.value("text", "");
      tx.sql() << "INSERT INTO complaint_events (complaint_id, ts, action, state, actor, unit_name, text, public) VALUES "
                  "(:c, :t, :a, :s, :ac, :u, :x, 1)",
          soci::use(id), soci::use(t), soci::use(action), soci::use(est), soci::use(actor), soci::use(unit),
          soci::use(text);
    }
  });
}

// ---------------------------------------------------------------- internal

Submitted ComplaintService::Register(const identity::Context& ctx, const Input& in) {
  if (ctx.principal.kind != "staff" && ctx.principal.kind != "system") {
    throw Error(ErrorCode::kForbidden, "此操作仅限工作人员");
  }
  {
    db::Conn c(db_);
    RequireActor(c.sql(), ctx);
  }
  const calendar::Calendar cal = calendar_.Load();
  Submitted out;
  db::WithTx(db_, [&](db::Tx& tx) {
    const Fields f = Validate(tx.sql(), in, true);
    const std::int64_t now = clock_.NowMs();
    std::string code_hash;
    Complaint c = NewComplaint(tx, f, true, now, out, code_hash);
    c.state = State::kReceived;
    c.received_at = now;
    c.acceptance_due = DueAfter(cal, now, settings_.acceptance_days);
    c.registered_by = ctx.principal.name;
    c.revision = 1;
    c.id = Insert(tx.sql(), c, code_hash, "", now);
    const std::string text = std::string(c.channel == "letter" ? "收到来信投诉" : "收到来电投诉") + "，已登记，将于 " +
                             c.acceptance_due + " 前决定是否受理";
    AddEvent(tx, c, now, "register", ctx.principal.name, ctx.principal.unit_name, text, true);
    audit_.Append(tx, ctx.ToActor(),
                  {"complaint.register", "complaint", c.complaint_no, "success", ChannelLabel(c.channel) + " " + f.name});
    Watch(tx, c, cal);
    FeedBack(tx, c, code_hash, {now, "register", StateKey(c.state), ctx.principal.name, ctx.principal.unit_name, text, true});
  });
  return out;
}

ComplaintPage ComplaintService::List(const identity::Context& ctx, const std::string& state, int page, int per_page) {
  identity::RequireRole(ctx.principal, {identity::Role::kSupervisor, identity::Role::kAuditor});
  if (!state.empty()) ParseState(state);
  page = std::max(page, 1);
  per_page = std::clamp(per_page, 1, 500);
  db::Conn c(db_);
  ComplaintPage out;
  // "" is every complaint received; the state is bound, never pasted.
  const std::string key = state.empty() ? "submitted" : state;
  const std::string where = state.empty() ? " WHERE state <> :s" : " WHERE state = :s";
  c.sql() << "SELECT COUNT(*) FROM complaints" << where, soci::use(key), soci::into(out.total);
  const long long offset = static_cast<long long>(page - 1) * per_page;
  soci::rowset<soci::row> rows = (c.sql().prepare << "SELECT " << kCols << " FROM complaints" << where
                                                  << " ORDER BY received_at DESC, id DESC LIMIT "
                                                  << per_page << " OFFSET " << offset,
                                  soci::use(key));
  for (const soci::row& r : rows) out.rows.push_back(Load(r));
  return out;
}

Complaint ComplaintService::ForStaff(const identity::Context& ctx, const std::string& no) {
  identity::RequireRole(ctx.principal, {identity::Role::kSupervisor, identity::Role::kAuditor});
  db::Conn c(db_);
  auto found = Find(c.sql(), no);
  if (!found || found->state == State::kSubmitted) throw Error(ErrorCode::kNotFound, "投诉不存在：" + no);
  return *found;
}

Complaint ComplaintService::Act(const identity::Context& ctx, const std::string& no, const Action& a) {
  static const std::set<std::string> kActions = {"accept", "reject", "reply"};
  if (ctx.principal.kind != "staff" && ctx.principal.kind != "system") {
    throw Error(ErrorCode::kForbidden, "此操作仅限工作人员");
  }
  // ---- checks, in this order: who, which record, its state, the input. Nothing written yet.
  {
    db::Conn conn(db_);
    RequireActor(conn.sql(), ctx);
  }
  Complaint c = ForStaff(ctx, no);
  if (!kActions.count(a.action)) {
    throw Error(ErrorCode::kInvalidInput, "未知的投诉办理操作：" + a.action, {{"action", "可选 accept / reject / reply"}});
  }
  auto wrong_state = [&] {
    return Error(ErrorCode::kConflict, "本投诉当前状态为“" + StateLabel(c.state) + "”，不能执行该操作");
  };
  const std::string text = Trim(a.text);
  if (a.action == "accept" || a.action == "reject") {
    if (c.state != State::kReceived) throw wrong_state();
    if (a.action == "reject" && text.empty()) {
      throw Error(ErrorCode::kInvalidInput, "不予受理须说明理由", {{"reason", "请填写不予受理的理由"}});
    }
  } else {  // reply
    if (c.state != State::kAccepted) throw wrong_state();
    std::map<std::string, std::string> errors;
    if (text.empty()) errors["reply"] = "请填写答复内容";
    if (a.upheld != 0 && a.upheld != 1) errors["upheld"] = "请选择调查结论：投诉属实或不属实";
    if (!errors.empty()) throw Error(ErrorCode::kInvalidInput, "答复信息不完整", errors);
  }
  if (core::Utf8Length(text) > 4000) {
    const std::string field = a.action == "reject" ? "reason" : a.action == "reply" ? "reply" : "text";
    throw Error(ErrorCode::kInvalidInput, "内容不超过 4000 字", {{field, "内容不超过 4000 字"}});
  }

  const std::int64_t now = clock_.NowMs();
  const std::string today = core::FormatLocalDate(now);
  const calendar::Calendar cal = calendar_.Load();
  db::WithTx(db_, [&](db::Tx& tx) {
    std::string event_text;
    const std::string late = (c.state == State::kReceived && today > c.acceptance_due)
                                 ? "（已超过受理期限 " + c.acceptance_due + "）"
                                 : "";
    if (a.action == "accept") {
      c.state = State::kAccepted;
      c.accepted_at = now;
      c.reply_due = DueAfter(cal, now, settings_.reply_days);
      event_text = "予以受理" + late + "，调查处理后于 " + c.reply_due + " 前答复" + (text.empty() ? "" : "。" + text);
    } else if (a.action == "reject") {
      c.state = State::kRejected;
      c.rejected_at = now;
      c.reason = text;
      event_text = "不予受理" + late + "。理由：" + text;
    } else {
      c.state = State::kReplied;
      c.replied_at = now;
      c.reply = text;
      c.upheld = a.upheld == 1;
      const bool late_reply = today > c.reply_due;
      event_text = std::string("答复投诉人：经调查，投诉") + (c.upheld ? "属实" : "不属实") +
                   (late_reply ? "（已超过答复期限 " + c.reply_due + "）" : "") + "。" + text;
    }
    c.revision += 1;
    long long id = c.id, n = now, accepted = c.accepted_at, rejected = c.rejected_at, replied = c.replied_at;
    int upheld = c.upheld ? 1 : 0;
    std::string st = StateKey(c.state);
    tx.sql() << "UPDATE complaints SET state = :s, reason = :r, reply = :rp, upheld = :up, accepted_at = :aa, "
                "rejected_at = :ja, reply_due = :rd, replied_at = :pa, updated_at = :u, revision = :rv WHERE id = :id",
        soci::use(st), soci::use(c.reason), soci::use(c.reply), soci::use(upheld), soci::use(accepted),
        soci::use(rejected), soci::use(c.reply_due), soci::use(replied), soci::use(n), soci::use(c.revision),
        soci::use(id);
    AddEvent(tx, c, now, a.action, ctx.principal.name, ctx.principal.unit_name, event_text, true);
    audit_.Append(tx, ctx.ToActor(),
                  {"complaint." + a.action, "complaint", c.complaint_no, "success",
                   std::string(core::Utf8Prefix(event_text, 300))});
    Watch(tx, c, cal);
    std::string code_hash;
    tx.sql() << "SELECT query_code_hash FROM complaints WHERE id = :id", soci::use(id), soci::into(code_hash);
    FeedBack(tx, c, code_hash, {now, a.action, st, ctx.principal.name, ctx.principal.unit_name, event_text, true});
  });
  return ForStaff(ctx, no);
}

// ---------------------------------------------------------------- views

nlohmann::json ComplaintJson(const Complaint& c, bool staff_view) {
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : c.events) {
    if (!e.is_public && !staff_view) continue;
    nlohmann::json ej = {{"time", core::FormatLocal(e.ts)}, {"action", e.action}, {"state", e.state},
                         {"state_label", StateLabel(ParseState(e.state))}, {"unit_name", e.unit_name}, {"text", e.text}};
    if (staff_view) ej["actor"] = e.actor;
    events.push_back(ej);
  }
  const bool replied = c.state == State::kReplied;
  nlohmann::json j = {{"complaint_no", c.complaint_no},
                      {"about", c.about},
                      {"about_label", c.about == "case" ? "办件" : "部门"},
                      {"about_case", c.about == "case"},
                      {"case_no", c.case_no},
                      {"dept_code", c.dept_code},
                      {"dept_name", c.dept_name},
                      {"channel", c.channel},
                      {"channel_label", ChannelLabel(c.channel)},
                      {"content", c.content},
                      {"state", StateKey(c.state)},
                      {"state_label", StateLabel(c.state)},
                      {"submitted_at", core::FormatLocal(c.submitted_at)},
                      {"received_at", c.received_at ? core::FormatLocal(c.received_at) : ""},
                      {"acceptance_due", c.acceptance_due},
                      {"accepted_at", c.accepted_at ? core::FormatLocal(c.accepted_at) : ""},
                      {"rejected_at", c.rejected_at ? core::FormatLocal(c.rejected_at) : ""},
                      {"reply_due", c.reply_due},
                      {"replied_at", c.replied_at ? core::FormatLocal(c.replied_at) : ""},
                      {"reason", c.reason},
                      {"reply", c.reply},
                      {"replied", replied},
                      {"revision", c.revision},
                      {"events", events}};
  if (replied) {
    j["upheld"] = c.upheld;
    j["upheld_label"] = c.upheld ? "投诉属实" : "投诉不属实";
  } else {
    j["upheld"] = nullptr;
  }
  if (staff_view) {
    j["complainant_name"] = c.complainant_name;
    j["complainant_mobile"] = c.complainant_mobile;
    j["registered_by"] = c.registered_by;
  } else {
    j["complainant_name"] = identity::MaskName(c.complainant_name);
  }
  return j;
}

}  // namespace yiwang::complaints
