#include "identity/service.hpp"

#include <algorithm>
#include <map>

#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "identity/checkdigit.hpp"
#include "identity/totp.hpp"

namespace yiwang::identity {
namespace {

constexpr std::int64_t kMinute = 60 * 1000;

using core::Trim;

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

/// Length in characters (UTF-8 code points), which is what a person counts.
bool IsValidUsername(const std::string& s) {
  if (s.size() < 3 || s.size() > 32) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '.' || c == '-'; });
}

std::string LockMessage(std::int64_t until) {
  return "账户因连续输错密码已被锁定，请于 " + core::FormatLocal(until).substr(11, 5) + " 后再试";
}

// A fixed Argon2id hash to verify against when the account does not exist, so that the
// response time does not reveal which usernames exist.
const std::string& DummyHash() {
  static const std::string kHash = HashPassword("yiwang-dummy-password-for-timing");
  return kHash;
}

}  // namespace

audit::Actor Context::ToActor() const {
  audit::Actor a;
  a.kind = principal.kind.empty() ? (zone == "cli" ? "system" : "anonymous") : principal.kind;
  a.id = principal.id;
  a.name = principal.name.empty() ? principal.login : principal.name;
  a.unit_id = principal.unit_id;
  a.client_ip = client_ip;
  a.zone = zone;
  return a;
}

Context Context::System(const std::string& name) {
  Context c;
  c.principal.kind = "system";
  c.principal.name = name;
  c.zone = "cli";
  return c;
}

void RequireRole(const Principal& p, std::initializer_list<Role> roles) {
  if (p.kind == "system") return;  // the command line runs with the server operator's rights
  if (p.kind != "staff") throw Error(ErrorCode::kForbidden, "此操作仅限工作人员");
  for (Role r : roles) {
    if (p.Has(r)) return;
  }
  std::string need;
  for (Role r : roles) need += (need.empty() ? "" : "或") + RoleLabel(r);
  throw Error(ErrorCode::kForbidden, "您没有执行此操作的权限（需要" + need + "角色）");
}

IdentityService::IdentityService(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit,
                                 exchange::Exchange& exchange, const core::Config& config)
    : db_(db), clock_(clock), audit_(audit), exchange_(exchange), config_(config),
      policy_(PolicyFor(ParsePasswordProfile(config.password_profile))) {}

std::string IdentityService::SealKey() const { return core::DeriveKey(config_.secret, "totp-at-rest"); }

// ---------------------------------------------------------------- packets

void IdentityService::RegisterPacketHandlers() {
  exchange_.On("unit.upsert", [this](db::Tx& tx, const exchange::Packet& p) {
    Unit u;
    u.id = p.payload.at("id").get<std::int64_t>();
    u.parent_id = p.payload.value("parent_id", std::int64_t{0});
    u.code = p.payload.at("code").get<std::string>();
    u.name = p.payload.at("name").get<std::string>();
    u.kind = p.payload.at("kind").get<std::string>();
    u.sort_order = p.payload.value("sort_order", 0);
    u.active = p.payload.value("active", true);
    store::UpsertUnit(tx.sql(), u, clock_.NowMs());
  });
  exchange_.On("account.registered", [](db::Tx& tx, const exchange::Packet& p) {
    PublicAccount a;
    a.id = p.payload.at("id").get<std::int64_t>();
    a.kind = p.payload.at("kind").get<std::string>();
    a.name = p.payload.at("name").get<std::string>();
    a.id_number = p.payload.at("id_number").get<std::string>();
    a.mobile = p.payload.at("mobile").get<std::string>();
    a.legal_rep = p.payload.value("legal_rep", "");
    a.created_at = p.payload.at("created_at").get<std::int64_t>();
    store::UpsertPublicMirror(tx.sql(), a);
  });
  exchange_.On("account.locked", [](db::Tx& tx, const exchange::Packet& p) {
    std::int64_t id = p.payload.at("id").get<std::int64_t>();
    bool locked = p.payload.at("locked").get<bool>();
    store::SetPublicDisabled(tx.sql(), id, locked);
    if (locked) store::DeleteSessionsOf(tx.sql(), "public", id);
  });
}

// ---------------------------------------------------------------- units

std::vector<Unit> IdentityService::Units() {
  db::Conn c(db_);
  return store::ListUnits(c.sql());
}

std::optional<Unit> IdentityService::FindUnit(std::int64_t id) {
  db::Conn c(db_);
  return store::FindUnit(c.sql(), id);
}

std::vector<std::int64_t> IdentityService::Subtree(std::int64_t unit_id) {
  std::vector<Unit> all = Units();
  std::multimap<std::int64_t, std::int64_t> children;
  for (const Unit& u : all) children.emplace(u.parent_id, u.id);
  std::vector<std::int64_t> out = {unit_id};
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto range = children.equal_range(out[i]);
    for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  }
  return out;
}

Unit IdentityService::CreateUnit(const Context& ctx, const NewUnit& input) {
  RequireRole(ctx.principal, {Role::kSysAdmin});
  std::map<std::string, std::string> fields;
  Unit u;
  u.code = Trim(input.code);
  u.name = Trim(input.name);
  u.kind = input.kind;
  u.parent_id = input.parent_id;
  u.sort_order = input.sort_order;
  if (u.code.empty() || u.code.size() > 32 ||
      !std::all_of(u.code.begin(), u.code.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; })) {
    fields["code"] = "单位编码为 1 到 32 位字母、数字、连字符或下划线";
  }
  if (u.name.empty() || core::Utf8Length(u.name) > 60) fields["name"] = "请填写单位名称（不超过 60 个字）";
  static const std::set<std::string> kKinds = {"city", "district", "department", "town", "office"};
  if (!kKinds.count(u.kind)) fields["kind"] = "请选择单位类型";
  return db::WithTx(db_, [&](db::Tx& tx) {
    if (u.parent_id != 0 && !store::FindUnit(tx.sql(), u.parent_id)) fields["parent_id"] = "上级单位不存在";
    if (fields.count("code") == 0 && store::FindUnitByCode(tx.sql(), u.code)) fields["code"] = "该单位编码已被使用";
    if (!fields.empty()) throw Error(ErrorCode::kInvalidInput, "单位信息有误，请修正后再提交", fields);
    u.id = store::InsertUnit(tx.sql(), u, clock_.NowMs());
    audit_.Append(tx, ctx.ToActor(), {"unit.create", "unit", std::to_string(u.id), "success", u.code + " " + u.name});
    exchange_.Send(tx, core::Zone::kExternal, "unit.upsert",
                   {{"id", u.id}, {"parent_id", u.parent_id}, {"code", u.code}, {"name", u.name}, {"kind", u.kind},
                    {"sort_order", u.sort_order}, {"active", u.active}});
    return u;
  });
}

// ---------------------------------------------------------------- staff

bool IdentityService::TotpRequired(const User& u) const {
  if (u.totp_enrolled) return true;
  for (const std::string& r : config_.totp_required_roles) {
    if (u.roles.count(r)) return true;
  }
  return false;
}

std::vector<User> IdentityService::ListUsers(const Context& ctx, std::int64_t unit_id) {
  const Principal& p = ctx.principal;
  if (p.kind != "staff" && p.kind != "system") throw Error(ErrorCode::kForbidden, "此操作仅限工作人员");
  bool global = p.kind == "system" || p.Has(Role::kSysAdmin) || p.Has(Role::kSecAdmin) || p.Has(Role::kAuditor);
  if (!global) {
    std::vector<std::int64_t> mine = Subtree(p.unit_id);
    if (std::find(mine.begin(), mine.end(), unit_id) == mine.end()) {
      db::WithTx(db_, [&](db::Tx& tx) {
        audit_.Append(tx, ctx.ToActor(), {"user.list", "unit", std::to_string(unit_id), "denied", "越权查看其他单位人员"});
      });
      throw Error(ErrorCode::kForbidden, "您只能查看本单位的人员").Audited();
    }
  }
  if (!FindUnit(unit_id)) throw Error(ErrorCode::kNotFound, "单位不存在");
  db::Conn c(db_);
  return store::ListUsers(c.sql(), Subtree(unit_id), false);
}

User IdentityService::GetUser(const Context& ctx, std::int64_t user_id) {
  std::optional<store::UserRow> row;
  {
    db::Conn c(db_);
    row = store::FindUser(c.sql(), user_id);
  }
  if (!row) throw Error(ErrorCode::kNotFound, "用户不存在");
  const Principal& p = ctx.principal;
  bool global = p.kind == "system" || p.Has(Role::kSysAdmin) || p.Has(Role::kSecAdmin) || p.Has(Role::kAuditor);
  if (!global) {
    if (p.kind != "staff") throw Error(ErrorCode::kForbidden, "此操作仅限工作人员");
    std::vector<std::int64_t> mine = Subtree(p.unit_id);
    if (std::find(mine.begin(), mine.end(), row->user.unit_id) == mine.end()) {
      throw Error(ErrorCode::kForbidden, "您只能查看本单位的人员");
    }
  }
  return row->user;
}

User IdentityService::CreateUser(const Context& ctx, const NewUser& input) {
  RequireRole(ctx.principal, {Role::kSysAdmin});
  std::map<std::string, std::string> fields;
  User u;
  u.username = Trim(input.username);
  u.display_name = Trim(input.display_name);
  u.unit_id = input.unit_id;
  u.mobile = Trim(input.mobile);
  if (!IsValidUsername(u.username)) fields["username"] = "用户名为 3 到 32 位字母、数字、点、连字符或下划线";
  if (u.display_name.empty() || core::Utf8Length(u.display_name) > 30) fields["display_name"] = "请填写姓名（不超过 30 个字）";
  if (!u.mobile.empty() && !IsValidMobile(u.mobile)) fields["mobile"] = "手机号码应为 11 位中国大陆手机号";
  try {
    CheckPassword(policy_, input.password, u.username, "password");
  } catch (const Error& e) {
    for (const auto& [k, v] : e.fields()) fields[k] = v;
    if (e.fields().empty()) fields["password"] = e.message();
  }
  const std::string hash = fields.count("password") ? std::string() : HashPassword(input.password);
  return db::WithTx(db_, [&](db::Tx& tx) {
    if (!store::FindUnit(tx.sql(), u.unit_id)) fields["unit_id"] = "请选择所属单位";
    if (!fields.count("username") && store::FindUserByName(tx.sql(), u.username)) fields["username"] = "该用户名已被使用";
    if (!fields.empty()) throw Error(ErrorCode::kInvalidInput, "人员信息有误，请修正后再提交", fields);
    u.id = store::InsertUser(tx.sql(), u, hash, clock_.NowMs());
    audit_.Append(tx, ctx.ToActor(), {"user.create", "user", std::to_string(u.id), "success", u.username});
    return store::FindUser(tx.sql(), u.id)->user;
  });
}

void IdentityService::SetRoles(const Context& ctx, std::int64_t user_id, const std::set<std::string>& roles) {
  RequireRole(ctx.principal, {Role::kSecAdmin});
  int triad = 0;
  for (const std::string& r : roles) {
    auto role = ParseRole(r);
    if (!role) throw Error(ErrorCode::kInvalidInput, "未知角色：" + r, {{"roles", "未知角色：" + r}});
    if (IsAdminTriad(*role)) ++triad;
  }
  if (triad > 1) {
    throw Error(ErrorCode::kInvalidInput, "系统管理员、安全保密管理员、安全审计员三个角色必须由不同人员担任（三员分立）",
                {{"roles", "三员角色不能兼任"}});
  }
  if (ctx.principal.kind == "staff" && ctx.principal.id == user_id) {
    throw Error(ErrorCode::kForbidden, "不能修改自己的角色");
  }
  db::WithTx(db_, [&](db::Tx& tx) {
    auto row = store::FindUser(tx.sql(), user_id);
    if (!row) throw Error(ErrorCode::kNotFound, "用户不存在");
    std::string before, after;
    for (const auto& r : row->user.roles) before += (before.empty() ? "" : ",") + r;
    for (const auto& r : roles) after += (after.empty() ? "" : ",") + r;
    store::SetUserRoles(tx.sql(), user_id, roles);
    audit_.Append(tx, ctx.ToActor(), {"user.roles", "user", std::to_string(user_id), "success", before + " -> " + after});
  });
}

void IdentityService::SetUserLocked(const Context& ctx, std::int64_t user_id, bool locked) {
  RequireRole(ctx.principal, {Role::kSecAdmin});
  if (ctx.principal.kind == "staff" && ctx.principal.id == user_id) throw Error(ErrorCode::kForbidden, "不能锁定或解锁自己的账户");
  db::WithTx(db_, [&](db::Tx& tx) {
    if (!store::FindUser(tx.sql(), user_id)) throw Error(ErrorCode::kNotFound, "用户不存在");
    store::SetUserDisabled(tx.sql(), user_id, locked);
    if (locked) store::DeleteSessionsOf(tx.sql(), "staff", user_id);
    audit_.Append(tx, ctx.ToActor(), {locked ? "user.lock" : "user.unlock", "user", std::to_string(user_id), "success", ""});
  });
}

void IdentityService::ResetPassword(const Context& ctx, std::int64_t user_id, const std::string& new_password) {
  RequireRole(ctx.principal, {Role::kSecAdmin});
  db::WithTx(db_, [&](db::Tx& tx) {
    auto row = store::FindUser(tx.sql(), user_id);
    if (!row) throw Error(ErrorCode::kNotFound, "用户不存在");
    CheckPassword(policy_, new_password, row->user.username, "password");
    store::SetUserPassword(tx.sql(), user_id, HashPassword(new_password), clock_.NowMs());
    store::DeleteSessionsOf(tx.sql(), "staff", user_id);
    audit_.Append(tx, ctx.ToActor(), {"user.password_reset", "user", std::to_string(user_id), "success", ""});
  });
}

void IdentityService::ChangeOwnPassword(const Context& ctx, const std::string& keep_token,
                                        const std::string& old_password, const std::string& new_password) {
  if (ctx.principal.kind != "staff" && ctx.principal.kind != "public") throw Error(ErrorCode::kUnauthenticated, "请先登录");
  bool staff = ctx.principal.kind == "staff";
  db::WithTx(db_, [&](db::Tx& tx) {
    std::string hash;
    if (staff) hash = store::FindUser(tx.sql(), ctx.principal.id)->password_hash;
    else hash = store::FindPublic(tx.sql(), ctx.principal.id)->password_hash;
    if (!VerifyPassword(hash, old_password)) {
      throw Error(ErrorCode::kInvalidInput, "原密码不正确", {{"old_password", "原密码不正确"}});
    }
    CheckPassword(policy_, new_password, ctx.principal.login, "new_password");
    if (staff) {
      store::SetUserPassword(tx.sql(), ctx.principal.id, HashPassword(new_password), clock_.NowMs());
    } else {
      long long id = ctx.principal.id, now = clock_.NowMs();
      std::string h = HashPassword(new_password);
      tx.sql() << "UPDATE public_accounts SET password_hash = :h, password_changed_at = :n WHERE id = :id",
          soci::use(h), soci::use(now), soci::use(id);
    }
    // Whoever else held a session with the old password loses it.
    long long pid = ctx.principal.id;
    std::string keep = core::Sm3Hex(keep_token);
    tx.sql() << "DELETE FROM sessions WHERE principal_kind = :k AND principal_id = :id AND id_hash <> :keep",
        soci::use(ctx.principal.kind), soci::use(pid), soci::use(keep);
    audit_.Append(tx, ctx.ToActor(), {"account.password_change", ctx.principal.kind, std::to_string(ctx.principal.id), "success", ""});
  });
}

// ---------------------------------------------------------------- public accounts

namespace {
PublicAccount AccountFrom(const Registration& in) {
  PublicAccount a;
  a.kind = in.kind;
  a.name = Trim(in.name);
  a.id_number = Upper(Trim(in.id_number));
  a.mobile = Trim(in.mobile);
  a.legal_rep = a.kind == "enterprise" ? Trim(in.legal_rep) : "";
  return a;
}
}  // namespace

std::map<std::string, std::string> IdentityService::RegistrationProblems(const Registration& in) const {
  std::map<std::string, std::string> fields;
  const PublicAccount a = AccountFrom(in);
  if (a.kind != "citizen" && a.kind != "enterprise") fields["kind"] = "请选择注册类型：个人或法人";
  if (a.kind == "enterprise") {
    if (a.name.empty() || core::Utf8Length(a.name) > 100) fields["name"] = "请填写单位（企业）全称";
    if (a.id_number.empty()) {
      fields["id_number"] = "请填写统一社会信用代码";
    } else if (!IsValidUscc(a.id_number)) {
      fields["id_number"] = "统一社会信用代码不正确（应为18位，校验位不符）";
    }
    if (a.legal_rep.empty() || core::Utf8Length(a.legal_rep) > 30) fields["legal_rep"] = "请填写法定代表人姓名";
  } else {
    if (core::Utf8Length(a.name) < 2 || core::Utf8Length(a.name) > 30) fields["name"] = "请填写与身份证一致的姓名";
    if (a.id_number.empty()) {
      fields["id_number"] = "请填写身份证号码";
    } else if (!IsValidResidentId(a.id_number)) {
      fields["id_number"] = "身份证号码不正确（应为18位，校验位不符）";
    }
  }
  if (a.mobile.empty()) {
    fields["mobile"] = "请填写手机号码";
  } else if (!IsValidMobile(a.mobile)) {
    fields["mobile"] = "手机号码应为 11 位中国大陆手机号";
  }
  if (in.password.empty()) {
    fields["password"] = "请设置登录密码";
  } else {
    try {
      CheckPassword(policy_, in.password, a.id_number, "password");
    } catch (const Error& e) {
      for (const auto& [k, v] : e.fields()) fields[k] = v;
      if (e.fields().empty()) fields["password"] = e.message();
    }
  }
  if (in.password_confirm.empty()) {
    fields["password_confirm"] = "请再次输入密码";
  } else if (in.password != in.password_confirm) {
    fields["password_confirm"] = "两次输入的密码不一致";
  }
  return fields;
}

PublicAccount IdentityService::Register(const Context& ctx, const Registration& in) {
  const auto fields = RegistrationProblems(in);
  if (!fields.empty()) throw Error(ErrorCode::kInvalidInput, "注册信息有误，请修正后再提交", fields);
  PublicAccount a = AccountFrom(in);
  std::string hash = HashPassword(in.password);
  return db::WithTx(db_, [&](db::Tx& tx) {
    if (store::FindPublicByIdNumber(tx.sql(), a.id_number)) {
      throw Error(ErrorCode::kConflict, "该证件号码已注册，请直接登录", {{"id_number", "该证件号码已注册"}});
    }
    a.created_at = clock_.NowMs();
    a.id = store::InsertPublic(tx.sql(), a, hash, a.created_at);
    Context c = ctx;
    c.principal.kind = "public";
    c.principal.id = a.id;
    c.principal.name = a.name;
    audit_.Append(tx, c.ToActor(), {"account.register", "public_account", std::to_string(a.id), "success", a.kind});
    exchange_.Send(tx, core::Zone::kInternal, "account.registered",
                   {{"id", a.id}, {"kind", a.kind}, {"name", a.name}, {"id_number", a.id_number}, {"mobile", a.mobile},
                    {"legal_rep", a.legal_rep}, {"created_at", a.created_at}});
    return a;
  });
}

std::optional<PublicAccount> IdentityService::FindPublic(std::int64_t id) {
  db::Conn c(db_);
  auto row = store::FindPublic(c.sql(), id);
  if (!row) return std::nullopt;
  return row->account;
}

std::int64_t IdentityService::CountPublic() {
  db::Conn c(db_);
  return store::CountPublic(c.sql());
}

std::vector<PublicAccount> IdentityService::ListPublic(const Context& ctx, int page, int per_page) {
  RequireRole(ctx.principal, {Role::kSysAdmin, Role::kSecAdmin});
  db::Conn c(db_);
  return store::ListPublic(c.sql(), per_page, (std::max(page, 1) - 1) * per_page);
}

void IdentityService::SetPublicLocked(const Context& ctx, std::int64_t id, bool locked) {
  RequireRole(ctx.principal, {Role::kSecAdmin});
  db::WithTx(db_, [&](db::Tx& tx) {
    if (!store::FindPublic(tx.sql(), id)) throw Error(ErrorCode::kNotFound, "账户不存在");
    // The workbench's mirror shows the new state at once; the portal, which owns the account
    // and its sessions, applies it when the packet arrives.
    store::SetPublicDisabled(tx.sql(), id, locked);
    audit_.Append(tx, ctx.ToActor(), {locked ? "public_account.lock" : "public_account.unlock", "public_account",
                                      std::to_string(id), "success", ""});
    exchange_.Send(tx, core::Zone::kExternal, "account.locked", {{"id", id}, {"locked", locked}});
  });
}

// ---------------------------------------------------------------- login

/// The same words whether or not the account exists, so that the message does not tell a
/// stranger which usernames or ID numbers are registered.
std::string IdentityService::WrongPasswordMessage(const std::string& what) const {
  return what + "或密码错误。连续输错 " + std::to_string(config_.lockout_threshold) + " 次，账户将锁定 " +
         std::to_string(config_.lockout_minutes) + " 分钟";
}

Principal IdentityService::StaffPrincipal(const User& u) const {
  Principal p;
  p.kind = "staff";
  p.id = u.id;
  p.name = u.display_name;
  p.login = u.username;
  p.unit_id = u.unit_id;
  p.unit_name = u.unit_name;
  p.roles = u.roles;
  return p;
}

Principal IdentityService::PublicPrincipal(const PublicAccount& a) const {
  Principal p;
  p.kind = "public";
  p.id = a.id;
  p.name = a.name;
  p.login = a.id_number;
  return p;
}

LoginResult IdentityService::OpenSession(db::Tx& tx, const std::string& zone, const std::string& kind, std::int64_t id,
                                         const std::string& stage, const std::string& totp_pending,
                                         const std::string& client_ip) {
  LoginResult r;
  r.token = core::RandomToken(32);
  r.csrf = core::RandomToken(24);
  r.stage = stage;
  store::SessionRow s;
  s.id_hash = core::Sm3Hex(r.token);
  s.zone = zone;
  s.principal_kind = kind;
  s.principal_id = id;
  s.stage = stage;
  s.csrf = r.csrf;
  s.totp_pending = totp_pending;
  s.created_at = s.last_seen_at = clock_.NowMs();
  s.expires_at = s.created_at + static_cast<std::int64_t>(config_.session_absolute_hours) * 60 * kMinute;
  store::DeleteExpiredSessions(tx.sql(), s.created_at);
  store::InsertSession(tx.sql(), s, client_ip);
  return r;
}

/// What a login needs to know of an account, staff or public.
struct LoginSubject {
  bool exists = false;
  bool disabled = false;
  std::int64_t locked_until = 0;
  int failed = 0;
  std::string password_hash;
  std::int64_t password_changed_at = 0;
};

static LoginSubject SubjectOf(const std::optional<store::UserRow>& row) {
  LoginSubject s;
  if (!row) return s;
  s.exists = true;
  s.disabled = row->user.disabled;
  s.locked_until = row->user.locked_until;
  s.failed = row->user.failed_logins;
  s.password_hash = row->password_hash;
  s.password_changed_at = row->user.password_changed_at;
  return s;
}

static LoginSubject SubjectOf(const std::optional<store::PublicRow>& row) {
  LoginSubject s;
  if (!row || row->password_hash.empty()) return s;  // mirrors on the internal zone cannot log in
  s.exists = true;
  s.disabled = row->account.disabled;
  s.locked_until = row->account.locked_until;
  s.failed = row->failed_logins;
  s.password_hash = row->password_hash;
  return s;
}

std::optional<Error> IdentityService::Refusal(db::Tx& tx, const Context& ctx, const std::string& object_type,
                                             const std::string& id, const LoginSubject& s, std::int64_t now,
                                             bool password_ok, const std::string& noun, const std::string& disabled_message,
                                             const std::function<void(int, std::int64_t)>& record_failure) {
  if (s.disabled) {
    audit_.Append(tx, ctx.ToActor(), {"session.login", object_type, id, "failure", "账户已被管理员锁定"});
    return Error(ErrorCode::kAccountLocked, disabled_message);
  }
  if (s.locked_until > now) {
    audit_.Append(tx, ctx.ToActor(), {"session.login", object_type, id, "failure", "账户锁定期间尝试登录"});
    return Error(ErrorCode::kAccountLocked, LockMessage(s.locked_until));
  }
  if (password_ok) return std::nullopt;
  // A lock that has run out starts a new count (行为：连续 N 次错误才锁定).
  const int failed = (s.locked_until != 0 ? 0 : s.failed) + 1;
  std::int64_t until = 0;
  if (failed >= config_.lockout_threshold) until = now + static_cast<std::int64_t>(config_.lockout_minutes) * kMinute;
  record_failure(until ? 0 : failed, until);
  audit_.Append(tx, ctx.ToActor(), {"session.login", object_type, id, "failure", until ? "密码错误，账户锁定" : "密码错误"});
  if (until) return Error(ErrorCode::kAccountLocked, "密码连续错误 " + std::to_string(failed) + " 次，" + LockMessage(until));
  return Error(ErrorCode::kUnauthenticated, WrongPasswordMessage(noun));
}

// Logins verify the Argon2id hash (~70 ms) outside any transaction, so that a burst of logins
// never holds the database write lock; the outcome (failure count, lock, session, audit) is
// then written in one short transaction that re-reads the account.
LoginResult IdentityService::StaffLogin(const std::string& client_ip, const std::string& username,
                                        const std::string& password) {
  const std::string login = Trim(username);
  const std::int64_t now = clock_.NowMs();
  LoginSubject before;
  {
    db::Conn c(db_);
    before = SubjectOf(store::FindUserByName(c.sql(), login));
  }
  const bool checkable = before.exists && !before.disabled && before.locked_until <= now;
  const bool password_ok = VerifyPassword(checkable ? before.password_hash : DummyHash(), password) && checkable;

  std::optional<Error> failure;
  LoginResult result = db::WithTx(db_, [&](db::Tx& tx) -> LoginResult {
    failure.reset();
    auto row = store::FindUserByName(tx.sql(), login);
    const LoginSubject s = SubjectOf(row);
    Context ctx;
    ctx.client_ip = client_ip;
    ctx.zone = "internal";
    ctx.principal.login = login;
    if (!s.exists) {
      audit_.Append(tx, ctx.ToActor(), {"session.login", "user", login, "failure", "用户不存在"});
      failure = Error(ErrorCode::kUnauthenticated, WrongPasswordMessage("用户名"));
      return {};
    }
    const User& u = row->user;
    ctx.principal = StaffPrincipal(u);
    const std::string id = std::to_string(u.id);
    failure = Refusal(tx, ctx, "user", id, s, now, password_ok && s.password_hash == before.password_hash, "用户名",
                      "账户已被管理员锁定，请联系安全保密管理员",
                      [&](int failed, std::int64_t until) { store::RecordStaffLoginFailure(tx.sql(), u.id, failed, until); });
    if (failure) return {};
    std::string stage = "full";
    if (TotpRequired(u)) stage = u.totp_enrolled ? "totp" : "enroll";
    // With a second factor still owed, the failure counter is only reset once the code is
    // right; otherwise knowing the password would give unlimited guesses at the code.
    if (stage == "full") store::RecordStaffLoginSuccess(tx.sql(), u.id, now);
    LoginResult r = OpenSession(tx, "internal", "staff", u.id, stage, "", client_ip);
    r.principal = ctx.principal;
    r.password_expired = PasswordExpired(policy_, s.password_changed_at, now);
    audit_.Append(tx, ctx.ToActor(), {"session.login", "user", id, "success", stage == "full" ? "" : "密码正确，待第二因子验证"});
    return r;
  });
  if (failure) throw *failure;
  return result;
}

LoginResult IdentityService::PublicLogin(const std::string& client_ip, const std::string& id_number,
                                         const std::string& password) {
  const std::string login = Upper(Trim(id_number));
  const std::int64_t now = clock_.NowMs();
  LoginSubject before;
  {
    db::Conn c(db_);
    before = SubjectOf(store::FindPublicByIdNumber(c.sql(), login));
  }
  const bool checkable = before.exists && !before.disabled && before.locked_until <= now;
  const bool password_ok = VerifyPassword(checkable ? before.password_hash : DummyHash(), password) && checkable;

  std::optional<Error> failure;
  LoginResult result = db::WithTx(db_, [&](db::Tx& tx) -> LoginResult {
    failure.reset();
    auto row = store::FindPublicByIdNumber(tx.sql(), login);
    const LoginSubject s = SubjectOf(row);
    Context ctx;
    ctx.client_ip = client_ip;
    ctx.zone = "external";
    // The identifier someone typed may be a stranger's resident ID: keep it masked (个人信息保护法).
    ctx.principal.login = MaskIdNumber(login);
    if (!s.exists) {
      audit_.Append(tx, ctx.ToActor(), {"session.login", "public_account", MaskIdNumber(login), "failure", "账户不存在"});
      failure = Error(ErrorCode::kUnauthenticated, WrongPasswordMessage("证件号码"));
      return {};
    }
    const PublicAccount& a = row->account;
    ctx.principal = PublicPrincipal(a);
    const std::string id = std::to_string(a.id);
    failure = Refusal(tx, ctx, "public_account", id, s, now, password_ok && s.password_hash == before.password_hash,
                      "证件号码", "账户已被锁定，请拨打政务服务热线咨询",
                      [&](int failed, std::int64_t until) { store::RecordPublicLoginFailure(tx.sql(), a.id, failed, until); });
    if (failure) return {};
    store::RecordPublicLoginSuccess(tx.sql(), a.id, now);
    LoginResult r = OpenSession(tx, "external", "public", a.id, "full", "", client_ip);
    r.principal = ctx.principal;
    audit_.Append(tx, ctx.ToActor(), {"session.login", "public_account", id, "success", ""});
    return r;
  });
  if (failure) throw *failure;
  return result;
}

std::optional<SessionInfo> IdentityService::ResolveSession(const std::string& token, const std::string& zone) {
  if (token.empty() || token.size() > 128) return std::nullopt;
  const std::string hash = core::Sm3Hex(token);
  const std::int64_t now = clock_.NowMs();
  db::Conn c(db_);
  auto row = store::FindSession(c.sql(), hash);
  if (!row || row->zone != zone) return std::nullopt;
  const std::int64_t idle_limit = static_cast<std::int64_t>(config_.session_idle_minutes) * kMinute;
  if (row->expires_at < now || row->last_seen_at + idle_limit < now) {
    db::WithTx(db_, [&](db::Tx& tx) { store::DeleteSession(tx.sql(), hash); });
    return std::nullopt;
  }
  SessionInfo info;
  info.row = *row;
  if (row->principal_kind == "staff") {
    auto u = store::FindUser(c.sql(), row->principal_id);
    if (!u || u->user.disabled) return std::nullopt;
    info.principal = StaffPrincipal(u->user);
  } else {
    auto a = store::FindPublic(c.sql(), row->principal_id);
    if (!a || a->account.disabled) return std::nullopt;
    info.principal = PublicPrincipal(a->account);
  }
  // Writing last_seen on every request would make every page a write; a minute's
  // granularity is enough for an idle timeout counted in minutes.
  // Through a transaction like every write: SQLite writers queue (and group-commit) there.
  if (now - row->last_seen_at > kMinute) db::WithTx(db_, [&](db::Tx& tx) { store::TouchSession(tx.sql(), hash, now); });
  return info;
}

TotpEnrollment IdentityService::BeginTotpEnrollment(const std::string& token) {
  auto info = ResolveSession(token, "internal");
  if (!info || info->row.stage != "enroll") throw Error(ErrorCode::kUnauthenticated, "登录已失效，请重新登录");
  std::string secret;
  if (!info->row.totp_pending.empty()) {
    secret = core::Sm4Open(SealKey(), info->row.totp_pending);
  } else {
    secret = NewTotpSecret();
    db::WithTx(db_, [&](db::Tx& tx) {
      store::UpdateSessionStage(tx.sql(), info->row.id_hash, "enroll", core::Sm4Seal(SealKey(), secret));
    });
  }
  return {Base32Encode(secret), TotpUri(config_.site_name, info->principal.login, secret)};
}

Principal IdentityService::CompleteTotp(const std::string& token, const std::string& code, const std::string& client_ip) {
  auto info = ResolveSession(token, "internal");
  if (!info || (info->row.stage != "totp" && info->row.stage != "enroll")) {
    throw Error(ErrorCode::kUnauthenticated, "登录已失效，请重新登录");
  }
  const std::int64_t now = clock_.NowMs();
  std::optional<Error> failure;
  db::WithTx(db_, [&](db::Tx& tx) {
    failure.reset();
    auto row = store::FindUser(tx.sql(), info->principal.id);
    Context ctx;
    ctx.principal = info->principal;
    ctx.client_ip = client_ip;
    ctx.zone = "internal";
    const bool enrolling = info->row.stage == "enroll";
    std::string secret;
    if (enrolling) {
      if (info->row.totp_pending.empty()) {
        failure = Error(ErrorCode::kConflict, "请先扫描二维码绑定动态口令");
        return;
      }
      secret = core::Sm4Open(SealKey(), info->row.totp_pending);
    } else {
      secret = core::Sm4Open(SealKey(), row->totp_sealed);
    }
    std::string digits;
    for (char ch : code) if (ch >= '0' && ch <= '9') digits += ch;
    auto step = TotpVerify(secret, digits, now / 1000, 1, enrolling ? -1 : row->totp_last_step);
    if (!step) {
      int failed = row->user.failed_logins + 1;
      std::int64_t until = failed >= config_.lockout_threshold ? now + config_.lockout_minutes * kMinute : 0;
      store::RecordStaffLoginFailure(tx.sql(), row->user.id, until ? 0 : failed, until);
      if (until) store::DeleteSession(tx.sql(), info->row.id_hash);
      audit_.Append(tx, ctx.ToActor(), {"session.totp", "user", std::to_string(row->user.id), "failure", "动态口令错误"});
      failure = until ? Error(ErrorCode::kAccountLocked, LockMessage(until))
                      : Error(ErrorCode::kUnauthenticated, "动态口令错误或已使用过，请输入验证器中当前显示的 6 位数字",
                              {{"code", "动态口令错误"}});
      return;
    }
    store::SetUserTotp(tx.sql(), row->user.id, enrolling ? core::Sm4Seal(SealKey(), secret) : row->totp_sealed, *step);
    store::RecordStaffLoginSuccess(tx.sql(), row->user.id, now);
    store::UpdateSessionStage(tx.sql(), info->row.id_hash, "full", "");
    audit_.Append(tx, ctx.ToActor(), {enrolling ? "user.totp_enroll" : "session.totp", "user", std::to_string(row->user.id),
                                      "success", ""});
  });
  if (failure) throw *failure;
  return info->principal;
}

void IdentityService::Logout(const std::string& token, const Context& ctx) {
  if (token.empty()) return;
  db::WithTx(db_, [&](db::Tx& tx) {
    store::DeleteSession(tx.sql(), core::Sm3Hex(token));
    audit_.Append(tx, ctx.ToActor(), {"session.logout", ctx.principal.kind, std::to_string(ctx.principal.id), "success", ""});
  });
}

std::string IdentityService::DemoTotpCode(const std::string& username) {
  if (config_.mode == core::Mode::kProduction) throw Error(ErrorCode::kForbidden, "生产模式下不提供动态口令查询");
  db::Conn c(db_);
  auto row = store::FindUserByName(c.sql(), username);
  if (!row || row->totp_sealed.empty()) throw Error(ErrorCode::kNotFound, "该用户未绑定动态口令");
  return TotpCode(core::Sm4Open(SealKey(), row->totp_sealed), clock_.NowSeconds());
}

std::string IdentityService::SetTotpSecret(const Context& ctx, std::int64_t user_id, const std::string& raw_secret) {
  db::WithTx(db_, [&](db::Tx& tx) {
    store::SetUserTotp(tx.sql(), user_id, core::Sm4Seal(SealKey(), raw_secret), -1);
    audit_.Append(tx, ctx.ToActor(), {"user.totp_set", "user", std::to_string(user_id), "success", ""});
  });
  return Base32Encode(raw_secret);
}

}  // namespace yiwang::identity
