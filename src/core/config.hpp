#pragma once
// Configuration: defaults, then a file, then YIWANG_* environment, then command-line flags
// (architecture.md convention 9). Validated once at start; no default secrets.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace yiwang::core {

enum class Mode { kProduction, kDemo, kTest };
enum class Zone { kBoth, kExternal, kInternal };

std::string ModeName(Mode m);
std::string ZoneName(Zone z);
Zone ParseZone(const std::string& s);

struct Config {
  Mode mode = Mode::kProduction;
  Zone zone = Zone::kBoth;
  std::string data_dir = "./var/data";
  /// sqlite:///absolute/path.db or postgresql://user:pass@host:port/db (libpq URI).
  std::string database;
  std::string external_addr = "127.0.0.1:8080";
  std::string internal_addr = "127.0.0.1:8081";
  /// Root secret from which purpose keys are derived (session ids are random; this key
  /// protects TOTP secrets at rest with SM4 and keys the audit chain's HMAC-SM3).
  std::string secret;
  int threads = 4;
  std::string site_name = "滨海市东河区人民政府";
  /// The external zone's address as citizens reach it (printed in the QR codes of sealed
  /// documents); default http://<external>.
  std::string public_url;
  std::string district_name = "东河区";
  std::string password_profile = "asvs";
  /// Roles whose holders must pass a TOTP second factor (domain-rules: privileged staff).
  std::vector<std::string> totp_required_roles = {"sys_admin", "sec_admin", "auditor"};
  int session_idle_minutes = 30;
  int session_absolute_hours = 12;
  int lockout_threshold = 5;
  int lockout_minutes = 15;
  /// Anonymous writes from one client address within an hour: registrations and complaints
  /// (identity::LookupGuard::CheckRate); 0 = no limit. A service hall that registers citizens
  /// at its counters behind one address raises the first, or sends X-Forwarded-For.
  int register_per_hour = 20;
  int complaints_per_hour = 10;
  std::int64_t max_body_bytes = 32LL * 1024 * 1024;
  std::int64_t upload_max_bytes = 20LL * 1024 * 1024;
  /// Split zones: the directory a ferry (网闸) or rsync carries between the two nodes.
  std::string spool_dir;
  /// Addresses of reverse proxies (nginx) whose X-Forwarded-For is believed: the audit log
  /// then records the citizen's address, not the proxy's.
  std::vector<std::string> trusted_proxies;
  /// Client addresses allowed to read /metrics (the monitoring server); "*" allows any. A
  /// system administrator logged in may read it from anywhere.
  std::vector<std::string> metrics_allow = {"127.0.0.1", "::1"};
  /// Set when served behind TLS (nginx): cookies get the Secure attribute.
  bool secure_cookies = false;
  /// Demo/test only: shift the clock so that "now" is this instant at start (YIWANG_NOW).
  std::string now_override;
  std::int64_t clock_offset_seconds = 0;
  std::string log_level = "info";
  /// Electronic supervision: yellow this many working days before a limit; working days a
  /// department gets to answer a 督办单; a 督办单 issued automatically when a limit passes;
  /// seconds between monitor ticks (0 = no scheduler on this node; `yiwang supervise tick`).
  int supervision_warn_days = 1;
  int supervision_notice_days = 3;
  bool supervision_auto_notice = true;
  int supervision_tick_seconds = 60;
  /// Performance evaluation (绩效评估): weights "ontime:60,satisfaction:20,speed:20"; points
  /// taken off "yellow:2,red:5,violation:1,complaint:2"; grade thresholds "90,80,60".
  std::string evaluation_weights;
  std::string evaluation_deductions;
  std::string evaluation_grades;
  /// Complaints (投诉处理): the unit whose 监察员 handle them (by code), the working days from
  /// receipt to the acceptance decision (domain-rules: 5) and from acceptance to the reply.
  std::string complaints_unit = "DH-JCJ";
  int complaints_acceptance_days = 5;
  int complaints_reply_days = 15;

  /// Every key=value as loaded, for `yiwang check` to print (secret masked).
  std::map<std::string, std::string> Describe() const;
  std::string FilePath() const { return data_dir + "/yiwang.conf"; }
};

/// Applies one key=value; throws yiwang::Error(kInvalidInput) naming the key on a bad value.
void SetConfigValue(Config& c, const std::string& key, const std::string& value);
/// Reads "key = value" lines ('#' comments) from a file; missing file is not an error when
/// optional is true.
void LoadConfigFile(Config& c, const std::string& path, bool optional);
/// Applies YIWANG_<KEY> environment variables (e.g. YIWANG_DATABASE, YIWANG_SECRET).
void LoadConfigEnv(Config& c);
/// Fills derived defaults (database from data_dir) and refuses unsafe settings: empty or
/// well-known secrets outside demo/test mode, a clock override in production.
void ValidateConfig(Config& c);
/// Effective clock offset in milliseconds (from now_override or clock_offset_seconds).
std::int64_t ClockOffsetMs(const Config& c, std::int64_t real_now_ms);

}  // namespace yiwang::core
