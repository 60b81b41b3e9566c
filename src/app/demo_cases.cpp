// `yiwang demo --cases`: replays six weeks of fictional work at the 市场监管局 so that the
// queues, the supervision dashboard and its trend have something to show. The same services
// as in production run on a clock that walks day by day from the past to today: applicants
// submit, the window accepts (or refuses with reasons), staff claim and complete steps,
// decisions are sealed, and every evening the monitor ticks. Some cases are left to lie so
// that they turn yellow and red; departments answer some of their 督办单.
#include <map>

#include "app/demo.hpp"
#include "approval/cases.hpp"
#include "approval/demo_catalogue.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "identity/checkdigit.hpp"
#include "db/row.hpp"
#include "identity/store.hpp"
#include "supervision/colour.hpp"

namespace yiwang::app {

namespace {

// A small valid PDF: the demo materials are checked by content like any other upload.
const std::string kDemoPdf =
    "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    "trailer<</Root 1 0 R>>\n%%EOF\n";

/// A deterministic "random" number in [0, 100) for (case, day, salt).
int Roll(std::size_t a, std::size_t b, std::size_t salt) {
  std::size_t h = a * 2654435761u ^ (b + 0x9e3779b9 + (salt << 6) + (salt >> 2));
  h ^= h >> 13;
  h *= 0x5bd1e995;
  h ^= h >> 15;
  return static_cast<int>(h % 100);
}

identity::Context StaffContext(App& app, const std::string& username) {
  db::Conn c(*app.db);
  auto row = identity::store::FindUserByName(c.sql(), username);
  if (!row) throw Error(ErrorCode::kNotFound, "演示人员不存在：" + username);
  identity::User u = app.identity->GetUser(identity::Context::System("演示数据"), row->user.id);
  identity::Context ctx;
  ctx.principal = {"staff", u.id, u.display_name, u.username, u.unit_id, u.unit_name, u.roles};
  ctx.zone = "internal";
  return ctx;
}

approval::CaseAction Action(const std::string& action, const std::string& opinion = "", const std::string& decision = "") {
  approval::CaseAction a;
  a.action = action;
  a.opinion = opinion;
  a.decision = decision;
  return a;
}

identity::Context PublicContext(App& app, const std::string& id_number) {
  db::Conn c(*app.db);
  long long id = 0;
  std::string name;
  c.sql() << "SELECT id, name FROM public_accounts WHERE id_number = :n", soci::use(id_number), soci::into(id),
      soci::into(name);
  if (!c.sql().got_data()) throw Error(ErrorCode::kNotFound, "演示公众账户不存在");
  identity::Context ctx;
  ctx.principal.kind = "public";
  ctx.principal.id = id;
  ctx.principal.name = name;
  ctx.zone = "external";
  return ctx;
}

}  // namespace

std::string SeedDemoCases(App& app) {
  if (app.config.zone != core::Zone::kBoth) return "（办件演示数据仅在单节点演示中生成）\n";
  const calendar::Calendar cal = app.calendar->Load();
  const std::string today = core::FormatLocalDate(app.clock->NowMs());
  core::ManualClock clock(core::ParseLocal(calendar::FormatDate(calendar::ParseDate(today) - std::chrono::days{42}) +
                                           " 09:00"));
  // The same services as the node's, on the walking clock.
  audit::AuditLog audit(clock, core::DeriveKey(app.config.secret, "audit-chain"));
  exchange::Exchange exchange(*app.db, clock, audit, app.config.zone, app.config.spool_dir);
  approval::CatalogueService catalogue(*app.db, clock, audit, exchange, *app.files);
  approval::DocumentService documents(*app.db, clock, *app.files, core::DeriveKey(app.config.secret, "seal-keys"),
                                      app.config.public_url);
  approval::CaseService cases(*app.db, clock, audit, exchange, *app.files, catalogue, *app.calendar, documents,
                              approval::LegalPeriods{});
  cases.RegisterPacketHandlers();
  supervision::Deadlines deadlines(clock, app.deadlines->settings());
  supervision::Monitor monitor(*app.db, clock, audit, *app.calendar, deadlines,
                               std::make_unique<supervision::OutboxSms>(clock));
  monitor.AddSource(approval::MakeApprovalRules());
  cases.WatchWith(&deadlines);

  const auto clerk = StaffContext(app, "scjclerk"), handler = StaffContext(app, "handler"),
             reviewer = StaffContext(app, "reviewer"), approver = StaffContext(app, "approver");
  const std::map<std::string, identity::Context> by_role = {
      {"window_clerk", clerk}, {"handler", handler}, {"reviewer", reviewer}, {"approver", approver}};
  const std::string c17 = "37050319900307123", f17 = "91370503MA3C4D5E6";
  const std::vector<identity::Context> applicants = {
      PublicContext(app, c17 + identity::ResidentIdCheckChar(c17)), PublicContext(app, f17 + identity::UsccCheckChar(f17))};
  std::vector<approval::Item> items;
  for (const auto& it : approval::DemoCatalogue()) {
    if (it.dept_code != "DH-SCJ" || it.materials.empty()) continue;
    bool staffed = true;
    for (const auto& s : it.steps) staffed = staffed && by_role.count(s.role);
    if (staffed) items.push_back(catalogue.Published(it.code));
    if (items.size() == 5) break;
  }
  if (items.empty()) return "（没有可用于演示的市场监管局事项）\n";

  std::vector<std::string> open;
  int submitted = 0, concluded = 0, refused = 0, withdrawn = 0, answered = 0;
  for (int d = 0; d < 42; ++d) {
    const calendar::Date date = calendar::ParseDate(today) - std::chrono::days{42 - d};
    if (!supervision::IsWorkingDay(cal, date)) continue;
    const std::string ds = calendar::FormatDate(date);
    clock.Set(core::ParseLocal(ds + " 09:00"));
    // Morning: two or three applications.
    const int n = 2 + Roll(d, 7, 1) % 2;
    for (int k = 0; k < n; ++k) {
      const approval::Item& item = items[static_cast<std::size_t>(submitted) % items.size()];
      approval::Application a;
      a.item_code = item.code;
      a.contact_name = submitted % 2 ? "钱进" : "张晓明";
      a.contact_mobile = submitted % 2 ? "13900000002" : "13800000001";
      a.description = "演示申请 " + std::to_string(submitted + 1);
      a.idempotency_key = "demo-" + std::to_string(submitted);
      int no = 0;
      for (const auto& m : item.materials) {
        ++no;
        if (m.required) a.uploads.push_back({no, "材料" + std::to_string(no) + ".pdf", kDemoPdf + std::to_string(no)});
      }
      open.push_back(cases.Submit(applicants[static_cast<std::size_t>(submitted) % 2], a).case_no);
      ++submitted;
    }
    exchange.Pump();
    exchange.Pump();
    // Day: staff work through the queue; about one case in eight is left to lie.
    clock.Set(core::ParseLocal(ds + " 14:00"));
    std::vector<std::string> still;
    for (std::size_t i = 0; i < open.size(); ++i) {
      const std::string& no = open[i];
      const bool neglected = Roll(std::hash<std::string>{}(no), 0, 3) < 12;
      approval::Case c = cases.ForStaff(clerk, no);
      if (neglected || Roll(std::hash<std::string>{}(no), static_cast<std::size_t>(d), 5) < 20) {
        still.push_back(no);
        continue;
      }
      const approval::Item item = cases.ItemOf(c);
      using approval::CaseState;
      // Now and then an applicant withdraws before the decision (撤回申请); the case ends inside.
      if ((c.state == CaseState::kAccepted || c.state == CaseState::kInProgress) &&
          Roll(std::hash<std::string>{}(no), 2, 13) < 4) {
        for (const identity::Context& who : applicants) {
          if (who.principal.id == c.applicant_id) cases.Withdraw(who, no, "经营计划调整，暂不开办");
        }
        ++withdrawn;
        continue;
      }
      if (c.state == CaseState::kReceived) {
        if (Roll(std::hash<std::string>{}(no), 1, 9) < 6) {
          cases.Act(clerk, no, "refuse", "申请事项依法不需要取得行政许可", {});
          ++refused;
          continue;
        }
        cases.Act(clerk, no, "accept", "", {});
      } else if (c.state == CaseState::kAccepted || c.state == CaseState::kInProgress) {
        const auto& step = item.steps[static_cast<std::size_t>(c.current_step - 1)];
        const identity::Context& who = by_role.at(step.role);
        if (c.state == CaseState::kAccepted || c.assignee_id == 0) cases.Act(who, no, Action("claim"));
        if (c.current_step == static_cast<int>(item.steps.size())) {
          cases.Act(who, no, Action("decide", "材料齐全，符合法定条件", "approve"));
        } else {
          cases.Act(who, no, Action("complete_step", "符合要求，同意"));
        }
      } else if (c.state == CaseState::kDecided) {
        cases.Act(clerk, no, Action("conclude"));
        ++concluded;
        continue;
      }
      still.push_back(no);
    }
    open = still;
    exchange.Pump();
    // Evening: the monitor; the department answers some of yesterday's notices.
    clock.Set(core::ParseLocal(ds + " 18:00"));
    monitor.Tick("demo");
    db::Conn conn(*app.db);
    std::vector<long long> pending;
    soci::rowset<soci::row> rows = (conn.sql().prepare << "SELECT id FROM sv_notices WHERE state = 'issued' ORDER BY id");
    for (const soci::row& r : rows) pending.push_back(db::RowInt(r, "id"));
    for (long long id : pending) {
      if (Roll(static_cast<std::size_t>(id), static_cast<std::size_t>(d), 11) < 40) {
        monitor.Answer(clerk, id, "已督促经办人员办理，超期原因为同期申请集中、人员不足，已调整窗口排班。");
        ++answered;
      }
    }
  }
  exchange.Pump();
  return "已生成演示办件 " + std::to_string(submitted) + " 件（办结 " + std::to_string(concluded) + "，不予受理 " +
         std::to_string(refused) + "，撤回 " + std::to_string(withdrawn) + "，在办 " + std::to_string(open.size()) + "），部门已答复督办单 " +
         std::to_string(answered) + " 份。\n";
}

}  // namespace yiwang::app
