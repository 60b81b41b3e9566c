#include "approval/fees.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "approval/transfer.hpp"
#include "approval/views.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "db/row.hpp"

namespace yiwang::approval {
namespace {

using core::Trim;

const char* kAmountRule = "金额应为不小于 0 的数字（元，最多两位小数）";

// The fee a payment or a refund is for: `fee_no`, or (0) the only fee `open` picks. The words of
// the errors are the action's: "请选择缴费项目" / "请选择退费项目" and so on.
std::size_t PickFee(const std::vector<CaseFee>& fees, int fee_no, const std::function<bool(const CaseFee&)>& open,
                    const std::string& many, const std::string& choose, const std::string& none) {
  std::size_t index = fees.size();
  if (fee_no == 0) {
    for (std::size_t i = 0; i < fees.size(); ++i) {
      if (!open(fees[i])) continue;
      if (index != fees.size()) throw Error(ErrorCode::kInvalidInput, many, {{"fee_no", choose}});
      index = i;
    }
    if (index == fees.size()) throw Error(ErrorCode::kConflict, none);
    return index;
  }
  for (std::size_t i = 0; i < fees.size(); ++i) {
    if (fees[i].fee_no == fee_no) index = i;
  }
  if (index == fees.size()) {
    throw Error(ErrorCode::kInvalidInput, "收费项目序号不存在：" + std::to_string(fee_no), {{"fee_no", choose}});
  }
  return index;
}

}  // namespace

std::vector<CaseFee> AssessFees(const Item& item, const std::vector<CaseFee>& current,
                                const std::vector<FeeInput>& changes, const std::string& by, std::int64_t at) {
  if (item.fees.empty()) throw Error(ErrorCode::kConflict, "本事项不收费（事项目录中没有收费项目），无需核定收费");
  for (const CaseFee& f : current) {
    if (f.Paid()) {
      throw Error(ErrorCode::kConflict, "“" + f.name + "”已登记缴费（票据号 " + f.receipt_no + "），不能再改核定金额");
    }
  }
  std::map<std::string, std::string> fields;
  std::map<int, FeeInput> by_no;
  for (const FeeInput& in : changes) {
    if (in.fee_no < 1 || in.fee_no > static_cast<int>(item.fees.size())) {
      fields["fees"] = "收费项目序号 " + std::to_string(in.fee_no) + " 不存在";
      continue;
    }
    if (by_no.count(in.fee_no)) {
      fields["fees"] = "收费项目序号 " + std::to_string(in.fee_no) + " 重复";
      continue;
    }
    by_no[in.fee_no] = in;
  }
  std::vector<CaseFee> out;
  for (std::size_t i = 0; i < item.fees.size(); ++i) {
    const Fee& catalogue = item.fees[i];
    const int no = static_cast<int>(i) + 1;
    const std::string n = std::to_string(no);
    CaseFee f;
    f.fee_no = no;
    f.name = catalogue.name;
    f.basis = catalogue.basis;
    f.catalogue_fen = catalogue.amount_fen;
    f.assessed_fen = catalogue.amount_fen;
    f.assessed_by = by;
    f.assessed_at = at;
    auto it = by_no.find(no);
    if (it != by_no.end()) {
      const std::string amount = Trim(it->second.amount);
      f.note = Trim(it->second.note);
      if (!amount.empty()) {
        const std::int64_t fen = ParseYuan(amount);
        if (fen < 0) {
          fields["amount_" + n] = f.name + "：" + kAmountRule + "，而不是“" + amount + "”";
          continue;
        }
        f.assessed_fen = fen;
      }
      if (f.note.size() > 1500) fields["note_" + n] = f.name + "：理由不超过 500 字";
    }
    if (f.assessed_fen != f.catalogue_fen && f.note.empty()) {
      fields["note_" + n] = f.name + "：核定金额（" + FormatFen(f.assessed_fen) + "）与收费目录（" +
                            FormatFen(f.catalogue_fen) + "）不同，须写明理由";
    }
    out.push_back(std::move(f));
  }
  if (!fields.empty()) throw Error(ErrorCode::kInvalidInput, "收费核定有误，请修正后再提交", fields);
  return out;
}

std::size_t PaymentTarget(const std::vector<CaseFee>& fees, int fee_no, const std::string& amount) {
  if (fees.empty()) throw Error(ErrorCode::kConflict, "本件尚未核定收费，请先核定收费再登记缴费");
  const std::size_t index =
      PickFee(fees, fee_no, [](const CaseFee& f) { return !f.Settled(); }, "本件有多项未缴费用，请选择缴费项目",
              "请选择缴费项目", "本件费用均已缴清，无需再登记缴费");
  const CaseFee& f = fees[index];
  if (f.Paid())
    throw Error(ErrorCode::kConflict, "“" + f.name + "”已缴清（票据号 " + f.receipt_no + "），不能重复登记");
  if (f.assessed_fen == 0) throw Error(ErrorCode::kConflict, "“" + f.name + "”核定金额为 0，无需缴费");
  const std::string text = Trim(amount);
  const std::int64_t fen = text.empty() ? -1 : ParseYuan(text);
  if (fen < 0) {
    throw Error(ErrorCode::kInvalidInput, "请填写实缴金额", {{"amount", std::string("实缴金额：") + kAmountRule}});
  }
  if (fen != f.assessed_fen) {
    throw Error(ErrorCode::kInvalidInput, "实缴金额与核定金额不一致",
                {{"amount", "“" + f.name + "”的实缴金额应与核定金额 " + FormatFen(f.assessed_fen) + "一致，而不是 " +
                                FormatFen(fen)}});
  }
  return index;
}

std::size_t RefundTarget(const std::vector<CaseFee>& fees, int fee_no, const std::string& amount,
                         const std::string& refund_no, const std::string& reason) {
  const std::size_t index = PickFee(fees, fee_no, [](const CaseFee& f) { return f.ToRefund(); }, "本件有多项已缴费用，请选择退费项目", "请选择退费项目",
                                    "本件没有可退还的已缴费用");
  const CaseFee& f = fees[index];
  if (f.Refunded()) {
    throw Error(ErrorCode::kConflict, "“" + f.name + "”已退还（退费凭证号 " + f.refund_no + "），不能重复登记");
  }
  if (!f.ToRefund()) throw Error(ErrorCode::kConflict, "“" + f.name + "”没有已缴的费用，无需退还");
  std::map<std::string, std::string> fields;
  const std::string text = Trim(amount);
  const std::int64_t fen = text.empty() ? -1 : ParseYuan(text);
  if (fen < 0) {
    fields["amount"] = std::string("退还金额：") + kAmountRule;
  } else if (fen != f.paid_fen) {
    fields["amount"] = "“" + f.name + "”应全额退还实缴的 " + FormatFen(f.paid_fen) + "，而不是 " + FormatFen(fen);
  }
  if (Trim(refund_no).empty()) {
    fields["refund_no"] = "请填写退费凭证号";
  } else if (VoucherNumber(refund_no).empty()) {
    fields["refund_no"] = "退费凭证号应为 6 到 32 位数字、字母或连字符“-”";
  }
  const std::string why = Trim(reason);
  if (why.empty()) {
    fields["opinion"] = "请写明退费原因（如：申请人撤回申请、不予许可）";
  } else if (core::Utf8Length(why) > 200) {
    fields["opinion"] = "退费原因不超过 200 字";
  }
  if (!fields.empty()) {
    throw Error(ErrorCode::kInvalidInput, fields.size() == 1 ? fields.begin()->second : "退费登记有误，请按提示修改",
                fields);
  }
  return index;
}

void RequireFeesSettled(const Item& item, const std::vector<CaseFee>& fees) {
  if (item.fees.empty()) return;
  if (fees.empty()) {
    throw Error(ErrorCode::kConflict,
                "本事项须收费，尚未核定收费，不能办结。请先核定收费，申请人缴费并登记票据号后再办结");
  }
  std::string unpaid;
  for (const CaseFee& f : fees) {
    if (!f.Settled()) unpaid += (unpaid.empty() ? "" : "、") + f.name + " " + FormatFen(f.assessed_fen);
  }
  if (!unpaid.empty()) {
    throw Error(ErrorCode::kConflict, "费用尚未缴清，不能办结。未缴：" + unpaid + "。请在申请人缴费后登记票据号");
  }
}

std::string AssessmentText(const std::vector<CaseFee>& fees, const std::string& place) {
  std::string text = "核定收费：";
  std::int64_t total = 0;
  for (std::size_t i = 0; i < fees.size(); ++i) {
    const CaseFee& f = fees[i];
    text += (i ? "；" : "") + f.name + " " + FormatFen(f.assessed_fen);
    if (f.assessed_fen != f.catalogue_fen)
      text += "（收费目录 " + FormatFen(f.catalogue_fen) + "，理由：" + f.note + "）";
    else if (!f.note.empty())
      text += "（" + f.note + "）";
    total += f.assessed_fen;
  }
  text += "。合计 " + FormatFen(total);
  if (total > 0) text += "，请到" + (place.empty() ? std::string("办理窗口") : place) + "缴纳，凭缴费票据办结";
  return text;
}

std::string PaymentText(const CaseFee& fee, const std::string& provider_label) {
  return "登记缴费：" + fee.name + " 实缴 " + FormatFen(fee.paid_fen) + "，" + provider_label + "，票据号 " +
         fee.receipt_no;
}

std::string RefundText(const CaseFee& fee) {
  return "退还已缴费用：" + fee.name + " " + FormatFen(fee.refunded_fen) + "，退费凭证号 " + fee.refund_no + "，原因：" +
         fee.refund_reason;
}

// ---------------------------------------------------------------- store

std::vector<CaseFee> LoadFees(soci::session& sql, std::int64_t case_id) {
  long long id = case_id;
  std::vector<CaseFee> out;
  soci::rowset<soci::row> rows =
      (sql.prepare
           << "SELECT fee_no, name, basis, catalogue_fen, assessed_fen, assessed_by, assessed_at, note, paid_fen, "
              "receipt_no, provider, paid_at, recorded_by, refunded_fen, refund_no, refund_reason, refunded_at, refunded_by "
              "FROM case_fees WHERE case_id = :c ORDER BY fee_no",
       soci::use(id));
  for (const soci::row& r : rows) {
    CaseFee f;
    f.fee_no = static_cast<int>(db::RowInt(r, "fee_no"));
    f.name = db::RowStr(r, "name");
    f.basis = db::RowStr(r, "basis");
    f.catalogue_fen = db::RowInt(r, "catalogue_fen");
    f.assessed_fen = db::RowInt(r, "assessed_fen");
    f.assessed_by = db::RowStr(r, "assessed_by");
    f.assessed_at = db::RowInt(r, "assessed_at");
    f.note = db::RowStr(r, "note");
    f.paid_fen = db::RowInt(r, "paid_fen");
    f.receipt_no = db::RowStr(r, "receipt_no");
    f.provider = db::RowStr(r, "provider");
    f.paid_at = db::RowInt(r, "paid_at");
    f.recorded_by = db::RowStr(r, "recorded_by");
    f.refunded_fen = db::RowInt(r, "refunded_fen");
    f.refund_no = db::RowStr(r, "refund_no");
    f.refund_reason = db::RowStr(r, "refund_reason");
    f.refunded_at = db::RowInt(r, "refunded_at");
    f.refunded_by = db::RowStr(r, "refunded_by");
    out.push_back(std::move(f));
  }
  return out;
}

void UpsertFees(soci::session& sql, std::int64_t case_id, const std::vector<CaseFee>& fees) {
  for (const CaseFee& f : fees) {
    long long id = case_id, catalogue = f.catalogue_fen, assessed = f.assessed_fen, assessed_at = f.assessed_at,
              paid = f.paid_fen, paid_at = f.paid_at, refunded = f.refunded_fen, refunded_at = f.refunded_at;
    sql << "INSERT INTO case_fees (case_id, fee_no, name, basis, catalogue_fen, assessed_fen, assessed_by, assessed_at, "
           "note, paid_fen, receipt_no, provider, paid_at, recorded_by, refunded_fen, refund_no, refund_reason, "
           "refunded_at, refunded_by) VALUES (:c, :no, :n, :b, :cf, :af, :ab, :aa, :nt, :pf, :r, :p, :pa, :rb, :rf, :rn, "
           ":rr, :ra, :rby) ON CONFLICT (case_id, fee_no) DO UPDATE SET name = excluded.name, basis = excluded.basis, "
           "catalogue_fen = excluded.catalogue_fen, assessed_fen = excluded.assessed_fen, assessed_by = "
           "excluded.assessed_by, assessed_at = excluded.assessed_at, note = excluded.note, paid_fen = excluded.paid_fen, "
           "receipt_no = excluded.receipt_no, provider = excluded.provider, paid_at = excluded.paid_at, recorded_by = "
           "excluded.recorded_by, refunded_fen = excluded.refunded_fen, refund_no = excluded.refund_no, refund_reason = "
           "excluded.refund_reason, refunded_at = excluded.refunded_at, refunded_by = excluded.refunded_by",
        soci::use(id), soci::use(f.fee_no), soci::use(f.name), soci::use(f.basis), soci::use(catalogue),
        soci::use(assessed), soci::use(f.assessed_by), soci::use(assessed_at), soci::use(f.note), soci::use(paid),
        soci::use(f.receipt_no), soci::use(f.provider), soci::use(paid_at), soci::use(f.recorded_by), soci::use(refunded),
        soci::use(f.refund_no), soci::use(f.refund_reason), soci::use(refunded_at), soci::use(f.refunded_by);
  }
}

bool StorePayment(soci::session& sql, std::int64_t case_id, const CaseFee& fee) {
  long long id = case_id, paid = fee.paid_fen, paid_at = fee.paid_at;
  sql << "UPDATE case_fees SET paid_fen = :pf, receipt_no = :r, provider = :p, paid_at = :pa, recorded_by = :rb WHERE "
         "case_id = :c AND fee_no = :no AND receipt_no = ''",
      soci::use(paid), soci::use(fee.receipt_no), soci::use(fee.provider), soci::use(paid_at),
      soci::use(fee.recorded_by), soci::use(id), soci::use(fee.fee_no);
  // Read back: under concurrent payments of the same fee only one receipt lands.
  std::string stored;
  sql << "SELECT receipt_no FROM case_fees WHERE case_id = :c AND fee_no = :no", soci::use(id), soci::use(fee.fee_no),
      soci::into(stored);
  return stored == fee.receipt_no;
}

std::string ReceiptHolder(soci::session& sql, const std::string& receipt_no) {
  std::string case_no;
  soci::indicator ind = soci::i_null;
  sql << "SELECT c.case_no FROM case_fees f JOIN cases c ON c.id = f.case_id WHERE f.receipt_no = :r",
      soci::use(receipt_no), soci::into(case_no, ind);
  return sql.got_data() && ind == soci::i_ok ? case_no : "";
}

bool StoreRefund(soci::session& sql, std::int64_t case_id, const CaseFee& fee) {
  long long id = case_id, refunded = fee.refunded_fen, refunded_at = fee.refunded_at;
  // Only a paid fee not refunded yet: of two refunds at once, one row changes.
  soci::statement st = (sql.prepare << "UPDATE case_fees SET refunded_fen = :f, refund_no = :n, refund_reason = :r, "
                                       "refunded_at = :a, refunded_by = :b WHERE case_id = :c AND fee_no = :no AND "
                                       "receipt_no <> '' AND refund_no = ''",
                        soci::use(refunded), soci::use(fee.refund_no), soci::use(fee.refund_reason),
                        soci::use(refunded_at), soci::use(fee.refunded_by), soci::use(id), soci::use(fee.fee_no));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

std::string RefundHolder(soci::session& sql, const std::string& refund_no) {
  std::string case_no;
  soci::indicator ind = soci::i_null;
  sql << "SELECT c.case_no FROM case_fees f JOIN cases c ON c.id = f.case_id WHERE f.refund_no = :r",
      soci::use(refund_no), soci::into(case_no, ind);
  return sql.got_data() && ind == soci::i_ok ? case_no : "";
}

// ---------------------------------------------------------------- JSON

nlohmann::json FeesPacket(const std::vector<CaseFee>& fees) {
  nlohmann::json out = nlohmann::json::array();
  for (const CaseFee& f : fees) {
    out.push_back({{"fee_no", f.fee_no},
                   {"name", f.name},
                   {"basis", f.basis},
                   {"catalogue_fen", f.catalogue_fen},
                   {"assessed_fen", f.assessed_fen},
                   {"assessed_by", f.assessed_by},
                   {"assessed_at", f.assessed_at},
                   {"note", f.note},
                   {"paid_fen", f.paid_fen},
                   {"receipt_no", f.receipt_no},
                   {"provider", f.provider},
                   {"paid_at", f.paid_at},
                   {"recorded_by", f.recorded_by},
                   {"refunded_fen", f.refunded_fen},
                   {"refund_no", f.refund_no},
                   {"refund_reason", f.refund_reason},
                   {"refunded_at", f.refunded_at},
                   {"refunded_by", f.refunded_by}});
  }
  return out;
}

std::vector<CaseFee> FeesFromPacket(const nlohmann::json& j) {
  std::vector<CaseFee> out;
  for (const auto& x : j) {
    CaseFee f;
    f.fee_no = x.at("fee_no").get<int>();
    f.name = x.at("name").get<std::string>();
    f.basis = x.value("basis", "");
    f.catalogue_fen = x.at("catalogue_fen").get<std::int64_t>();
    f.assessed_fen = x.at("assessed_fen").get<std::int64_t>();
    f.assessed_by = x.value("assessed_by", "");
    f.assessed_at = x.value("assessed_at", std::int64_t{0});
    f.note = x.value("note", "");
    f.paid_fen = x.value("paid_fen", std::int64_t{0});
    f.receipt_no = x.value("receipt_no", "");
    f.provider = x.value("provider", "");
    f.paid_at = x.value("paid_at", std::int64_t{0});
    f.recorded_by = x.value("recorded_by", "");
    f.refunded_fen = x.value("refunded_fen", std::int64_t{0});
    f.refund_no = x.value("refund_no", "");
    f.refund_reason = x.value("refund_reason", "");
    f.refunded_at = x.value("refunded_at", std::int64_t{0});
    f.refunded_by = x.value("refunded_by", "");
    out.push_back(std::move(f));
  }
  return out;
}

nlohmann::json FeesView(const std::vector<CaseFee>& fees, bool staff_view, const PaymentProviders* payments) {
  static const PaymentProviders kBuiltin;
  const PaymentProviders& labels = payments ? *payments : kBuiltin;
  nlohmann::json out = nlohmann::json::array();
  for (const CaseFee& f : fees) {
    nlohmann::json j = {{"fee_no", f.fee_no},
                        {"name", f.name},
                        {"basis", f.basis},
                        {"catalogue_fen", f.catalogue_fen},
                        {"catalogue", FormatFen(f.catalogue_fen)},
                        {"assessed_fen", f.assessed_fen},
                        {"assessed", FormatFen(f.assessed_fen)},
                        {"assessed_yuan", FormatYuan(f.assessed_fen)},
                        {"changed", f.assessed_fen != f.catalogue_fen},
                        {"note", f.note},
                        {"assessed_at", f.assessed_at ? core::FormatLocal(f.assessed_at) : ""},
                        {"paid", f.Paid()},
                        {"settled", f.Settled()},
                        {"paid_fen", f.paid_fen},
                        {"paid_amount", FormatFen(f.paid_fen)},
                        {"receipt_no", f.receipt_no},
                        {"provider", f.provider},
                        {"provider_label", f.provider.empty() ? "" : labels.LabelOf(f.provider)},
                        {"paid_at", f.paid_at ? core::FormatLocal(f.paid_at) : ""},
                        {"refunded", f.Refunded()},
                        {"refunded_fen", f.refunded_fen},
                        {"refunded_amount", FormatFen(f.refunded_fen)},
                        {"refund_no", f.refund_no},
                        {"refund_reason", f.refund_reason},
                        {"refunded_at", f.refunded_at ? core::FormatLocal(f.refunded_at) : ""}};
    if (staff_view) {
      j["assessed_by"] = f.assessed_by;
      j["recorded_by"] = f.recorded_by;
      j["refunded_by"] = f.refunded_by;
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace yiwang::approval
