#include "app/app.hpp"

#include <algorithm>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "db/migrator.hpp"
#include "app/modules.hpp"

namespace yiwang::app {

std::unique_ptr<App> App::Open(core::Config config, bool migrate) {
  auto app = std::make_unique<App>();
  app->config = std::move(config);
  core::ValidateConfig(app->config);
  const core::Config& c = app->config;
  app->clock = std::make_unique<core::SystemClock>(core::ClockOffsetMs(c, core::SystemClock().NowMs()));
  app->db = db::Database::Open(c.database, static_cast<std::size_t>(c.threads) + 4);
  if (migrate) db::Migrate(*app->db);
  app->audit = std::make_unique<audit::AuditLog>(*app->clock, core::DeriveKey(c.secret, "audit-chain"));
  exchange::Keys keys;  // split zones only: packets crossing the spool are SM2-signed (ADR 0004)
  if (c.zone != core::Zone::kBoth) keys = exchange::LoadKeys(c);
  app->exchange =
      std::make_unique<exchange::Exchange>(*app->db, *app->clock, *app->audit, c.zone, c.spool_dir, std::move(keys));
  app->identity = std::make_unique<identity::IdentityService>(*app->db, *app->clock, *app->audit, *app->exchange, c);
  app->identity->RegisterPacketHandlers();
  app->files = std::make_unique<files::FileStore>(*app->db, *app->clock, c.data_dir + "/files", c.upload_max_bytes);
  app->calendar = std::make_unique<calendar::CalendarService>(*app->db, *app->clock, *app->audit);
  app->catalogue = std::make_unique<approval::CatalogueService>(*app->db, *app->clock, *app->audit, *app->exchange, *app->files);
  app->catalogue->RegisterPacketHandlers();
  app->documents = std::make_unique<approval::DocumentService>(*app->db, *app->clock, *app->files,
                                                              core::DeriveKey(c.secret, "seal-keys"), c.public_url);
  app->cases = std::make_unique<approval::CaseService>(*app->db, *app->clock, *app->audit, *app->exchange, *app->files,
                                                      *app->catalogue, *app->calendar, *app->documents,
                                                      approval::LegalPeriods{});
  app->cases->RegisterPacketHandlers();
  app->ratings = std::make_unique<approval::RatingService>(*app->db, *app->clock, *app->audit, *app->exchange, *app->cases);
  app->ratings->RegisterPacketHandlers();
  supervision::Settings sv;
  sv.warn_days = c.supervision_warn_days;
  sv.notice_days = c.supervision_notice_days;
  sv.auto_notice = c.supervision_auto_notice;
  sv.lease_seconds = std::max(30, c.supervision_tick_seconds * 3);
  app->deadlines = std::make_unique<supervision::Deadlines>(*app->clock, sv);
  app->monitor = std::make_unique<supervision::Monitor>(*app->db, *app->clock, *app->audit, *app->calendar,
                                                        *app->deadlines, std::make_unique<supervision::OutboxSms>(*app->clock));
  app->monitor->AddSource(approval::MakeApprovalRules());
  app->evaluation = std::make_unique<supervision::Evaluation>(
      *app->db, *app->clock, *app->audit, *app->exchange, *app->calendar,
      supervision::EvaluationPolicy::Parse(c.evaluation_weights, c.evaluation_deductions, c.evaluation_grades));
  app->evaluation->RegisterPacketHandlers();
  // An external-only node keeps the applicant's copies; supervision watches the working copies.
  if (c.zone != core::Zone::kExternal) {
    app->cases->WatchWith(app->deadlines.get());
    app->applicant_sms = std::make_unique<supervision::OutboxSms>(*app->clock);
    app->cases->NotifyWith(app->applicant_sms.get());
  }
  app->drafts = std::make_unique<approval::DraftService>(*app->db, *app->clock, *app->audit, *app->files, *app->catalogue,
                                                        *app->cases);
  app->complaints = std::make_unique<complaints::ComplaintService>(
      *app->db, *app->clock, *app->audit, *app->exchange, *app->calendar,
      complaints::Settings{c.complaints_unit, c.complaints_acceptance_days, c.complaints_reply_days});
  app->complaints->RegisterPacketHandlers();
  app->lookups = std::make_unique<identity::LookupGuard>(*app->db, *app->clock, *app->audit);
  if (c.zone != core::Zone::kExternal) app->complaints->WatchWith(app->deadlines.get());
  app->inbox = std::make_unique<supervision::Inbox>(*app->db, *app->clock, *app->audit);
  app->renderer = std::make_unique<http::Renderer>(c);
  app->renderer->SetUnreadMessages(
      [inbox = app->inbox.get()](const http::Request& req) { return inbox->UnreadCount(req.principal); });
  app->metrics = std::make_unique<http::Metrics>();
  return app;
}

std::function<void(const http::Request&, const Error&)> App::RefusalAuditor() {
  return [this](const http::Request& req, const Error& e) {
    const bool csrf = e.code() == ErrorCode::kCsrf;
    db::WithTx(*db, [&](db::Tx& tx) {
      audit->Append(tx, modules::ContextOf(req).ToActor(),
                    {"access.denied", "request", req.method + " " + std::string(core::Utf8Prefix(core::Utf8Sanitize(req.path), 300)), "denied",
                     (csrf ? "请求来源验证（CSRF）未通过：" : "无权访问：") + e.message()});
    });
  };
}

http::Site App::ExternalSite() {
  http::Router r;
  modules::RegisterCommon(r, *this, "external");
  modules::RegisterPortal(r, *this);
  modules::RegisterPublicAccounts(r, *this);
  modules::RegisterCatalogueExternal(r, *this);
  modules::RegisterCasesExternal(r, *this);
  modules::RegisterRankingExternal(r, *this);
  modules::RegisterDraftsApi(r, *this);
  modules::RegisterComplaintsExternal(r, *this);
  return http::Site("external", {config, *identity, *renderer, *metrics, RefusalAuditor()}, std::move(r));
}

http::Site App::InternalSite() {
  http::Router r;
  modules::RegisterCommon(r, *this, "internal");
  modules::RegisterStaffAuth(r, *this);
  modules::RegisterAdmin(r, *this);
  modules::RegisterAudit(r, *this);
  modules::RegisterCalendar(r, *this);
  modules::RegisterCatalogueAdmin(r, *this);
  modules::RegisterCasesInternal(r, *this);
  modules::RegisterComplaintsInternal(r, *this);
  modules::RegisterSupervision(r, *this);
  return http::Site("internal", {config, *identity, *renderer, *metrics, RefusalAuditor()}, std::move(r));
}

}  // namespace yiwang::app
