#pragma once
// Complaints (投诉处理), the sixth function of electronic supervision (domain-rules: "投诉处理
// (complaints online, by letter, by phone) … Complaint acceptance decided within 5 working
// days"). A complaint is about a case or a department:
//
//   external: Submit ──complaint.submitted──▶ internal: received (acceptance clock, 5 working days)
//   internal: accept | reject (reasons) ──▶ accepted (reply clock, 15 working days) ──▶ replied
//   every change inside ──complaint.updated (forward-only by revision)──▶ the complainant's copy
//
// Staff of the complaints unit (监察员, default the unit DH-JCJ) also register complaints that
// arrive by letter or phone. The clocks are declared to supervision (source "complaints") in
// the acting transaction, so a complaint left alone raises the same reminders, overdue alerts
// and 督办单 as a case.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "calendar/service.hpp"
#include "core/clock.hpp"
#include "db/database.hpp"
#include "exchange/exchange.hpp"
#include "identity/service.hpp"
#include "supervision/supervision.hpp"

namespace yiwang::complaints {

enum class State {
  kSubmitted,  // external: sent, not yet received inside
  kReceived,   // internal: waiting for the acceptance decision (5 working days)
  kAccepted,   // 受理: being handled, waiting for the reply
  kRejected,   // 不予受理, with reasons
  kReplied,    // 已答复: upheld (属实) or not
};
std::string StateKey(State s);
std::string StateLabel(State s);
/// Throws kInvalidInput on an unknown key.
State ParseState(const std::string& key);

struct Event {
  std::int64_t ts = 0;
  std::string action;  // submit | register | receive | accept | reject | reply
  std::string state;
  std::string actor;
  std::string unit_name;
  std::string text;
  bool is_public = true;
};

struct Complaint {
  std::int64_t id = 0;
  std::string complaint_no;
  std::string about;    // case | department
  std::string case_no;  // "" when about a department
  std::int64_t dept_unit_id = 0;
  std::string dept_code;
  std::string dept_name;
  std::string channel;  // online | letter | phone
  std::int64_t complainant_id = 0;
  std::string complainant_name;
  std::string complainant_mobile;
  std::string content;
  State state = State::kSubmitted;
  std::string reason;
  std::string reply;
  bool upheld = false;
  std::int64_t submitted_at = 0;
  std::int64_t received_at = 0;
  std::string acceptance_due;
  std::int64_t accepted_at = 0;
  std::int64_t rejected_at = 0;
  std::string reply_due;
  std::int64_t replied_at = 0;
  std::string registered_by;
  int revision = 0;
  std::vector<Event> events;
};

/// What a complainant (or staff registering a letter or a call) fills in.
struct Input {
  std::string about;     // case | department
  std::string case_no;   // about a case
  std::string dept_code; // about a department: a department or town of the unit list
  std::string channel;   // staff registration: letter | phone (online complaints are "online")
  std::string name;
  std::string mobile;
  std::string content;   // 10–2000 characters
  std::string idempotency_key;  // the same key (and mobile) twice makes one complaint
};

struct Submitted {
  std::string complaint_no;
  std::string query_code;  // shown once; only its SM3 is stored
  bool repeated = false;   // the idempotency key had been used: the same complaint, no code
};

/// One action of the complaints unit.
struct Action {
  std::string action;  // accept | reject | reply
  std::string text;    // accept: note; reject: reasons (required); reply: the reply (required)
  int upheld = -1;     // reply: 1 属实, 0 不属实, -1 not chosen
};

struct Settings {
  std::string unit_code = "DH-JCJ";  // the unit whose 监察员 handle complaints
  int acceptance_days = 5;           // working days from receipt to the acceptance decision
  int reply_days = 15;               // working days from acceptance to the reply
};

struct ComplaintPage {
  std::vector<Complaint> rows;
  std::int64_t total = 0;
};

class ComplaintService {
 public:
  ComplaintService(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit, exchange::Exchange& exchange,
                   calendar::CalendarService& calendar, Settings settings)
      : db_(db), clock_(clock), audit_(audit), exchange_(exchange), calendar_(calendar), settings_(std::move(settings)) {}

  void RegisterPacketHandlers();
  /// Supervision watches the working copies (internal zone). Not set on an external-only node.
  void WatchWith(supervision::Deadlines* deadlines) { deadlines_ = deadlines; }

  // ---- external zone (anyone; a logged-in citizen's name and mobile are the defaults)
  Submitted Submit(const identity::Context& ctx, const Input& in);
  /// The complaint with its public timeline and the reply, for whoever has number and code.
  Complaint PublicStatus(const std::string& complaint_no, const std::string& query_code);
  /// A logged-in complainant's own complaint, without the code.
  Complaint ForComplainant(const identity::Context& ctx, const std::string& complaint_no);

  // ---- internal zone (监察员; auditors may read)
  /// A complaint received by letter or phone: received at once, its clock starts today.
  Submitted Register(const identity::Context& ctx, const Input& in);
  /// Newest first, one page (`page` from 1, `per_page` 1…500) and the count of the filter;
  /// `state` "" is every complaint received (not one still being submitted).
  ComplaintPage List(const identity::Context& ctx, const std::string& state, int page = 1, int per_page = 500);
  Complaint ForStaff(const identity::Context& ctx, const std::string& complaint_no);
  /// accept | reject | reply: role, unit, state and the action's own rules are checked before
  /// anything is written; nothing changes on an error.
  Complaint Act(const identity::Context& ctx, const std::string& complaint_no, const Action& a);
  /// Whether this staff member may act on complaints (监察员 of the complaints unit).
  bool CanAct(const identity::Principal& p);
  /// The complaints unit's name ("" when no unit has the configured code).
  std::string UnitName();

  const Settings& settings() const { return settings_; }

 private:
  struct Fields;
  Fields Validate(soci::session& sql, const Input& in, bool staff);
  /// A new complaint from checked input: a number of the day (registered inside or online), a
  /// query code (both into `out`, its hash into `code_hash`) and the input's fields.
  Complaint NewComplaint(db::Tx& tx, const Fields& f, bool registered, std::int64_t now, Submitted& out,
                         std::string& code_hash);
  void RequireActor(soci::session& sql, const identity::Context& ctx);
  void AddEvent(db::Tx& tx, const Complaint& c, std::int64_t ts, const std::string& action, const std::string& actor,
                const std::string& unit_name, const std::string& text, bool is_public);
  /// Declares the complaint's open clock to supervision (acceptance while received, reply
  /// while accepted, none after), in the acting transaction.
  void Watch(db::Tx& tx, const Complaint& c, const calendar::Calendar& cal);
  void FeedBack(db::Tx& tx, const Complaint& c, const std::string& query_code_hash, const Event& e);
  std::string DueAfter(const calendar::Calendar& cal, std::int64_t from_ms, int days);

  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
  exchange::Exchange& exchange_;
  calendar::CalendarService& calendar_;
  Settings settings_;
  supervision::Deadlines* deadlines_ = nullptr;
};

/// The page and API object. staff_view adds the complainant's full name and mobile, who
/// registered it and the internal actors; the public view masks the name.
nlohmann::json ComplaintJson(const Complaint& c, bool staff_view);

/// "TS" + 8 date digits + 6 digits.
bool IsComplaintNo(const std::string& s);

}  // namespace yiwang::complaints
