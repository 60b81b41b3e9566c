// Routes every zone has: health, static assets, metrics (internal only), robots.txt.
#include "app/app.hpp"

#include <algorithm>

#include "app/modules.hpp"
#include "approval/pdf_deflate.hpp"
#include "core/error.hpp"
#include "db/statement_cache.hpp"

namespace yiwang::modules {
namespace {

/// One counter in Prometheus' text format: its HELP and TYPE lines and one sample per label set.
std::string Counter(const std::string& name, const std::string& help,
                    const std::vector<std::pair<std::string, std::string>>& samples) {
  std::string out = "# HELP " + name + " " + help + "\n# TYPE " + name + " counter\n";
  for (const auto& [labels, value] : samples) out += name + labels + " " + value + "\n";
  return out;
}

}  // namespace

void RegisterCommon(http::Router& r, app::App& app, const std::string& zone) {
  r.Add("GET", "/healthz", http::Access::kAnyone, [&app, zone](http::Request&) {
    db::Conn c(*app.db);
    int one = 0;
    c.sql() << "SELECT 1", soci::into(one);
    return http::Response::Json({{"status", one == 1 ? "ok" : "degraded"},
                                 {"zone", zone},
                                 {"database", app.db->is_sqlite() ? "sqlite" : "postgresql"},
                                 {"mode", core::ModeName(app.config.mode)}});
  });
  r.Add("GET", "/static/*", http::Access::kAnyone, [](http::Request& req) { return http::StaticAsset(req); });
  r.Add("GET", "/robots.txt", http::Access::kAnyone, [zone](http::Request&) {
    return http::Response::Text(zone == "internal" ? "User-agent: *\nDisallow: /\n" : "User-agent: *\nAllow: /\n");
  });
  if (zone == "internal") {
    r.Add("GET", "/metrics", http::Access::kAnyone, [&app](http::Request& req) {
      // Route names and traffic are not for everyone on the office network: the monitoring
      // server's address (metrics_allow; behind nginx, the one trusted_proxies reveals) or a
      // system administrator's session.
      const auto& allow = app.config.metrics_allow;
      const bool listed = std::find(allow.begin(), allow.end(), "*") != allow.end() ||
                          std::find(allow.begin(), allow.end(), req.client_ip) != allow.end();
      if (!listed && !req.principal.Has(identity::Role::kSysAdmin)) {
        throw Error(ErrorCode::kForbidden, "运行指标只允许监控服务器（配置项 metrics_allow）或系统管理员访问");
      }
      std::string text = app.metrics->Render();
      if (app.db->is_sqlite()) {  // group commit (ADR 0008): transactions per durable COMMIT
        text += Counter("yiwang_db_commits_total",
                        "Durable SQLite COMMITs (one fsync each; a group of queued transactions).",
                        {{"", std::to_string(app.db->group_commits())}}) +
                Counter("yiwang_db_transactions_total", "Write transactions made durable by those COMMITs.",
                        {{"", std::to_string(app.db->grouped_transactions())}}) +
                Counter("yiwang_db_write_lock_seconds_total", "Seconds the one SQLite writer was held (commits included).",
                        {{"", std::to_string(app.db->write_lock_seconds())}}) +
                Counter("yiwang_db_commit_seconds_total", "Seconds spent in those COMMITs (WAL writes, fsync, checkpoints).",
                        {{"", std::to_string(app.db->commit_seconds())}});
        const db::StatementCacheStats sc = db::StatementCache();  // ADR 0010
        text += Counter("yiwang_db_statements_prepared_total", "SQLite statements prepared (statement cache misses).",
                        {{"", std::to_string(sc.misses)}}) +
                Counter("yiwang_db_statements_reused_total", "SQLite statements taken from the statement cache.",
                        {{"", std::to_string(sc.hits)}});
      }
      const approval::PdfDeflateStats pd = approval::PdfDeflate();  // ADR 0011
      text += Counter("yiwang_pdf_deflate_streams_total",
                      "PDF streams compressed with libdeflate (cairo's zlib calls taken over).",
                      {{"", std::to_string(pd.streams)}}) +
              Counter("yiwang_pdf_deflate_bytes_total", "Bytes of those streams before (in) and after (out) compression.",
                      {{"{direction=\"in\"}", std::to_string(pd.bytes_in)},
                       {"{direction=\"out\"}", std::to_string(pd.bytes_out)}});
      http::Response res = http::Response::Text(text);
      res.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return res;
    });
  }
}

}  // namespace yiwang::modules
