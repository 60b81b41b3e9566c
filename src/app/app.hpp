#pragma once
// Wiring: one object that owns the services of a node. Built once at start by main; modules
// receive references, never reach for globals.
#include <memory>

#include "approval/cases.hpp"
#include "approval/catalogue.hpp"
#include "approval/ratings.hpp"
#include "approval/drafts.hpp"
#include "audit/audit.hpp"
#include "calendar/service.hpp"
#include "complaints/complaints.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "db/database.hpp"
#include "exchange/exchange.hpp"
#include "files/file_store.hpp"
#include "http/metrics.hpp"
#include "http/render.hpp"
#include "http/router.hpp"
#include "identity/lookup_guard.hpp"
#include "identity/service.hpp"
#include "supervision/evaluation.hpp"
#include "supervision/messages.hpp"
#include "supervision/supervision.hpp"

namespace yiwang::app {

struct App {
  core::Config config;
  std::unique_ptr<core::Clock> clock;
  std::unique_ptr<db::Database> db;
  std::unique_ptr<audit::AuditLog> audit;
  std::unique_ptr<exchange::Exchange> exchange;
  std::unique_ptr<identity::IdentityService> identity;
  std::unique_ptr<files::FileStore> files;
  std::unique_ptr<calendar::CalendarService> calendar;
  std::unique_ptr<approval::CatalogueService> catalogue;
  std::unique_ptr<approval::DocumentService> documents;
  std::unique_ptr<approval::CaseService> cases;
  std::unique_ptr<approval::RatingService> ratings;
  std::unique_ptr<supervision::Deadlines> deadlines;
  std::unique_ptr<supervision::SmsGateway> applicant_sms;  // messages to applicants (internal zone)
  std::unique_ptr<supervision::Monitor> monitor;
  std::unique_ptr<supervision::Evaluation> evaluation;
  std::unique_ptr<supervision::Inbox> inbox;  // 站内消息 of staff
  std::unique_ptr<approval::DraftService> drafts;
  std::unique_ptr<complaints::ComplaintService> complaints;
  std::unique_ptr<identity::LookupGuard> lookups;  // wrong 查询码 counted (cases, complaints)
  std::unique_ptr<http::Renderer> renderer;
  std::unique_ptr<http::Metrics> metrics;

  /// Opens the database (applying migrations when migrate is true) and builds the services.
  static std::unique_ptr<App> Open(core::Config config, bool migrate = true);

  http::Site ExternalSite();
  http::Site InternalSite();
  /// SiteDeps::on_refused: a 403 to a logged-in user as `access.denied` in the audit log.
  std::function<void(const http::Request&, const Error&)> RefusalAuditor();
};

}  // namespace yiwang::app
