// Payment providers: the counter's receipt number rules, and the registry an online provider
// plugs into.
#include <gtest/gtest.h>

#include "approval/payments.hpp"
#include "core/error.hpp"

namespace yiwang::approval {
namespace {

PaymentRequest Request(const std::string& receipt) { return {"DH20260302000001", 1, "登记费", 8000, receipt}; }

std::string FieldOf(const PaymentProvider& p, const std::string& receipt) {
  try {
    p.Confirm(Request(receipt));
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    return e.fields().count("receipt_no") ? e.fields().at("receipt_no") : "";
  }
  return "accepted";
}

TEST(Payments, TheCounterTakesTheReceiptNumberTypedByTheClerk) {
  CounterPayment counter;
  EXPECT_EQ(counter.Key(), "counter");
  EXPECT_EQ(counter.Label(), "柜台缴费");
  PaymentConfirmation c = counter.Confirm(Request("  37010125-ab0000123456 "));
  EXPECT_EQ(c.receipt_no, "37010125-AB0000123456");
  EXPECT_EQ(c.paid_fen, 8000);
  EXPECT_EQ(FieldOf(counter, "123456"), "accepted");
  EXPECT_NE(FieldOf(counter, ""), "accepted");
  EXPECT_NE(FieldOf(counter, "12345"), "accepted");               // too short
  EXPECT_NE(FieldOf(counter, std::string(33, '1')), "accepted");  // too long
  EXPECT_NE(FieldOf(counter, "-1234567"), "accepted");            // starts with '-'
  EXPECT_NE(FieldOf(counter, "1234 5678"), "accepted");           // a space inside
  EXPECT_NE(FieldOf(counter, "票据１２３４５６"), "accepted");    // not ASCII
}

/// An online provider as it would plug in: it issues the receipt itself.
class FakeGateway final : public PaymentProvider {
 public:
  std::string Key() const override { return "gateway"; }
  std::string Label() const override { return "网上缴费（测试）"; }
  PaymentConfirmation Confirm(const PaymentRequest& r) const override { return {"GW-" + r.case_no, r.amount_fen}; }
};

TEST(Payments, OnlineProvidersPlugIntoTheRegistry) {
  PaymentProviders providers;
  EXPECT_EQ(providers.Find("").Key(), "counter") << "the default";
  try {
    providers.Find("gateway");
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(e.fields().count("provider"));
  }
  providers.Register(std::make_unique<FakeGateway>());
  EXPECT_EQ(providers.Find("gateway").Confirm(Request("")).receipt_no, "GW-DH20260302000001");
  auto list = providers.List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].first, "counter");
  EXPECT_EQ(list[1].second, "网上缴费（测试）");
  EXPECT_EQ(providers.LabelOf("gateway"), "网上缴费（测试）");
  EXPECT_EQ(providers.LabelOf("retired"), "retired");
}

}  // namespace
}  // namespace yiwang::approval
