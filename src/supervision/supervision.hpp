#pragma once
// Electronic supervision (电子监察): one engine that watches the deadlines of every module
// through one interface and raises alerts, reminders and supervision notices (督办单).
//
//   module ──Deadlines::Sync(tx, …)──▶ sv_deadlines ◀──Monitor::Tick── (lease: one node at a time)
//   module ──RuleSource::Scan(…)────▶ violations ──▶ sv_alerts (unique per violation)
//
// A module declares, in its own transaction, the set of clocks that are open on one of its
// records (a case: acceptance window, the total limit, the current step, …); clocks it no
// longer lists are closed. The monitor reads only the rows whose colour is due to change
// (index on next_check), so a tick costs what is due, not what is open.
#include <cstdint>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "calendar/calendar.hpp"
#include "calendar/service.hpp"
#include "core/clock.hpp"
#include "db/database.hpp"
#include "identity/service.hpp"
#include "supervision/colour.hpp"

namespace yiwang::supervision {

// ---- the one interface modules use ------------------------------------------------------

/// One open clock as its module declares it.
struct WatchedDeadline {
  std::string kind;          // unique within the record: acceptance | total | step:2 | certificate | ...
  std::string label;         // 受理期限, “审核”环节期限 ...
  std::string parent_kind;   // a step's parent is the total: no step alert once the total is late
  std::string overdue_rule;  // TOTAL_OVERDUE | STEP_OVERDUE | ACCEPTANCE_OVERDUE | DEADLINE_OVERDUE
  std::string topic_code;    // e.g. item code
  std::string topic_name;
  std::int64_t unit_id = 0;  // the responsible unit (department)
  std::string unit_name;
  std::int64_t person_id = 0;  // the responsible person, 0 while nobody holds the task
  std::string person_name;
  std::string started_on;  // YYYY-MM-DD
  std::string due_on;      // last day in time
  bool paused = false;     // suspended clocks do not advance (行政许可法 第四十五条)
};

struct Settings {
  int warn_days = 1;     // yellow from this many working days before due
  int notice_days = 3;   // working days a department gets to answer a 督办单
  bool auto_notice = true;  // a yellow card (督办单) as soon as a limit passes
  int lease_seconds = 120;
};

class Deadlines {
 public:
  Deadlines(const core::Clock& clock, Settings settings) : clock_(clock), settings_(settings) {}
  /// Declares the clocks open on (source, subject) now; any other open clock of that record
  /// is closed (on time or late). Call in the module's transaction after every change.
  /// `ended`: the record ended without the work being done (e.g. "申请人撤回申请"); the clocks
  /// closed now are marked so, and their warnings closed with that reason.
  void Sync(db::Tx& tx, const std::string& source, const std::string& subject, const std::vector<WatchedDeadline>& open,
            const calendar::Calendar& cal, const std::string& ended = "");
  const Settings& settings() const { return settings_; }

 private:
  const core::Clock& clock_;
  Settings settings_;
};


/// A breach found in a module's records (not a deadline): refusal without reasons, a skipped
/// step, a second correction notice, a fee that differs from the catalogue …
struct Violation {
  std::string rule_code;
  std::string subject;
  std::string dedupe_key;  // distinguishes two breaches of one rule on one record; often ""
  std::string detail;
  std::string topic_code, topic_name;
  std::int64_t unit_id = 0;
  std::string unit_name;
  std::int64_t person_id = 0;
  std::string person_name;
};

/// A module's record rules, read incrementally: Scan reads what changed after `position`
/// (e.g. event ids), returns breaches and moves position forward.
class RuleSource {
 public:
  virtual ~RuleSource() = default;
  virtual std::string Name() const = 0;  // the source key, as in WatchedDeadline's source
  virtual std::vector<Violation> Scan(soci::session& sql, std::int64_t& position) = 0;
};

/// Where text messages go. The default writes to sms_outbox (the admin can read it); an
/// operator's gateway can send those rows or replace this.
class SmsGateway {
 public:
  virtual ~SmsGateway() = default;
  virtual void Send(db::Tx& tx, const std::string& mobile, const std::string& text) = 0;
};
class OutboxSms : public SmsGateway {
 public:
  explicit OutboxSms(const core::Clock& clock) : clock_(clock) {}
  void Send(db::Tx& tx, const std::string& mobile, const std::string& text) override;

 private:
  const core::Clock& clock_;
};

// ---- the engine -------------------------------------------------------------------------

struct TickResult {
  bool leader = false;  // false: another node holds the lease; nothing was done
  int examined = 0;
  int yellow = 0;
  int red = 0;
  int alerts = 0;
  int notices = 0;
  int red_cards = 0;
  int rule_alerts = 0;
  nlohmann::json ToJson() const;
};

struct Alert {
  std::int64_t id = 0;
  std::string rule_code, rule_name, source, subject, dedupe_key, severity, colour;
  std::int64_t deadline_id = 0;
  std::int64_t unit_id = 0;
  std::string unit_name;
  std::int64_t person_id = 0;
  std::string person_name, topic_code, topic_name, detail, due_on, state, card, created_on;
  std::int64_t created_at = 0, closed_at = 0;
  std::string closed_by, conclusion;
};

struct Notice {
  std::int64_t id = 0;
  std::string notice_no;
  std::int64_t alert_id = 0;
  std::int64_t unit_id = 0;
  std::string unit_name, content, required_by, card, state, issued_by;
  std::int64_t issued_at = 0;
  std::string answer, answered_by;
  std::int64_t answered_at = 0;
  std::string recommendation;
};

struct SvEvent {
  std::int64_t alert_id = 0;
  std::int64_t ts = 0;
  std::string action, actor, text;
};

struct AlertFilter {
  std::string state;   // open (= not closed) | closed | "" all
  std::string colour;  // yellow | red | ""
  std::string dept;    // unit code, "" all
  std::string source, subject;
  int page = 1, per_page = 50;
};

class Monitor {
 public:
  Monitor(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit, calendar::CalendarService& calendar,
          Deadlines& deadlines, std::unique_ptr<SmsGateway> sms);
  void AddSource(std::unique_ptr<RuleSource> source);

  /// One pass: takes (or renews) the lease named "monitor" for `node`; when another node
  /// holds it, does nothing. Then: clocks whose colour changes today (reminders, overdue
  /// alerts, yellow cards), notices whose date passed (red cards), and new record breaches.
  TickResult Tick(const std::string& node);

  // ---- alerts, notices (监察员; departments answer their notices)
  std::vector<Alert> Alerts(const identity::Context& ctx, const AlertFilter& f, std::int64_t* total);
  Alert AlertById(const identity::Context& ctx, std::int64_t id);
  std::optional<Notice> NoticeOf(std::int64_t alert_id);
  std::vector<SvEvent> EventsOf(std::int64_t alert_id);
  /// The supervision entries of one record (for the case timeline).
  std::vector<SvEvent> EventsFor(const std::string& source, const std::string& subject);
  /// The clocks of one record, open first (for the case page).
  nlohmann::json ClocksFor(const std::string& source, const std::string& subject);
  /// Issues a 督办单 (yellow card) by hand: content and a required completion date.
  Notice IssueNotice(const identity::Context& ctx, std::int64_t alert_id, const std::string& content,
                     const std::string& required_by);
  /// The department's answer to its notice (staff of the alert's department).
  Notice Answer(const identity::Context& ctx, std::int64_t notice_id, const std::string& answer);
  /// The supervisor closes an alert with a conclusion.
  Alert Close(const identity::Context& ctx, std::int64_t alert_id, const std::string& conclusion);
  /// 督办单, each with its alert: a department's staff see those addressed to their department
  /// (and its sections); the supervisor and the auditor see every one issued. state: "" (all)
  /// or issued | answered | closed (kInvalidInput otherwise). Those awaiting an answer first,
  /// then the newest; one page of per_page (1…200), with the total.
  struct NoticePage {
    std::vector<std::pair<Notice, Alert>> rows;
    std::int64_t total = 0;
  };
  NoticePage Notices(const identity::Context& ctx, const std::string& state, int page, int per_page);

  struct Rule {
    std::string code, name, severity, description;
    bool enabled = true;
  };
  std::vector<Rule> Rules();
  void UpdateRule(const identity::Context& ctx, const std::string& code, bool enabled, const std::string& severity);

  /// Dashboard figures (the stats API returns exactly these).
  nlohmann::json Stats(const identity::Context& ctx, const std::string& dept, const std::string& from,
                       const std::string& to);

  const Settings& settings() const { return deadlines_.settings(); }

 private:
  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
  calendar::CalendarService& calendar_;
  Deadlines& deadlines_;
  std::unique_ptr<SmsGateway> sms_;
  std::vector<std::unique_ptr<RuleSource>> sources_;
};

/// Ticks the monitor every `seconds` on a background thread (the lease makes only one node's
/// ticks count). Errors are logged and retried at the next tick.
class Scheduler {
 public:
  Scheduler(Monitor& monitor, std::string node, int seconds) : monitor_(monitor), node_(std::move(node)), seconds_(seconds) {}
  ~Scheduler() { Stop(); }
  void Start();
  void Stop();

 private:
  Monitor& monitor_;
  std::string node_;
  int seconds_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

/// A name for this node in the lease: host name and process id.
std::string NodeName();

nlohmann::json AlertJson(const Alert& a);
nlohmann::json NoticeJson(const Notice& n);

}  // namespace yiwang::supervision
