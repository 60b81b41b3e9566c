#pragma once
// Legal deadlines of an approval case, as pure functions of the working-day calendar
// (行政许可法; periods in working days, 第八十二条; the start day is not counted, 民法典
// 第二百零一条). Each function says which article it applies. The periods themselves are
// configuration (core::Config period_*), with the statutory values as defaults.
#include <optional>
#include <string>
#include <vector>

#include "calendar/calendar.hpp"

namespace yiwang::approval {

struct LegalPeriods {
  /// 行政许可法 第三十二条: decide on acceptance (or tell everything missing at once) within 5 days.
  int acceptance_days = 5;
  /// 行政许可法 第四十二条: decide within 20 days of acceptance …
  int decision_days = 20;
  /// … extendable once by the head of the office by 10 days, with reasons told to the applicant.
  int extension_days = 10;
  /// 行政许可法 第四十四条: issue and deliver the certificate within 10 days of the decision.
  int certificate_days = 10;
  /// 补正期限: the applicant's period, stated in the one-time correction notice, to send
  /// everything it lists (a reasonable period set by the office; this default is the district's).
  int correction_days = 15;
};

/// A computed deadline with its explanation (every day counted or skipped, and why).
struct Deadline {
  std::string name;        // "受理期限", "承诺办结期限", ...
  std::string basis;       // "行政许可法第三十二条"
  calendar::Date start;    // the day the period runs from (not counted)
  int days = 0;            // working days
  calendar::DueResult result;
  std::vector<std::string> notes;  // suspensions, extension, restart after 补正
  bool internal = false;   // a step's limit: the office's own work plan, shown to staff only
  /// Where the period stands today: met | late (what it was for was done, after the due day) |
  /// running | overdue (not done, past the due day) | paused (特别程序) | ended (withdrawn).
  std::string status;
  std::string status_text;  // e.g. "已于 2026-03-05 作出决定，在期限内"
};

/// 行政许可法 第三十二条: the acceptance decision is due `acceptance_days` working days after
/// receipt. After a correction notice (补正), the period runs again from the day the complete
/// corrections arrived.
Deadline AcceptanceDeadline(const calendar::Calendar& cal, const LegalPeriods& p, calendar::Date received,
                            std::optional<calendar::Date> corrections_complete = std::nullopt);

/// 行政许可法 第三十二条: an office that neither accepted, refused nor sent a correction notice by
/// the acceptance deadline is deemed to have accepted on the day the application was received.
/// Returns that acceptance date when the deemed acceptance applies at `today`.
std::optional<calendar::Date> DeemedAcceptance(const calendar::Calendar& cal, const LegalPeriods& p,
                                               calendar::Date received, bool answered, calendar::Date today);

/// The decision deadline: `limit_days` (the item's promised or statutory limit) after
/// acceptance; days in a special procedure are not counted (第四十五条) and an approved
/// extension adds its days (第四十二条, at most once and at most extension_days).
Deadline DecisionDeadline(const calendar::Calendar& cal, const LegalPeriods& p, const std::string& name,
                          calendar::Date accepted, int limit_days, const std::vector<calendar::Suspension>& suspensions,
                          int extension_days = 0);

/// 补正期限: the corrections are due `correction_days` working days after the notice.
Deadline CorrectionDeadline(const calendar::Calendar& cal, const LegalPeriods& p, calendar::Date notified);

/// 行政许可法 第四十四条: the certificate is due `certificate_days` after the decision.
Deadline CertificateDeadline(const calendar::Calendar& cal, const LegalPeriods& p, calendar::Date decided);

/// One step of the item's flow: due `limit_days` working days after the step started; days in
/// a special procedure are not counted (第四十五条) and each one that reaches into the step is noted.
Deadline StepDeadline(const calendar::Calendar& cal, const std::string& step_name, calendar::Date started, int limit_days,
                      const std::vector<calendar::Suspension>& suspensions);

/// Checks an extension request against 第四十二条: once only, at most extension_days, with
/// reasons. Throws yiwang::Error(kInvalidInput / kConflict) with the Chinese reason.
void CheckExtension(const LegalPeriods& p, int requested_days, int extensions_so_far, const std::string& reasons);

/// The whole explanation as text (for the case page and `--explain`).
std::string ExplainDeadline(const Deadline& d);

/// The last day a certificate issued on `issued_on` (YYYY-MM-DD) for a term of `years` is valid:
/// the day before the same date `years` on (issued 2028-02-29 for 5 years: through 2033-02-28).
std::string ValidUntil(const std::string& issued_on, int years);

/// What is wrong with the term (证照有效期至, YYYY-MM-DD) an 审批人 sets when granting a licence
/// whose item fixes none — a 变更 keeps the original licence's term — decided on `today`; ""
/// when nothing is. Refused: not a date, not after today, more than 50 years on (the
/// catalogue's own limit for a term, ValidateItem).
std::string LicenceTermProblem(const std::string& valid_until, const std::string& today);

}  // namespace yiwang::approval
