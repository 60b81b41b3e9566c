#include "app/backup.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "exchange/exchange.hpp"

namespace yiwang::app {
namespace fs = std::filesystem;

namespace {

/// What of the data directory besides the database and the file store belongs to the node:
/// its configuration and, on a split-zone node, its exchange keys.
const std::vector<std::string>& NodeFiles() {
  static const std::vector<std::string> kFiles = {"yiwang.conf", exchange::kOwnKeyFile, exchange::kOwnPublicKeyFile,
                                                  exchange::kPeerKeyFile};
  return kFiles;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Runs a program without a shell (arguments are never interpreted); env adds variables.
void Run(const std::vector<std::string>& args, const std::vector<std::pair<std::string, std::string>>& env = {}) {
  pid_t pid = fork();
  if (pid == 0) {
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw Error(ErrorCode::kInternal, args[0] + " 执行失败（退出码 " + std::to_string(WEXITSTATUS(status)) + "）");
  }
}

bool IsPostgres(const core::Config& c) { return c.database.rfind("postgres", 0) == 0; }

/// The database URL without its password, and the password for PGPASSWORD: a password on a
/// command line is visible to every user in the process list.
std::pair<std::string, std::string> SplitPassword(const std::string& url) {
  const auto scheme = url.find("://");
  const auto at = url.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme == std::string::npos || at == std::string::npos) return {url, ""};
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return {url, ""};
  std::string password = url.substr(colon + 1, at - colon - 1);
  std::string decoded;
  for (std::size_t i = 0; i < password.size(); ++i) {
    if (password[i] == '%' && i + 2 < password.size()) {
      decoded += static_cast<char>(std::stoi(password.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      decoded += password[i];
    }
  }
  return {url.substr(0, colon) + url.substr(at), decoded};
}

std::string SqlQuote(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("''") : std::string(1, ch);
  return out + "'";
}

}  // namespace

DataDirLock::DataDirLock(const std::string& data_dir) {
  fs::create_directories(data_dir);
  fd_ = ::open((data_dir + "/yiwang.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0 || ::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    throw Error(ErrorCode::kConflict, "数据目录 " + data_dir + " 正被另一个 yiwang 进程使用（服务运行中？）");
  }
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

std::string Backup(const core::Config& config, const std::string& out_dir) {
  if (fs::exists(out_dir) && !fs::is_empty(out_dir)) throw Error(ErrorCode::kConflict, "备份目录已存在且非空：" + out_dir);
  fs::create_directories(out_dir);
  nlohmann::json manifest = {{"format", "yiwang-backup-1"}, {"created_at", core::FormatIsoUtc(core::SystemClock().NowMs())}};
  if (IsPostgres(config)) {
    auto [url, password] = SplitPassword(config.database);
    Run({"pg_dump", "--format=custom", "--no-owner", "--file", out_dir + "/db.pgdump", "--dbname", url},
        password.empty() ? std::vector<std::pair<std::string, std::string>>{} : std::vector<std::pair<std::string, std::string>>{{"PGPASSWORD", password}});
    manifest["database"] = {{"kind", "postgresql"}, {"file", "db.pgdump"}, {"sm3", core::Sm3Hex(ReadAll(out_dir + "/db.pgdump"))}};
  } else {
    auto db = db::Database::Open(config.database, 1);
    db::Conn c(*db);
    // VACUUM INTO writes a transactionally consistent copy while other connections go on.
    c.sql() << "VACUUM INTO " + SqlQuote(out_dir + "/db.sqlite");
    manifest["database"] = {{"kind", "sqlite"}, {"file", "db.sqlite"}, {"sm3", core::Sm3Hex(ReadAll(out_dir + "/db.sqlite"))}};
  }
  nlohmann::json files = nlohmann::json::array();
  const fs::path src = fs::path(config.data_dir) / "files";
  if (fs::exists(src)) {
    for (const auto& e : fs::recursive_directory_iterator(src)) {
      if (!e.is_regular_file() || e.path().filename().string().find(".tmp-") != std::string::npos) continue;
      fs::path rel = fs::relative(e.path(), src);
      fs::create_directories(fs::path(out_dir) / "files" / rel.parent_path());
      fs::copy_file(e.path(), fs::path(out_dir) / "files" / rel);
      files.push_back(rel.string());
    }
  }
  manifest["files"] = files;
  // The configuration holds the secret that keys the audit chain and seals TOTP secrets:
  // without it a restored node cannot verify its audit log. The exchange keys of a split-zone
  // node (ADR 0004) go with it: without them the other node would reject what it sends. Kept
  // owner-readable only.
  nlohmann::json node_files = nlohmann::json::array();
  for (const std::string& name : NodeFiles()) {
    const fs::path from = fs::path(config.data_dir) / name;
    if (!fs::exists(from)) continue;
    fs::copy_file(from, fs::path(out_dir) / name);
    fs::permissions(fs::path(out_dir) / name, fs::perms::owner_read | fs::perms::owner_write);
    node_files.push_back(name);
    if (name == "yiwang.conf") manifest["config"] = "yiwang.conf";
  }
  manifest["node_files"] = node_files;
  std::ofstream(out_dir + "/manifest.json") << manifest.dump(2) << "\n";
  // Files of up to FileStore::kInlineMaxBytes live in the database and are in its copy.
  return "备份完成：" + out_dir + "（数据库 " + manifest["database"]["kind"].get<std::string>() + "，含库内小文件；磁盘文件 " +
         std::to_string(files.size()) + " 个）";
}

std::string Restore(const core::Config& config, const std::string& from_dir) {
  std::ifstream in(from_dir + "/manifest.json");
  if (!in) throw Error(ErrorCode::kInvalidInput, "不是有效的备份目录（缺少 manifest.json）：" + from_dir);
  nlohmann::json manifest = nlohmann::json::parse(in, nullptr, false);
  if (manifest.is_discarded() || manifest.value("format", "") != "yiwang-backup-1") {
    throw Error(ErrorCode::kInvalidInput, "备份清单无法识别：" + from_dir);
  }
  const std::string db_file = from_dir + "/" + manifest["database"]["file"].get<std::string>();
  if (core::Sm3Hex(ReadAll(db_file)) != manifest["database"]["sm3"].get<std::string>()) {
    throw Error(ErrorCode::kInvalidInput, "备份中的数据库文件已损坏（SM3 不符），拒绝恢复");
  }
  for (const auto& f : manifest["files"]) {
    const std::string rel = f.get<std::string>();
    const std::string name = fs::path(rel).parent_path().string() + fs::path(rel).filename().string();
    if (core::Sm3Hex(ReadAll(fs::path(from_dir) / "files" / rel)) != name) {
      throw Error(ErrorCode::kInvalidInput, "备份中的文件 " + rel + " 已损坏（SM3 不符），拒绝恢复");
    }
  }
  DataDirLock lock(config.data_dir);
  const bool pg_backup = manifest["database"]["kind"] == "postgresql";
  if (pg_backup != IsPostgres(config)) throw Error(ErrorCode::kInvalidInput, "备份的数据库类型与当前配置不一致");
  if (pg_backup) {
    auto [url, password] = SplitPassword(config.database);
    Run({"pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname", url, db_file},
        password.empty() ? std::vector<std::pair<std::string, std::string>>{} : std::vector<std::pair<std::string, std::string>>{{"PGPASSWORD", password}});
  } else {
    const std::string target = config.database.substr(9);
    fs::path tmp = target + ".restore-tmp";
    fs::copy_file(db_file, tmp, fs::copy_options::overwrite_existing);
    fs::remove(target + "-wal");
    fs::remove(target + "-shm");
    fs::rename(tmp, target);
  }
  const fs::path dst = fs::path(config.data_dir) / "files";
  fs::remove_all(dst);
  int count = 0;
  for (const auto& f : manifest["files"]) {
    const std::string rel = f.get<std::string>();
    fs::create_directories((dst / rel).parent_path());
    fs::copy_file(fs::path(from_dir) / "files" / rel, dst / rel);
    ++count;
  }
  // The configuration and the exchange keys: put back where missing, never over the present ones.
  std::string conf_note;
  nlohmann::json node_files = manifest.value("node_files", nlohmann::json::array());
  if (node_files.empty() && manifest.contains("config")) node_files.push_back("yiwang.conf");  // older backups
  std::vector<std::string> restored, kept;
  for (const auto& f : node_files) {
    const std::string name = f.get<std::string>();
    const fs::path to = fs::path(config.data_dir) / name;
    if (fs::exists(to)) {
      kept.push_back(name);
      continue;
    }
    fs::copy_file(fs::path(from_dir) / name, to);
    fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write);
    restored.push_back(name);
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : "、") + x;
    return out;
  };
  if (!restored.empty()) conf_note += "；已恢复 " + join(restored);
  if (!kept.empty()) conf_note += "；现有的 " + join(kept) + " 未覆盖（备份中的副本在 " + from_dir + "）";
  return "恢复完成：数据库与 " + std::to_string(count) + " 个文件已从 " + from_dir + " 恢复" + conf_note;
}

}  // namespace yiwang::app
