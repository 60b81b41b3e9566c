// Audit chain: every state change is recorded; verify names the first altered, deleted or
// inserted record; the application's own connection cannot change the log.
#include "core/error.hpp"
#include "test_support.hpp"

namespace yiwang::testing {
namespace {

class Audit : public BackendTest {
 protected:
  void Fill(Node& n, int count) {
    for (int i = 0; i < count; ++i) {
      db::WithTx(*n.db, [&](db::Tx& tx) {
        audit::Actor a;
        a.kind = "staff";
        a.id = 7;
        a.name = "测试员";
        a.client_ip = "127.0.0.1";
        n.audit->Append(tx, a, {"test.event", "thing", std::to_string(i), "success", "第" + std::to_string(i) + "次"});
      });
      n.clock.Advance(1000);
    }
  }
  /// A DBA working around the append-only triggers.
  void DisableGuards(Node& n) {
    if (GetParam() == "sqlite") {
      n.Exec("DROP TRIGGER audit_log_no_update");
      n.Exec("DROP TRIGGER audit_log_no_delete");
    } else {
      n.Exec("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change");
    }
  }
};

TEST_P(Audit, IntactChainVerifies) {
  Node n(GetParam());
  Fill(n, 5);
  auto r = n.audit->Verify(*n.db);
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.checked, 5);
}

TEST_P(Audit, ApplicationConnectionCannotChangeTheLog) {
  Node n(GetParam());
  Fill(n, 2);
  EXPECT_ANY_THROW(n.Exec("UPDATE audit_log SET detail = 'x' WHERE seq = 1"));
  EXPECT_ANY_THROW(n.Exec("DELETE FROM audit_log WHERE seq = 1"));
  EXPECT_TRUE(n.audit->Verify(*n.db).ok);
}

TEST_P(Audit, DetectsEditedRecord) {
  Node n(GetParam());
  Fill(n, 5);
  DisableGuards(n);
  n.Exec("UPDATE audit_log SET actor_name = '别人' WHERE seq = 3");
  auto r = n.audit->Verify(*n.db);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 3);
  EXPECT_NE(r.problem.find("篡改"), std::string::npos);
}

TEST_P(Audit, DetectsDeletedRecord) {
  Node n(GetParam());
  Fill(n, 5);
  DisableGuards(n);
  n.Exec("DELETE FROM audit_log WHERE seq = 2");
  auto r = n.audit->Verify(*n.db);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 2);
  EXPECT_NE(r.problem.find("删除"), std::string::npos);
}

TEST_P(Audit, DetectsDeletedTail) {
  Node n(GetParam());
  Fill(n, 5);
  DisableGuards(n);
  n.Exec("DELETE FROM audit_log WHERE seq = 5");
  auto r = n.audit->Verify(*n.db);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 5);
}

TEST_P(Audit, DetectsRecordInsertedOutOfBand) {
  Node n(GetParam());
  Fill(n, 3);
  // A forged record at the end, with a plain SM3 "hash" (the forger does not have the key).
  n.Exec("INSERT INTO audit_log (seq, ts, actor_kind, actor_id, actor_name, unit_id, action, object_type, object_id, "
         "outcome, client_ip, zone, detail, prev_hash, hash) SELECT 4, ts, actor_kind, actor_id, actor_name, unit_id, "
         "action, object_type, object_id, outcome, client_ip, zone, detail, hash, prev_hash FROM audit_log WHERE seq = 3");
  n.Exec("UPDATE audit_head SET last_seq = 4");
  auto r = n.audit->Verify(*n.db);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 4);
}

TEST_P(Audit, SearchFiltersAndPages) {
  Node n(GetParam());
  Fill(n, 12);
  audit::AuditLog::Query q;
  q.action = "test.";
  q.per_page = 5;
  auto p = n.audit->Search(*n.db, q);
  EXPECT_EQ(p.total, 12);
  ASSERT_EQ(p.rows.size(), 5u);
  EXPECT_EQ(p.rows[0].seq, 12);  // newest first
  q.object_id = "3";
  EXPECT_EQ(n.audit->Search(*n.db, q).total, 1);
  q = {};
  q.actor = "不存在";
  EXPECT_EQ(n.audit->Search(*n.db, q).total, 0);
}

YIWANG_BACKENDS(Audit);

}  // namespace
}  // namespace yiwang::testing
