#pragma once
// Fees of a case (收费): the amounts assessed from the catalogue of the item version the case
// runs on, and the payment recorded against each (counter payment with a receipt number by
// default; approval/payments.hpp). Staff may assess an amount that differs from the catalogue
// only with a written reason, and the catalogue amount is kept beside it, so that supervision
// can compare catalogue_fen, assessed_fen and paid_fen (违规收费). A case whose item has fees
// is concluded only when every fee is paid.
#include <cstdint>
#include <string>
#include <vector>

#include <soci/soci.h>
#include <nlohmann/json.hpp>

#include "approval/model.hpp"
#include "approval/payments.hpp"

namespace yiwang::approval {

/// One fee of a case: a row of case_fees.
struct CaseFee {
  int fee_no = 0;  // 1-based, the order of the item version's fees
  std::string name;
  std::string basis;
  std::int64_t catalogue_fen = 0;  // the catalogue amount of the item version
  std::int64_t assessed_fen = 0;   // what the applicant is asked to pay
  std::string assessed_by;
  std::int64_t assessed_at = 0;
  std::string note;  // the written reason when assessed_fen differs from catalogue_fen
  std::int64_t paid_fen = 0;
  std::string receipt_no;
  std::string provider;  // PaymentProvider key ("counter")
  std::int64_t paid_at = 0;
  std::string recorded_by;
  // 退费: the paid amount given back, in full, against a refund voucher (RefundTarget).
  std::int64_t refunded_fen = 0;
  std::string refund_no;
  std::string refund_reason;
  std::int64_t refunded_at = 0;
  std::string refunded_by;

  bool Paid() const { return !receipt_no.empty(); }
  bool Refunded() const { return !refund_no.empty(); }
  /// Paid, not given back yet: what a refund may be recorded for.
  bool ToRefund() const { return Paid() && !Refunded() && paid_fen > 0; }
  /// Nothing more to pay: paid, or assessed at 0.
  bool Settled() const { return Paid() || assessed_fen == 0; }
};

/// An amount staff change when assessing: the fee's number, the amount in 元 as entered
/// ("80", "80.5", "¥80.00"; empty = the catalogue amount) and the reason.
struct FeeInput {
  int fee_no = 0;
  std::string amount;
  std::string note;
};

/// The assessment of the item's fees: every fee at its catalogue amount unless `changes` sets
/// another (then `note` is required). Throws kConflict when the item is free or a fee has
/// been paid already, kInvalidInput with fields amount_<no> / note_<no> / fees on bad input.
std::vector<CaseFee> AssessFees(const Item& item, const std::vector<CaseFee>& current,
                                const std::vector<FeeInput>& changes, const std::string& by, std::int64_t at);

/// The fee a payment is for (fee_no 0 = the only unpaid one) after checking that it is
/// assessed, unpaid, not zero, and that the amount entered (元) equals the assessed amount.
/// Returns its index in `fees`. Throws kConflict / kInvalidInput (fields fee_no, amount).
std::size_t PaymentTarget(const std::vector<CaseFee>& fees, int fee_no, const std::string& amount);

/// The fee a refund is for (fee_no 0 = the only paid, unrefunded one) after checking that it is
/// paid and not refunded yet, that the amount entered (元) equals the amount paid (a refund is
/// in full), that the voucher number (退费凭证号: VoucherNumber's rule) and the reason (at
/// most 200 characters) are given. Returns its index in `fees`. Throws kConflict /
/// kInvalidInput with fields fee_no, amount, refund_no, opinion — every field's problem at once.
std::size_t RefundTarget(const std::vector<CaseFee>& fees, int fee_no, const std::string& amount,
                         const std::string& refund_no, const std::string& reason);

/// Conclusion (办结) of a granted case whose item has fees needs every fee assessed and paid (a
/// 不予许可 concludes without; Act checks the decision); throws
/// kConflict naming what is missing. Free items pass.
void RequireFeesSettled(const Item& item, const std::vector<CaseFee>& fees);

/// The timeline's words for an assessment / a payment.
std::string AssessmentText(const std::vector<CaseFee>& fees, const std::string& place);
std::string PaymentText(const CaseFee& fee, const std::string& provider_label);
std::string RefundText(const CaseFee& fee);

// ---- store (case_fees)
std::vector<CaseFee> LoadFees(soci::session& sql, std::int64_t case_id);
/// Writes every fee (insert or update by case and fee_no).
void UpsertFees(soci::session& sql, std::int64_t case_id, const std::vector<CaseFee>& fees);
/// Records the payment of one fee if it is still unpaid; false when another payment won.
bool StorePayment(soci::session& sql, std::int64_t case_id, const CaseFee& fee);
/// The case number that already holds a receipt number, or "".
std::string ReceiptHolder(soci::session& sql, const std::string& receipt_no);
/// Records the refund of one fee if it is paid and not refunded yet; false when another refund won.
bool StoreRefund(soci::session& sql, std::int64_t case_id, const CaseFee& fee);
/// The case number that already holds a refund voucher number, or "".
std::string RefundHolder(soci::session& sql, const std::string& refund_no);

// ---- JSON
/// All columns, for the feedback packet (the portal's copy of the fees).
nlohmann::json FeesPacket(const std::vector<CaseFee>& fees);
std::vector<CaseFee> FeesFromPacket(const nlohmann::json& j);
/// For pages and the API: amounts in 元 beside the 分, labels, the reason and the receipt.
/// Staff also see who assessed and who recorded. `payments` gives provider labels (nullptr:
/// the built-in ones).
nlohmann::json FeesView(const std::vector<CaseFee>& fees, bool staff_view, const PaymentProviders* payments = nullptr);

}  // namespace yiwang::approval
