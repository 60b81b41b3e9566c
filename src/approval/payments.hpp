#pragma once
// How an assessed fee gets paid (缴费). The default is the counter (柜台缴费): the applicant
// pays at the window or the bank with a non-tax revenue form, and the clerk enters the number
// of the receipt (票据号) that proves it. Online payment (统一公共支付平台, bank gateways)
// plugs in later as another PaymentProvider registered under its own key; the case flow only
// ever talks to this interface. Pure: no database, no HTTP.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace yiwang::approval {

/// One payment as it is being recorded against one assessed fee of a case.
struct PaymentRequest {
  std::string case_no;
  int fee_no = 0;
  std::string fee_name;
  std::int64_t amount_fen = 0;  // the assessed amount; the service checks the paid amount equals it
  std::string receipt_no;       // as entered by staff (counter) or as returned by an online provider
};

/// What the provider confirms: the receipt number in its canonical form and the amount paid.
struct PaymentConfirmation {
  std::string receipt_no;
  std::int64_t paid_fen = 0;
};

class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;
  /// Stable key stored with the payment ("counter").
  virtual std::string Key() const = 0;
  /// For people ("柜台缴费").
  virtual std::string Label() const = 0;
  /// Checks the payment and returns its confirmation; throws yiwang::Error(kInvalidInput) with
  /// field "receipt_no" when the receipt is not acceptable. An online provider would ask its
  /// gateway here whether the order was paid.
  virtual PaymentConfirmation Confirm(const PaymentRequest& request) const = 0;
};

/// 柜台缴费: the receipt number is typed by the clerk from the paper or electronic receipt.
/// A receipt's or voucher's number as stored (surrounding spaces removed, letters upper-cased),
/// or "" when it is not 6 to 32 digits, Latin letters or '-' starting with a digit or letter.
std::string VoucherNumber(const std::string& raw);

/// Accepted form: 6 to 32 characters of digits, Latin letters and '-', starting with a digit
/// or letter (a 非税收入票据 code and number such as 37010125-0000123456); letters are upper-cased,
/// surrounding spaces removed.
class CounterPayment final : public PaymentProvider {
 public:
  std::string Key() const override { return "counter"; }
  std::string Label() const override { return "柜台缴费"; }
  PaymentConfirmation Confirm(const PaymentRequest& request) const override;
};

/// The providers a node knows, by key. Built with the counter provider; an online provider is
/// added with Register at start-up.
class PaymentProviders {
 public:
  PaymentProviders();
  /// Adds or replaces the provider under its key.
  void Register(std::unique_ptr<PaymentProvider> provider);
  /// The provider for a key ("" = counter); throws kInvalidInput (field "provider") if unknown.
  const PaymentProvider& Find(const std::string& key) const;
  /// Key and label of every provider, counter first.
  std::vector<std::pair<std::string, std::string>> List() const;
  /// The label of a key, or the key itself when unknown (a payment recorded by a provider
  /// since removed still shows).
  std::string LabelOf(const std::string& key) const;

 private:
  std::map<std::string, std::unique_ptr<PaymentProvider>> providers_;
};

}  // namespace yiwang::approval
