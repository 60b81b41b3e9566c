#pragma once
// Internal messages (站内消息): reminders, 督办单 and red cards that supervision writes to a
// staff member or, when nobody holds the task, to a unit. A person sees the messages addressed
// to them and those addressed to their department or one of its offices (the same scope as
// the department's cases, identity::store::DepartmentSubtree).
//
// Read state is per person (table message_reads): a message to a unit is shared by everyone
// of the department, and A reading it says nothing about B.
#include <cstdint>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "core/clock.hpp"
#include "db/database.hpp"
#include "identity/service.hpp"

namespace yiwang::supervision {

struct Message {
  std::int64_t id = 0;
  std::string title, body;
  std::string link;  // a workbench path ("" when the message points nowhere)
  std::int64_t created_at = 0;
  bool to_unit = false;      // addressed to the department, not to the person
  std::int64_t read_at = 0;  // when this person read it; 0 = unread
};

struct MessagePage {
  std::vector<Message> rows;
  std::int64_t total = 0;      // of the filter
  std::int64_t unread = 0;     // of the person, whatever the filter
  std::int64_t all = 0;        // every message the person sees
  std::int64_t newest_id = 0;  // the newest message the person sees (for "mark all" up to it)
};

/// Whether a message's link may be followed from the workbench: a path on this site
/// ("/cases/…"), never another host ("//evil", "https://…", "/\evil") or a header break.
bool IsWorkbenchPath(const std::string& link);

class Inbox {
 public:
  Inbox(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit)
      : db_(db), clock_(clock), audit_(audit) {}

  /// The person's unread messages (the layout asks on every page): the department's units
  /// (one read of the small units table, as for every case page) and one COUNT on indexes.
  std::int64_t UnreadCount(const identity::Principal& p) const;

  /// Newest first; `unread_only` keeps the ones this person has not read. `page` from 1.
  MessagePage List(const identity::Context& ctx, bool unread_only, int page, int per_page) const;

  /// Marks one message read for this person (idempotent) and returns it. A message the
  /// person may not see is kNotFound, exactly like one that does not exist.
  Message MarkRead(const identity::Context& ctx, std::int64_t id);

  /// Marks read every message the person sees with id <= up_to (0: all), i.e. what the page
  /// showed when they pressed the button, not one that arrived since. Returns how many.
  std::int64_t MarkAllRead(const identity::Context& ctx, std::int64_t up_to);

 private:
  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
};

}  // namespace yiwang::supervision
