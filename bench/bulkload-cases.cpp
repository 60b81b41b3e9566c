// Bulk loader for `make bench-approval`: puts N synthetic but realistic approval cases (default
// 1,000,000) straight into a yiwang SQLite database, so that the approval benchmark can be
// rerun with a full table. The node must be stopped (the loader takes an exclusive lock).
//
//   g++ -O2 -std=c++20 bench/bulkload-cases.cpp -lsqlite3 -o bulkload-cases
//   ./bulkload-cases DATA/yiwang.db [--cases 1000000] [--days 1095] [--seed 1]
//
// What is written, per case, as the application itself would have left it:
//   - cases: a distinct case_no in the app's format (DH + yyyymmdd of submission + 6 digits),
//     an item drawn from the published catalogue (its code, version, name, department and
//     unit), one of 200,000 synthetic applicants (70 % persons with check-digit-valid ID
//     numbers, 30 % enterprises with valid unified social credit codes), submission times on
//     working hours of the last --days days (never today), and the state a case of that age
//     would have: older than 60 days almost all concluded (5 % of decisions denials) or refused;
//     younger ones spread over received / correction / accepted / in_progress / suspended /
//     decided / concluded. acceptance_due, promised_due, statutory_due and step_due are filled
//     (working days counted Monday to Friday; public holidays are ignored here), as are
//     current_step, assignee, decision, decided_at, concluded_at and revision.
//   - case_events: the public timeline (submit, receive, accept, decide, conclude, ...), 2 to 5
//     rows per case.
// Not written: materials, documents, audit records and exchange packets of these cases
// (the benchmark's own cases have all of them).
//
// Rows go in through prepared statements in transactions of 50,000 cases, with every index
// in place (as the application's indexes would be), then the WAL is checkpointed.
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

sqlite3* db = nullptr;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bulkload-cases: %s: %s\n", what.c_str(), db ? sqlite3_errmsg(db) : "");
  std::exit(1);
}

void Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "bulkload-cases: %s: %s\n", sql, err ? err : "?");
    std::exit(1);
  }
}

sqlite3_stmt* Prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) Die(std::string("prepare ") + sql);
  return s;
}

// ---------------------------------------------------------------- dates (China time, UTC+8)
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kChinaOffsetMs = 8 * 3'600'000;

/// Days since 1970-01-01 of a China-local date.
std::int64_t LocalDay(std::int64_t epoch_ms) { return (epoch_ms + kChinaOffsetMs) / kDayMs; }

std::string FormatDay(std::int64_t days) {
  using namespace std::chrono;
  year_month_day ymd{sys_days{std::chrono::days{days}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string Compact(std::int64_t days) {
  std::string s = FormatDay(days);
  return s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2);
}

bool Weekend(std::int64_t days) {
  const std::int64_t wd = ((days % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday; 0 = Monday
  return wd >= 5;
}

/// n working days after `days` (the start day not counted), Monday to Friday.
std::int64_t AddWorkdays(std::int64_t days, int n) {
  while (n > 0) {
    ++days;
    if (!Weekend(days)) --n;
  }
  return days;
}

// ---------------------------------------------------------------- identities
std::string IdNumber(std::mt19937_64& rng, std::int64_t k) {
  // GB 11643: 6-digit area, birth date, 3-digit sequence, ISO 7064 MOD 11-2 check character.
  static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static const char check[] = "10X98765432";
  char buf[19];
  const int year = 1950 + static_cast<int>(rng() % 55), month = 1 + static_cast<int>(rng() % 12),
            day = 1 + static_cast<int>(rng() % 28);
  std::snprintf(buf, sizeof buf, "370503%04d%02d%02d%03d", year, month, day, static_cast<int>(k % 1000));
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (buf[i] - '0') * w[i];
  buf[17] = check[sum % 11];
  buf[18] = 0;
  return buf;
}

std::string CreditCode(std::int64_t k) {
  // GB 32100: 17 characters and a MOD 31 check character over the code alphabet.
  static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  std::string s = "91370503";
  std::int64_t v = k * 7919 + 12345;
  for (int i = 0; i < 9; ++i) {
    s += alphabet[v % 31];
    v /= 31;
  }
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += static_cast<int>(std::strchr(alphabet, s[i]) - alphabet) * w[i];
  s += alphabet[(31 - sum % 31) % 31];
  return s;
}

const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林"};
const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
                        "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕", "志强"};
const char* kFirms[] = {"滨海东河", "东河", "滨海", "河口", "新港", "海丰", "东海岸", "金湾"};
const char* kTrades[] = {"食品", "餐饮", "商贸", "建筑工程", "物流", "科技", "医药", "农业", "文化传媒", "环保"};
const char* kForms[] = {"有限公司", "有限责任公司", "股份有限公司", "个体工商户", "专业合作社"};

template <typename T, std::size_t N>
const char* Pick(std::mt19937_64& rng, T (&a)[N]) { return a[rng() % N]; }

struct Applicant {
  std::int64_t id;
  std::string kind, name, id_number, mobile;
};

struct ItemRow {
  std::string code, name, dept_code, dept_name;
  int version, statutory, promised, steps;
  std::int64_t unit_id;
};

struct Staff {
  std::int64_t id;
  std::string name;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DB [--cases N] [--days D] [--seed S]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  long long total = 1'000'000, days_back = 1095;
  unsigned long long seed = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const long long v = std::atoll(argv[i + 1]);
    if (k == "--cases" && v > 0) total = v;
    else if (k == "--days" && v > 60) days_back = v;
    else if (k == "--seed") seed = static_cast<unsigned long long>(v);
    else {
      std::fprintf(stderr, "bulkload-cases: bad option %s %s\n", argv[i], argv[i + 1]);
      return 2;
    }
  }
  if ((argc - 2) % 2) {
    std::fprintf(stderr, "bulkload-cases: options take a value\n");
    return 2;
  }
  // Per day at most 1,000,000 case numbers exist; keep far below.
  if (total / days_back > 500'000) {
    std::fprintf(stderr, "bulkload-cases: too many cases per day; raise --days\n");
    return 2;
  }

  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) Die("open " + path);
  Exec("PRAGMA busy_timeout=2000");
  Exec("PRAGMA foreign_keys=ON");
  Exec("PRAGMA journal_mode=WAL");
  Exec("PRAGMA synchronous=NORMAL");  // durable at the final checkpoint; nothing else runs meanwhile
  Exec("PRAGMA cache_size=-524288");  // 512 MiB: index pages of a million rows stay in memory
  Exec("PRAGMA temp_store=MEMORY");
  // The node must be stopped: an exclusive lock fails while it holds the database.
  if (sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    Die("the database is in use (stop the yiwang node first)");
  }
  Exec("COMMIT");

  // ---- the catalogue, staff, and today
  std::vector<ItemRow> items;
  {
    sqlite3_stmt* s = Prepare(
        "SELECT i.code, i.version, i.name, u.code, u.name, i.dept_unit_id, i.statutory_days, i.promised_days, i.body "
        "FROM items i JOIN units u ON u.id = i.dept_unit_id WHERE i.status = 'published' ORDER BY i.id");
    while (sqlite3_step(s) == SQLITE_ROW) {
      ItemRow it;
      it.code = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      it.version = sqlite3_column_int(s, 1);
      it.name = reinterpret_cast<const char*>(sqlite3_column_text(s, 2));
      it.dept_code = reinterpret_cast<const char*>(sqlite3_column_text(s, 3));
      it.dept_name = reinterpret_cast<const char*>(sqlite3_column_text(s, 4));
      it.unit_id = sqlite3_column_int64(s, 5);
      it.statutory = sqlite3_column_int(s, 6);
      it.promised = sqlite3_column_int(s, 7);
      auto body = nlohmann::json::parse(reinterpret_cast<const char*>(sqlite3_column_text(s, 8)));
      it.steps = static_cast<int>(body.value("steps", nlohmann::json::array()).size());
      if (it.steps < 2) it.steps = 3;
      items.push_back(std::move(it));
    }
    sqlite3_finalize(s);
  }
  if (items.empty()) Die("no published items (is this a yiwang demo database?)");
  std::vector<Staff> staff;
  {
    sqlite3_stmt* s = Prepare("SELECT id, display_name FROM users ORDER BY id");
    while (sqlite3_step(s) == SQLITE_ROW) {
      staff.push_back({sqlite3_column_int64(s, 0), reinterpret_cast<const char*>(sqlite3_column_text(s, 1))});
    }
    sqlite3_finalize(s);
  }
  if (staff.empty()) Die("no staff users");
  long long existing = 0;
  {
    sqlite3_stmt* s = Prepare("SELECT COUNT(*) FROM cases");
    if (sqlite3_step(s) == SQLITE_ROW) existing = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
  }

  std::mt19937_64 rng(seed);
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::int64_t today = LocalDay(now_ms);

  std::vector<Applicant> applicants(200'000);
  for (std::size_t k = 0; k < applicants.size(); ++k) {
    Applicant& a = applicants[k];
    a.id = 10'000'000 + static_cast<std::int64_t>(k);  // synthetic; no demo account has such an id
    char mobile[16];
    std::snprintf(mobile, sizeof mobile, "13%09llu", static_cast<unsigned long long>(rng() % 1'000'000'000ULL));
    a.mobile = mobile;
    if (rng() % 10 < 7) {
      a.kind = "citizen";
      a.name = std::string(Pick(rng, kSurnames)) + Pick(rng, kGiven) + (rng() % 2 ? Pick(rng, kGiven) : "");
      a.id_number = IdNumber(rng, static_cast<std::int64_t>(k));
    } else {
      a.kind = "enterprise";
      a.name = std::string(Pick(rng, kFirms)) + Pick(rng, kTrades) + Pick(rng, kForms);
      a.id_number = CreditCode(static_cast<std::int64_t>(k));
    }
  }

  sqlite3_stmt* ins_case = Prepare(
      "INSERT INTO cases (case_no, query_code_hash, item_code, item_version, item_name, dept_code, dept_unit_id, "
      "applicant_id, applicant_kind, applicant_name, applicant_id_number, contact_name, contact_mobile, description, "
      "state, idempotency_key, corrections_requested, correction_note, submitted_at, received_at, "
      "corrections_complete_at, accepted_at, accepted_on, acceptance_due, promised_due, statutory_due, updated_at, "
      "current_step, assignee_id, assignee_name, step_started_on, step_due, extension_days, decision, decided_at, "
      "concluded_at, revision) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
      "?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37)");
  sqlite3_stmt* ins_event = Prepare(
      "INSERT INTO case_events (case_id, ts, action, state, actor, unit_name, opinion, public) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)");

  auto text = [](sqlite3_stmt* s, int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  };
  long long events = 0;
  auto event = [&](std::int64_t case_id, std::int64_t ts, const char* action, const char* state, const std::string& actor,
                   const std::string& unit, const std::string& opinion) {
    sqlite3_bind_int64(ins_event, 1, case_id);
    sqlite3_bind_int64(ins_event, 2, ts);
    sqlite3_bind_text(ins_event, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins_event, 4, state, -1, SQLITE_STATIC);
    text(ins_event, 5, actor);
    text(ins_event, 6, unit);
    text(ins_event, 7, opinion);
    if (sqlite3_step(ins_event) != SQLITE_DONE) Die("insert case_events");
    sqlite3_reset(ins_event);
    ++events;
  };

  // Case numbers: per day a counter, spread over the 6 digits by a multiplier coprime to 10^6,
  // so that numbers are distinct and look random. Days are drawn uniformly.
  std::vector<std::uint32_t> per_day(static_cast<std::size_t>(days_back) + 4, 0);
  const std::uint64_t day_offset = rng() % 1'000'000;
  const auto started = std::chrono::steady_clock::now();
  const long long batch = 50'000;
  std::uniform_real_distribution<double> u01(0.0, 1.0);

  for (long long n = 0; n < total; ++n) {
    if (n % batch == 0) Exec("BEGIN");
    std::int64_t day = today - 1 - static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(days_back));  // never today
    // Few applications are made at weekends: most of those go to the Friday before.
    if (Weekend(day) && rng() % 10 < 8) day -= Weekend(day - 1) ? 2 : 1;
    if (day < today - days_back - 2) day = today - 1;
    const std::int64_t age = today - day;
    const std::uint32_t seq = per_day[static_cast<std::size_t>(age)]++;
    char case_no[32];
    std::snprintf(case_no, sizeof case_no, "DH%s%06llu", Compact(day).c_str(),
                  static_cast<unsigned long long>((seq * 7919ULL + day_offset + static_cast<std::uint64_t>(age) * 104729ULL) %
                                                  1'000'000ULL));
    const ItemRow& it = items[rng() % items.size()];
    const Applicant& a = applicants[rng() % applicants.size()];
    const std::int64_t day_ms = day * kDayMs - kChinaOffsetMs;  // 00:00 China time
    const std::int64_t submitted = day_ms + 8 * 3'600'000 + static_cast<std::int64_t>(rng() % (10 * 3'600'000ULL));
    const std::int64_t received = submitted + 1000 + static_cast<std::int64_t>(rng() % 600'000);
    const std::int64_t recv_day = LocalDay(received);

    // The state a case of this age would be in.
    const double r = u01(rng);
    std::string state;
    if (age > 60) {
      state = r < 0.96 ? "concluded" : "refused";
    } else if (age > 20) {
      state = r < 0.80 ? "concluded" : r < 0.83 ? "refused" : r < 0.90 ? "in_progress" : r < 0.94 ? "decided"
                                                            : r < 0.97 ? "suspended" : "accepted";
    } else {
      state = r < 0.35 ? "concluded" : r < 0.37 ? "refused" : r < 0.47 ? "received" : r < 0.50 ? "correction"
              : r < 0.60 ? "accepted" : r < 0.88 ? "in_progress" : r < 0.90 ? "suspended" : "decided";
    }
    const bool accepted = state != "received" && state != "correction" && state != "refused";
    const int corrections = state == "correction" || (accepted && u01(rng) < 0.08) ? 1 : 0;
    std::int64_t accepted_at = 0, corrections_at = 0, decided_at = 0, concluded_at = 0, assignee = 0;
    std::string accepted_on, promised_due, statutory_due, step_started_on, step_due, decision, assignee_name, note;
    int current_step = 0, revision = 1;
    std::int64_t step_start_day = 0;
    if (corrections) note = "1. 营业执照复印件不清晰，请重新上传；";
    const std::string acceptance_due = FormatDay(AddWorkdays(recv_day, 5));
    if (accepted) {
      const std::int64_t acc_day = AddWorkdays(recv_day, static_cast<int>(rng() % 3));
      accepted_at = acc_day * kDayMs - kChinaOffsetMs + 9 * 3'600'000 + static_cast<std::int64_t>(rng() % (8 * 3'600'000ULL));
      if (accepted_at > now_ms - 7'200'000) accepted_at = now_ms - 7'200'000;
      if (accepted_at < received) accepted_at = received + 60'000;
      if (corrections) corrections_at = accepted_at - 3'600'000;
      accepted_on = FormatDay(LocalDay(accepted_at));
      const std::int64_t acc = LocalDay(accepted_at);
      promised_due = FormatDay(AddWorkdays(acc, it.promised));
      statutory_due = FormatDay(AddWorkdays(acc, it.statutory));
      revision = 2 + corrections * 2;
      if (state == "accepted") {
        current_step = it.steps > 1 ? 2 : 1;
        step_start_day = acc;
      } else if (state == "in_progress" || state == "suspended") {
        current_step = 2 + static_cast<int>(rng() % static_cast<std::uint64_t>(std::max(1, it.steps - 1)));
        step_start_day = std::min(today, AddWorkdays(acc, current_step - 2));
        const Staff& s = staff[rng() % staff.size()];
        assignee = s.id;
        assignee_name = s.name;
        revision += 2 * (current_step - 2) + 1;
      } else {  // decided, concluded
        current_step = it.steps;
        step_start_day = std::min(today, AddWorkdays(acc, std::max(0, it.steps - 2)));
        decision = u01(rng) < 0.95 ? "approve" : "deny";
        const std::int64_t dec_day = AddWorkdays(acc, 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(it.promised)));
        decided_at = std::max(accepted_at + 3'600'000, dec_day * kDayMs - kChinaOffsetMs + 10 * 3'600'000);
        if (decided_at > now_ms - 3'600'000) decided_at = now_ms - 3'600'000;
        revision += 2 * (it.steps - 2) + 2;
        if (state == "concluded") {
          concluded_at = decided_at + 600'000 + static_cast<std::int64_t>(rng() % (4 * 3'600'000ULL));
          if (concluded_at > now_ms - 60'000) concluded_at = now_ms - 60'000;
          revision += 1;
        }
      }
      if (step_start_day) {
        step_started_on = FormatDay(step_start_day);
        step_due = FormatDay(AddWorkdays(step_start_day, 1));  // the demo catalogue's steps take 1 day
      }
    }
    const std::int64_t updated = std::max({received, accepted_at, decided_at, concluded_at});
    char hash[65];
    for (int i = 0; i < 64; i += 16) std::snprintf(hash + i, 17, "%016llx", static_cast<unsigned long long>(rng()));
    char idem[17];
    std::snprintf(idem, sizeof idem, "%016llx", static_cast<unsigned long long>(rng()));

    sqlite3_stmt* s = ins_case;
    sqlite3_bind_text(s, 1, case_no, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, hash, 64, SQLITE_TRANSIENT);
    text(s, 3, it.code);
    sqlite3_bind_int(s, 4, it.version);
    text(s, 5, it.name);
    text(s, 6, it.dept_code);
    sqlite3_bind_int64(s, 7, it.unit_id);
    sqlite3_bind_int64(s, 8, a.id);
    text(s, 9, a.kind);
    text(s, 10, a.name);
    text(s, 11, a.id_number);
    text(s, 12, a.kind == "citizen" ? a.name : std::string(Pick(rng, kSurnames)) + Pick(rng, kGiven));
    text(s, 13, a.mobile);
    text(s, 14, rng() % 3 ? std::string() : "申请办理" + it.name);
    text(s, 15, state);
    sqlite3_bind_text(s, 16, idem, 16, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 17, corrections);
    text(s, 18, note);
    sqlite3_bind_int64(s, 19, submitted);
    sqlite3_bind_int64(s, 20, received);
    sqlite3_bind_int64(s, 21, corrections_at);
    sqlite3_bind_int64(s, 22, accepted_at);
    text(s, 23, accepted_on);
    text(s, 24, acceptance_due);
    text(s, 25, promised_due);
    text(s, 26, statutory_due);
    sqlite3_bind_int64(s, 27, updated);
    sqlite3_bind_int(s, 28, current_step);
    sqlite3_bind_int64(s, 29, assignee);
    text(s, 30, assignee_name);
    text(s, 31, step_started_on);
    text(s, 32, step_due);
    sqlite3_bind_int(s, 33, 0);
    text(s, 34, decision);
    sqlite3_bind_int64(s, 35, decided_at);
    sqlite3_bind_int64(s, 36, concluded_at);
    sqlite3_bind_int(s, 37, revision);
    if (sqlite3_step(s) != SQLITE_DONE) Die(std::string("insert case ") + case_no);
    sqlite3_reset(s);
    const std::int64_t id = sqlite3_last_insert_rowid(db);

    // The public timeline.
    event(id, submitted, "submit", "submitted", a.name, "", "网上提交申请");
    event(id, received, "receive", "received", "数据交换", it.dept_name, "申请已送达办理部门，受理期限至 " + acceptance_due);
    if (state == "refused") {
      event(id, received + 86'400'000, "refuse", "refused", "窗口", it.dept_name,
            "不予受理。理由：申请事项依法不属于本行政机关职权范围。");
    }
    if (accepted) {
      event(id, accepted_at, "accept", "accepted", "窗口", it.dept_name,
            "予以受理。受理通知书：" + std::string(case_no) + "，承诺于 " + promised_due + " 前办结（法定期限 " +
                statutory_due + "）");
    }
    if (decided_at) {
      event(id, decided_at, "decide", "decided", "审批", it.dept_name,
            decision == "approve" ? "准予行政许可" : "不予行政许可。理由：经现场核查，不符合法定条件。");
    }
    if (concluded_at) {
      event(id, concluded_at, "conclude", "concluded", "窗口", it.dept_name,
            decision == "approve" ? "办结（准予许可）" : "办结（不予许可）");
    }

    if ((n + 1) % batch == 0 || n + 1 == total) {
      Exec("COMMIT");
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(stderr, "\rbulkload-cases: %lld / %lld cases, %lld events, %.0f s", n + 1, total, events, secs);
    }
  }
  std::fprintf(stderr, "\n");
  sqlite3_finalize(ins_case);
  sqlite3_finalize(ins_event);
  Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  Exec("PRAGMA synchronous=FULL");
  long long cases = 0;
  {
    sqlite3_stmt* s = Prepare("SELECT COUNT(*) FROM cases");
    if (sqlite3_step(s) == SQLITE_ROW) cases = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("loaded=%lld events=%lld cases_before=%lld cases_now=%lld seconds=%.1f\n", total, events, existing, cases, secs);
  sqlite3_close(db);
  return 0;
}
