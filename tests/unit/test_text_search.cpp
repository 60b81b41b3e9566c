#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "core/text_search.hpp"

namespace yiwang::core {
namespace {

TEST(Text, CharactersAreCountedNotBytes) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("撤回申请"), 4u);  // 12 bytes
  EXPECT_EQ(Utf8Length("A撤𠀀"), 3u);     // 1 + 3 + 4 bytes
}

TEST(Text, APrefixNeverCutsACharacterInTwo) {
  const std::string s = "理由：撤回";  // 5 characters of 3 bytes
  EXPECT_EQ(Utf8Prefix(s, 100), s);
  EXPECT_EQ(Utf8Prefix(s, 15), s);
  EXPECT_EQ(Utf8Prefix(s, 14), "理由：撤");
  EXPECT_EQ(Utf8Prefix(s, 13), "理由：撤");
  EXPECT_EQ(Utf8Prefix(s, 12), "理由：撤");
  EXPECT_EQ(Utf8Prefix(s, 2), "");
  EXPECT_EQ(Utf8Prefix("ab撤", 3), "ab");
  // What the audit log keeps of a long Chinese reason is valid UTF-8 (JSON output accepts it).
  std::string reason;
  for (int i = 0; i < 200; ++i) reason += "撤";
  const std::string clipped(Utf8Prefix(reason, 300));
  EXPECT_EQ(clipped.size(), 300u);
  EXPECT_NO_THROW(nlohmann::json({{"detail", clipped}}).dump());
  EXPECT_THROW(nlohmann::json({{"detail", reason.substr(0, 301)}}).dump(), nlohmann::json::exception);
}

TEST(Text, SanitizingKeepsValidTextAndReplacesEveryBadByte) {
  EXPECT_EQ(Utf8Sanitize("撤回 A𠀀"), "撤回 A𠀀");
  EXPECT_EQ(Utf8Sanitize(std::string("a\xff") + "b"), "a\uFFFDb");
  EXPECT_EQ(Utf8Sanitize(std::string("\xe6\x92")), "\uFFFD\uFFFD");         // a character cut short
  EXPECT_EQ(Utf8Sanitize(std::string("\xc0\xaf")), "\uFFFD\uFFFD");         // overlong '/'
  EXPECT_EQ(Utf8Sanitize(std::string("\xed\xa0\x80")), "\uFFFD\uFFFD\uFFFD");  // a UTF-16 surrogate
  EXPECT_NO_THROW(nlohmann::json({{"x", Utf8Sanitize(std::string("\xff\xfe\x00\x9f"))}}).dump());
}

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
