// The deadline registry and the colour arithmetic of the monitor.
#include <map>

#include "core/error.hpp"
#include "db/row.hpp"
#include "supervision/supervision.hpp"

namespace yiwang::supervision {

void OutboxSms::Send(db::Tx& tx, const std::string& mobile, const std::string& text) {
  if (mobile.empty()) return;
  long long now = clock_.NowMs();
  tx.sql() << "INSERT INTO sms_outbox (mobile, text, created_at) VALUES (:m, :t, :c)", soci::use(mobile),
      soci::use(text), soci::use(now);
}

void Deadlines::Sync(db::Tx& tx, const std::string& source, const std::string& subject,
                     const std::vector<WatchedDeadline>& open, const calendar::Calendar& cal, const std::string& ended) {
  const long long now = clock_.NowMs();
  const std::string today = core::FormatLocalDate(now);
  struct Existing {
    long long id;
    std::string due_on, started_on, colour;
    long long person_id;
    bool paused, is_open;
  };
  std::map<std::string, Existing> existing;
  {
    soci::rowset<soci::row> rows =
        (tx.sql().prepare << "SELECT id, kind, due_on, started_on, colour, person_id, paused, is_open FROM sv_deadlines "
                             "WHERE source = :s AND subject = :j",
         soci::use(source), soci::use(subject));
    for (const soci::row& r : rows) {
      existing[db::RowStr(r, "kind")] = {db::RowInt(r, "id"),         db::RowStr(r, "due_on"),
                                         db::RowStr(r, "started_on"), db::RowStr(r, "colour"),
                                         db::RowInt(r, "person_id"),  db::RowInt(r, "paused") != 0,
                                         db::RowInt(r, "is_open") != 0};
    }
  }
  std::set<std::string> listed;
  std::vector<std::string> taken;  // the yellow or red clocks a person just took over
  long long taken_by = 0;
  for (const auto& d : open) {
    if (d.kind.empty() || d.due_on.empty()) continue;
    listed.insert(d.kind);
    const std::string warn =
        calendar::FormatDate(WarnOn(cal, calendar::ParseDate(d.due_on), settings_.warn_days));
    // A green clock needs the monitor only on its first yellow day; any other colour is left
    // to the next tick (today), which raises what it must.
    const std::string colour_now = ColourOn(today, warn, d.due_on);
    const std::string next = d.paused ? kNever : colour_now == "green" ? warn : today;
    int paused = d.paused ? 1 : 0;
    long long unit = d.unit_id, person = d.person_id;
    auto it = existing.find(d.kind);
    if (it == existing.end()) {
      tx.sql() << "INSERT INTO sv_deadlines (source, subject, kind, label, parent_kind, overdue_rule, topic_code, "
                  "topic_name, unit_id, unit_name, person_id, person_name, started_on, due_on, warn_on, paused, "
                  "is_open, colour, next_check, updated_at) VALUES (:s, :j, :k, :l, :pk, :r, :tc, :tn, :u, :un, :p, "
                  ":pn, :st, :du, :w, :pa, 1, 'green', :nx, :n)",
          soci::use(source), soci::use(subject), soci::use(d.kind), soci::use(d.label), soci::use(d.parent_kind),
          soci::use(d.overdue_rule), soci::use(d.topic_code), soci::use(d.topic_name), soci::use(unit),
          soci::use(d.unit_name), soci::use(person), soci::use(d.person_name), soci::use(d.started_on),
          soci::use(d.due_on), soci::use(warn), soci::use(paused), soci::use(next), soci::use(now);
      continue;
    }
    const Existing& e = it->second;
    if (e.is_open && e.due_on == d.due_on && e.paused == d.paused && e.person_id == d.person_id &&
        e.started_on == d.started_on) {
      continue;  // nothing changed: leave the colour and next check as the monitor set them
    }
    // Changed (extension, suspension, resumed, reassigned, reopened): the colour stays as it
    // was until the monitor looks again, so no transition is ever skipped.
    const std::string colour = e.is_open ? e.colour : "green";
    const std::string next_changed = d.paused ? kNever : (colour == colour_now && colour == "green") ? warn : today;
    tx.sql() << "UPDATE sv_deadlines SET label = :l, parent_kind = :pk, overdue_rule = :r, unit_id = :u, unit_name = :un, "
                "person_id = :p, person_name = :pn, started_on = :st, due_on = :du, warn_on = :w, paused = :pa, "
                "is_open = 1, colour = :c, next_check = :nx, closed_on = '', late = 0, updated_at = :n WHERE id = :id",
        soci::use(d.label), soci::use(d.parent_kind), soci::use(d.overdue_rule), soci::use(unit), soci::use(d.unit_name),
        soci::use(person), soci::use(d.person_name), soci::use(d.started_on), soci::use(d.due_on), soci::use(warn),
        soci::use(paused), soci::use(colour), soci::use(next_changed), soci::use(now), soci::use(e.id);
    // Someone takes over a clock that is already yellow or red: they are told at once (the
    // reminder went to the unit, or to the previous holder) — in one message for all its clocks.
    if (e.is_open && d.person_id && d.person_id != e.person_id && (e.colour == "yellow" || e.colour == "red")) {
      taken_by = person;
      taken.push_back(d.label + (e.colour == "red" ? "已于 " : "将于 ") + d.due_on + " 届满" +
                      (e.colour == "red" ? "，已超期" : ""));
    }
  }
  if (!taken.empty()) {
    std::string body = "您签收的“" + subject + "”";
    for (std::size_t i = 0; i < taken.size(); ++i) body += (i ? "；" : "") + taken[i];
    body += "，请抓紧办理。";
    const std::string title = "期限提醒：" + subject;
    long long zero = 0;
    std::string link = SubjectHref(source, subject);
    tx.sql() << "INSERT INTO messages (recipient_id, unit_id, title, body, link, created_at) VALUES (:r, :u, :t, :b, :l, "
                ":c)",
        soci::use(taken_by), soci::use(zero), soci::use(title), soci::use(body), soci::use(link), soci::use(now);
  }
  for (const auto& [kind, e] : existing) {
    if (!e.is_open || listed.count(kind)) continue;
    int late = today > e.due_on ? 1 : 0;
    long long id = e.id;
    // Done late but not yet seen red by the monitor (no tick between the limit and the work):
    // the next tick still raises the overdue alert, then never looks again.
    const std::string next = late && e.colour != "red" ? today : std::string(kNever);
    tx.sql() << "UPDATE sv_deadlines SET is_open = 0, closed_on = :t, late = :l, next_check = :nx, ended = :e, "
                "updated_at = :n WHERE id = :id",
        soci::use(today), soci::use(late), soci::use(next), soci::use(ended), soci::use(now), soci::use(id);
    // A warning is moot once the work is done in time (or the record ended); an overdue alert
    // stays for the supervisor.
    std::string conclusion = !ended.empty() ? ended + "，办理终止，预警解除"
                             : late         ? "已完成（超期），预警关闭"
                                            : "期限内已完成，预警自动解除";
    std::vector<long long> warnings;
    {
      soci::rowset<soci::row> ws = (tx.sql().prepare << "SELECT id FROM sv_alerts WHERE deadline_id = :d AND rule_code = "
                                                        "'DEADLINE_WARNING' AND state = 'open'",
                                    soci::use(id));
      for (const soci::row& w : ws) warnings.push_back(db::RowInt(w, "id"));
    }
    for (long long w : warnings) {
      tx.sql() << "UPDATE sv_alerts SET state = 'closed', closed_at = :n, closed_by = '系统', conclusion = :c WHERE id = :i",
          soci::use(now), soci::use(conclusion), soci::use(w);
      std::string action = "auto_close", actor = "电子监察";
      tx.sql() << "INSERT INTO sv_events (alert_id, source, subject, ts, action, actor, text) VALUES (:a, :s, :j, :t, :ac, "
                  ":ar, :x)",
          soci::use(w), soci::use(source), soci::use(subject), soci::use(now), soci::use(action), soci::use(actor),
          soci::use(conclusion);
    }
  }
}

}  // namespace yiwang::supervision
