// The monitor: one tick under a lease, alerts unique per violation, 督办单 with yellow and red
// cards, and the figures of the dashboard.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "core/error.hpp"
#include "core/text.hpp"
#include "db/row.hpp"
#include "identity/store.hpp"
#include "supervision/supervision.hpp"

namespace yiwang::supervision {

namespace {

struct DeadlineRow {
  long long id = 0;
  std::string source, subject, kind, label, parent_kind, overdue_rule, topic_code, topic_name;
  long long unit_id = 0;
  std::string unit_name;
  long long person_id = 0;
  std::string person_name, due_on, warn_on, colour, closed_on;
  bool paused = false, open = true, late = false;
};

struct RuleInfo {
  std::string name, severity;
  bool enabled = true;
};

std::map<std::string, RuleInfo> LoadRules(soci::session& sql) {
  std::map<std::string, RuleInfo> out;
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT code, name, severity, enabled FROM sv_rules");
  for (const soci::row& r : rows) {
    out[db::RowStr(r, "code")] = {db::RowStr(r, "name"), db::RowStr(r, "severity"), db::RowInt(r, "enabled") != 0};
  }
  return out;
}



/// The rows supervision writes — alerts (unique per violation), their events, messages — as
/// statements prepared once per transaction: a tick writes thousands of them.
class Writes {
 public:
  explicit Writes(db::Tx& tx) : tx_(tx) {}

  /// Inserts an alert unless the same violation is already recorded; returns its id if new.
  std::optional<long long> Alert(const std::string& rule, const RuleInfo& info, const std::string& source,
                                 const Violation& v, long long deadline_id, const std::string& colour,
                                 const std::string& due_on, const std::string& today, long long now) {
    a_ = {rule, source, v.subject, v.dedupe_key, info.severity, colour, v.unit_name, v.person_name, v.topic_code,
          v.topic_name, v.detail, due_on, today};
    a_deadline_ = deadline_id;
    a_unit_ = v.unit_id;
    a_person_ = v.person_id;
    a_now_ = now;
    a_ind_ = soci::i_null;
    if (!alert_) {
      alert_.emplace((tx_.sql().prepare << "INSERT INTO sv_alerts (rule_code, source, subject, dedupe_key, deadline_id, "
                                           "severity, colour, unit_id, unit_name, person_id, person_name, topic_code, "
                                           "topic_name, detail, due_on, created_on, created_at) VALUES (:r, :s, :j, :k, "
                                           ":d, :sv, :c, :u, :un, :p, :pn, :tc, :tn, :de, :du, :co, :ca) ON CONFLICT DO "
                                           "NOTHING RETURNING id",
                      soci::use(a_[0]), soci::use(a_[1]), soci::use(a_[2]), soci::use(a_[3]), soci::use(a_deadline_),
                      soci::use(a_[4]), soci::use(a_[5]), soci::use(a_unit_), soci::use(a_[6]), soci::use(a_person_),
                      soci::use(a_[7]), soci::use(a_[8]), soci::use(a_[9]), soci::use(a_[10]), soci::use(a_[11]),
                      soci::use(a_[12]), soci::use(a_now_), soci::into(a_id_, a_ind_)));
    }
    alert_->execute(true);
    if (!alert_->got_data() || a_ind_ != soci::i_ok) return std::nullopt;
    return a_id_;
  }

  void Event(long long alert_id, const std::string& source, const std::string& subject, long long ts,
             const std::string& action, const std::string& actor, const std::string& text) {
    e_ = {source, subject, action, actor, text};
    e_alert_ = alert_id;
    e_ts_ = ts;
    if (!event_) {
      event_.emplace((tx_.sql().prepare << "INSERT INTO sv_events (alert_id, source, subject, ts, action, actor, text) "
                                           "VALUES (:a, :s, :j, :t, :ac, :ar, :x)",
                      soci::use(e_alert_), soci::use(e_[0]), soci::use(e_[1]), soci::use(e_ts_), soci::use(e_[2]),
                      soci::use(e_[3]), soci::use(e_[4])));
    }
    event_->execute(true);
  }

  /// A message to a person or, when recipient is 0, to a unit (站内消息).
  void Message(long long recipient, long long unit, const std::string& title, const std::string& body,
               const std::string& link, long long now) {
    m_ = {title, body, link};
    m_recipient_ = recipient;
    m_unit_ = unit;
    m_now_ = now;
    if (!message_) {
      message_.emplace((tx_.sql().prepare << "INSERT INTO messages (recipient_id, unit_id, title, body, link, created_at) "
                                             "VALUES (:r, :u, :t, :b, :l, :c)",
                        soci::use(m_recipient_), soci::use(m_unit_), soci::use(m_[0]), soci::use(m_[1]),
                        soci::use(m_[2]), soci::use(m_now_)));
    }
    message_->execute(true);
  }

  db::Tx& tx() { return tx_; }

 private:
  db::Tx& tx_;
  std::array<std::string, 13> a_;
  long long a_deadline_ = 0, a_unit_ = 0, a_person_ = 0, a_now_ = 0, a_id_ = 0;
  soci::indicator a_ind_ = soci::i_null;
  std::array<std::string, 5> e_;
  long long e_alert_ = 0, e_ts_ = 0;
  std::array<std::string, 3> m_;
  long long m_recipient_ = 0, m_unit_ = 0, m_now_ = 0;
  std::optional<soci::statement> alert_, event_, message_;
};

Alert LoadAlert(const soci::row& r) {
  Alert a;
  a.id = db::RowInt(r, "id");
  a.rule_code = db::RowStr(r, "rule_code");
  a.rule_name = db::RowStr(r, "rule_name");
  a.source = db::RowStr(r, "source");
  a.subject = db::RowStr(r, "subject");
  a.dedupe_key = db::RowStr(r, "dedupe_key");
  a.deadline_id = db::RowInt(r, "deadline_id");
  a.severity = db::RowStr(r, "severity");
  a.colour = db::RowStr(r, "colour");
  a.unit_id = db::RowInt(r, "unit_id");
  a.unit_name = db::RowStr(r, "unit_name");
  a.person_id = db::RowInt(r, "person_id");
  a.person_name = db::RowStr(r, "person_name");
  a.topic_code = db::RowStr(r, "topic_code");
  a.topic_name = db::RowStr(r, "topic_name");
  a.detail = db::RowStr(r, "detail");
  a.due_on = db::RowStr(r, "due_on");
  a.state = db::RowStr(r, "state");
  a.card = db::RowStr(r, "card");
  a.created_on = db::RowStr(r, "created_on");
  a.created_at = db::RowInt(r, "created_at");
  a.closed_at = db::RowInt(r, "closed_at");
  a.closed_by = db::RowStr(r, "closed_by");
  a.conclusion = db::RowStr(r, "conclusion");
  return a;
}

Notice LoadNotice(const soci::row& r) {
  Notice n;
  n.id = db::RowInt(r, "id");
  n.notice_no = db::RowStr(r, "notice_no");
  n.alert_id = db::RowInt(r, "alert_id");
  n.unit_id = db::RowInt(r, "unit_id");
  n.unit_name = db::RowStr(r, "unit_name");
  n.content = db::RowStr(r, "content");
  n.required_by = db::RowStr(r, "required_by");
  n.card = db::RowStr(r, "card");
  n.state = db::RowStr(r, "state");
  n.issued_by = db::RowStr(r, "issued_by");
  n.issued_at = db::RowInt(r, "issued_at");
  n.answer = db::RowStr(r, "answer");
  n.answered_by = db::RowStr(r, "answered_by");
  n.answered_at = db::RowInt(r, "answered_at");
  n.recommendation = db::RowStr(r, "recommendation");
  return n;
}

constexpr const char* kAlertCols =
    "a.id, a.rule_code, r.name AS rule_name, a.source, a.subject, a.dedupe_key, a.deadline_id, a.severity, a.colour, "
    "a.unit_id, a.unit_name, a.person_id, a.person_name, a.topic_code, a.topic_name, a.detail, a.due_on, a.state, "
    "a.card, a.created_on, a.created_at, a.closed_at, a.closed_by, a.conclusion";
constexpr const char* kNoticeCols =
    "id, notice_no, alert_id, unit_id, unit_name, content, required_by, card, state, issued_by, issued_at, answer, "
    "answered_by, answered_at, recommendation";

bool SeesAll(const identity::Principal& p) {
  return p.Has(identity::Role::kSupervisor) || p.Has(identity::Role::kAuditor);
}

void RequireSupervisor(const identity::Context& ctx) {
  if (!ctx.principal.Has(identity::Role::kSupervisor)) {
    throw Error(ErrorCode::kForbidden, "此操作仅限监察员");
  }
}

using core::Trim;

/// Issues the notice (yellow card) for an alert inside tx; the caller checked the rules.
Notice WriteNotice(Writes& w, const Alert& a, const std::string& content, const std::string& required_by,
                   const std::string& issued_by, long long now) {
  db::Tx& tx = w.tx();
  const std::string today = core::FormatLocalDate(now);
  char no[64];
  std::snprintf(no, sizeof no, "督办〔%s〕%06lld号", today.substr(0, 4).c_str(), static_cast<long long>(a.id));
  std::string notice_no = no;
  long long alert_id = a.id, unit = a.unit_id;
  tx.sql() << "INSERT INTO sv_notices (notice_no, alert_id, unit_id, unit_name, content, required_by, card, state, "
              "issued_by, issued_at) VALUES (:no, :a, :u, :un, :c, :r, 'yellow', 'issued', :b, :t)",
      soci::use(notice_no), soci::use(alert_id), soci::use(unit), soci::use(a.unit_name), soci::use(content),
      soci::use(required_by), soci::use(issued_by), soci::use(now);
  tx.sql() << "UPDATE sv_alerts SET state = 'noticed', card = 'yellow' WHERE id = :a", soci::use(alert_id);
  w.Event(alert_id, a.source, a.subject, now, "notice", issued_by,
           "发出督办单（黄牌）" + notice_no + "，要求 " + required_by + " 前办结并答复：" + content);
  w.Message(0, unit, "督办单 " + notice_no, content + "（要求办结日期：" + required_by + "，请在系统中答复）",
          "/supervision/alerts/" + std::to_string(alert_id), now);
  Notice n;
  n.notice_no = notice_no;
  n.alert_id = alert_id;
  n.unit_id = unit;
  n.unit_name = a.unit_name;
  n.content = content;
  n.required_by = required_by;
  n.card = "yellow";
  n.state = "issued";
  n.issued_by = issued_by;
  n.issued_at = now;
  return n;
}

}  // namespace

nlohmann::json TickResult::ToJson() const {
  return {{"leader", leader}, {"examined", examined}, {"yellow", yellow}, {"red", red}, {"alerts", alerts},
          {"notices", notices}, {"red_cards", red_cards}, {"rule_alerts", rule_alerts}};
}

Monitor::Monitor(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit,
                 calendar::CalendarService& calendar, Deadlines& deadlines, std::unique_ptr<SmsGateway> sms)
    : db_(db), clock_(clock), audit_(audit), calendar_(calendar), deadlines_(deadlines), sms_(std::move(sms)) {}

void Monitor::AddSource(std::unique_ptr<RuleSource> source) { sources_.push_back(std::move(source)); }

TickResult Monitor::Tick(const std::string& node) {
  const calendar::Calendar cal = calendar_.Load();
  const Settings& cfg = deadlines_.settings();
  return db::WithTx(db_, [&](db::Tx& tx) {
    TickResult r;
    const long long now = clock_.NowMs();
    const std::string today = core::FormatLocalDate(now);
    {
      const long long expires = now + cfg.lease_seconds * 1000LL;
      soci::statement st = (tx.sql().prepare << "UPDATE sv_lease SET holder = :h, expires_at = :e, ticks = ticks + 1 "
                                                "WHERE name = 'monitor' AND (holder = :h2 OR expires_at < :n)",
                            soci::use(node), soci::use(expires), soci::use(node), soci::use(now));
      st.execute(true);
      if (st.get_affected_rows() != 1) return r;  // another node holds the lease
    }
    r.leader = true;
    Writes w(tx);
    const auto rules = LoadRules(tx.sql());
    auto rule = [&](const std::string& code) -> const RuleInfo* {
      auto it = rules.find(code);
      return it == rules.end() || !it->second.enabled ? nullptr : &it->second;
    };
    const audit::Actor system{"system", 0, "电子监察", 0, "", "internal"};

    // 1. Clocks whose colour may change today: a range on the next_check index.
    std::vector<DeadlineRow> due;
    {
      soci::rowset<soci::row> rows =
          (tx.sql().prepare << "SELECT id, source, subject, kind, label, parent_kind, overdue_rule, topic_code, "
                               "topic_name, unit_id, unit_name, person_id, person_name, due_on, warn_on, colour, paused, "
                               "is_open, late, closed_on FROM sv_deadlines WHERE next_check <= :t",
           soci::use(today));
      for (const soci::row& x : rows) {
        DeadlineRow d;
        d.id = db::RowInt(x, "id");
        d.source = db::RowStr(x, "source");
        d.subject = db::RowStr(x, "subject");
        d.kind = db::RowStr(x, "kind");
        d.label = db::RowStr(x, "label");
        d.parent_kind = db::RowStr(x, "parent_kind");
        d.overdue_rule = db::RowStr(x, "overdue_rule");
        d.topic_code = db::RowStr(x, "topic_code");
        d.topic_name = db::RowStr(x, "topic_name");
        d.unit_id = db::RowInt(x, "unit_id");
        d.unit_name = db::RowStr(x, "unit_name");
        d.person_id = db::RowInt(x, "person_id");
        d.person_name = db::RowStr(x, "person_name");
        d.due_on = db::RowStr(x, "due_on");
        d.warn_on = db::RowStr(x, "warn_on");
        d.colour = db::RowStr(x, "colour");
        d.paused = db::RowInt(x, "paused") != 0;
        d.open = db::RowInt(x, "is_open") != 0;
        d.late = db::RowInt(x, "late") != 0;
        d.closed_on = db::RowStr(x, "closed_on");
        due.push_back(std::move(d));
      }
    }
    // Parents (a case's total) first, so a step that turns red with its total is not reported twice.
    std::stable_sort(due.begin(), due.end(),
                     [](const DeadlineRow& a, const DeadlineRow& b) { return a.parent_kind.empty() > b.parent_kind.empty(); });
    std::string new_colour, next;
    long long row_id = 0;
    soci::statement update = (tx.sql().prepare << "UPDATE sv_deadlines SET colour = :c, next_check = :n WHERE id = :i",
                              soci::use(new_colour), soci::use(next), soci::use(row_id));
    std::vector<long long> warned;
    std::map<std::string, std::vector<long long>> yellow_by_next;
    for (const auto& d : due) {
      ++r.examined;
      if (!d.open) {
        // Closed since the last tick: only a clock done late still owes its overdue alert.
        new_colour = d.late ? "red" : d.colour;
        next = kNever;
      } else {
        new_colour = d.paused ? d.colour : ColourOn(today, d.warn_on, d.due_on);
        next = d.paused ? std::string(kNever) : NextCheck(new_colour, d.warn_on, d.due_on);
      }
      if (new_colour == "yellow" && d.colour == "green") {
        yellow_by_next[next].push_back(d.id);  // one UPDATE per day, below
      } else {
        row_id = d.id;
        update.execute(true);
      }
      if (new_colour == d.colour || new_colour == "green") continue;
      Violation v{"", d.subject, d.kind, "", d.topic_code, d.topic_name, d.unit_id, d.unit_name, d.person_id, d.person_name};
      if (new_colour == "yellow") {
        ++r.yellow;
        warned.push_back(d.id);  // reminders are written below, set-based
        continue;
      }
      // red: the limit has passed
      ++r.red;
      std::string conclusion = "期限已过，转为超期告警";
      tx.sql() << "UPDATE sv_alerts SET state = 'closed', closed_at = :n, closed_by = '系统', conclusion = :c "
                  "WHERE deadline_id = :d AND rule_code = 'DEADLINE_WARNING' AND state = 'open'",
          soci::use(now), soci::use(conclusion), soci::use(d.id);
      if (!d.parent_kind.empty()) {
        std::string parent_colour;
        soci::indicator ind = soci::i_null;
        tx.sql() << "SELECT colour FROM sv_deadlines WHERE source = :s AND subject = :j AND kind = :k AND is_open = 1",
            soci::use(d.source), soci::use(d.subject), soci::use(d.parent_kind), soci::into(parent_colour, ind);
        if (tx.sql().got_data() && parent_colour == "red") continue;  // the total's alert covers it
      }
      const RuleInfo* info = rule(d.overdue_rule);
      if (!info) continue;
      v.detail = d.open ? d.label + "已于 " + d.due_on + " 届满，仍未完成（" + d.subject + "）"
                        : d.label + "已于 " + d.due_on + " 届满，" + d.closed_on + " 才完成（超期完成，" + d.subject + "）";
      v.dedupe_key = d.kind;
      auto id = w.Alert(d.overdue_rule, *info, d.source, v, d.id, "red", d.due_on, today, now);
      if (!id) continue;
      ++r.alerts;
      w.Event(*id, d.source, d.subject, now, "alert", "电子监察", info->name + "：" + v.detail);
      audit_.Append(tx, system, {"supervision.alert", "alert", std::to_string(*id), "success", info->name + "：" + v.detail});
      if (cfg.auto_notice) {
        Alert a;
        a.id = *id;
        a.source = d.source;
        a.subject = d.subject;
        a.unit_id = d.unit_id;
        a.unit_name = d.unit_name;
        const std::string required = WorkingDaysAfter(cal, today, cfg.notice_days);
        WriteNotice(w, a,
                    // The date is the notice's own field (要求办结日期), shown beside the text.
                    d.open ? "“" + d.subject + "”" + d.label + "已超期，请在要求办结日期前办结，并书面说明超期原因。"
                           : "“" + d.subject + "”" + d.label + "超期完成，请在要求办结日期前书面说明超期原因。",
                    required, "电子监察", now);
        audit_.Append(tx, system, {"supervision.notice", "alert", std::to_string(*id), "success", "自动发出督办单（黄牌）"});
        ++r.notices;
      }
    }

    for (const auto& [day, ids] : yellow_by_next) {
      for (std::size_t from = 0; from < ids.size(); from += 1000) {
        std::string in;
        for (std::size_t i = from; i < std::min(ids.size(), from + 1000); ++i) in += (in.empty() ? "" : ",") + std::to_string(ids[i]);
        tx.sql() << "UPDATE sv_deadlines SET colour = 'yellow', next_check = :n WHERE id IN (" << in << ")", soci::use(day);
      }
    }
    // Reminders for the clocks that turned yellow: a warning alert (one per clock and due
    // date), its event, a message to the person or unit, and a text message — written with one
    // statement each per thousand clocks, not four per clock (a tick may warn of thousands).
    if (const RuleInfo* info = rule("DEADLINE_WARNING"); info && !warned.empty()) {
      std::map<std::pair<long long, long long>, std::vector<Warned>> by_recipient;  // (person, unit) → warnings
      for (std::size_t from = 0; from < warned.size(); from += 1000) {
        std::string ids;
        for (std::size_t i = from; i < std::min(warned.size(), from + 1000); ++i) {
          ids += (ids.empty() ? "" : ",") + std::to_string(warned[i]);
        }
        soci::statement ins =
            (tx.sql().prepare << "INSERT INTO sv_alerts (rule_code, source, subject, dedupe_key, deadline_id, severity, "
                                 "colour, unit_id, unit_name, person_id, person_name, topic_code, topic_name, detail, "
                                 "due_on, created_on, created_at) SELECT 'DEADLINE_WARNING', source, subject, kind || '@' "
                                 "|| due_on, id, :sv, 'yellow', unit_id, unit_name, person_id, person_name, topic_code, "
                                 "topic_name, label || '将于 ' || due_on || ' 届满（' || subject || '）', due_on, :t, :n "
                                 "FROM sv_deadlines WHERE id IN ("
                              << ids << ") ON CONFLICT DO NOTHING",
             soci::use(info->severity), soci::use(today), soci::use(now));
        ins.execute(true);
        r.alerts += static_cast<int>(ins.get_affected_rows());
        // The warnings this tick inserted (a repeated one keeps its first created_at).
        const std::string joined = " FROM sv_alerts a JOIN sv_deadlines d ON d.id = a.deadline_id";
        const std::string where =
            " WHERE a.deadline_id IN (" + ids + ") AND a.rule_code = 'DEADLINE_WARNING' AND a.created_at = :n";
        tx.sql() << "INSERT INTO sv_events (alert_id, source, subject, ts, action, actor, text) SELECT a.id, a.source, "
                    "a.subject, :n0, 'reminder', '电子监察', '提醒' || CASE WHEN a.person_name = '' THEN a.unit_name ELSE "
                    "a.person_name END || '：【电子监察提醒】' || a.subject || ' ' || d.label || '将于 ' || a.due_on || "
                    "' 届满，请抓紧办理。'"
                 << joined << where,
            soci::use(now), soci::use(now);
        soci::rowset<soci::row> rows =
            (tx.sql().prepare << "SELECT a.person_id AS person_id, a.unit_id AS unit_id, a.source AS source, a.subject AS "
                                 "subject, d.label AS label, a.due_on AS due_on, COALESCE(u.mobile, '') AS mobile"
                              << joined << " LEFT JOIN users u ON u.id = a.person_id" << where,
             soci::use(now));
        for (const soci::row& x : rows) {
          const long long person = db::RowInt(x, "person_id");
          by_recipient[{person, person ? 0 : db::RowInt(x, "unit_id")}].push_back(
              {db::RowStr(x, "source"), db::RowStr(x, "subject"), db::RowStr(x, "label"), db::RowStr(x, "due_on"),
               db::RowStr(x, "mobile")});
        }
      }
      // One message (and one text message) per person or unit and tick, listing every clock of
      // theirs that turned yellow: the clocks change colour on the first tick of a day, so this is
      // a daily digest, not one message per case (a unit with many cases had hundreds).
      for (auto& [who, list] : by_recipient) {
        const Digest dg = ReminderDigest(list, who.first == 0);
        w.Message(who.first, who.second, dg.title, dg.body, dg.link, now);
        if (sms_ && who.first != 0 && !list.front().mobile.empty()) sms_->Send(tx, list.front().mobile, dg.sms);
      }
    }

    // 2. Notices whose completion date passed unanswered: red card.
    {
      std::vector<Notice> late;
      soci::rowset<soci::row> rows =
          (tx.sql().prepare << "SELECT " << kNoticeCols << " FROM sv_notices WHERE state = 'issued' AND card = 'yellow' "
                                                           "AND required_by < :t",
           soci::use(today));
      for (const soci::row& x : rows) late.push_back(LoadNotice(x));
      for (const auto& n : late) {
        std::string rec = "督办单 " + n.notice_no + " 要求 " + n.required_by +
                          " 前办结并答复，逾期未答复。建议：责令" + n.unit_name +
                          "限期整改，对直接责任人进行约谈，并纳入本月绩效考核扣分。";
        long long nid = n.id, aid = n.alert_id;
        tx.sql() << "UPDATE sv_notices SET card = 'red', recommendation = :r, red_at = :n WHERE id = :i", soci::use(rec),
            soci::use(now), soci::use(nid);
        tx.sql() << "UPDATE sv_alerts SET card = 'red' WHERE id = :a", soci::use(aid);
        std::string source, subject;
        tx.sql() << "SELECT source, subject FROM sv_alerts WHERE id = :a", soci::use(aid), soci::into(source),
            soci::into(subject);
        w.Event(aid, source, subject, now, "red_card", "电子监察", "红牌：" + rec);
        w.Message(0, n.unit_id, "红牌警告：" + n.notice_no, rec, "/supervision/alerts/" + std::to_string(aid), now);
        audit_.Append(
            tx, system,
            {"supervision.red_card", "alert", std::to_string(aid), "success", std::string(core::Utf8Prefix(rec, 300))});
        ++r.red_cards;
      }
    }

    // 3. Record rules of each module, read from where they stopped.
    for (auto& src : sources_) {
      long long position = 0;
      const std::string name = src->Name();
      soci::indicator ind = soci::i_null;
      tx.sql() << "SELECT position FROM sv_watermarks WHERE source = :s", soci::use(name), soci::into(position, ind);
      if (!tx.sql().got_data()) {
        tx.sql() << "INSERT INTO sv_watermarks (source, position) VALUES (:s, 0)", soci::use(name);
        position = 0;
      }
      std::int64_t pos = position;
      for (const auto& v : src->Scan(tx.sql(), pos)) {
        const RuleInfo* info = rule(v.rule_code);
        if (!info) continue;
        auto id = w.Alert(v.rule_code, *info, name, v, 0, "red", "", today, now);
        if (!id) continue;
        ++r.rule_alerts;
        w.Event(*id, name, v.subject, now, "alert", "电子监察", info->name + "：" + v.detail);
        audit_.Append(tx, system, {"supervision.alert", "alert", std::to_string(*id), "success", info->name + "：" + v.detail});
      }
      long long np = pos;
      tx.sql() << "UPDATE sv_watermarks SET position = :p WHERE source = :s", soci::use(np), soci::use(name);
    }
    return r;
  });
}

std::vector<Alert> Monitor::Alerts(const identity::Context& ctx, const AlertFilter& f, std::int64_t* total) {
  if (ctx.principal.kind != "staff") throw Error(ErrorCode::kForbidden, "此操作仅限工作人员");
  db::Conn c(db_);
  std::string where = " WHERE 1 = 1";
  if (f.state == "open") where += " AND a.state <> 'closed'";
  else if (!f.state.empty()) {
    static const std::set<std::string> kStates = {"noticed", "answered", "closed"};
    if (!kStates.count(f.state)) throw Error(ErrorCode::kInvalidInput, "状态参数无效", {{"state", "可选 open/noticed/answered/closed"}});
    where += " AND a.state = '" + f.state + "'";
  }
  if (!f.colour.empty()) {
    if (f.colour != "yellow" && f.colour != "red") {
      throw Error(ErrorCode::kInvalidInput, "颜色参数无效", {{"colour", "可选 yellow/red"}});
    }
    where += " AND a.colour = '" + f.colour + "'";
  }
  std::vector<std::int64_t> units;
  if (!SeesAll(ctx.principal)) units = identity::store::DepartmentSubtree(c.sql(), ctx.principal.unit_id);
  if (!f.dept.empty()) {
    auto u = identity::store::FindUnitByCode(c.sql(), f.dept);
    if (!u) throw Error(ErrorCode::kInvalidInput, "单位代码不存在：" + f.dept, {{"dept", "单位代码不存在"}});
    auto sub = identity::store::DepartmentSubtree(c.sql(), u->id);
    if (units.empty()) {
      units = sub;
    } else {
      std::vector<std::int64_t> both;
      for (auto x : sub) {
        if (std::find(units.begin(), units.end(), x) != units.end()) both.push_back(x);
      }
      units = both.empty() ? std::vector<std::int64_t>{-1} : both;
    }
  }
  if (!units.empty()) {
    std::string in;
    for (auto u : units) in += (in.empty() ? "" : ",") + std::to_string(u);
    where += " AND a.unit_id IN (" + in + ")";
  }
  std::string source = f.source, subject = f.subject;
  where += " AND (CAST(:src AS TEXT) = '' OR a.source = :src2) AND (CAST(:subj AS TEXT) = '' OR a.subject = :subj2)";
  const int per = std::clamp(f.per_page, 1, 200);
  const int page = std::max(1, f.page);
  const std::string order = " ORDER BY CASE a.state WHEN 'closed' THEN 1 ELSE 0 END, a.colour DESC, a.id DESC";
  const std::string limit = " LIMIT " + std::to_string(per) + " OFFSET " + std::to_string((page - 1) * per);
  std::vector<Alert> out;
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kAlertCols << " FROM sv_alerts a JOIN sv_rules r ON r.code = a.rule_code" << where
                       << order << limit,
       soci::use(source), soci::use(source), soci::use(subject), soci::use(subject));
  for (const soci::row& x : rows) out.push_back(LoadAlert(x));
  if (total) {
    long long n = 0;
    c.sql() << "SELECT COUNT(*) FROM sv_alerts a" << where, soci::use(source), soci::use(source), soci::use(subject),
        soci::use(subject), soci::into(n);
    *total = n;
  }
  return out;
}

Alert Monitor::AlertById(const identity::Context& ctx, std::int64_t id) {
  if (ctx.principal.kind != "staff") throw Error(ErrorCode::kForbidden, "此操作仅限工作人员");
  db::Conn c(db_);
  long long aid = id;
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kAlertCols << " FROM sv_alerts a JOIN sv_rules r ON r.code = a.rule_code WHERE a.id = :i",
       soci::use(aid));
  for (const soci::row& x : rows) {
    Alert a = LoadAlert(x);
    if (!SeesAll(ctx.principal)) {
      const auto units = identity::store::DepartmentSubtree(c.sql(), ctx.principal.unit_id);
      if (std::find(units.begin(), units.end(), a.unit_id) == units.end()) {
        throw Error(ErrorCode::kForbidden, "该告警不属于您所在单位，无权查看");
      }
    }
    return a;
  }
  throw Error(ErrorCode::kNotFound, "告警不存在：" + std::to_string(id));
}

std::optional<Notice> Monitor::NoticeOf(std::int64_t alert_id) {
  db::Conn c(db_);
  long long aid = alert_id;
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kNoticeCols << " FROM sv_notices WHERE alert_id = :a", soci::use(aid));
  for (const soci::row& x : rows) return LoadNotice(x);
  return std::nullopt;
}

std::vector<SvEvent> Monitor::EventsOf(std::int64_t alert_id) {
  db::Conn c(db_);
  long long aid = alert_id;
  std::vector<SvEvent> out;
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT alert_id, ts, action, actor, text FROM sv_events WHERE alert_id = :a ORDER BY ts, id",
       soci::use(aid));
  for (const soci::row& x : rows) {
    out.push_back({db::RowInt(x, "alert_id"), db::RowInt(x, "ts"), db::RowStr(x, "action"), db::RowStr(x, "actor"),
                   db::RowStr(x, "text")});
  }
  return out;
}

std::vector<SvEvent> Monitor::EventsFor(const std::string& source, const std::string& subject) {
  db::Conn c(db_);
  std::vector<SvEvent> out;
  soci::rowset<soci::row> rows = (c.sql().prepare << "SELECT alert_id, ts, action, actor, text FROM sv_events WHERE "
                                                     "source = :s AND subject = :j ORDER BY ts, id",
                                  soci::use(source), soci::use(subject));
  for (const soci::row& x : rows) {
    out.push_back({db::RowInt(x, "alert_id"), db::RowInt(x, "ts"), db::RowStr(x, "action"), db::RowStr(x, "actor"),
                   db::RowStr(x, "text")});
  }
  return out;
}

nlohmann::json Monitor::ClocksFor(const std::string& source, const std::string& subject) {
  db::Conn c(db_);
  nlohmann::json out = nlohmann::json::array();
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT kind, label, started_on, due_on, warn_on, colour, paused, is_open, closed_on, late, "
                          "ended, person_name FROM sv_deadlines WHERE source = :s AND subject = :j ORDER BY is_open DESC, id",
       soci::use(source), soci::use(subject));
  for (const soci::row& x : rows) {
    const bool open = db::RowInt(x, "is_open") != 0, paused = db::RowInt(x, "paused") != 0;
    const std::string colour = db::RowStr(x, "colour"), ended = db::RowStr(x, "ended");
    const bool late = db::RowInt(x, "late") != 0;
    const std::string closed_label = !ended.empty() ? (late ? "超期后终止（" : "已终止（") + ended + "）"
                                     : late         ? "超期完成"
                                                    : "按期完成";
    out.push_back({{"kind", db::RowStr(x, "kind")}, {"label", db::RowStr(x, "label")},
                   {"started_on", db::RowStr(x, "started_on")}, {"due_on", db::RowStr(x, "due_on")},
                   {"warn_on", db::RowStr(x, "warn_on")}, {"colour", open ? colour : ""},
                   {"colour_label", !open ? closed_label : paused ? "暂停计时" : ColourLabel(colour)},
                   {"ended", ended},
                   {"paused", paused}, {"open", open}, {"closed_on", db::RowStr(x, "closed_on")},
                   {"late", db::RowInt(x, "late") != 0}, {"person_name", db::RowStr(x, "person_name")}});
  }
  return out;
}

Notice Monitor::IssueNotice(const identity::Context& ctx, std::int64_t alert_id, const std::string& content,
                            const std::string& required_by) {
  RequireSupervisor(ctx);
  Alert a = AlertById(ctx, alert_id);
  const std::string text = Trim(content);
  const long long now = clock_.NowMs();
  const std::string today = core::FormatLocalDate(now);
  std::map<std::string, std::string> bad;
  if (text.empty()) bad["content"] = "请填写督办事项和要求";
  if (required_by.empty()) {
    bad["required_by"] = "请填写要求办结日期";
  } else {
    try {
      if (calendar::FormatDate(calendar::ParseDate(required_by)) != required_by || required_by < today) {
        bad["required_by"] = "要求办结日期应为今天或以后的日期（YYYY-MM-DD）";
      }
    } catch (const Error&) {
      bad["required_by"] = "日期格式应为 YYYY-MM-DD";
    }
  }
  if (!bad.empty()) throw Error(ErrorCode::kInvalidInput, "督办单填写有误", bad);
  if (a.state == "closed") throw Error(ErrorCode::kConflict, "该告警已办结，不能再发督办单");
  if (NoticeOf(alert_id)) throw Error(ErrorCode::kConflict, "该告警已发出督办单，不能重复督办");
  return db::WithTx(db_, [&](db::Tx& tx) {
    Writes w(tx);
    Notice n = WriteNotice(w, a, text, required_by, ctx.principal.name, now);
    audit_.Append(tx, ctx.ToActor(), {"supervision.notice", "alert", std::to_string(alert_id), "success", n.notice_no});
    return n;
  });
}

Notice Monitor::Answer(const identity::Context& ctx, std::int64_t notice_id, const std::string& answer) {
  if (ctx.principal.kind != "staff") throw Error(ErrorCode::kForbidden, "此操作仅限工作人员");
  Notice n;
  {
    db::Conn c(db_);
    long long nid = notice_id;
    bool found = false;
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT " << kNoticeCols << " FROM sv_notices WHERE id = :i", soci::use(nid));
    for (const soci::row& x : rows) {
      n = LoadNotice(x);
      found = true;
    }
    if (!found) throw Error(ErrorCode::kNotFound, "督办单不存在");
    const auto units = identity::store::DepartmentSubtree(c.sql(), ctx.principal.unit_id);
    if (std::find(units.begin(), units.end(), n.unit_id) == units.end()) {
      throw Error(ErrorCode::kForbidden, "督办单发给" + n.unit_name + "，只能由该单位答复");
    }
  }
  const auto& p = ctx.principal;
  if (!p.Has(identity::Role::kApprover) && !p.Has(identity::Role::kReviewer) && !p.Has(identity::Role::kHandler) &&
      !p.Has(identity::Role::kWindowClerk)) {
    throw Error(ErrorCode::kForbidden, "答复督办单须由承办业务的工作人员或单位负责人办理");
  }
  const std::string text = Trim(answer);
  if (text.empty()) throw Error(ErrorCode::kInvalidInput, "请填写答复内容", {{"answer", "请说明办理情况和超期原因"}});
  if (n.state != "issued") throw Error(ErrorCode::kConflict, "该督办单已答复或已办结");
  const long long now = clock_.NowMs();
  return db::WithTx(db_, [&](db::Tx& tx) {
    Writes w(tx);
    long long nid = n.id, aid = n.alert_id;
    tx.sql() << "UPDATE sv_notices SET state = 'answered', answer = :a, answered_by = :b, answered_at = :t WHERE id = :i",
        soci::use(text), soci::use(p.name), soci::use(now), soci::use(nid);
    tx.sql() << "UPDATE sv_alerts SET state = 'answered' WHERE id = :a AND state <> 'closed'", soci::use(aid);
    std::string source, subject;
    tx.sql() << "SELECT source, subject FROM sv_alerts WHERE id = :a", soci::use(aid), soci::into(source), soci::into(subject);
    w.Event(aid, source, subject, now, "answer", p.name + "（" + p.unit_name + "）", "答复督办单 " + n.notice_no + "：" + text);
    audit_.Append(
        tx, ctx.ToActor(),
        {"supervision.answer", "alert", std::to_string(aid), "success", std::string(core::Utf8Prefix(text, 300))});
    n.state = "answered";
    n.answer = text;
    n.answered_by = p.name;
    n.answered_at = now;
    return n;
  });
}

Alert Monitor::Close(const identity::Context& ctx, std::int64_t alert_id, const std::string& conclusion) {
  RequireSupervisor(ctx);
  Alert a = AlertById(ctx, alert_id);
  const std::string text = Trim(conclusion);
  if (text.empty()) throw Error(ErrorCode::kInvalidInput, "请填写办结结论", {{"conclusion", "请写明核查结论和处理意见"}});
  if (a.state == "closed") throw Error(ErrorCode::kConflict, "该告警已办结");
  const long long now = clock_.NowMs();
  db::WithTx(db_, [&](db::Tx& tx) {
    Writes w(tx);
    long long aid = alert_id;
    tx.sql() << "UPDATE sv_alerts SET state = 'closed', closed_at = :t, closed_by = :b, conclusion = :c WHERE id = :i",
        soci::use(now), soci::use(ctx.principal.name), soci::use(text), soci::use(aid);
    tx.sql() << "UPDATE sv_notices SET state = 'closed' WHERE alert_id = :a AND state <> 'closed'", soci::use(aid);
    w.Event(aid, a.source, a.subject, now, "close", ctx.principal.name, "办结告警：" + text);
    audit_.Append(
        tx, ctx.ToActor(),
        {"supervision.close", "alert", std::to_string(aid), "success", std::string(core::Utf8Prefix(text, 300))});
  });
  return AlertById(ctx, alert_id);
}

Monitor::NoticePage Monitor::Notices(const identity::Context& ctx, const std::string& state, int page, int per_page) {
  if (ctx.principal.kind != "staff") throw Error(ErrorCode::kForbidden, "此操作仅限工作人员");
  if (!state.empty() && state != "issued" && state != "answered" && state != "closed") {
    throw Error(ErrorCode::kInvalidInput, "督办单状态无效：" + state, {{"state", "可选 issued / answered / closed，或不填（全部）"}});
  }
  std::vector<Notice> notices;
  NoticePage out;
  {
    db::Conn c(db_);
    // Unit ids are integers from the database; the state is bound.
    std::string where = " WHERE 1=1";
    if (!SeesAll(ctx.principal)) {
      std::string in;
      for (auto u : identity::store::DepartmentSubtree(c.sql(), ctx.principal.unit_id)) {
        in += (in.empty() ? "" : ",") + std::to_string(u);
      }
      where += " AND unit_id IN (" + (in.empty() ? std::string("0") : in) + ")";
    }
    const std::string st = state;
    if (!st.empty()) where += " AND state = :s";
    long long total = 0;
    if (st.empty()) {
      c.sql() << "SELECT COUNT(*) FROM sv_notices" + where, soci::into(total);
    } else {
      c.sql() << "SELECT COUNT(*) FROM sv_notices" + where, soci::use(st), soci::into(total);
    }
    out.total = total;
    long long limit = std::clamp(per_page, 1, 200), offset = static_cast<long long>(std::max(page, 1) - 1) * limit;
    const std::string sql = "SELECT " + std::string(kNoticeCols) + " FROM sv_notices" + where +
                            " ORDER BY CASE state WHEN 'issued' THEN 0 ELSE 1 END, id DESC LIMIT :l OFFSET :o";
    auto load = [&](soci::rowset<soci::row>&& rows) {
      for (const soci::row& x : rows) notices.push_back(LoadNotice(x));
    };
    if (st.empty()) {
      load((c.sql().prepare << sql, soci::use(limit), soci::use(offset)));
    } else {
      load((c.sql().prepare << sql, soci::use(st), soci::use(limit), soci::use(offset)));
    }
  }
  for (auto& n : notices) out.rows.emplace_back(n, AlertById(ctx, n.alert_id));
  return out;
}

std::vector<Monitor::Rule> Monitor::Rules() {
  db::Conn c(db_);
  std::vector<Rule> out;
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT code, name, severity, enabled, description FROM sv_rules ORDER BY code");
  for (const soci::row& x : rows) {
    out.push_back({db::RowStr(x, "code"), db::RowStr(x, "name"), db::RowStr(x, "severity"), db::RowStr(x, "description"),
                   db::RowInt(x, "enabled") != 0});
  }
  return out;
}

void Monitor::UpdateRule(const identity::Context& ctx, const std::string& code, bool enabled, const std::string& severity) {
  RequireSupervisor(ctx);
  if (severity != "high" && severity != "medium" && severity != "low") {
    throw Error(ErrorCode::kInvalidInput, "严重程度无效", {{"severity", "可选 严重/一般/提示"}});
  }
  db::WithTx(db_, [&](db::Tx& tx) {
    int en = enabled ? 1 : 0;
    soci::statement st = (tx.sql().prepare << "UPDATE sv_rules SET enabled = :e, severity = :s WHERE code = :c",
                          soci::use(en), soci::use(severity), soci::use(code));
    st.execute(true);
    if (st.get_affected_rows() != 1) throw Error(ErrorCode::kNotFound, "规则不存在：" + code);
    audit_.Append(tx, ctx.ToActor(), {"supervision.rule", "rule", code, "success",
                                      std::string(enabled ? "启用" : "停用") + "，严重程度 " + SeverityLabel(severity)});
  });
}

nlohmann::json Monitor::Stats(const identity::Context& ctx, const std::string& dept, const std::string& from_in,
                              const std::string& to_in) {
  if (ctx.principal.kind != "staff") throw Error(ErrorCode::kForbidden, "此操作仅限工作人员");
  const std::string today = core::FormatLocalDate(clock_.NowMs());
  std::map<std::string, std::string> bad;
  auto date_or = [&](const std::string& v, const std::string& field, const std::string& fallback) {
    if (v.empty()) return fallback;
    try {
      const std::string d = calendar::FormatDate(calendar::ParseDate(v));
      if (d == v) return d;
    } catch (const Error&) {
    }
    bad[field] = "日期格式应为 YYYY-MM-DD";
    return fallback;
  };
  const std::string to = date_or(to_in, "to", today);
  const std::string from =
      date_or(from_in, "from", calendar::FormatDate(calendar::ParseDate(to) - std::chrono::days{29}));
  if (bad.empty() && from > to) bad["from"] = "开始日期不能晚于结束日期";
  if (bad.empty() && calendar::ParseDate(to) - calendar::ParseDate(from) > std::chrono::days{400}) {
    bad["from"] = "统计区间不能超过 400 天";
  }
  if (!bad.empty()) throw Error(ErrorCode::kInvalidInput, "统计参数有误", bad);

  db::Conn c(db_);
  std::vector<std::int64_t> units;
  std::string dept_code = dept;
  if (!SeesAll(ctx.principal)) {
    units = identity::store::DepartmentSubtree(c.sql(), ctx.principal.unit_id);
    if (auto u = identity::store::FindUnit(c.sql(), units.front())) dept_code = u->code;
  } else if (!dept.empty()) {
    auto u = identity::store::FindUnitByCode(c.sql(), dept);
    if (!u) throw Error(ErrorCode::kInvalidInput, "单位代码不存在：" + dept, {{"dept", "单位代码不存在"}});
    units = identity::store::DepartmentSubtree(c.sql(), u->id);
  }
  std::string unit_filter;
  if (!units.empty()) {
    std::string in;
    for (auto u : units) in += (in.empty() ? "" : ",") + std::to_string(u);
    unit_filter = " AND unit_id IN (" + in + ")";
  }

  nlohmann::json clocks = {{"green", 0}, {"yellow", 0}, {"red", 0}, {"paused", 0}, {"total", 0}};
  std::map<std::pair<long long, std::string>, nlohmann::json> by_dept;
  {
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT unit_id, unit_name, colour, paused, COUNT(*) AS n FROM sv_deadlines WHERE is_open = 1"
                         << unit_filter << " GROUP BY unit_id, unit_name, colour, paused");
    for (const soci::row& x : rows) {
      const long long n = db::RowInt(x, "n");
      const std::string colour = db::RowInt(x, "paused") ? "paused" : db::RowStr(x, "colour");
      clocks[colour] = clocks[colour].get<long long>() + n;
      clocks["total"] = clocks["total"].get<long long>() + n;
      auto& d = by_dept[{db::RowInt(x, "unit_id"), db::RowStr(x, "unit_name")}];
      if (d.is_null()) {
        d = {{"unit_id", db::RowInt(x, "unit_id")}, {"unit_name", db::RowStr(x, "unit_name")}, {"green", 0},
             {"yellow", 0}, {"red", 0}, {"paused", 0}};
      }
      d[colour] = d[colour].get<long long>() + n;
    }
  }
  nlohmann::json depts = nlohmann::json::array();
  for (auto& [k, v] : by_dept) depts.push_back(v);
  std::sort(depts.begin(), depts.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    if (a["red"] != b["red"]) return a["red"].get<long long>() > b["red"].get<long long>();
    if (a["yellow"] != b["yellow"]) return a["yellow"].get<long long>() > b["yellow"].get<long long>();
    return a["unit_name"].get<std::string>() < b["unit_name"].get<std::string>();
  });

  nlohmann::json items = nlohmann::json::array();
  {
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT topic_code, topic_name, COUNT(*) AS n, "
                            "COUNT(CASE WHEN colour = 'yellow' AND paused = 0 THEN 1 END) AS yellow, "
                            "COUNT(CASE WHEN colour = 'red' AND paused = 0 THEN 1 END) AS red FROM sv_deadlines "
                            "WHERE is_open = 1 AND colour <> 'green'"
                         << unit_filter << " GROUP BY topic_code, topic_name ORDER BY red DESC, yellow DESC, topic_code LIMIT 20");
    for (const soci::row& x : rows) {
      items.push_back({{"code", db::RowStr(x, "topic_code")}, {"name", db::RowStr(x, "topic_name")},
                       {"yellow", db::RowInt(x, "yellow")}, {"red", db::RowInt(x, "red")}});
    }
  }

  nlohmann::json overdue = nlohmann::json::array();
  {
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT source, subject, kind, label, unit_name, person_name, topic_name, due_on FROM "
                            "sv_deadlines WHERE is_open = 1 AND paused = 0 AND due_on < :t"
                         << unit_filter << " ORDER BY due_on, id LIMIT 10",
         soci::use(today));
    for (const soci::row& x : rows) {
      const std::string due_on = db::RowStr(x, "due_on");
      const auto days = (calendar::ParseDate(today) - calendar::ParseDate(due_on)).count();
      overdue.push_back({{"source", db::RowStr(x, "source")}, {"subject", db::RowStr(x, "subject")},
                         {"label", db::RowStr(x, "label")}, {"unit_name", db::RowStr(x, "unit_name")},
                         {"person_name", db::RowStr(x, "person_name")}, {"topic_name", db::RowStr(x, "topic_name")},
                         {"due_on", due_on}, {"days_overdue", days},
                         {"href", SubjectHref(db::RowStr(x, "source"), db::RowStr(x, "subject"))}});
    }
  }

  nlohmann::json alerts = {{"open", 0}, {"noticed", 0}, {"answered", 0}, {"closed", 0}, {"total", 0},
                           {"yellow", 0}, {"red", 0}, {"yellow_cards", 0}, {"red_cards", 0}};
  std::map<std::string, std::pair<long long, long long>> per_day;
  {
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT created_on, state, colour, card, COUNT(*) AS n FROM sv_alerts WHERE created_on >= :f "
                            "AND created_on <= :t"
                         << unit_filter << " GROUP BY created_on, state, colour, card",
         soci::use(from), soci::use(to));
    for (const soci::row& x : rows) {
      const long long n = db::RowInt(x, "n");
      const std::string state = db::RowStr(x, "state"), colour = db::RowStr(x, "colour"), card = db::RowStr(x, "card");
      alerts[state] = alerts[state].get<long long>() + n;
      alerts[colour] = alerts[colour].get<long long>() + n;
      alerts["total"] = alerts["total"].get<long long>() + n;
      if (card == "yellow" || card == "red") alerts["yellow_cards"] = alerts["yellow_cards"].get<long long>() + n;
      if (card == "red") alerts["red_cards"] = alerts["red_cards"].get<long long>() + n;
      auto& day = per_day[db::RowStr(x, "created_on")];
      (colour == "yellow" ? day.first : day.second) += n;
    }
  }
  alerts["unresolved"] = alerts["total"].get<long long>() - alerts["closed"].get<long long>();
  nlohmann::json trend = nlohmann::json::array();
  for (auto d = calendar::ParseDate(from); d <= calendar::ParseDate(to); d += std::chrono::days{1}) {
    const std::string key = calendar::FormatDate(d);
    auto it = per_day.find(key);
    trend.push_back({{"date", key},
                     {"warnings", it == per_day.end() ? 0 : it->second.first},
                     {"violations", it == per_day.end() ? 0 : it->second.second}});
  }
  return {{"as_of", today}, {"dept", dept_code}, {"from", from}, {"to", to}, {"clocks", clocks},
          {"by_dept", depts}, {"by_item", items}, {"most_overdue", overdue}, {"alerts", alerts}, {"trend", trend}};
}

void Scheduler::Start() {
  if (seconds_ <= 0 || thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      try {
        const TickResult r = monitor_.Tick(node_);
        if (r.leader && (r.alerts || r.rule_alerts || r.red_cards)) {
          spdlog::info("supervision tick: {}", r.ToJson().dump());
        }
      } catch (const std::exception& e) {
        spdlog::error("supervision tick failed: {}", e.what());
      }
      lock.lock();
      cv_.wait_for(lock, std::chrono::seconds(seconds_), [this] { return stop_; });
    }
  });
}

void Scheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string NodeName() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "node");
  return std::string(host) + ":" + std::to_string(getpid());
}

nlohmann::json AlertJson(const Alert& a) {
  return {{"id", a.id},
          {"rule", a.rule_code},
          {"rule_name", a.rule_name},
          {"source", a.source},
          {"subject", a.subject},
          {"severity", a.severity},
          {"severity_label", SeverityLabel(a.severity)},
          {"colour", a.colour},
          {"colour_label", ColourLabel(a.colour)},
          {"unit_id", a.unit_id},
          {"unit_name", a.unit_name},
          {"person_name", a.person_name},
          {"topic_code", a.topic_code},
          {"topic_name", a.topic_name},
          {"detail", a.detail},
          {"due_on", a.due_on},
          {"state", a.state},
          {"state_label", AlertStateLabel(a.state)},
          {"card", a.card},
          {"card_label", a.card == "red" ? "红牌" : a.card == "yellow" ? "黄牌" : ""},
          {"created_on", a.created_on},
          {"created_at", a.created_at},
          {"closed_at", a.closed_at},
          {"closed_by", a.closed_by},
          {"conclusion", a.conclusion},
          {"href", SubjectHref(a.source, a.subject)}};
}

nlohmann::json NoticeJson(const Notice& n) {
  return {{"id", n.id},
          {"notice_no", n.notice_no},
          {"alert_id", n.alert_id},
          {"unit_name", n.unit_name},
          {"content", n.content},
          {"required_by", n.required_by},
          {"card", n.card},
          {"card_label", n.card == "red" ? "红牌" : "黄牌"},
          {"state", n.state},
          {"state_label", n.state == "issued" ? "待答复" : n.state == "answered" ? "已答复" : "已办结"},
          {"issued_by", n.issued_by},
          {"issued_at", n.issued_at},
          {"answer", n.answer},
          {"answered_by", n.answered_by},
          {"answered_at", n.answered_at},
          {"recommendation", n.recommendation}};
}

}  // namespace yiwang::supervision
