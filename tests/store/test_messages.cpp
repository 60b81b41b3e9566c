// 站内消息 on both databases: read state is per person (a department's message read by one
// clerk stays unread for the others); a person sees their own messages and their department's
// (the department and its offices, nested ones too), never another person's or another
// department's — marking one of those is "not found" and changes nothing; "mark all" marks
// only what the page showed; both are audited; the list pages newest first and filters unread.
#include "core/error.hpp"
#include "supervision/messages.hpp"
#include "test_support.hpp"

namespace yiwang::testing {
namespace {

class Messages : public BackendTest {
 protected:
  void SetUp() override {
    n_ = std::make_unique<Node>(GetParam());
    inbox_ = std::make_unique<supervision::Inbox>(*n_->db, n_->clock, *n_->audit);
    auto sys = identity::Context::System("测试");
    district_ = n_->identity->CreateUnit(sys, {0, "D", "东河区人民政府", "district", 0}).id;
    scj_ = n_->identity->CreateUnit(sys, {district_, "SCJ", "东河区市场监督管理局", "department", 1}).id;
    zc_ = n_->identity->CreateUnit(sys, {scj_, "SCJ-ZC", "政策法规科", "office", 1}).id;
    sp_ = n_->identity->CreateUnit(sys, {scj_, "SCJ-SP", "审批科", "office", 2}).id;
    sp1_ = n_->identity->CreateUnit(sys, {sp_, "SCJ-SP-1", "审批一组", "office", 1}).id;
    zrj_ = n_->identity->CreateUnit(sys, {district_, "ZRJ", "东河区自然资源和规划局", "department", 2}).id;
    a_ = Staff("clerka", zc_);
    b_ = Staff("clerkb", sp_);
    c_ = Staff("clerkc", sp1_);
    z_ = Staff("clerkz", zrj_);
  }
  identity::Context Staff(const std::string& name, std::int64_t unit) {
    auto sys = identity::Context::System("测试");
    auto u = n_->identity->CreateUser(sys, {name, name + "姓名", unit, "", "correct horse battery"});
    identity::Context c;
    c.principal = {"staff", u.id, u.display_name, u.username, u.unit_id, u.unit_name, {}};
    c.zone = "internal";
    return c;
  }
  /// A message as supervision writes it: to a person, or (person 0) to a unit.
  std::int64_t Send(std::int64_t person, std::int64_t unit, const std::string& title,
                    const std::string& link = "/supervision/notices") {
    long long r = person, u = person ? 0 : unit, t = n_->clock.NowMs(), id = 0;
    std::string body = "正文";
    db::WithTx(*n_->db, [&](db::Tx& tx) {
      tx.sql() << "INSERT INTO messages (recipient_id, unit_id, title, body, link, created_at) VALUES (:r, :u, :t, :b, "
                  ":l, :c) RETURNING id",
          soci::use(r), soci::use(u), soci::use(title), soci::use(body), soci::use(link), soci::use(t), soci::into(id);
    });
    n_->clock.Advance(1000);
    return id;
  }
  std::int64_t Unread(const identity::Context& who) { return inbox_->UnreadCount(who.principal); }
  std::vector<std::string> Titles(const identity::Context& who, bool unread_only = false, int page = 1, int per = 50) {
    std::vector<std::string> out;
    for (const auto& m : inbox_->List(who, unread_only, page, per).rows) out.push_back(m.title);
    return out;
  }
  std::unique_ptr<Node> n_;
  std::unique_ptr<supervision::Inbox> inbox_;
  std::int64_t district_ = 0, scj_ = 0, zc_ = 0, sp_ = 0, sp1_ = 0, zrj_ = 0;
  identity::Context a_, b_, c_, z_;
};

TEST_P(Messages, ADepartmentsMessageIsReadByEachPersonAlone) {
  const auto id = Send(0, scj_, "督办单 督办〔2026〕000001号");
  for (const auto* who : {&a_, &b_, &c_}) EXPECT_EQ(Unread(*who), 1) << who->principal.login;
  EXPECT_EQ(Unread(z_), 0) << "another department";

  const auto m = inbox_->MarkRead(a_, id);
  EXPECT_EQ(m.title, "督办单 督办〔2026〕000001号");
  EXPECT_TRUE(m.to_unit);
  EXPECT_GT(m.read_at, 0);
  EXPECT_EQ(Unread(a_), 0);
  EXPECT_EQ(Unread(b_), 1) << "A reading the department's message says nothing about B";
  EXPECT_EQ(Unread(c_), 1);
  const auto pa = inbox_->List(a_, false, 1, 20), pb = inbox_->List(b_, false, 1, 20);
  ASSERT_EQ(pa.rows.size(), 1u);
  ASSERT_EQ(pb.rows.size(), 1u);
  EXPECT_GT(pa.rows[0].read_at, 0);
  EXPECT_EQ(pb.rows[0].read_at, 0);
  EXPECT_EQ(pb.unread, 1);
  EXPECT_TRUE(inbox_->List(a_, true, 1, 20).rows.empty());
  EXPECT_EQ(Titles(b_, true), std::vector<std::string>{"督办单 督办〔2026〕000001号"});
  EXPECT_EQ(n_->Count("message_reads"), 1);
  EXPECT_EQ(n_->Count("messages", "read_at <> 0"), 0) << "the old shared column is not written";
}

TEST_P(Messages, APersonSeesTheirOwnAndTheirDepartmentsMessagesOnly) {
  Send(0, scj_, "to SCJ");
  Send(0, zc_, "to ZC");
  Send(0, sp1_, "to SP-1 (an office inside an office)");
  Send(0, zrj_, "to ZRJ");
  Send(0, district_, "to the district");
  Send(b_.principal.id, 0, "to B");
  Send(z_.principal.id, 0, "to Z");
  const std::vector<std::string> dept = {"to SP-1 (an office inside an office)", "to ZC", "to SCJ"};
  EXPECT_EQ(Titles(a_), dept);
  EXPECT_EQ(Unread(a_), 3);
  EXPECT_EQ(Titles(c_), dept);
  std::vector<std::string> with_b = {"to B"};
  with_b.insert(with_b.end(), dept.begin(), dept.end());
  EXPECT_EQ(Titles(b_), with_b);
  EXPECT_EQ(Unread(b_), 4);
  EXPECT_EQ(Titles(z_), (std::vector<std::string>{"to Z", "to ZRJ"}));
  EXPECT_EQ(Unread(z_), 2);
}

TEST_P(Messages, SomeoneElsesMessageIsNotFoundAndNothingChanges) {
  const auto to_b = Send(b_.principal.id, 0, "to B");
  const auto to_scj = Send(0, scj_, "to SCJ");
  auto refused = [&](const identity::Context& who, std::int64_t id) {
    try {
      inbox_->MarkRead(who, id);
      ADD_FAILURE() << who.principal.login << " marked message " << id;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kNotFound);
      EXPECT_EQ(e.message(), "消息不存在");
    }
  };
  refused(a_, to_b);  // a colleague of the same department: still B's own message
  refused(z_, to_b);
  refused(z_, to_scj);  // another department's message
  refused(a_, to_scj + 1000);  // no such message: the same answer
  EXPECT_EQ(n_->Count("message_reads"), 0);
  EXPECT_EQ(n_->Count("audit_log", "action LIKE 'message.%'"), 0);
  EXPECT_EQ(Unread(b_), 2);
  EXPECT_EQ(inbox_->MarkAllRead(z_, 0), 0) << "Z has nothing of B's or SCJ's to mark";
  EXPECT_EQ(Unread(b_), 2);
  EXPECT_EQ(Unread(a_), 1);
}

TEST_P(Messages, MarkingReadIsIdempotentAndAudited) {
  const auto id = Send(0, scj_, "督办单");
  inbox_->MarkRead(a_, id);
  const auto first = inbox_->List(a_, false, 1, 20).rows.at(0).read_at;
  n_->clock.Advance(60000);
  inbox_->MarkRead(a_, id);
  EXPECT_EQ(inbox_->List(a_, false, 1, 20).rows.at(0).read_at, first) << "read once, at the first time";
  EXPECT_EQ(n_->Count("message_reads"), 1);
  EXPECT_EQ(n_->Count("audit_log", "action = 'message.read' AND object_id = '" + std::to_string(id) +
                                       "' AND actor_id = " + std::to_string(a_.principal.id)),
            1);
}

TEST_P(Messages, MarkAllMarksWhatThePageShowedNotWhatArrivedSince) {
  Send(0, scj_, "one");
  Send(b_.principal.id, 0, "two");
  const auto shown = inbox_->List(b_, false, 1, 20);
  EXPECT_EQ(shown.unread, 2);
  const auto later = Send(0, sp_, "three, after the page was shown");
  EXPECT_EQ(inbox_->MarkAllRead(b_, shown.newest_id), 2);
  EXPECT_EQ(Unread(b_), 1);
  EXPECT_EQ(Titles(b_, true), std::vector<std::string>{"three, after the page was shown"});
  EXPECT_EQ(Unread(a_), 2) << "B's marking is B's alone";
  EXPECT_EQ(n_->Count("audit_log", "action = 'message.read_all' AND actor_id = " + std::to_string(b_.principal.id)), 1);
  EXPECT_EQ(inbox_->MarkAllRead(b_, shown.newest_id), 0) << "nothing left up to that message";
  EXPECT_EQ(n_->Count("audit_log", "action = 'message.read_all'"), 1) << "no change, no audit record";
  EXPECT_EQ(inbox_->MarkAllRead(b_, 0), 1);
  EXPECT_EQ(Unread(b_), 0);
  EXPECT_GT(inbox_->List(b_, false, 1, 20).rows.at(0).read_at, 0);
  EXPECT_EQ(inbox_->List(b_, false, 1, 20).rows.at(0).id, later);
}

TEST_P(Messages, TheListPagesNewestFirstAndFiltersUnread) {
  std::vector<std::int64_t> ids;
  for (int i = 1; i <= 45; ++i) ids.push_back(Send(i % 2 ? 0 : b_.principal.id, scj_, "m" + std::to_string(i)));
  for (int i = 0; i < 45; i += 3) inbox_->MarkRead(b_, ids[i]);  // m1, m4, … m43: 15 read
  auto p1 = inbox_->List(b_, false, 1, 20), p3 = inbox_->List(b_, false, 3, 20), p4 = inbox_->List(b_, false, 4, 20);
  EXPECT_EQ(p1.total, 45);
  EXPECT_EQ(p1.all, 45);
  EXPECT_EQ(p1.unread, 30);
  EXPECT_EQ(p1.newest_id, ids.back());
  ASSERT_EQ(p1.rows.size(), 20u);
  EXPECT_EQ(p1.rows.front().title, "m45");
  EXPECT_EQ(p1.rows.back().title, "m26");
  ASSERT_EQ(p3.rows.size(), 5u);
  EXPECT_EQ(p3.rows.back().title, "m1");
  EXPECT_TRUE(p4.rows.empty());
  EXPECT_EQ(p4.total, 45);
  auto u1 = inbox_->List(b_, true, 1, 20), u2 = inbox_->List(b_, true, 2, 20);
  EXPECT_EQ(u1.total, 30);
  ASSERT_EQ(u1.rows.size(), 20u);
  ASSERT_EQ(u2.rows.size(), 10u);
  EXPECT_EQ(u1.rows.front().title, "m45");  // m45 and m44 are not read; m43 is
  EXPECT_EQ(u1.rows.front().read_at, 0);
  for (const auto& m : u2.rows) EXPECT_EQ(m.read_at, 0) << m.title;
  EXPECT_EQ(u2.rows.back().title, "m2");
  EXPECT_EQ(Unread(b_), 30);
  // A sees the department's 23 (the odd ones), all unread: B's reading was B's.
  EXPECT_EQ(Unread(a_), 23);
}

TEST_P(Messages, OnlyAWorkbenchPathIsALink) {
  for (const char* ok : {"/cases/DH2026", "/supervision/alerts/12", "/messages?show=unread"}) {
    EXPECT_TRUE(supervision::IsWorkbenchPath(ok)) << ok;
  }
  for (const char* bad : {"", "cases/1", "//evil.example/x", "https://evil.example/", "/\\evil.example", "/a\r\nSet-Cookie: x=1",
                          "javascript:alert(1)", " /cases/1"}) {
    EXPECT_FALSE(supervision::IsWorkbenchPath(bad)) << bad;
  }
}

YIWANG_BACKENDS(Messages);

}  // namespace
}  // namespace yiwang::testing
