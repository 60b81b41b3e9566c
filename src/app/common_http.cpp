// Routes every zone has: health, static assets, metrics (internal only), robots.txt.
#include "app/app.hpp"
#include "app/modules.hpp"
#include "approval/pdf_deflate.hpp"
#include "core/error.hpp"
#include "db/statement_cache.hpp"

namespace yiwang::modules {

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
    r.Add("GET", "/metrics", http::Access::kAnyone, [&app](http::Request&) {
      std::string text = app.metrics->Render();
      if (app.db->is_sqlite()) {  // group commit (ADR 0008): transactions per durable COMMIT
        text += "# HELP yiwang_db_commits_total Durable SQLite COMMITs (one fsync each; a group of queued transactions).\n"
                "# TYPE yiwang_db_commits_total counter\n"
                "yiwang_db_commits_total " + std::to_string(app.db->group_commits()) + "\n"
                "# HELP yiwang_db_transactions_total Write transactions made durable by those COMMITs.\n"
                "# TYPE yiwang_db_transactions_total counter\n"
                "yiwang_db_transactions_total " + std::to_string(app.db->grouped_transactions()) + "\n"
                "# HELP yiwang_db_write_lock_seconds_total Seconds the one SQLite writer was held (commits included).\n"
                "# TYPE yiwang_db_write_lock_seconds_total counter\n"
                "yiwang_db_write_lock_seconds_total " + std::to_string(app.db->write_lock_seconds()) + "\n"
                "# HELP yiwang_db_commit_seconds_total Seconds spent in those COMMITs (WAL writes, fsync, checkpoints).\n"
                "# TYPE yiwang_db_commit_seconds_total counter\n"
                "yiwang_db_commit_seconds_total " + std::to_string(app.db->commit_seconds()) + "\n";
        const db::StatementCacheStats sc = db::StatementCache();  // ADR 0010
        text += "# HELP yiwang_db_statements_prepared_total SQLite statements prepared (statement cache misses).\n"
                "# TYPE yiwang_db_statements_prepared_total counter\n"
                "yiwang_db_statements_prepared_total " + std::to_string(sc.misses) + "\n"
                "# HELP yiwang_db_statements_reused_total SQLite statements taken from the statement cache.\n"
                "# TYPE yiwang_db_statements_reused_total counter\n"
                "yiwang_db_statements_reused_total " + std::to_string(sc.hits) + "\n";
        const approval::PdfDeflateStats pd = approval::PdfDeflate();  // ADR 0011
        text += "# HELP yiwang_pdf_deflate_streams_total PDF streams compressed with libdeflate (cairo's zlib calls taken over).\n"
                "# TYPE yiwang_pdf_deflate_streams_total counter\n"
                "yiwang_pdf_deflate_streams_total " + std::to_string(pd.streams) + "\n"
                "# HELP yiwang_pdf_deflate_bytes_total Bytes of those streams before (in) and after (out) compression.\n"
                "# TYPE yiwang_pdf_deflate_bytes_total counter\n"
                "yiwang_pdf_deflate_bytes_total{direction=\"in\"} " + std::to_string(pd.bytes_in) + "\n"
                "yiwang_pdf_deflate_bytes_total{direction=\"out\"} " + std::to_string(pd.bytes_out) + "\n";
      }
      http::Response res = http::Response::Text(text);
      res.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return res;
    });
  }
}

}  // namespace yiwang::modules
