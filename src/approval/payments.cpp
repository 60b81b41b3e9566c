#include "approval/payments.hpp"

#include <algorithm>
#include <cctype>

#include "core/error.hpp"

namespace yiwang::approval {

std::string VoucherNumber(const std::string& raw) {
  std::string r = raw;
  const auto b = r.find_first_not_of(" \t\r\n");
  r = b == std::string::npos ? "" : r.substr(b, r.find_last_not_of(" \t\r\n") - b + 1);
  std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const bool chars_ok = std::all_of(r.begin(), r.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; });
  return r.size() >= 6 && r.size() <= 32 && chars_ok && r.front() != '-' ? r : "";
}

PaymentConfirmation CounterPayment::Confirm(const PaymentRequest& request) const {
  const std::string r = VoucherNumber(request.receipt_no);
  if (request.receipt_no.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw Error(ErrorCode::kInvalidInput, "请填写缴费票据号", {{"receipt_no", "请填写缴费票据号"}});
  }
  if (r.empty()) {
    throw Error(ErrorCode::kInvalidInput, "票据号格式不正确：应为 6 到 32 位数字、字母或连字符“-”",
                {{"receipt_no", "票据号应为 6 到 32 位数字、字母或连字符“-”，如 37010125-0000123456"}});
  }
  return {r, request.amount_fen};
}

PaymentProviders::PaymentProviders() { Register(std::make_unique<CounterPayment>()); }

void PaymentProviders::Register(std::unique_ptr<PaymentProvider> provider) {
  const std::string key = provider->Key();
  providers_[key] = std::move(provider);
}

const PaymentProvider& PaymentProviders::Find(const std::string& key) const {
  auto it = providers_.find(key.empty() ? "counter" : key);
  if (it == providers_.end()) {
    throw Error(ErrorCode::kInvalidInput, "不支持的缴费方式：" + key, {{"provider", "请选择本系统支持的缴费方式"}});
  }
  return *it->second;
}

std::vector<std::pair<std::string, std::string>> PaymentProviders::List() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, p] : providers_) {
    if (key == "counter")
      out.insert(out.begin(), {key, p->Label()});
    else
      out.emplace_back(key, p->Label());
  }
  return out;
}

std::string PaymentProviders::LabelOf(const std::string& key) const {
  auto it = providers_.find(key);
  return it == providers_.end() ? key : it->second->Label();
}

}  // namespace yiwang::approval
