// Complaints (投诉处理) on both databases, with the clock set by hand: an online complaint
// crosses to the internal zone as a packet and is received with its acceptance deadline (5
// working days, across 春节); the input rules; accept / reject / reply with role, unit, state
// and field checks that change nothing when they fail; the acceptance clock turns yellow then
// red and raises a supervision alert with a 督办单 when nobody decides; letters and calls
// registered inside; and the whole path across two nodes over the spool.
#include <filesystem>

#include "approval_fixture.hpp"
#include "complaints/complaints.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "supervision/supervision.hpp"

namespace yiwang::testing {
namespace {
namespace fs = std::filesystem;
using complaints::State;

/// The approval fixture (units, calendar, a case to complain about) plus complaints, watched
/// by supervision when `watched` (the internal zone).
struct Fixture : Approval {
  Fixture(Node& n, bool watched = true)
      : Approval(n),
        deadlines(n.clock, {}),
        monitor(*n.db, n.clock, *n.audit, calendar, deadlines, std::make_unique<supervision::OutboxSms>(n.clock)),
        complaints(*n.db, n.clock, *n.audit, *n.exchange, calendar, complaints::Settings{"JCJ", 5, 15}) {
    complaints.RegisterPacketHandlers();
    if (watched) {
      cases.WatchWith(&deadlines);
      complaints.WatchWith(&deadlines);
    }
  }
  /// Units, calendar, the item, staff (SeedInside), the complaints unit with its 监察员 and
  /// an office below it, and a 监察员 of another department.
  void Seed() {
    SeedInside();
    auto sys = identity::Context::System("测试");
    jcj = node.identity->CreateUnit(sys, {district, "JCJ", "东河区监察局", "department", 9}).id;
    jcj_office = node.identity->CreateUnit(sys, {jcj, "JCJ-XN", "执法监察室", "office", 1}).id;
    supervisor = Staff("sup", jcj_office, {"supervisor"});
    elsewhere = Staff("sup2", scj, {"supervisor"});
    auditor = Staff("aud", jcj, {"auditor"});
  }
  static identity::Context Anonymous() {
    identity::Context c;
    c.zone = "external";
    return c;
  }
  static complaints::Input About(const std::string& dept, const std::string& key = "") {
    complaints::Input in;
    in.about = "department";
    in.dept_code = dept;
    in.name = "李四";
    in.mobile = "13900001111";
    in.content = "窗口工作人员态度生硬，多次拖延办理，请求调查处理。";
    in.idempotency_key = key;
    return in;
  }
  void Pump() {
    node.exchange->Pump();
    node.exchange->Pump();
  }
  void At(const std::string& local) { node.clock.Set(core::ParseLocal(local)); }
  /// An online complaint received inside at the node's current time.
  complaints::Submitted Received(const std::string& dept = "SCJ") {
    auto s = complaints.Submit(Anonymous(), About(dept));
    Pump();
    return s;
  }
  std::string Colour(const std::string& no, const std::string& kind) {
    std::string c;
    soci::session s(node.db->pool());
    s << "SELECT colour FROM sv_deadlines WHERE source = 'complaints' AND subject = :s AND kind = :k", soci::use(no),
        soci::use(kind), soci::into(c);
    return c;
  }
  complaints::Action Do(const std::string& action, const std::string& text = "", int upheld = -1) {
    return {action, text, upheld};
  }
  supervision::Deadlines deadlines;
  supervision::Monitor monitor;
  complaints::ComplaintService complaints;
  std::int64_t jcj = 0, jcj_office = 0;
  identity::Context supervisor, elsewhere, auditor;
};

/// The error code of a call expected to throw.
template <typename F>
ErrorCode CodeOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected an error";
  return ErrorCode::kInternal;
}

template <typename F>
std::map<std::string, std::string> FieldsOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput) << e.message();
    return e.fields();
  }
  ADD_FAILURE() << "expected an error";
  return {};
}

class Complaints : public BackendTest {
 protected:
  void SetUp() override { n_ = std::make_unique<Node>(GetParam()); }
  std::unique_ptr<Node> n_;
};

TEST_P(Complaints, AnOnlineComplaintCrossesAsAPacketAndIsReceivedWithItsDueDate) {
  Fixture f(*n_);
  f.At("2026-02-11 09:00");  // Wednesday before 春节
  f.Seed();
  auto s = f.complaints.Submit(Fixture::Anonymous(), Fixture::About("SCJ"));
  EXPECT_TRUE(complaints::IsComplaintNo(s.complaint_no)) << s.complaint_no;
  EXPECT_EQ(s.complaint_no.substr(0, 10), "TS20260211");
  EXPECT_NE(s.complaint_no[10], '9');  // 9 is for complaints registered inside
  EXPECT_EQ(s.query_code.size(), 6u);
  // Only the SM3 of the code is stored; before the packet is applied nothing is inside.
  EXPECT_EQ(n_->Count("complaints", "query_code_hash = '" + core::Sm3Hex(s.complaint_no + ":" + s.query_code) + "'"), 1);
  EXPECT_EQ(f.complaints.PublicStatus(s.complaint_no, s.query_code).state, State::kSubmitted);
  EXPECT_EQ(CodeOf([&] { f.complaints.ForStaff(f.supervisor, s.complaint_no); }), ErrorCode::kNotFound);
  EXPECT_EQ(n_->Count("exchange_outbox", "kind = 'complaint.submitted'"), 1);
  f.Pump();
  auto c = f.complaints.ForStaff(f.supervisor, s.complaint_no);
  EXPECT_EQ(c.state, State::kReceived);
  // 受理期限 5 working days: 02-12 (1), 02-13 (2), Sat 02-14 调休 (3), 02-24 (4), 02-25 (5).
  EXPECT_EQ(c.acceptance_due, "2026-02-25");
  EXPECT_EQ(c.dept_unit_id, f.scj);
  EXPECT_EQ(c.dept_name, "东河区市场监督管理局");
  EXPECT_EQ(c.revision, 1);
  EXPECT_EQ(n_->Count("sv_deadlines", "source = 'complaints' AND subject = '" + s.complaint_no +
                                          "' AND kind = 'acceptance' AND is_open = 1 AND due_on = '2026-02-25' AND "
                                          "label = '投诉受理期限' AND overdue_rule = 'DEADLINE_OVERDUE' AND unit_id = " +
                                          std::to_string(f.jcj)),
            1);
  // The complainant sees the receipt with the code, and nothing with a wrong one.
  auto pub = f.complaints.PublicStatus(s.complaint_no, s.query_code);
  EXPECT_EQ(pub.state, State::kReceived);
  ASSERT_EQ(pub.events.size(), 2u);
  EXPECT_EQ(pub.events[1].action, "receive");
  EXPECT_EQ(CodeOf([&] { f.complaints.PublicStatus(s.complaint_no, s.query_code == "000000" ? "111111" : "000000"); }),
            ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf([&] { f.complaints.PublicStatus("TS20260211000000", s.query_code); }), ErrorCode::kNotFound);
  nlohmann::json j = complaints::ComplaintJson(pub, false);
  EXPECT_EQ(j["complainant_name"], "李*");
  EXPECT_FALSE(j["events"][0].contains("actor"));
  EXPECT_EQ(n_->Count("exchange_errors"), 0);
  EXPECT_EQ(n_->Count("audit_log", "action = 'complaint.submit'"), 1);
}

TEST_P(Complaints, TheFormRulesAndAComplaintAboutACase) {
  Fixture f(*n_);
  f.At("2026-03-02 09:00");
  f.Seed();
  auto anon = Fixture::Anonymous();
  complaints::Input bad;
  bad.mobile = "12345";
  bad.content = "太慢了太慢了太慢了";  // 9 characters
  auto fields = FieldsOf([&] { f.complaints.Submit(anon, bad); });
  EXPECT_EQ(fields.count("about"), 1u);
  EXPECT_EQ(fields.count("name"), 1u);
  EXPECT_EQ(fields.count("mobile"), 1u);
  EXPECT_EQ(fields.count("content"), 1u);
  auto long_text = Fixture::About("SCJ");
  long_text.content.clear();
  for (int i = 0; i < 2001; ++i) long_text.content += "慢";
  EXPECT_EQ(FieldsOf([&] { f.complaints.Submit(anon, long_text); }).count("content"), 1u);
  long_text.content.resize(2000 * 3);  // exactly 2000 characters is allowed
  EXPECT_NO_THROW(f.complaints.Submit(anon, long_text));
  // A department from the list: not an office, not an unknown code.
  EXPECT_EQ(FieldsOf([&] { f.complaints.Submit(anon, Fixture::About("JCJ-XN")); }).count("dept_code"), 1u);
  EXPECT_EQ(FieldsOf([&] { f.complaints.Submit(anon, Fixture::About("NOPE")); }).count("dept_code"), 1u);
  // About a case: the number's format, then that the case exists.
  auto about_case = Fixture::About("");
  about_case.about = "case";
  about_case.case_no = "DH2026";
  EXPECT_NE(FieldsOf([&] { f.complaints.Submit(anon, about_case); })["case_no"].find("格式"), std::string::npos);
  about_case.case_no = "DH20260302000000";
  EXPECT_NE(FieldsOf([&] { f.complaints.Submit(anon, about_case); })["case_no"].find("未找到"), std::string::npos);
  EXPECT_EQ(n_->Count("complaints"), 1);  // only the 2000-character one
  auto citizen = f.Citizen();
  auto kase = f.cases.Submit(citizen, f.App("k1"));
  f.Pump();
  about_case.case_no = kase.case_no;
  auto s = f.complaints.Submit(anon, about_case);
  f.Pump();
  auto c = f.complaints.ForStaff(f.supervisor, s.complaint_no);
  EXPECT_EQ(c.about, "case");
  EXPECT_EQ(c.case_no, kase.case_no);
  EXPECT_EQ(c.dept_code, "SCJ");  // the department of the case
  EXPECT_EQ(c.dept_unit_id, f.scj);
  // The same idempotency key (and mobile) twice: one complaint, the code is not shown again.
  auto first = f.complaints.Submit(anon, Fixture::About("ZRJ", "key-1"));
  auto again = f.complaints.Submit(anon, Fixture::About("ZRJ", "key-1"));
  EXPECT_TRUE(again.repeated);
  EXPECT_EQ(again.complaint_no, first.complaint_no);
  EXPECT_TRUE(again.query_code.empty());
  EXPECT_EQ(n_->Count("complaints", "idempotency_key = 'key-1'"), 1);
  // Logged in: name and mobile default to the account's; the complainant reads it without a code.
  auto mine = Fixture::About("ZRJ");
  mine.name.clear();
  mine.mobile.clear();
  auto m = f.complaints.Submit(citizen, mine);
  auto own = f.complaints.ForComplainant(citizen, m.complaint_no);
  EXPECT_EQ(own.complainant_name, "张三");
  EXPECT_EQ(own.complainant_mobile, "13800138000");
  EXPECT_EQ(CodeOf([&] { f.complaints.ForComplainant(anon, m.complaint_no); }), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf([&] { f.complaints.ForComplainant(citizen, first.complaint_no); }), ErrorCode::kNotFound);
  // Staff do not use the public form.
  EXPECT_EQ(CodeOf([&] { f.complaints.Submit(f.supervisor, Fixture::About("SCJ")); }), ErrorCode::kForbidden);
}

TEST_P(Complaints, AcceptRejectReplyAndAWrongRoleOrStateChangesNothing) {
  Fixture f(*n_);
  f.At("2026-03-02 09:00");
  f.Seed();
  const std::string a = f.Received().complaint_no, b = f.Received("ZRJ").complaint_no;
  auto snapshot = [&] {
    return std::to_string(n_->Count("complaint_events")) + "/" + std::to_string(n_->Count("audit_log")) + "/" +
           std::to_string(n_->Count("exchange_outbox")) + "/" +
           std::to_string(n_->Count("complaints", "revision = 1 AND state = 'received'"));
  };
  const std::string before = snapshot();
  EXPECT_EQ(CodeOf([&] { f.complaints.Act(f.clerk, a, f.Do("accept")); }), ErrorCode::kForbidden);
  EXPECT_EQ(CodeOf([&] { f.complaints.Act(f.elsewhere, a, f.Do("accept")); }), ErrorCode::kForbidden);  // not the complaints unit
  EXPECT_EQ(CodeOf([&] { f.complaints.Act(f.auditor, a, f.Do("accept")); }), ErrorCode::kForbidden);   // reads only
  EXPECT_EQ(CodeOf([&] { f.complaints.Act(f.supervisor, a, f.Do("reply", "已整改", 1)); }), ErrorCode::kConflict);
  EXPECT_EQ(FieldsOf([&] { f.complaints.Act(f.supervisor, a, f.Do("reject", "  ")); }).count("reason"), 1u);
  EXPECT_EQ(FieldsOf([&] { f.complaints.Act(f.supervisor, a, f.Do("close")); }).count("action"), 1u);
  EXPECT_EQ(CodeOf([&] { f.complaints.Act(f.supervisor, "TS20260302999999", f.Do("accept")); }), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf([&] { f.complaints.List(f.clerk, ""); }), ErrorCode::kForbidden);
  EXPECT_EQ(f.complaints.List(f.auditor, "received").rows.size(), 2u);
  // One page at a time, with the count of the filter.
  const auto first = f.complaints.List(f.auditor, "received", 1, 1);
  EXPECT_EQ(first.total, 2);
  ASSERT_EQ(first.rows.size(), 1u);
  const auto second = f.complaints.List(f.auditor, "received", 2, 1);
  ASSERT_EQ(second.rows.size(), 1u);
  EXPECT_NE(first.rows[0].complaint_no, second.rows[0].complaint_no);
  EXPECT_TRUE(f.complaints.List(f.auditor, "received", 3, 1).rows.empty());
  EXPECT_EQ(CodeOf([&] { f.complaints.List(f.auditor, "no_such_state"); }), ErrorCode::kInvalidInput);
  EXPECT_EQ(snapshot(), before);

  // Accepted (by a 监察员 in an office of the complaints unit): the reply clock replaces the
  // acceptance clock, 15 working days from the day of acceptance.
  f.At("2026-03-04 10:00");
  auto c = f.complaints.Act(f.supervisor, a, f.Do("accept", "转区市场监督管理局核查"));
  EXPECT_EQ(c.state, State::kAccepted);
  EXPECT_EQ(c.reply_due, "2026-03-25");  // 15 working days from 03-04
  EXPECT_EQ(c.revision, 2);
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + a + "' AND kind = 'acceptance' AND is_open = 0 AND late = 0"), 1);
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + a + "' AND kind = 'reply' AND is_open = 1 AND due_on = "
                                      "'2026-03-25' AND label = '投诉答复期限'"),
            1);
  EXPECT_EQ(CodeOf([&] { f.complaints.Act(f.supervisor, a, f.Do("accept")); }), ErrorCode::kConflict);
  EXPECT_EQ(CodeOf([&] { f.complaints.Act(f.supervisor, a, f.Do("reject", "重复投诉")); }), ErrorCode::kConflict);
  const std::string mid = snapshot();
  auto reply_fields = FieldsOf([&] { f.complaints.Act(f.supervisor, a, f.Do("reply", "", -1)); });
  EXPECT_EQ(reply_fields.count("reply"), 1u);
  EXPECT_EQ(reply_fields.count("upheld"), 1u);
  EXPECT_EQ(FieldsOf([&] { f.complaints.Act(f.supervisor, a, f.Do("reply", "经核查属实", 2)); }).count("upheld"), 1u);
  EXPECT_EQ(CodeOf([&] { f.complaints.Act(f.elsewhere, a, f.Do("reply", "不属实", 0)); }), ErrorCode::kForbidden);
  EXPECT_EQ(snapshot(), mid);

  c = f.complaints.Act(f.supervisor, a, f.Do("reply", "经核查，窗口人员确有拖延，已责令整改并通报批评。", 1));
  EXPECT_EQ(c.state, State::kReplied);
  EXPECT_TRUE(c.upheld);
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + a + "' AND is_open = 1"), 0);
  EXPECT_EQ(CodeOf([&] { f.complaints.Act(f.supervisor, a, f.Do("reply", "再答复", 0)); }), ErrorCode::kConflict);
  EXPECT_EQ(n_->Count("complaints", "complaint_no = '" + a + "' AND upheld = 1 AND replied_at > 0 AND reply <> ''"), 1);

  c = f.complaints.Act(f.supervisor, b, f.Do("reject", "不属于行政效能投诉范围，请向区人民法院提起诉讼"));
  EXPECT_EQ(c.state, State::kRejected);
  EXPECT_EQ(c.reason, "不属于行政效能投诉范围，请向区人民法院提起诉讼");
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + b + "' AND is_open = 1"), 0);
  EXPECT_EQ(CodeOf([&] { f.complaints.Act(f.supervisor, b, f.Do("reply", "答复", 0)); }), ErrorCode::kConflict);

  // The complainant's copy (zone "both": the same row) carries the reply and the timeline.
  f.Pump();
  auto pub = complaints::ComplaintJson(f.complaints.ForStaff(f.supervisor, a), false);
  EXPECT_EQ(pub["state"], "replied");
  EXPECT_EQ(pub["upheld"], true);
  EXPECT_EQ(pub["upheld_label"], "投诉属实");
  std::vector<std::string> actions;
  for (const auto& e : pub["events"]) actions.push_back(e["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"submit", "receive", "accept", "reply"}));
  EXPECT_EQ(n_->Count("audit_log", "action IN ('complaint.accept', 'complaint.reject', 'complaint.reply')"), 3);
  EXPECT_EQ(n_->Count("exchange_outbox", "kind = 'complaint.updated'"), 2 + 3);  // 2 receipts, 3 actions
  EXPECT_EQ(n_->Count("exchange_errors"), 0);
}

TEST_P(Complaints, TheAcceptanceClockTurnsRedAndRaisesASupervisionAlert) {
  Fixture f(*n_);
  f.At("2026-03-02 09:00");
  f.Seed();
  const std::string no = f.Received().complaint_no;
  // Due 03-09 (03-03, 04, 05, 06, 09); yellow from 03-06, one working day before.
  EXPECT_EQ(f.complaints.ForStaff(f.supervisor, no).acceptance_due, "2026-03-09");
  f.At("2026-03-05 09:00");
  f.monitor.Tick("node-a");
  EXPECT_EQ(f.Colour(no, "acceptance"), "green");
  f.At("2026-03-06 08:00");
  auto r = f.monitor.Tick("node-a");
  EXPECT_EQ(r.yellow, 1);
  EXPECT_EQ(f.Colour(no, "acceptance"), "yellow");
  EXPECT_EQ(n_->Count("sv_alerts", "source = 'complaints' AND subject = '" + no + "' AND rule_code = 'DEADLINE_WARNING'"), 1);
  // The reminder goes to the complaints unit (nobody holds the complaint) and links to its page.
  EXPECT_EQ(n_->Count("messages", "unit_id = " + std::to_string(f.jcj) + " AND link = '/supervision/complaints/" + no + "'"),
            1);
  f.At("2026-03-09 17:00");  // the due day is still in time
  f.monitor.Tick("node-a");
  EXPECT_EQ(f.Colour(no, "acceptance"), "yellow");
  f.At("2026-03-10 00:05");  // 5 working days have passed with no decision
  r = f.monitor.Tick("node-a");
  EXPECT_EQ(r.red, 1);
  EXPECT_EQ(f.Colour(no, "acceptance"), "red");
  supervision::AlertFilter filter;
  filter.source = "complaints";
  filter.subject = no;
  filter.state = "open";
  std::int64_t total = 0;
  auto alerts = f.monitor.Alerts(f.supervisor, filter, &total);
  ASSERT_EQ(total, 1);
  EXPECT_EQ(alerts[0].rule_code, "DEADLINE_OVERDUE");
  EXPECT_EQ(alerts[0].unit_name, "东河区监察局");
  EXPECT_EQ(alerts[0].card, "yellow");  // a 督办单 went out with it
  EXPECT_TRUE(f.monitor.NoticeOf(alerts[0].id).has_value());
  EXPECT_EQ(supervision::AlertJson(alerts[0])["href"], "/supervision/complaints/" + no);
  EXPECT_FALSE(f.monitor.EventsFor("complaints", no).empty());
  // Deciding late closes the clock as late; the event says so.
  f.At("2026-03-10 10:00");
  auto c = f.complaints.Act(f.supervisor, no, f.Do("accept"));
  EXPECT_NE(c.events.back().text.find("已超过受理期限 2026-03-09"), std::string::npos);
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + no + "' AND kind = 'acceptance' AND is_open = 0 AND late = 1"), 1);
  EXPECT_EQ(f.Colour(no, "reply"), "green");
  EXPECT_EQ(f.monitor.Tick("node-a").alerts, 0);  // nothing raised twice
}

TEST_P(Complaints, LettersAndCallsAreRegisteredInside) {
  Fixture f(*n_);
  f.At("2026-03-02 09:00");
  f.Seed();
  auto letter = Fixture::About("ZRJ");
  letter.channel = "letter";
  letter.mobile.clear();  // a letter may give no phone number
  auto s = f.complaints.Register(f.supervisor, letter);
  EXPECT_EQ(s.complaint_no[10], '9');
  auto c = f.complaints.ForStaff(f.supervisor, s.complaint_no);
  EXPECT_EQ(c.state, State::kReceived);
  EXPECT_EQ(c.channel, "letter");
  EXPECT_EQ(c.acceptance_due, "2026-03-09");
  EXPECT_EQ(c.registered_by, "sup姓名");
  EXPECT_EQ(n_->Count("sv_deadlines", "subject = '" + s.complaint_no + "' AND kind = 'acceptance' AND is_open = 1"), 1);
  f.Pump();  // its feedback packet finds the row already there
  EXPECT_EQ(n_->Count("complaint_events", "complaint_id = " + std::to_string(c.id)), 1);
  EXPECT_EQ(f.complaints.PublicStatus(s.complaint_no, s.query_code).channel, "letter");
  auto call = Fixture::About("ZRJ");
  call.channel = "phone";
  call.mobile.clear();
  EXPECT_EQ(FieldsOf([&] { f.complaints.Register(f.supervisor, call); }).count("mobile"), 1u);
  call.channel = "online";
  EXPECT_EQ(FieldsOf([&] { f.complaints.Register(f.supervisor, call); }).count("channel"), 1u);
  call.channel = "phone";
  call.mobile = "13900002222";
  EXPECT_EQ(CodeOf([&] { f.complaints.Register(f.clerk, call); }), ErrorCode::kForbidden);
  EXPECT_EQ(CodeOf([&] { f.complaints.Register(f.elsewhere, call); }), ErrorCode::kForbidden);
  EXPECT_EQ(f.complaints.ForStaff(f.supervisor, f.complaints.Register(f.supervisor, call).complaint_no).channel, "phone");
  EXPECT_EQ(n_->Count("audit_log", "action = 'complaint.register'"), 2);
}

TEST_P(Complaints, TheWholePathAcrossTwoNodesOverTheSpool) {
  const std::string spool = (fs::temp_directory_path() / ("yiwang-complaints-" + core::HexEncode(core::RandomBytes(5)))).string();
  Node outside(GetParam(), core::Zone::kExternal, spool), inside(GetParam(), core::Zone::kInternal, spool);
  for (Node* n : {&outside, &inside}) n->clock.Set(core::ParseLocal("2026-03-02 09:00"));
  Fixture out(outside, false), in(inside, true);
  in.Seed();  // units are owned inside and reach the portal as packets
  auto ferry = [&] { Ferry(inside, outside); };
  ferry();
  auto s = out.complaints.Submit(Fixture::Anonymous(), Fixture::About("SCJ"));
  EXPECT_EQ(inside.Count("complaints"), 0);
  ferry();
  auto c = in.complaints.ForStaff(in.supervisor, s.complaint_no);
  EXPECT_EQ(c.state, State::kReceived);
  EXPECT_EQ(c.dept_unit_id, in.scj);  // resolved by code inside
  EXPECT_EQ(out.complaints.PublicStatus(s.complaint_no, s.query_code).acceptance_due, "2026-03-09");
  in.complaints.Act(in.supervisor, s.complaint_no, in.Do("accept"));
  ferry();
  EXPECT_EQ(out.complaints.PublicStatus(s.complaint_no, s.query_code).state, State::kAccepted);
  in.complaints.Act(in.supervisor, s.complaint_no, in.Do("reply", "经调查，投诉不属实，已向您说明办理依据。", 0));
  ferry();
  auto mine = out.complaints.PublicStatus(s.complaint_no, s.query_code);
  EXPECT_EQ(mine.state, State::kReplied);
  EXPECT_FALSE(mine.upheld);
  EXPECT_EQ(mine.reply, "经调查，投诉不属实，已向您说明办理依据。");
  EXPECT_EQ(mine.revision, 3);
  EXPECT_EQ(mine.events.size(), 4u);  // submit, receive, accept, reply
  // A letter registered inside appears outside with its code.
  auto letter = Fixture::About("ZRJ");
  letter.channel = "letter";
  auto l = in.complaints.Register(in.supervisor, letter);
  ferry();
  auto copy = out.complaints.PublicStatus(l.complaint_no, l.query_code);
  EXPECT_EQ(copy.state, State::kReceived);
  EXPECT_EQ(copy.channel, "letter");
  EXPECT_EQ(copy.dept_name, "东河区自然资源和规划局");
  EXPECT_EQ(outside.Count("sv_deadlines"), 0);  // the portal's copies are not watched
  EXPECT_EQ(outside.Count("exchange_errors"), 0);
  EXPECT_EQ(inside.Count("exchange_errors"), 0);
  fs::remove_all(spool);
}

YIWANG_BACKENDS(Complaints);

}  // namespace
}  // namespace yiwang::testing
