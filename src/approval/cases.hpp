#pragma once
// Approval cases (办件): "外网受理、内网办理、外网反馈". An applicant submits on the external
// zone; the application crosses to the internal zone as an exchange packet; the window
// accepts it, refuses it with reasons, or asks once for everything missing (一次性告知,
// 行政许可法 第三十二条); every change of state goes back to the applicant as a packet.
//
// Built: submission (idempotent), materials checked by content, the acceptance stage with its
// deadline and deemed acceptance, corrections, the flow after acceptance with suspensions and
// one extension, decision, sealed documents, fees and their payment (approval/fees.hpp), the
// public status lookup and the applicant's timeline; every deadline with its explanation.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "approval/catalogue.hpp"
#include "approval/deadlines.hpp"
#include "approval/documents.hpp"
#include "approval/fees.hpp"
#include "approval/payments.hpp"
#include "audit/audit.hpp"
#include "calendar/service.hpp"
#include "core/clock.hpp"
#include "db/database.hpp"
#include "exchange/exchange.hpp"
#include "files/file_store.hpp"
#include "identity/service.hpp"
#include "supervision/supervision.hpp"

namespace yiwang::approval {

enum class CaseState {
  kSubmitted,   // external: sent, not yet received inside
  kReceived,    // internal: waiting for the acceptance decision
  kCorrection,  // 补正: waiting for the applicant's corrections
  kAccepted,    // 受理: waiting for the first step after acceptance to be claimed
  kRefused,     // 不予受理
  kInProgress,  // 办理中: a step of the item's flow is being handled
  kSuspended,   // 特别程序: hearing, testing, expert review… the clock stops (第四十五条)
  kDecided,     // 已决定: 准予 or 不予许可
  kConcluded,   // 已办结
  kWithdrawn,   // 已撤回: the applicant withdrew before the decision; handling ended
};
std::string CaseStateKey(CaseState s);
std::string CaseStateLabel(CaseState s);
CaseState ParseCaseState(const std::string& key);

struct CaseEvent {
  std::int64_t ts = 0;
  std::string action;
  std::string state;
  std::string actor;
  std::string unit_name;
  std::string opinion;
  bool is_public = true;
  std::string proposal;  // complete_step: "approve" | "deny" (拟办意见), else ""
};

/// A file a staff member attached to an action (办理附件), internal only.
struct CaseAttachment {
  std::int64_t event_ts = 0;  // the event it belongs to: same time and action
  std::string action;
  std::string file_sm3;
  std::int64_t size = 0;
  std::string mime;
  std::string filename;
  std::string actor;
};

struct CaseSuspension {
  std::string from;  // YYYY-MM-DD, first day not counted
  std::string to;    // YYYY-MM-DD, last day not counted; "" while the procedure runs
  std::string reason;
};

struct CaseMaterial {
  int material_no = 0;
  std::string name;
  std::string file_sm3;
  std::int64_t size = 0;
  std::string mime;
  std::string filename;
  int round = 0;  // 0 = with the application, 1 = with the corrections
};

struct Case {
  std::int64_t id = 0;
  std::string case_no;
  std::string item_code;
  int item_version = 0;
  std::string item_name;
  ItemKind item_kind = ItemKind::kLicense;  // of the item (read with the case): how its decision is worded
  std::string dept_code;
  std::int64_t dept_unit_id = 0;
  std::int64_t applicant_id = 0;
  std::string applicant_kind;
  std::string applicant_name;
  std::string applicant_id_number;
  std::string contact_name;
  std::string contact_mobile;
  std::string description;
  CaseState state = CaseState::kSubmitted;
  int corrections_requested = 0;
  std::string correction_note;
  std::string correction_due;  // YYYY-MM-DD, 补正期限; "" when no correction was asked for
  std::int64_t submitted_at = 0;
  std::int64_t received_at = 0;
  std::int64_t corrections_complete_at = 0;
  std::int64_t accepted_at = 0;
  std::string accepted_on;     // the date acceptance counts from (deemed: the day of receipt)
  std::string acceptance_due;  // YYYY-MM-DD, stored so supervision can query by due date
  std::string promised_due;
  std::string statutory_due;
  int revision = 0;      // raised by every change inside; feedback only moves the portal forward
  int current_step = 0;  // 1-based index into the item version's steps; 0 before acceptance
  std::int64_t assignee_id = 0;
  std::string assignee_name;
  std::string step_started_on;
  std::string step_due;
  int extension_days = 0;
  std::string decision;  // "approve" | "deny"
  // 证照有效期至 set by the 审批人 when granting a licence whose item fixes no term (a 变更 keeps
  // the original licence's); "" otherwise: the certificate's term then comes from the item.
  std::string licence_valid_until;
  std::int64_t decided_at = 0;
  std::int64_t concluded_at = 0;
  std::vector<CaseSuspension> suspensions;
  std::vector<CaseMaterial> materials;
  std::vector<CaseEvent> events;
  std::vector<CaseAttachment> attachments;  // staff only (never in a packet to the external zone)
  std::vector<CaseFee> fees;  // empty until assessed (and always for a free item)
};

/// The latest completion of each handling step (in the order first completed): who did it, the
/// 拟办意见 ("approve" | "deny" | "" when none was given) and the opinion written. For the 审批人's
/// decision form and the check that a decision against a proposal gives its reasons.
struct StepProposal {
  std::string step_name;
  std::string actor;
  std::string proposal;
  std::string opinion;
  std::int64_t ts = 0;
};
std::vector<StepProposal> StepProposals(const Case& c);

/// One uploaded material of an application.
struct Upload {
  int material_no = 0;  // 1-based, as listed in the item's guide
  std::string filename;
  std::string bytes;
};

struct CaseAction {
  /// accept | refuse | request_correction (window clerk); claim | complete_step (the step's
  /// role); decide (审批人, decision approve|deny); conclude; suspend | resume (special
  /// procedure, 第四十五条); extend (审批人, once, 第四十二条); assess_fees | record_payment
  /// (窗口受理员 or 承办人, after acceptance, before conclusion; approval/fees.hpp); refund
  /// (the same roles, a paid fee in full once the case is Refundable); return_step (the person
  /// who signed for a step after the first handling step sends the case back to an earlier
  /// handling step, with reasons: 退回); release (取消签收 by the one who signed for the step, or
  /// the department's 审批人 taking it back from someone else, with reasons).
  std::string action;
  std::string opinion;
  std::vector<std::string> missing;  // request_correction: everything missing, at once
  std::string proposal;              // complete_step: "approve" | "deny", the step's 拟办意见 ("" = none)
  std::string ground;                // refuse: "not_required" | "not_competent" | "other" ("" = other)
  std::string authority;             // refuse, not_competent: the authority to apply to
  std::string decision;              // decide: "approve" | "deny"
  std::string valid_until;           // decide, approve, a licence whose item fixes no term: 证照有效期至
                                     // (YYYY-MM-DD, optional; LicenceTermProblem)
  int days = 0;                      // extend
  int to_step = 0;                   // return_step: the earlier step (0 = the one before this one)
  std::vector<FeeInput> fees;        // assess_fees: amounts that differ from the catalogue, with reasons
  int fee_no = 0;                    // record_payment: which fee (0 = the only unpaid one)
  std::string amount;                // record_payment: the amount paid, in 元 as entered
  std::string receipt_no;            // record_payment
  std::string provider;              // record_payment: PaymentProvider key ("" = counter)
  std::string refund_no;             // refund: the refund voucher's number (退费凭证号); fee_no, amount
                                     // (the amount paid, in full) and opinion (the reason) as above
  /// Files attached to this action (办理附件: 现场核查记录, 专家评审意见…), any action but claim;
  /// at most kMaxAttachments. material_no is unused.
  std::vector<Upload> attachments;
};

struct Application {
  std::string item_code;
  std::string contact_name;
  std::string contact_mobile;
  std::string description;
  std::vector<Upload> uploads;
  std::string idempotency_key;  // a retry or a double click with the same key makes one case
};

struct Submitted {
  std::string case_no;
  std::string query_code;  // shown once; only its SM3 is stored
  bool repeated = false;   // true when the idempotency key had been used: the same case
};

/// One page of a case list and how many there are in all.
struct CasePage {
  std::vector<Case> cases;
  std::int64_t total = 0;
};

/// The staff's case list. state: one state's key, or "" for all. mine: only the cases assigned to
/// the staff member or waiting for a role they hold (any state). q: a case number, an ID number or
/// credit code (exact), or part of the applicant's, contact's or item's name (at most 50
/// characters). Open states come most urgent first (the deadline that runs), ended ones newest first.
struct QueueQuery {
  std::string state;
  bool mine = false;
  std::string q;
  int page = 1;
  int per_page = 20;  // 1–200
  bool count_only = false;  // the total alone (one COUNT), no rows: the workbench's figures
};

class CaseService {
 public:
  CaseService(db::Database& db, const core::Clock& clock, const audit::AuditLog& audit, exchange::Exchange& exchange,
              files::FileStore& files, CatalogueService& catalogue, calendar::CalendarService& calendar,
              DocumentService& documents, LegalPeriods periods)
      : db_(db), clock_(clock), audit_(audit), exchange_(exchange), files_(files), catalogue_(catalogue),
        calendar_(calendar), documents_(documents), periods_(periods) {}

  void RegisterPacketHandlers();

  // ---- external zone (applicant)
  Submitted Submit(const identity::Context& ctx, const Application& app);
  /// Sends the corrections asked for (补正); the acceptance clock restarts inside when they arrive.
  void SubmitCorrections(const identity::Context& ctx, const std::string& case_no, const std::vector<Upload>& uploads);
  /// 撤回申请: the applicant's request (reason required, at most 500 characters), recorded with
  /// the case and sent inside as a packet; the department ends the case there (state withdrawn,
  /// every clock closed) unless it was decided meanwhile, and the answer comes back as feedback.
  /// Returns the case as this zone now holds it (the request among its events).
  Case Withdraw(const identity::Context& ctx, const std::string& case_no, const std::string& reason);
  Case ForApplicant(const identity::Context& ctx, const std::string& case_no);
  /// 我的办件: the applicant's cases in one group ("" all, "correction" waiting for their
  /// corrections, "open" still being handled, "concluded", "ended" refused or withdrawn), newest
  /// first, one page; counts: the number in every group (keys as above, "" = all).
  CasePage MyCases(const identity::Context& ctx, const std::string& group, int page, int per_page,
                   std::map<std::string, std::int64_t>* counts = nullptr);
  /// 全过程公开: anyone with the case number and its query code sees the status and timeline.
  Case PublicStatus(const std::string& case_no, const std::string& query_code);
  /// 办件公示: concluded cases, newest first, with the applicant's name masked
  /// (MaskApplicant). Anyone may read it.
  std::vector<Case> Concluded(int page, int per_page, std::int64_t* total);

  // ---- internal zone (staff)
  /// Cases of the units the staff member handles, one page (see QueueQuery for the order).
  CasePage Queue(const identity::Context& ctx, const QueueQuery& q);
  /// own_unit (when given): whether the case is of a unit the staff member handles, not only
  /// readable through a global role (监察、审计).
  Case ForStaff(const identity::Context& ctx, const std::string& case_no, bool* own_unit = nullptr);
  /// The acceptance deadline (with explanation) and, when the office stayed silent past it,
  /// the deemed acceptance date (第三十二条).
  Deadline AcceptanceDeadlineOf(const Case& c);
  std::optional<std::string> DeemedAcceptanceOf(const Case& c);
  /// action: "accept" | "refuse" (reasons required) | "request_correction" (missing list
  /// required, once only). Window clerk of the case's department (or its subtree).
  Case Act(const identity::Context& ctx, const std::string& case_no, const std::string& action,
           const std::string& opinion, const std::vector<std::string>& missing);
  /// Any action; checks role, unit, state and the action's own rules, and answers a clear
  /// error otherwise (nothing changes then).
  Case Act(const identity::Context& ctx, const std::string& case_no, const CaseAction& a);
  /// What a 办理附件 may be: PDF, JPG, PNG, OFD, Word, Excel (by content).
  static const std::set<std::string>& AttachmentTypes();
  static constexpr std::size_t kMaxAttachments = 10;
  /// The item version a case runs on (its steps and limits).
  Item ItemOf(const Case& c);
  /// Every deadline the case has reached so far, each with its day-by-day explanation: the
  /// acceptance deadline (第三十二条), the promised and statutory decision deadlines (第四十二条,
  /// with special procedures not counted, 第四十五条, and the extension) and the current step's.
  /// The same computation that set the stored dates; staff and applicants see the same.
  std::vector<Deadline> DeadlinesOf(const Case& c);
  /// The payment providers (柜台缴费 by default); online providers are registered here at start.
  PaymentProviders& payments() { return payments_; }

  const std::set<std::string>& AllowedTypes() const;

  /// Electronic supervision watches this service's clocks (internal zone). Not set on an
  /// external-only node, whose cases are the applicant's copies.
  void WatchWith(supervision::Deadlines* deadlines) { deadlines_ = deadlines; }
  /// Text messages to the applicant's contact mobile at the steps they must be told of (受理,
  /// 不予受理, 补正, 特别程序, 延期, 决定, 办结, 撤回), queued in the acting transaction. Internal
  /// zone; not set: no messages.
  void NotifyWith(supervision::SmsGateway* sms) { sms_ = sms; }

 private:
  /// Declares the case's open clocks to supervision (acceptance window, total, current step,
  /// certificate delivery), paused while a special procedure runs. In the acting transaction.
  void Watch(db::Tx& tx, const Case& c, const Item& item, const calendar::Calendar& cal);
  void AddEvent(db::Tx& tx, std::int64_t case_id, std::int64_t at, const std::string& action, CaseState state, const std::string& actor,
                const std::string& unit_name, const std::string& opinion, bool is_public, const std::string& proposal = "");
  void FeedBack(db::Tx& tx, const Case& c, const CaseEvent& event, const std::vector<IssuedDocument>& docs = {});
  /// Promised, statutory and step due dates from acceptance, suspensions and extension, as of
  /// `today` (the acting transaction's date, so that one action reads the clock once).
  void RecomputeDues(Case& c, const Item& item, const calendar::Calendar& cal, const std::string& today);
  /// Checks every upload against the item and stages the files (before the transaction);
  /// RecordUploads adds their rows (and a small file's bytes) inside it.
  struct StagedUploads {
    std::vector<CaseMaterial> materials;
    std::vector<files::StoredFile> files;
  };
  StagedUploads StageUploads(const Item& item, const std::vector<Upload>& uploads, bool require_all, int round);
  void RecordUploads(db::Tx& tx, const StagedUploads& staged);
  /// Checks an action's attachments (count, type by content, size) and stages them.
  std::vector<files::StoredFile> StageAttachments(const CaseAction& a);

  db::Database& db_;
  const core::Clock& clock_;
  const audit::AuditLog& audit_;
  exchange::Exchange& exchange_;
  files::FileStore& files_;
  CatalogueService& catalogue_;
  calendar::CalendarService& calendar_;
  DocumentService& documents_;
  LegalPeriods periods_;
  supervision::Deadlines* deadlines_ = nullptr;
  supervision::SmsGateway* sms_ = nullptr;
  PaymentProviders payments_;
};

/// 撤回申请: an applicant may withdraw an application until the decision is made (the
/// administrative-licensing procedure rules, e.g. 《市场监督管理行政许可程序暂行规定》, end the
/// procedure when the applicant asks before the decision). Sent, received, awaiting
/// corrections, accepted, in a step or in a special procedure: yes; decided, concluded,
/// refused or withdrawn: no.
bool Withdrawable(CaseState s);
/// 退费: paid fees may be given back once the case has ended without the licence — withdrawn by
/// the applicant, or 不予许可 (decided or concluded with decision "deny").
bool Refundable(const Case& c);
/// A withdrawal the applicant asked for that the handling department has not answered yet:
/// the case's last withdrawal event is the request.
bool WithdrawalPending(const Case& c);
/// What is wrong with a withdrawal's reason ("" when nothing): required, at most 500 characters.
std::string WithdrawalReasonProblem(const std::string& reason);

/// A case with its materials, suspensions and events, by row id (for supervision's rules).
std::optional<Case> FindCaseById(soci::session& sql, std::int64_t id);

/// The record rules of 电子监察 on one case (pure): refusal or denial without reasons, a
/// decision that skipped flow steps, more than one correction notice, a conclusion with steps
/// missing from the record, a fee assessed or paid differently from the catalogue. `item` is
/// the case's item version.
std::vector<supervision::Violation> CheckCaseRecord(const Case& c, const Item& item, const std::string& unit_name);

/// The rule source the monitor reads: case events after its watermark.
std::unique_ptr<supervision::RuleSource> MakeApprovalRules();

/// The deadline that runs in the case's present state (受理期限, 补正期限 or the step's), or "".
std::string RunningDue(const Case& c);

/// The case for the API and pages; `payments` names the payment providers of the fees
/// (nullptr: the built-in ones).
/// The decision as a label in the item kind's words (准予许可, 不予给付…); "" before a decision.
std::string DecisionLabel(const Case& c);
nlohmann::json CaseJson(const Case& c, bool staff_view, const PaymentProviders* payments = nullptr);

/// The text message an applicant gets when a case takes the step `action` (the case as it is
/// after the step; `opinion`: the step's own text, e.g. the special procedure's name); "" for
/// steps the applicant is not told of by message (claim, a step completed, fees…).
std::string ApplicantMessage(const Case& c, const std::string& action, const std::string& opinion = "");

/// How an applicant's name is shown in public (办件公示): a person as 张*三 / 张* (the family
/// name and, for three or more characters, the last one); an organisation keeps its first two
/// characters (usually the place) and its legal form, the rest becomes 某某:
/// 滨海东河食品有限公司 → 滨海某某有限公司.
std::string MaskApplicant(const std::string& kind, const std::string& name);
/// An attachment's name as kept (files::SafeFileName), "附件" when nothing is left.
std::string AttachmentName(const std::string& filename);

}  // namespace yiwang::approval
