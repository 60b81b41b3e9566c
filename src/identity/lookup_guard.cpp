#include "identity/lookup_guard.hpp"

#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "core/text.hpp"

namespace yiwang::identity {
namespace {

constexpr const char* kClientPrefix = "client:";

/// Failures of `key` counted within the window (0 once the window has passed).
std::int64_t FailuresOf(soci::session& sql, const std::string& key, std::int64_t since, std::int64_t* started) {
  long long window_start = 0, failures = 0;
  soci::indicator ind = soci::i_null;
  sql << "SELECT window_start, failures FROM lookup_failures WHERE subject = :k", soci::use(key),
      soci::into(window_start, ind), soci::into(failures);
  if (!sql.got_data() || ind != soci::i_ok || window_start < since) return 0;
  if (started) *started = window_start;
  return failures;
}

}  // namespace

std::string LookupGuard::Subject(const std::string& kind, const std::string& typed_no) {
  std::string no = core::Trim(typed_no);
  std::transform(no.begin(), no.end(), no.begin(),
                 [](unsigned char ch) { return ch < 0x80 ? static_cast<char>(std::toupper(ch)) : static_cast<char>(ch); });
  return kind + ":" + no;
}

void LookupGuard::Check(const std::string& client_ip, const std::string& subject) const {
  const std::int64_t now = clock_.NowMs(), since = now - kWindowMs;
  db::Conn c(db_);
  std::int64_t started = now;
  const bool number_locked = FailuresOf(c.sql(), subject, since, &started) >= kPerSubject;
  std::int64_t client_started = now;
  const bool client_locked = !client_ip.empty() &&
                             FailuresOf(c.sql(), kClientPrefix + client_ip, since, &client_started) >= kPerClient;
  if (!number_locked && !client_locked) return;
  const std::int64_t until = (number_locked ? started : client_started) + kWindowMs;
  const std::int64_t minutes = std::max<std::int64_t>(1, (until - now + 59999) / 60000);
  throw Error(ErrorCode::kTooManyRequests,
              std::string(number_locked ? "该编号的查询码错误次数过多" : "本机查询码错误次数过多") + "，请 " +
                  std::to_string(minutes) + " 分钟后再试。" +
                  (subject.rfind("case:", 0) == 0 ? "申请人本人可登录后在“我的办件”中查看。" : ""));
}

namespace {

audit::Actor Anonymous(const std::string& name, const std::string& client_ip) {
  audit::Actor actor;
  actor.kind = "public";
  actor.name = name;
  actor.client_ip = client_ip;
  return actor;
}

}  // namespace

void LookupGuard::Failed(const std::string& client_ip, const std::string& subject) const {
  auto locked = [&](int limit) {
    return audit::Event{"lookup.locked", "lookup", "", "denied",
                        "查询码错误 " + std::to_string(limit) + " 次，" + std::to_string(kWindowMs / 60000) +
                            " 分钟内停止查询（" + subject + "）"};
  };
  std::vector<Counter> counters = {{subject, kPerSubject, locked(kPerSubject)}};
  if (!client_ip.empty()) counters.push_back({kClientPrefix + client_ip, kPerClient, locked(kPerClient)});
  Count(counters, Anonymous("匿名查询", client_ip));
}

void LookupGuard::Count(const std::vector<Counter>& counters, const audit::Actor& actor) const {
  const long long now = clock_.NowMs();
  // One statement per key, the same in both dialects: a new row, or one more in the current
  // window, or the first of a new window. Rows a day past their window are swept here, on the
  // counting path only.
  const std::string upsert =
      "INSERT INTO lookup_failures (subject, window_start, failures) VALUES (:k, :n, 1) "
      "ON CONFLICT (subject) DO UPDATE SET "
      "failures = CASE WHEN lookup_failures.window_start < excluded.window_start - " + std::to_string(kWindowMs) +
      " THEN 1 ELSE lookup_failures.failures + 1 END, "
      "window_start = CASE WHEN lookup_failures.window_start < excluded.window_start - " + std::to_string(kWindowMs) +
      " THEN excluded.window_start ELSE lookup_failures.window_start END";
  db::WithTx(db_, [&](db::Tx& tx) {
    const long long stale = now - kWindowMs - 24LL * 3600 * 1000;
    tx.sql() << "DELETE FROM lookup_failures WHERE window_start < :s", soci::use(stale);
    for (const Counter& counter : counters) {
      tx.sql() << upsert, soci::use(counter.key), soci::use(now);
      long long count = 0;
      tx.sql() << "SELECT failures FROM lookup_failures WHERE subject = :k", soci::use(counter.key), soci::into(count);
      if (count == counter.limit) {
        audit::Event event = counter.on_limit;
        event.object_id = counter.key;
        audit_.Append(tx, actor, event);
      }
    }
  });
}

namespace {

std::string RateKey(const std::string& client_ip, const std::string& action) {
  return "rate:" + action + ":" + kClientPrefix + client_ip;
}

std::string RateLabel(const std::string& action) {
  return action == "register" ? "注册" : action == "complaint" ? "提交投诉" : action;
}

}  // namespace

void LookupGuard::CheckRate(const std::string& client_ip, const std::string& action, int per_hour) const {
  const std::int64_t now = clock_.NowMs();
  db::Conn c(db_);
  std::int64_t started = now;
  if (FailuresOf(c.sql(), RateKey(client_ip, action), now - kWindowMs, &started) < per_hour) return;
  const std::int64_t minutes = std::max<std::int64_t>(1, (started + kWindowMs - now + 59999) / 60000);
  throw Error(ErrorCode::kTooManyRequests, "本机一小时内" + RateLabel(action) + "已达 " + std::to_string(per_hour) +
                                               " 次，请 " + std::to_string(minutes) +
                                               " 分钟后再试。如在政务服务大厅集中办理，请联系区电子政务中心。");
}

void LookupGuard::CountUse(const std::string& client_ip, const std::string& action, int per_hour) const noexcept {
  try {
    const std::string label = RateLabel(action);
    Count({{RateKey(client_ip, action), per_hour,
            {"rate.limited", "rate", "", "denied",
             label + " " + std::to_string(per_hour) + " 次，" + std::to_string(kWindowMs / 60000) +
                 " 分钟内停止受理该地址的" + label}}},
          Anonymous("匿名用户", client_ip));
  } catch (const std::exception& e) {
    spdlog::error("rate limit: a {} from {} was not counted: {}", action, client_ip, e.what());
  }
}

void LookupGuard::CountFailure(const std::string& client_ip, const std::string& subject) const noexcept {
  try {
    Failed(client_ip, subject);
  } catch (const std::exception& e) {
    spdlog::error("lookup guard: a wrong try on {} from {} was not counted: {}", subject, client_ip, e.what());
  }
}

}  // namespace yiwang::identity
