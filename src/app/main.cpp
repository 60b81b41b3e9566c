// yiwang: one binary, subcommands (architecture.md "The shape").
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/app.hpp"
#include "app/backup.hpp"
#include "app/demo.hpp"
#include "approval/transfer.hpp"
#include "core/error.hpp"
#include "db/migrator.hpp"
#include "exchange/exchange.hpp"
#include "http/server.hpp"
#include "identity/store.hpp"
#include "identity/totp.hpp"

#ifndef YIWANG_VERSION
#define YIWANG_VERSION "0.1.0"
#endif

namespace {

using yiwang::Error;
using yiwang::ErrorCode;
namespace core = yiwang::core;
namespace fs = std::filesystem;

/// Options every subcommand that opens a data directory shares.
struct Common {
  std::string data;
  std::string config_file;
  std::string database;
  std::string mode;
  std::string zone;
  std::string spool;
  void Add(CLI::App* cmd) {
    cmd->add_option("--data", data, "数据目录（配置文件 yiwang.conf、SQLite 数据库和上传文件所在目录）");
    cmd->add_option("--config", config_file, "配置文件（默认 <数据目录>/yiwang.conf）");
    cmd->add_option("--database", database, "数据库：sqlite:///路径 或 postgresql://用户@主机:端口/库名");
    cmd->add_option("--mode", mode, "production | demo | test");
    cmd->add_option("--zone", zone, "both | external | internal");
    cmd->add_option("--spool", spool, "分区部署时的交换目录");
  }
  core::Config Load() const {
    core::Config c;
    if (const char* d = std::getenv("YIWANG_DATA")) c.data_dir = d;
    if (!data.empty()) c.data_dir = data;
    std::string file = config_file;
    if (file.empty()) {
      if (const char* f = std::getenv("YIWANG_CONFIG")) file = f;
    }
    core::LoadConfigFile(c, file.empty() ? c.FilePath() : file, file.empty());
    core::LoadConfigEnv(c);
    if (!data.empty()) c.data_dir = data;
    if (!database.empty()) c.database = database;
    if (!mode.empty()) core::SetConfigValue(c, "mode", mode);
    if (!zone.empty()) core::SetConfigValue(c, "zone", zone);
    if (!spool.empty()) c.spool_dir = spool;
    c.data_dir = fs::absolute(c.data_dir).lexically_normal().string();
    return c;
  }
};

int Fail(const std::string& message) {
  std::cerr << "错误：" << message << std::endl;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"yiwang（一网）电子政务平台：网上审批与电子监察、政府门户、政务公开、协同办公"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", YIWANG_VERSION);
  int exit_code = 0;

  // ---- serve
  Common serve_opts;
  std::string external_addr, internal_addr, log_level;
  int threads = 0;
  auto* serve = cli.add_subcommand("serve", "启动服务：外网区（门户）和/或内网区（工作台）");
  serve_opts.Add(serve);
  serve->add_option("--external", external_addr, "外网区监听地址（默认 127.0.0.1:8080）");
  serve->add_option("--internal", internal_addr, "内网区监听地址（默认 127.0.0.1:8081）");
  serve->add_option("--threads", threads, "工作线程数");
  serve->callback([&] {
    core::Config c = serve_opts.Load();
    if (!external_addr.empty()) c.external_addr = external_addr;
    if (!internal_addr.empty()) c.internal_addr = internal_addr;
    if (threads > 0) c.threads = threads;
    spdlog::set_level(spdlog::level::from_str(c.log_level));
    yiwang::app::DataDirLock lock(c.data_dir);
    auto app = yiwang::app::App::Open(c);
    // Split zones: nothing crosses the spool unsigned or unchecked (ADR 0004).
    if (const std::string problem = app->exchange->KeysProblem(); !problem.empty()) {
      throw Error(ErrorCode::kInvalidInput, problem);
    }
    app->exchange->Start();
    // Electronic supervision watches the internal zone's clocks; an external-only node has none.
    std::unique_ptr<yiwang::supervision::Scheduler> scheduler;
    if (c.zone != core::Zone::kExternal) {
      scheduler = std::make_unique<yiwang::supervision::Scheduler>(*app->monitor, yiwang::supervision::NodeName(),
                                                                   app->config.supervision_tick_seconds);
      scheduler->Start();
    }
    yiwang::http::ServerOptions opts;
    opts.threads = app->config.threads;
    opts.max_body_bytes = static_cast<std::size_t>(app->config.max_body_bytes);
    std::shared_ptr<yiwang::http::Site> ext, in;
    if (c.zone != core::Zone::kInternal) {
      ext = std::make_shared<yiwang::http::Site>(app->ExternalSite());
      opts.listeners.push_back({app->config.external_addr, [ext](yiwang::http::Request& r) { return ext->Handle(r); }});
    }
    if (c.zone != core::Zone::kExternal) {
      in = std::make_shared<yiwang::http::Site>(app->InternalSite());
      opts.listeners.push_back({app->config.internal_addr, [in](yiwang::http::Request& r) { return in->Handle(r); }});
    }
    opts.on_ready = [&] {
      std::cout << "yiwang " << YIWANG_VERSION << " 已启动（" << core::ModeName(app->config.mode) << " 模式，分区 "
                << core::ZoneName(app->config.zone) << "，数据库 " << (app->db->is_sqlite() ? "SQLite" : "PostgreSQL")
                << "）" << std::endl;
      if (ext) std::cout << "  外网门户  http://" << app->config.external_addr << "/" << std::endl;
      if (in) std::cout << "  内网工作台 http://" << app->config.internal_addr << "/" << std::endl;
      std::cout << std::flush;
    };
    yiwang::http::Serve(opts);
    if (scheduler) scheduler->Stop();
    app->exchange->Stop();
  });

  // ---- migrate
  Common migrate_opts;
  bool migrate_status = false;
  auto* migrate = cli.add_subcommand("migrate", "执行数据库迁移（只增不改，带校验和）");
  migrate_opts.Add(migrate);
  migrate->add_flag("--status", migrate_status, "只显示迁移状态");
  migrate->callback([&] {
    core::Config c = migrate_opts.Load();
    core::ValidateConfig(c);
    auto db = yiwang::db::Database::Open(c.database, 1);
    if (migrate_status) {
      for (const auto& m : yiwang::db::MigrationState(*db)) {
        std::cout << (m.applied ? "[已执行] " : "[待执行] ") << m.version << "_" << m.name << "\n";
      }
      return;
    }
    auto applied = yiwang::db::Migrate(*db);
    std::cout << "已执行 " << applied.size() << " 个迁移" << std::endl;
  });

  // ---- demo
  Common demo_opts;
  bool demo_reset = false;
  auto* demo = cli.add_subcommand("demo", "创建演示区（虚构的东河区：单位、人员、账户）");
  demo_opts.Add(demo);
  demo->add_flag("--reset", demo_reset, "删除数据目录中的已有数据后重建");
  bool demo_cases = false;
  demo->add_flag("--cases", demo_cases, "同时生成六周的演示办件（受理、办理、办结、超期、督办），供监察总览等演示");
  demo->callback([&] {
    core::Config probe = demo_opts.Load();
    if (fs::exists(probe.FilePath()) && probe.mode == core::Mode::kProduction) {
      throw Error(ErrorCode::kForbidden, "数据目录 " + probe.data_dir + " 是生产配置（mode = production），拒绝创建或重置演示数据");
    }
    if (demo_reset && fs::exists(probe.data_dir)) {
      yiwang::app::DataDirLock lock(probe.data_dir);
      for (const auto& e : fs::directory_iterator(probe.data_dir)) {
        if (e.path().filename() != "yiwang.lock") fs::remove_all(e.path());
      }
    }
    const std::string zone = demo_opts.zone.empty() ? "both" : demo_opts.zone;
    yiwang::app::WriteDemoConfig(probe.data_dir, zone, demo_opts.spool);
    core::Config c = demo_opts.Load();
    yiwang::app::DataDirLock lock(c.data_dir);
    auto app = yiwang::app::App::Open(c);
    if (c.zone == core::Zone::kExternal) {
      std::cout << "外网节点的演示配置已写入 " << c.data_dir
                << "。外网不创建业务数据：单位、事项目录等由内网节点经交换目录同步过来。" << std::endl;
      return;
    }
    if (!app->identity->Units().empty()) {
      std::cout << "演示数据已存在：" << c.data_dir << "（如需重建请加 --reset）\n" << yiwang::app::DemoAccountsText(c.data_dir);
      return;
    }
    std::cout << "已创建演示区：" << c.data_dir << "\n" << yiwang::app::CreateDemoDistrict(*app);
    if (demo_cases) std::cout << yiwang::app::SeedDemoCases(*app);
  });

  // ---- user
  auto* user = cli.add_subcommand("user", "工作人员账户：add | passwd | lock | unlock | totp-code");
  user->require_subcommand(1);
  Common user_opts;
  std::string u_name, u_display, u_unit, u_password;
  std::vector<std::string> u_roles;
  auto read_password = [](std::string& pw) {
    if (pw.empty()) {
      std::cerr << "请输入密码（从标准输入读取一行）：" << std::flush;
      std::getline(std::cin, pw);
    }
  };
  auto* user_add = user->add_subcommand("add", "新建工作人员账户");
  user_opts.Add(user_add);
  user_add->add_option("username", u_name, "用户名")->required();
  user_add->add_option("--name", u_display, "姓名")->required();
  user_add->add_option("--unit", u_unit, "所属单位编码")->required();
  user_add->add_option("--role", u_roles, "角色（可多次）：sys_admin sec_admin auditor window_clerk handler reviewer approver supervisor editor");
  user_add->add_option("--password", u_password, "初始密码（不提供则从标准输入读取）");
  user_add->callback([&] {
    for (const auto& r : u_roles) {
      if (!yiwang::identity::ParseRole(r)) throw Error(ErrorCode::kInvalidInput, "未知角色：" + r);
    }
    auto app = yiwang::app::App::Open(user_opts.Load());
    read_password(u_password);
    yiwang::db::Conn c(*app->db);
    auto unit = yiwang::identity::store::FindUnitByCode(c.sql(), u_unit);
    if (!unit) throw Error(ErrorCode::kNotFound, "单位编码不存在：" + u_unit);
    auto ctx = yiwang::identity::Context::System("命令行");
    yiwang::identity::NewUser nu{u_name, u_display, unit->id, "", u_password};
    auto u = app->identity->CreateUser(ctx, nu);
    app->identity->SetRoles(ctx, u.id, {u_roles.begin(), u_roles.end()});
    std::cout << "已创建账户 " << u.username << "（" << unit->name << "）" << std::endl;
  });
  Common passwd_opts;
  std::string p_name, p_password;
  auto* user_passwd = user->add_subcommand("passwd", "重置工作人员密码");
  passwd_opts.Add(user_passwd);
  user_passwd->add_option("username", p_name, "用户名")->required();
  user_passwd->add_option("--password", p_password, "新密码（不提供则从标准输入读取）");
  user_passwd->callback([&] {
    auto app = yiwang::app::App::Open(passwd_opts.Load());
    read_password(p_password);
    yiwang::db::Conn c(*app->db);
    auto u = yiwang::identity::store::FindUserByName(c.sql(), p_name);
    if (!u) throw Error(ErrorCode::kNotFound, "用户不存在：" + p_name);
    app->identity->ResetPassword(yiwang::identity::Context::System("命令行"), u->user.id, p_password);
    std::cout << "已重置 " << p_name << " 的密码" << std::endl;
  });
  for (const bool lock : {true, false}) {
    auto* cmd = user->add_subcommand(lock ? "lock" : "unlock", lock ? "锁定工作人员账户" : "解锁工作人员账户");
    auto opts = std::make_shared<Common>();
    auto name = std::make_shared<std::string>();
    opts->Add(cmd);
    cmd->add_option("username", *name, "用户名")->required();
    cmd->callback([opts, name, lock] {
      auto app = yiwang::app::App::Open(opts->Load());
      yiwang::db::Conn c(*app->db);
      auto u = yiwang::identity::store::FindUserByName(c.sql(), *name);
      if (!u) throw Error(ErrorCode::kNotFound, "用户不存在：" + *name);
      app->identity->SetUserLocked(yiwang::identity::Context::System("命令行"), u->user.id, lock);
      std::cout << (lock ? "已锁定 " : "已解锁 ") << *name << std::endl;
    });
  }
  Common totp_opts;
  std::string t_name;
  auto* user_totp = user->add_subcommand("totp-code", "（仅演示/测试模式）显示演示账户当前的动态口令");
  totp_opts.Add(user_totp);
  user_totp->add_option("username", t_name, "用户名")->required();
  user_totp->callback([&] {
    auto app = yiwang::app::App::Open(totp_opts.Load(), false);
    std::cout << app->identity->DemoTotpCode(t_name) << std::endl;
  });

  // ---- unit (the first units of a production install, before any administrator exists)
  Common unit_opts;
  std::string unit_code, unit_name, unit_kind = "district", unit_parent;
  auto* unit_cmd = cli.add_subcommand("unit", "单位：add");
  unit_cmd->require_subcommand(1);
  auto* unit_add = unit_cmd->add_subcommand("add", "新增单位（生产环境用它建立单位树的根，例如区政府和电子政务中心）");
  unit_opts.Add(unit_add);
  unit_add->add_option("code", unit_code, "单位编码")->required();
  unit_add->add_option("--name", unit_name, "单位名称")->required();
  unit_add->add_option("--kind", unit_kind, "city | district | department | town | office（默认 district）");
  unit_add->add_option("--parent", unit_parent, "上级单位编码（不填为顶级单位）");
  unit_add->callback([&] {
    auto app = yiwang::app::App::Open(unit_opts.Load());
    std::int64_t parent = 0;
    if (!unit_parent.empty()) {
      yiwang::db::Conn c(*app->db);
      auto p = yiwang::identity::store::FindUnitByCode(c.sql(), unit_parent);
      if (!p) throw Error(ErrorCode::kNotFound, "上级单位编码不存在：" + unit_parent);
      parent = p->id;
    }
    auto u = app->identity->CreateUnit(yiwang::identity::Context::System("命令行"),
                                       {parent, unit_code, unit_name, unit_kind, 0});
    app->exchange->Pump();
    std::cout << "已新增单位 " << u.code << " " << u.name << std::endl;
  });

  // ---- audit
  auto* audit_cmd = cli.add_subcommand("audit", "审计日志");
  audit_cmd->require_subcommand(1);
  Common verify_opts;
  auto* verify = audit_cmd->add_subcommand("verify", "校验审计哈希链；发现篡改、删除或链外插入时指出第一条并以非零状态退出");
  verify_opts.Add(verify);
  verify->callback([&] {
    auto app = yiwang::app::App::Open(verify_opts.Load(), false);
    auto r = app->audit->Verify(*app->db);
    if (r.ok) {
      std::cout << "审计链完整：共校验 " << r.checked << " 条记录" << std::endl;
    } else {
      std::cout << "审计链校验失败：" << r.problem << "（已通过校验 " << r.checked << " 条）" << std::endl;
      exit_code = 2;
    }
  });

  // ---- backup / restore
  Common backup_opts;
  std::string backup_out;
  auto* backup = cli.add_subcommand("backup", "在线备份数据库和文件存储");
  backup_opts.Add(backup);
  backup->add_option("--out", backup_out, "备份输出目录（新目录）")->required();
  backup->callback([&] {
    core::Config c = backup_opts.Load();
    core::ValidateConfig(c);
    std::cout << yiwang::app::Backup(c, backup_out) << std::endl;
  });
  Common restore_opts;
  std::string restore_from;
  auto* restore = cli.add_subcommand("restore", "从备份恢复（须先停止服务）");
  restore_opts.Add(restore);
  restore->add_option("--from", restore_from, "备份目录")->required();
  restore->callback([&] {
    core::Config c = restore_opts.Load();
    core::ValidateConfig(c);
    std::cout << yiwang::app::Restore(c, restore_from) << std::endl;
  });

  // ---- exchange (split zones, manual pump for operators and tests)
  Common pump_opts;
  auto* pump = cli.add_subcommand("exchange-pump", "执行一轮数据交换（发送待发交换包、导入已到达的交换包）");
  pump_opts.Add(pump);
  pump->callback([&] {
    auto app = yiwang::app::App::Open(pump_opts.Load());
    if (const std::string problem = app->exchange->KeysProblem(); !problem.empty()) {
      std::cerr << "注意：" << problem << "；本轮只发送、不导入" << std::endl;
    }
    auto s = app->exchange->Pump();
    std::cout << "发送 " << s.sent << "，导入 " << s.applied << "，重复 " << s.duplicates << "，拒收 " << s.rejected
              << "，确认 " << s.acked << std::endl;
  });

  // ---- drafts past their keeping period (external zone; daily from cron)
  Common purge_opts;
  auto* drafts = cli.add_subcommand("drafts", "申报草稿：purge（删除超过保留期限的草稿）");
  drafts->require_subcommand(1);
  auto* purge = drafts->add_subcommand("purge", "删除最后保存超过 90 天、尚未提交的草稿（记入审计日志）");
  purge_opts.Add(purge);
  purge->callback([&] {
    auto app = yiwang::app::App::Open(purge_opts.Load());
    const int n = app->drafts->Purge();
    std::cout << "已删除超过保留期限的草稿 " << n << " 份" << std::endl;
  });

  // ---- uploaded files nothing refers to any more (drafts purged, failed uploads); weekly from cron
  Common gc_opts;
  int gc_days = 30;
  bool gc_delete = false;
  auto* files_cmd = cli.add_subcommand("files", "文件存储：gc（清理不再被任何记录引用的文件）");
  files_cmd->require_subcommand(1);
  auto* gc = files_cmd->add_subcommand("gc", "找出不再被办件、文书、草稿、附件或事项目录引用的文件；加 --delete 才删除（记入审计日志）");
  gc_opts.Add(gc);
  gc->add_option("--days", gc_days, "只清理最后保存超过这么多天的文件（至少 7，默认 30）")->check(CLI::Range(7, 3650));
  gc->add_flag("--delete", gc_delete, "删除找到的文件（不加时只统计）");
  gc->callback([&] {
    auto app = yiwang::app::App::Open(gc_opts.Load());
    const std::int64_t cutoff = app->clock->NowMs() - static_cast<std::int64_t>(gc_days) * 24 * 3600 * 1000;
    const yiwang::files::Collection r = app->files->Collect(cutoff, gc_delete);
    auto mb = [](std::int64_t b) { return std::to_string((b + 512 * 1024) / (1024 * 1024)) + " MB"; };
    std::cout << "被引用的文件 " << r.referenced << " 个；超过 " << gc_days << " 天未被引用的文件 " << r.orphans << " 个（"
              << mb(r.orphan_bytes) << "）；磁盘上没有记录的文件 " << r.strays << " 个（" << mb(r.stray_bytes) << "）"
              << std::endl;
    if (!gc_delete) {
      std::cout << "未删除任何文件（加 --delete 删除）" << std::endl;
      return;
    }
    std::cout << "已删除 " << r.removed << " 个（" << mb(r.removed_bytes) << "）" << std::endl;
    if (r.removed > 0) {
      yiwang::db::WithTx(*app->db, [&](yiwang::db::Tx& tx) {
        app->audit->Append(tx, yiwang::identity::Context::System("文件清理").ToActor(),
                           {"files.gc", "file", "", "success",
                            "删除超过 " + std::to_string(gc_days) + " 天未被引用的文件 " + std::to_string(r.removed) + " 个，共 " +
                                std::to_string(r.removed_bytes) + " 字节"});
      });
    }
  });

  // ---- exchange keys (split zones): each node signs what it writes to the spool with its own
  // SM2 key and accepts only what the other node's key signed (ADR 0004).
  auto* xc = cli.add_subcommand("exchange", "分区部署的交换签名密钥：key | trust");
  xc->require_subcommand(1);
  Common xkey_opts;
  auto* xkey = xc->add_subcommand("key", "输出本节点的交换签名公钥（第一次使用时生成 SM2 密钥对），交给对端节点导入");
  xkey_opts.Add(xkey);
  xkey->callback([&] {
    core::Config c = xkey_opts.Load();
    core::ValidateConfig(c);
    const auto keys = yiwang::exchange::LoadKeys(c);
    std::cout << keys.public_pem << std::flush;
    std::cerr << "本节点（" << core::ZoneName(c.zone) << "）交换签名公钥的指纹（SM3）：" << yiwang::exchange::KeyFingerprint(keys.public_pem)
              << "\n把上面的公钥保存为文件，经可信途径带到对端节点，核对指纹后在对端执行 `yiwang exchange trust 文件`。"
              << std::endl;
  });
  Common xtrust_opts;
  std::string trust_file;
  auto* xtrust = xc->add_subcommand("trust", "导入对端节点的交换签名公钥（替换原有的；须重启服务生效）");
  xtrust_opts.Add(xtrust);
  xtrust->add_option("file", trust_file, "对端 `yiwang exchange key` 输出的公钥文件")->required();
  xtrust->callback([&] {
    core::Config c = xtrust_opts.Load();
    std::ifstream in(trust_file, std::ios::binary);
    if (!in) throw Error(ErrorCode::kNotFound, "无法读取公钥文件：" + trust_file);
    std::stringstream pem;
    pem << in.rdbuf();
    auto app = yiwang::app::App::Open(c);
    const std::string fingerprint =
        yiwang::exchange::TrustPeerKey(c, pem.str());
    yiwang::db::WithTx(*app->db, [&](yiwang::db::Tx& tx) {
      app->audit->Append(tx, yiwang::identity::Context::System("命令行").ToActor(),
                         {"exchange.trust", "key", fingerprint, "success", "导入对端节点的交换签名公钥"});
    });
    std::cout << "已导入对端节点的交换签名公钥，指纹（SM3）：" << fingerprint
              << "\n请与对端 `yiwang exchange key` 显示的指纹核对一致；服务运行中的须重新启动后生效。" << std::endl;
  });

  // ---- supervision (the scheduler in `serve` does this every supervision_tick_seconds)
  auto* sv = cli.add_subcommand("supervise", "电子监察：tick（执行一轮监察）");
  sv->require_subcommand(1);
  Common sv_tick_opts;
  std::string sv_node;
  auto* sv_tick = sv->add_subcommand("tick", "执行一轮监察：到期提醒、超期告警、督办单升级、规则检查（多节点时由持有租约者执行）");
  sv_tick_opts.Add(sv_tick);
  sv_tick->add_option("--node", sv_node, "节点名（默认 主机名:进程号）");
  sv_tick->callback([&] {
    auto app = yiwang::app::App::Open(sv_tick_opts.Load());
    auto r = app->monitor->Tick(sv_node.empty() ? yiwang::supervision::NodeName() : sv_node);
    if (!r.leader) {
      std::cout << "另一节点持有监察租约，本次未执行" << std::endl;
      return;
    }
    std::cout << "检查期限 " << r.examined << "，转黄 " << r.yellow << "，转红 " << r.red << "，新告警 " << r.alerts
              << "，督办单 " << r.notices << "，红牌 " << r.red_cards << "，规则告警 " << r.rule_alerts << std::endl;
  });

  // ---- calendar
  auto* cal = cli.add_subcommand("calendar", "工作日历：import | due");
  cal->require_subcommand(1);
  Common cal_import_opts;
  std::string cal_file;
  auto* cal_import = cal->add_subcommand("import", "导入一个年度的节假日安排（格式同 data/calendar/cn-YYYY.csv）");
  cal_import_opts.Add(cal_import);
  cal_import->add_option("file", cal_file, "CSV 文件")->required()->check(CLI::ExistingFile);
  cal_import->callback([&] {
    auto app = yiwang::app::App::Open(cal_import_opts.Load());
    std::ifstream in(cal_file);
    std::stringstream text;
    text << in.rdbuf();
    auto r = app->calendar->Import(yiwang::identity::Context::System("命令行"), text.str(), fs::path(cal_file).filename().string());
    std::cout << "已导入 " << r.year << " 年安排：节假日 " << r.holidays << " 天，调休上班 " << r.workdays << " 天"
              << (r.replaced ? "（已替换原有安排）" : "") << std::endl;
  });
  Common cal_due_opts;
  std::string due_start;
  int due_n = 0;
  bool due_explain = false;
  auto* cal_due = cal->add_subcommand("due", "计算 START 之后 N 个工作日的到期日（起算日不计入，民法典第二百零一条）");
  cal_due_opts.Add(cal_due);
  cal_due->add_option("start", due_start, "起算日 YYYY-MM-DD")->required();
  cal_due->add_option("n", due_n, "工作日数")->required();
  cal_due->add_flag("--explain", due_explain, "逐日说明计入和跳过的日期");
  cal_due->callback([&] {
    auto app = yiwang::app::App::Open(cal_due_opts.Load(), false);
    const auto start = yiwang::calendar::ParseDate(due_start);
    const auto r = app->calendar->Load().Due(start, due_n);
    if (due_explain) {
      std::cout << yiwang::calendar::Explain(r, start, due_n);
    } else {
      std::cout << yiwang::calendar::FormatDate(r.due) << std::endl;
    }
  });

  // ---- catalogue (事项目录 as a spreadsheet)
  auto* catalogue_cmd = cli.add_subcommand("catalogue", "事项目录：export | import（Excel .xlsx 或 CSV）");
  catalogue_cmd->require_subcommand(1);
  Common cat_export_opts;
  std::string cat_out;
  auto* cat_export = catalogue_cmd->add_subcommand("export", "导出每个事项的最新版本");
  cat_export_opts.Add(cat_export);
  cat_export->add_option("--out", cat_out, "输出文件：FILE.xlsx（Excel 工作簿）或 FILE.csv（UTF-8 CSV）")->required();
  cat_export->callback([&] {
    std::string ext = fs::path(cat_out).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext != ".xlsx" && ext != ".csv") throw Error(ErrorCode::kInvalidInput, "输出文件应以 .xlsx 或 .csv 结尾：" + cat_out);
    auto app = yiwang::app::App::Open(cat_export_opts.Load(), false);
    yiwang::approval::store::Query all;
    all.published_only = false;  // the latest version of every item, whatever its status
    const auto items = app->catalogue->SearchAll(all);
    const std::string bytes = ext == ".xlsx" ? yiwang::approval::ExportXlsx(items) : yiwang::approval::ExportCsv(items);
    std::ofstream out(cat_out, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw Error(ErrorCode::kInternal, "无法写入文件：" + cat_out);
    std::cout << "已导出 " << items.size() << " 个事项到 " << cat_out << std::endl;
  });
  Common cat_import_opts;
  std::string cat_file;
  bool cat_publish = false;
  auto* cat_import = catalogue_cmd->add_subcommand(
      "import", "导入事项：每行生成一个草稿（已有草稿则更新）；任何一行有误则整个文件不导入");
  cat_import_opts.Add(cat_import);
  cat_import->add_option("file", cat_file, ".xlsx 或 .csv 文件（按内容识别）")->required()->check(CLI::ExistingFile);
  cat_import->add_flag("--publish", cat_publish, "导入后立即发布（一次交换到外网）");
  cat_import->callback([&] {
    auto app = yiwang::app::App::Open(cat_import_opts.Load());
    std::ifstream in(cat_file, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    auto sheet = yiwang::approval::ReadSpreadsheet(bytes.str());
    const auto r = app->catalogue->Import(yiwang::identity::Context::System("命令行"), std::move(sheet), cat_publish);
    if (cat_publish) app->exchange->Pump();
    std::cout << "已导入 " << r.count << " 个事项：新建 " << r.created << "，新版本 " << r.new_versions << "，修改草稿 "
              << r.drafts_updated << (cat_publish ? "；均已发布" : "；均为草稿，请检查后发布") << std::endl;
  });

  // ---- check / version
  Common check_opts;
  auto* check = cli.add_subcommand("check", "检查配置并显示生效的配置项");
  check_opts.Add(check);
  check->callback([&] {
    core::Config c = check_opts.Load();
    core::ValidateConfig(c);
    for (const auto& [k, v] : c.Describe()) std::cout << k << " = " << v << "\n";
    std::cout << "配置有效" << std::endl;
  });
  cli.add_subcommand("version", "显示版本")->callback([] { std::cout << "yiwang " << YIWANG_VERSION << std::endl; });

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  } catch (const Error& e) {
    return Fail(e.message());
  } catch (const std::exception& e) {
    return Fail(e.what());
  }
  return exit_code;
}
