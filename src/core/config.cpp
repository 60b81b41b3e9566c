#include "core/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

extern char** environ;

namespace yiwang::core {
namespace {


int ToInt(const std::string& key, const std::string& v, int lo, int hi) {
  try {
    std::size_t pos = 0;
    long long n = std::stoll(v, &pos);
    if (pos == v.size() && n >= lo && n <= hi) return static_cast<int>(n);
  } catch (const std::exception&) {
  }
  throw Error(ErrorCode::kInvalidInput,
              "配置项 " + key + " 应为 " + std::to_string(lo) + " 到 " + std::to_string(hi) + " 之间的整数：" + v);
}

bool ToBool(const std::string& key, const std::string& v) {
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  throw Error(ErrorCode::kInvalidInput, "配置项 " + key + " 应为 true 或 false：" + v);
}

std::vector<std::string> SplitList(const std::string& v) {
  std::vector<std::string> out;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = Trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Secrets that appear in documentation and examples must never protect a real deployment.
const char* const kKnownSecrets[] = {"", "changeme", "change-me", "secret", "yiwang", "demo", "password", "test"};

}  // namespace

std::string ModeName(Mode m) {
  switch (m) {
    case Mode::kProduction: return "production";
    case Mode::kDemo: return "demo";
    case Mode::kTest: return "test";
  }
  return "production";
}

std::string ZoneName(Zone z) {
  switch (z) {
    case Zone::kBoth: return "both";
    case Zone::kExternal: return "external";
    case Zone::kInternal: return "internal";
  }
  return "both";
}

Zone ParseZone(const std::string& s) {
  if (s == "both") return Zone::kBoth;
  if (s == "external") return Zone::kExternal;
  if (s == "internal") return Zone::kInternal;
  throw Error(ErrorCode::kInvalidInput, "zone 应为 both、external 或 internal：" + s);
}

void SetConfigValue(Config& c, const std::string& key, const std::string& value) {
  const std::string v = Trim(value);
  if (key == "mode") {
    if (v == "production") c.mode = Mode::kProduction;
    else if (v == "demo") c.mode = Mode::kDemo;
    else if (v == "test") c.mode = Mode::kTest;
    else throw Error(ErrorCode::kInvalidInput, "mode 应为 production、demo 或 test：" + v);
  } else if (key == "zone") {
    c.zone = ParseZone(v);
  } else if (key == "data") {
    c.data_dir = v;
  } else if (key == "database") {
    c.database = v;
  } else if (key == "external") {
    c.external_addr = v;
  } else if (key == "internal") {
    c.internal_addr = v;
  } else if (key == "secret") {
    c.secret = v;
  } else if (key == "threads") {
    c.threads = ToInt(key, v, 1, 256);
  } else if (key == "public_url") {
    c.public_url = v;
  } else if (key == "site_name") {
    c.site_name = v;
  } else if (key == "district_name") {
    c.district_name = v;
  } else if (key == "password_profile") {
    if (v != "asvs" && v != "dengbao") throw Error(ErrorCode::kInvalidInput, "password_profile 应为 asvs 或 dengbao：" + v);
    c.password_profile = v;
  } else if (key == "totp_required_roles") {
    static const std::set<std::string> kRoles = {"sys_admin", "sec_admin", "auditor", "window_clerk", "handler",
                                                 "reviewer", "approver", "supervisor", "editor"};
    c.totp_required_roles = SplitList(v);
    for (const auto& r : c.totp_required_roles) {
      if (!kRoles.count(r)) throw Error(ErrorCode::kInvalidInput, "totp_required_roles 中有未知角色：" + r);
    }
  } else if (key == "session_idle_minutes") {
    c.session_idle_minutes = ToInt(key, v, 1, 24 * 60);
  } else if (key == "session_absolute_hours") {
    c.session_absolute_hours = ToInt(key, v, 1, 24 * 7);
  } else if (key == "register_per_hour") {
    c.register_per_hour = ToInt(key, v, 0, 100000);
  } else if (key == "complaints_per_hour") {
    c.complaints_per_hour = ToInt(key, v, 0, 100000);
  } else if (key == "lockout_threshold") {
    c.lockout_threshold = ToInt(key, v, 1, 100);
  } else if (key == "lockout_minutes") {
    c.lockout_minutes = ToInt(key, v, 1, 24 * 60);
  } else if (key == "max_body_bytes") {
    c.max_body_bytes = ToInt(key, v, 1024, 1 << 30);
  } else if (key == "upload_max_bytes") {
    c.upload_max_bytes = ToInt(key, v, 1024, 1 << 30);
  } else if (key == "supervision_warn_days") {
    c.supervision_warn_days = ToInt(key, v, 0, 20);
  } else if (key == "supervision_notice_days") {
    c.supervision_notice_days = ToInt(key, v, 1, 60);
  } else if (key == "supervision_auto_notice") {
    c.supervision_auto_notice = ToBool(key, v);
  } else if (key == "supervision_tick_seconds") {
    c.supervision_tick_seconds = ToInt(key, v, 0, 86400);
  } else if (key == "evaluation_weights") {
    c.evaluation_weights = v;
  } else if (key == "evaluation_deductions") {
    c.evaluation_deductions = v;
  } else if (key == "evaluation_grades") {
    c.evaluation_grades = v;
  } else if (key == "complaints_unit") {
    if (v.empty()) throw Error(ErrorCode::kInvalidInput, "complaints_unit 应为单位编码");
    c.complaints_unit = v;
  } else if (key == "complaints_acceptance_days") {
    c.complaints_acceptance_days = ToInt(key, v, 1, 60);
  } else if (key == "complaints_reply_days") {
    c.complaints_reply_days = ToInt(key, v, 1, 120);
  } else if (key == "spool_dir") {
    c.spool_dir = v;
  } else if (key == "secure_cookies") {
    c.secure_cookies = ToBool(key, v);
  } else if (key == "now") {
    c.now_override = v;
  } else if (key == "clock_offset") {
    c.clock_offset_seconds = ToInt(key, v, -1000000000, 1000000000);
  } else if (key == "log_level") {
    static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
    if (!kLevels.count(v)) throw Error(ErrorCode::kInvalidInput, "log_level 应为 trace/debug/info/warn/error/critical/off：" + v);
    c.log_level = v;
  } else if (key == "trusted_proxies") {
    c.trusted_proxies = SplitList(v);
  } else if (key == "metrics_allow") {
    c.metrics_allow = SplitList(v);
  } else {
    throw Error(ErrorCode::kInvalidInput, "未知的配置项：" + key);
  }
}

void LoadConfigFile(Config& c, const std::string& path, bool optional) {
  std::ifstream in(path);
  if (!in) {
    if (optional) return;
    throw Error(ErrorCode::kInvalidInput, "无法读取配置文件：" + path);
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#') continue;
    auto eq = t.find('=');
    if (eq == std::string::npos) {
      throw Error(ErrorCode::kInvalidInput, "配置文件 " + path + " 第 " + std::to_string(n) + " 行应为 key = value");
    }
    SetConfigValue(c, Trim(t.substr(0, eq)), Trim(t.substr(eq + 1)));
  }
}

void LoadConfigEnv(Config& c) {
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    if (kv.rfind("YIWANG_", 0) != 0) continue;
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string key = kv.substr(7, eq - 7);
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char ch) { return std::tolower(ch); });
    // Variables read elsewhere (tests, scripts) are not configuration keys.
    if (key == "test_pg" || key == "bin" || key == "config" || key == "data") continue;
    try {
      SetConfigValue(c, key, kv.substr(eq + 1));
    } catch (const Error& e) {
      // Other tools use the YIWANG_ prefix too (test scripts): an unknown name is skipped with
      // a warning, a known name with a bad value still stops start-up.
      if (e.message().rfind("未知的配置项", 0) != 0) throw;
      std::fprintf(stderr, "警告：忽略环境变量 YIWANG_%s（不是配置项）\n", kv.substr(7, eq - 7).c_str());
    }
  }
}

void ValidateConfig(Config& c) {
  if (c.data_dir.empty()) throw Error(ErrorCode::kInvalidInput, "必须指定数据目录（--data）");
  if (c.database.empty()) c.database = "sqlite://" + c.data_dir + "/yiwang.db";
  if (c.public_url.empty()) {
    // A split internal node does not serve the portal: the QR codes it prints must name it.
    if (c.mode == Mode::kProduction && c.zone == Zone::kInternal) {
      throw Error(ErrorCode::kInvalidInput, "分区部署的内网节点必须设置 public_url（外网门户地址，印在证照二维码和核验链接中）");
    }
    c.public_url = "http://" + c.external_addr;
  }
  while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  if (c.mode == Mode::kProduction) {
    bool known = std::find(std::begin(kKnownSecrets), std::end(kKnownSecrets), c.secret) != std::end(kKnownSecrets);
    if (known || c.secret.size() < 32) {
      throw Error(ErrorCode::kInvalidInput,
                  "生产模式下必须配置至少 32 个字符的随机密钥 secret（配置文件或 YIWANG_SECRET），"
                  "不得为空或使用示例值。可用 `openssl rand -hex 32` 生成。");
    }
    if (!c.now_override.empty() || c.clock_offset_seconds != 0) {
      throw Error(ErrorCode::kInvalidInput, "时钟调整（YIWANG_NOW / clock_offset）仅用于演示和测试模式，生产模式拒绝启动");
    }
  } else if (c.secret.empty()) {
    throw Error(ErrorCode::kInvalidInput, "缺少密钥 secret：请运行 `yiwang demo` 生成演示配置");
  }
  if (c.zone != Zone::kBoth && c.spool_dir.empty()) {
    throw Error(ErrorCode::kInvalidInput, "分区部署（zone=external 或 internal）必须配置交换目录 spool_dir");
  }
  if (!c.now_override.empty()) ParseLocal(c.now_override);  // validates the format
}

std::int64_t ClockOffsetMs(const Config& c, std::int64_t real_now_ms) {
  if (!c.now_override.empty()) return ParseLocal(c.now_override) - real_now_ms;
  return c.clock_offset_seconds * 1000;
}

std::map<std::string, std::string> Config::Describe() const {
  std::string roles;
  for (const auto& r : totp_required_roles) roles += (roles.empty() ? "" : ",") + r;
  return {
      {"mode", ModeName(mode)},
      {"zone", ZoneName(zone)},
      {"data", data_dir},
      {"database", database.rfind("postgresql://", 0) == 0 ? "postgresql://…" : database},
      {"external", external_addr},
      {"public_url", public_url},
      {"internal", internal_addr},
      {"secret", secret.empty() ? "(未设置)" : "(已设置)"},
      {"threads", std::to_string(threads)},
      {"password_profile", password_profile},
      {"totp_required_roles", roles},
      {"session_idle_minutes", std::to_string(session_idle_minutes)},
      {"lockout_threshold", std::to_string(lockout_threshold)},
      {"lockout_minutes", std::to_string(lockout_minutes)},
      {"register_per_hour", std::to_string(register_per_hour)},
      {"complaints_per_hour", std::to_string(complaints_per_hour)},
      {"spool_dir", spool_dir},
      {"supervision_warn_days", std::to_string(supervision_warn_days)},
      {"supervision_notice_days", std::to_string(supervision_notice_days)},
      {"supervision_auto_notice", supervision_auto_notice ? "true" : "false"},
      {"supervision_tick_seconds", std::to_string(supervision_tick_seconds)},
      {"complaints_unit", complaints_unit},
      {"complaints_acceptance_days", std::to_string(complaints_acceptance_days)},
      {"complaints_reply_days", std::to_string(complaints_reply_days)},
  };
}

}  // namespace yiwang::core
