#pragma once
// Drafts of applications (草稿), on the external zone only: a logged-in citizen or enterprise
// saves an application half done — the contact fields, the description and the materials
// already uploaded (kept in the file store) — comes back to it from 我的办件, and submits it.
// A draft is its applicant's alone (anyone else gets "not found"), is never sent inside, and
// becomes a case exactly once: submitting uses the idempotency key "draft:<id>", so a retry,
// a double click or a crash between the case and the draft's mark gives back the same case.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "approval/cases.hpp"
#include "approval/catalogue.hpp"
#include "audit/audit.hpp"
#include "core/clock.hpp"
#include "db/database.hpp"
#include "files/file_store.hpp"
#include "identity/service.hpp"

namespace yiwang::approval {

struct DraftMaterial {
  int material_no = 0;
  std::string name;
  std::string file_sm3;
  std::int64_t size = 0;
  std::string mime;
  std::string filename;
};

struct Draft {
  std::int64_t id = 0;
  std::int64_t applicant_id = 0;
  std::string item_code;
  std::string item_name;
  std::string contact_name;
  std::string contact_mobile;
  std::string description;
  std::string case_no;  // set once submitted
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::vector<DraftMaterial> materials;
};

/// What a save changes. Absent text fields stay as they were; an upload replaces the material
/// with the same number; `remove` drops materials by number.
struct DraftInput {
  std::string item_code;  // when creating
  std::optional<std::string> contact_name;
  std::optional<std::string> contact_mobile;
  std::optional<std::string> description;
  std::vector<Upload> uploads;
  std::vector<int> remove;
};

class DraftService {
 public:
  /// At most this many unsubmitted drafts per applicant.
  static constexpr int kMaxDrafts = 20;
  /// An unsubmitted draft is kept this many days after it was last saved, then deleted: it is no
  /// longer listed or opened, the applicant's next save removes it, and `yiwang drafts purge`
  /// (daily, from cron) removes all of them.
  static constexpr int kKeepDays = 90;

  DraftService(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit, files::FileStore& files,
               CatalogueService& catalogue, CaseService& cases)
      : db_(db), clock_(clock), audit_(audit), files_(files), catalogue_(catalogue), cases_(cases) {}

  /// Creates (id 0) or updates the applicant's draft. Lenient on what is missing (it is a
  /// draft), strict on what is there: a file must be a PDF/JPG/PNG/OFD by content, a mobile
  /// number digits only. Throws kNotFound for another applicant's draft, kConflict for a
  /// submitted draft or too many drafts, kInvalidInput with fields; nothing changes then.
  Draft Save(const identity::Context& ctx, std::int64_t id, const DraftInput& in);
  Draft Get(const identity::Context& ctx, std::int64_t id);
  /// The applicant's drafts not yet submitted, most recently saved first.
  std::vector<Draft> Mine(const identity::Context& ctx);
  void Delete(const identity::Context& ctx, std::int64_t id);
  /// Submits the draft as an application (the checks of CaseService::Submit apply: a draft
  /// missing a required material is refused and stays a draft). Exactly once: a submitted
  /// draft answers its case again with repeated = true.
  Submitted Submit(const identity::Context& ctx, std::int64_t id);
  /// Deletes every unsubmitted draft past kKeepDays (audited as one entry); returns how many.
  int Purge();

 private:
  Draft Load(soci::session& sql, const identity::Context& ctx, std::int64_t id);
  /// updated_at below which an unsubmitted draft has expired: it is kept through the day
  /// kKeepDays after the day of its last save (DraftJson's keep_until), i.e. saved before the
  /// start of the day kKeepDays ago.
  std::int64_t Cutoff() const;
  /// Deletes the expired drafts of one applicant (0 = everyone's), with their materials.
  static int DeleteExpired(soci::session& sql, std::int64_t applicant, std::int64_t cutoff);

  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
  files::FileStore& files_;
  CatalogueService& catalogue_;
  CaseService& cases_;
};

nlohmann::json DraftJson(const Draft& d);

}  // namespace yiwang::approval
