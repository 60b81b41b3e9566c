// Identity rules on both databases: registration checks, lockout, TOTP, sessions, per-unit
// access, 三员分立. Every bad input gets its error and changes nothing.
#include "core/error.hpp"
#include "identity/checkdigit.hpp"
#include "identity/totp.hpp"
#include "test_support.hpp"

namespace yiwang::testing {
namespace {

using identity::Context;
using identity::Role;

std::string ValidId(const std::string& first17 = "37050319900307123") {
  return first17 + identity::ResidentIdCheckChar(first17);
}

class Identity : public BackendTest {
 protected:
  struct Fixture {
    std::int64_t district, dept_a, dept_b;
    std::int64_t sysadmin, secadmin, clerk_a, clerk_b;
  };
  Fixture Seed(Node& n) {
    Fixture f{};
    Context sys = Context::System("测试");
    auto unit = [&](std::int64_t parent, const std::string& code, const std::string& name, const std::string& kind) {
      return n.identity->CreateUnit(sys, {parent, code, name, kind, 0}).id;
    };
    f.district = unit(0, "D", "东河区人民政府", "district");
    f.dept_a = unit(f.district, "A", "市场监督管理局", "department");
    f.dept_b = unit(f.district, "B", "自然资源和规划局", "department");
    auto user = [&](const std::string& name, std::int64_t unit_id, std::set<std::string> roles) {
      auto u = n.identity->CreateUser(sys, {name, name + "姓名", unit_id, "", "correct horse battery"});
      n.identity->SetRoles(sys, u.id, roles);
      return u.id;
    };
    f.sysadmin = user("sysadmin", f.district, {"sys_admin"});
    f.secadmin = user("secadmin", f.district, {"sec_admin"});
    f.clerk_a = user("clerk_a", f.dept_a, {"window_clerk"});
    f.clerk_b = user("clerk_b", f.dept_b, {"handler"});
    return f;
  }
  Context StaffCtx(Node& n, std::int64_t user_id) {
    Context c;
    c.principal.kind = "staff";
    auto u = n.identity->GetUser(Context::System("t"), user_id);
    c.principal.id = u.id;
    c.principal.name = u.display_name;
    c.principal.login = u.username;
    c.principal.unit_id = u.unit_id;
    c.principal.roles = u.roles;
    c.zone = "internal";
    c.client_ip = "127.0.0.1";
    return c;
  }
  identity::Registration Citizen() {
    identity::Registration r;
    r.kind = "citizen";
    r.name = "张三";
    r.id_number = ValidId();
    r.mobile = "13800138000";
    r.password = r.password_confirm = "my long passphrase";
    return r;
  }
};

TEST_P(Identity, RegistersCitizenAndQueuesPacket) {
  Node n(GetParam());
  Context ctx;
  ctx.zone = "external";
  auto a = n.identity->Register(ctx, Citizen());
  EXPECT_GT(a.id, 0);
  EXPECT_EQ(n.Count("public_accounts"), 1);
  EXPECT_EQ(n.Count("exchange_outbox", "kind = 'account.registered'"), 1);
  EXPECT_EQ(n.Count("audit_log", "action = 'account.register'"), 1);
}

TEST_P(Identity, WrongIdCardIsRefusedAndNothingIsCreated) {
  Node n(GetParam());
  auto r = Citizen();
  r.id_number[17] = r.id_number[17] == '1' ? '2' : '1';  // wrong check digit
  try {
    n.identity->Register({}, r);
    FAIL() << "accepted a wrong ID";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    ASSERT_TRUE(e.fields().count("id_number"));
    EXPECT_NE(e.fields().at("id_number").find("身份证号码不正确"), std::string::npos);
  }
  EXPECT_EQ(n.Count("public_accounts"), 0);
  EXPECT_EQ(n.Count("exchange_outbox"), 0);
  EXPECT_EQ(n.Count("audit_log"), 0);
}

TEST_P(Identity, EveryBadFieldIsReportedAtOnce) {
  Node n(GetParam());
  identity::Registration r;
  r.kind = "enterprise";
  r.name = "";
  r.id_number = "91350100M000100Y44";  // check character wrong
  r.mobile = "12345";
  r.password = "123456";
  r.password_confirm = "1234567";
  try {
    n.identity->Register({}, r);
    FAIL();
  } catch (const Error& e) {
    for (const char* f : {"name", "id_number", "legal_rep", "mobile", "password", "password_confirm"}) {
      EXPECT_TRUE(e.fields().count(f)) << f;
    }
  }
  EXPECT_EQ(n.Count("public_accounts"), 0);
}

TEST_P(Identity, DuplicateRegistrationConflicts) {
  Node n(GetParam());
  n.identity->Register({}, Citizen());
  try {
    n.identity->Register({}, Citizen());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
  }
  EXPECT_EQ(n.Count("public_accounts"), 1);
}

TEST_P(Identity, FifthWrongPasswordLocksAndSixthAttemptIsRefused) {
  Node n(GetParam());
  Seed(n);
  for (int i = 1; i <= 5; ++i) {
    try {
      n.identity->StaffLogin("10.0.0.1", "clerk_a", "wrong password");
      FAIL();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), i < 5 ? ErrorCode::kUnauthenticated : ErrorCode::kAccountLocked) << "attempt " << i;
    }
  }
  // The 6th attempt, even with the right password, is refused while locked.
  try {
    n.identity->StaffLogin("10.0.0.1", "clerk_a", "correct horse battery");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kAccountLocked);
  }
  EXPECT_EQ(n.Count("audit_log", "action = 'session.login' AND outcome = 'failure'"), 6);
  n.clock.Advance(15 * 60 * 1000 + 1);
  EXPECT_EQ(n.identity->StaffLogin("10.0.0.1", "clerk_a", "correct horse battery").stage, "full");
}

TEST_P(Identity, PublicLoginLocksToo) {
  Node n(GetParam());
  n.identity->Register({}, Citizen());
  for (int i = 0; i < 5; ++i) EXPECT_THROW(n.identity->PublicLogin("1.2.3.4", ValidId(), "nope"), Error);
  try {
    n.identity->PublicLogin("1.2.3.4", ValidId(), "my long passphrase");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kAccountLocked);
  }
}

TEST_P(Identity, StaffCannotListAnotherUnitsUsers) {
  Node n(GetParam());
  Fixture f = Seed(n);
  Context a = StaffCtx(n, f.clerk_a);
  EXPECT_EQ(n.identity->ListUsers(a, f.dept_a).size(), 1u);
  try {
    n.identity->ListUsers(a, f.dept_b);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kForbidden);
  }
  EXPECT_THROW(n.identity->GetUser(a, f.clerk_b), Error);
  EXPECT_EQ(n.Count("audit_log", "action = 'user.list' AND outcome = 'denied'"), 1);
  // The system administrator sees every unit.
  EXPECT_EQ(n.identity->ListUsers(StaffCtx(n, f.sysadmin), f.district).size(), 4u);
}

TEST_P(Identity, AdminRolesAreSeparated) {
  Node n(GetParam());
  Fixture f = Seed(n);
  Context sec = StaffCtx(n, f.secadmin);
  EXPECT_THROW(n.identity->SetRoles(sec, f.clerk_a, {"sys_admin", "auditor"}), Error);
  EXPECT_THROW(n.identity->SetRoles(sec, f.secadmin, {"handler"}), Error);  // not on oneself
  EXPECT_THROW(n.identity->SetRoles(StaffCtx(n, f.sysadmin), f.clerk_a, {"handler"}), Error);  // not the sys admin's job
  EXPECT_THROW(n.identity->SetRoles(sec, f.clerk_a, {"emperor"}), Error);
  EXPECT_EQ(n.identity->GetUser(sec, f.clerk_a).roles, (std::set<std::string>{"window_clerk"}));
  n.identity->SetRoles(sec, f.clerk_a, {"window_clerk", "handler"});
  EXPECT_EQ(n.identity->GetUser(sec, f.clerk_a).roles.size(), 2u);
  // Only the system administrator creates accounts.
  EXPECT_THROW(n.identity->CreateUser(sec, {"newbie", "新人", f.dept_a, "", "correct horse battery"}), Error);
  EXPECT_EQ(n.Count("users", "username = 'newbie'"), 0);
}

TEST_P(Identity, TotpEnrollmentThenLoginAndReplay) {
  Node n(GetParam());
  Seed(n);
  auto first = n.identity->StaffLogin("127.0.0.1", "sysadmin", "correct horse battery");
  EXPECT_EQ(first.stage, "enroll");
  EXPECT_FALSE(n.identity->ResolveSession(first.token, "internal")->principal.authenticated() &&
               n.identity->ResolveSession(first.token, "internal")->row.stage == "full");
  auto enrollment = n.identity->BeginTotpEnrollment(first.token);
  std::string secret = identity::Base32Decode(enrollment.secret_base32);
  EXPECT_THROW(n.identity->CompleteTotp(first.token, "000000" == identity::TotpCode(secret, n.clock.NowSeconds()) ? "111111" : "000000", "127.0.0.1"), Error);
  n.identity->CompleteTotp(first.token, identity::TotpCode(secret, n.clock.NowSeconds()), "127.0.0.1");
  EXPECT_EQ(n.identity->ResolveSession(first.token, "internal")->row.stage, "full");

  auto second = n.identity->StaffLogin("127.0.0.1", "sysadmin", "correct horse battery");
  EXPECT_EQ(second.stage, "totp");
  // The code just used cannot be replayed.
  EXPECT_THROW(n.identity->CompleteTotp(second.token, identity::TotpCode(secret, n.clock.NowSeconds()), "127.0.0.1"), Error);
  n.clock.Advance(30 * 1000);
  n.identity->CompleteTotp(second.token, identity::TotpCode(secret, n.clock.NowSeconds()), "127.0.0.1");
  EXPECT_EQ(n.identity->ResolveSession(second.token, "internal")->row.stage, "full");
}

TEST_P(Identity, SessionsExpireWhenIdleAndStayInTheirZone) {
  Node n(GetParam());
  Seed(n);
  auto r = n.identity->StaffLogin("127.0.0.1", "clerk_a", "correct horse battery");
  EXPECT_TRUE(n.identity->ResolveSession(r.token, "internal"));
  EXPECT_FALSE(n.identity->ResolveSession(r.token, "external"));
  n.clock.Advance(29 * 60 * 1000);
  EXPECT_TRUE(n.identity->ResolveSession(r.token, "internal"));  // touches last_seen
  n.clock.Advance(29 * 60 * 1000);
  EXPECT_TRUE(n.identity->ResolveSession(r.token, "internal"));
  n.clock.Advance(31 * 60 * 1000);
  EXPECT_FALSE(n.identity->ResolveSession(r.token, "internal"));
}

TEST_P(Identity, LockedAccountLosesItsSessions) {
  Node n(GetParam());
  Fixture f = Seed(n);
  auto r = n.identity->StaffLogin("127.0.0.1", "clerk_a", "correct horse battery");
  n.identity->SetUserLocked(StaffCtx(n, f.secadmin), f.clerk_a, true);
  EXPECT_FALSE(n.identity->ResolveSession(r.token, "internal"));
  EXPECT_THROW(n.identity->StaffLogin("127.0.0.1", "clerk_a", "correct horse battery"), Error);
  n.identity->SetUserLocked(StaffCtx(n, f.secadmin), f.clerk_a, false);
  EXPECT_EQ(n.identity->StaffLogin("127.0.0.1", "clerk_a", "correct horse battery").stage, "full");
}

TEST_P(Identity, ChangingOwnPasswordEndsOtherSessions) {
  Node n(GetParam());
  Fixture f = Seed(n);
  auto here = n.identity->StaffLogin("127.0.0.1", "clerk_a", "correct horse battery");
  auto elsewhere = n.identity->StaffLogin("10.9.9.9", "clerk_a", "correct horse battery");
  Context me = StaffCtx(n, f.clerk_a);
  EXPECT_THROW(n.identity->ChangeOwnPassword(me, here.token, "wrong old password", "a brand new passphrase"), Error);
  EXPECT_THROW(n.identity->ChangeOwnPassword(me, here.token, "correct horse battery", "123456"), Error);  // too common
  EXPECT_TRUE(n.identity->ResolveSession(elsewhere.token, "internal"));  // nothing changed yet
  n.identity->ChangeOwnPassword(me, here.token, "correct horse battery", "a brand new passphrase");
  EXPECT_TRUE(n.identity->ResolveSession(here.token, "internal"));
  EXPECT_FALSE(n.identity->ResolveSession(elsewhere.token, "internal"));
  EXPECT_THROW(n.identity->StaffLogin("127.0.0.1", "clerk_a", "correct horse battery"), Error);
  EXPECT_EQ(n.identity->StaffLogin("127.0.0.1", "clerk_a", "a brand new passphrase").stage, "full");
}

TEST_P(Identity, EveryChangeIsAuditedAndTheChainHolds) {
  Node n(GetParam());
  Seed(n);
  n.identity->Register({}, Citizen());
  EXPECT_GE(n.Count("audit_log", "action = 'unit.create'"), 3);
  EXPECT_GE(n.Count("audit_log", "action = 'user.create'"), 4);
  EXPECT_GE(n.Count("audit_log", "action = 'user.roles'"), 4);
  EXPECT_TRUE(n.audit->Verify(*n.db).ok);
}

YIWANG_BACKENDS(Identity);

}  // namespace
}  // namespace yiwang::testing
