#include <gtest/gtest.h>

#include "core/text_search.hpp"

namespace yiwang::core {
namespace {

TEST(TextSearch, DocumentTokensHaveUnigramsAndBigrams) {
  EXPECT_EQ(SearchTokens("医保卡"), "医 医保 保 保卡 卡");
  EXPECT_EQ(SearchTokens("ICP备案 A1"), "备 备案 案 icp a1");
  EXPECT_EQ(SearchTokens("  ，。"), "");
}

TEST(TextSearch, TwoCharacterQueriesBecomeOneBigram) {
  EXPECT_EQ(QueryTokens("医保"), (std::vector<std::string>{"医保"}));
  EXPECT_EQ(QueryTokens("社保"), (std::vector<std::string>{"社保"}));
  EXPECT_EQ(QueryTokens("食品经营"), (std::vector<std::string>{"食品", "品经", "经营"}));
  EXPECT_EQ(QueryTokens("证"), (std::vector<std::string>{"证"}));
  EXPECT_EQ(QueryTokens("食品 ICP"), (std::vector<std::string>{"食品", "icp"}));
  EXPECT_TRUE(QueryTokens("！？").empty());
}

TEST(TextSearch, EveryQueryTokenOfASubstringIsInTheDocument) {
  const std::string doc = SearchTokens("公共场所卫生许可");
  for (const char* q : {"卫生", "场所", "公共场所", "许可", "卫生许可"}) {
    for (const auto& t : QueryTokens(q)) {
      EXPECT_NE((" " + doc + " ").find(" " + t + " "), std::string::npos) << q << " / " << t;
    }
  }
}

}  // namespace
}  // namespace yiwang::core
