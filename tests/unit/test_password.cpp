#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "core/error.hpp"
#include "identity/password.hpp"

namespace yiwang::identity {
namespace {

constexpr char kTooShort[] = "密码至少需要8个字符";
constexpr char kTooLong[] = "密码不能超过128个字符";
constexpr char kClasses[] = "密码须包含大写字母、小写字母、数字、符号中的至少三类";
constexpr char kUsername[] = "密码不能与用户名相同或包含用户名";
constexpr char kCommon[] = "该密码过于常见，请换一个";

/// The Chinese message CheckPassword rejected with (checked to be the same at the top and
/// under `field`), or nullopt if it accepted the password.
std::optional<std::string> Rejection(PasswordProfile profile, std::string_view password,
                                     std::string_view username = {}, std::string_view field = "password") {
  try {
    CheckPassword(PolicyFor(profile), password, username, field);
    return std::nullopt;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_EQ(e.fields().size(), 1u);
    const auto it = e.fields().find(std::string(field));
    if (it == e.fields().end()) {
      ADD_FAILURE() << "no message under field " << field;
      return e.message();
    }
    EXPECT_EQ(it->second, e.message());
    return e.message();
  }
}

TEST(PasswordHash, HashVerifyAndWrongPassword) {
  const std::string hash = HashPassword("correct horse battery staple");
  EXPECT_TRUE(hash.starts_with("$argon2id$v=19$")) << hash;
  EXPECT_TRUE(VerifyPassword(hash, "correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(hash, "correct horse battery stapl"));
  EXPECT_FALSE(VerifyPassword(hash, "Correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(hash, ""));
  EXPECT_FALSE(PasswordNeedsRehash(hash));
}

TEST(PasswordHash, SaltedAndUtf8Safe) {
  const std::string a = HashPassword("密码是一网通办2024");
  const std::string b = HashPassword("密码是一网通办2024");
  EXPECT_NE(a, b);
  EXPECT_TRUE(VerifyPassword(a, "密码是一网通办2024"));
  EXPECT_TRUE(VerifyPassword(b, "密码是一网通办2024"));
  EXPECT_FALSE(VerifyPassword(a, "密码是一网通办2025"));
}

TEST(PasswordHash, GarbageHashesNeverVerifyAndNeedRehash) {
  const std::string garbage[] = {"", "password", "$argon2id$", "$2y$10$abcdefghijklmnopqrstuv",
                                 std::string(200, 'a')};
  for (const auto& hash : garbage) {
    SCOPED_TRACE(hash);
    EXPECT_FALSE(VerifyPassword(hash, "password"));
    EXPECT_TRUE(PasswordNeedsRehash(hash));
  }
}

TEST(PasswordHash, WeakerParametersNeedRehash) {
  // A valid Argon2id hash with fewer passes (t=1) than INTERACTIVE uses.
  std::string weaker = HashPassword("some password");
  const auto pos = weaker.find(",t=");
  ASSERT_NE(pos, std::string::npos) << weaker;
  weaker[pos + 3] = '1';
  EXPECT_TRUE(PasswordNeedsRehash(weaker));
}

TEST(PasswordProfileParse, AcceptsOnlyKnownNames) {
  EXPECT_EQ(ParsePasswordProfile("asvs"), PasswordProfile::kAsvs);
  EXPECT_EQ(ParsePasswordProfile("dengbao"), PasswordProfile::kDengbao);
  for (const char* bad : {"", "ASVS ", "dengbao2", "等保", "none"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(ParsePasswordProfile(bad), Error);
  }
}

TEST(PasswordPolicy, Profiles) {
  const PasswordPolicy asvs = PolicyFor(PasswordProfile::kAsvs);
  EXPECT_EQ(asvs.profile, PasswordProfile::kAsvs);
  EXPECT_EQ(asvs.min_length, 8);
  EXPECT_EQ(asvs.max_length, 128);
  EXPECT_FALSE(asvs.require_classes);
  EXPECT_EQ(asvs.max_age_days, 0);
  const PasswordPolicy dengbao = PolicyFor(PasswordProfile::kDengbao);
  EXPECT_EQ(dengbao.profile, PasswordProfile::kDengbao);
  EXPECT_EQ(dengbao.min_length, 8);
  EXPECT_TRUE(dengbao.require_classes);
  EXPECT_EQ(dengbao.max_age_days, 90);
}

struct PolicyCase {
  std::string password;
  std::string username;
  std::optional<std::string> asvs;     // expected rejection under ASVS, or accepted
  std::optional<std::string> dengbao;  // expected rejection under 等保, or accepted
};

TEST(CheckPassword, TableForBothProfiles) {
  const std::optional<std::string> ok;
  const PolicyCase cases[] = {
      {"", "", kTooShort, kTooShort},
      {"Ab1!xyz", "", kTooShort, kTooShort},                  // 7 characters
      {"一网通办好", "", kTooShort, kTooShort},                  // 5 code points, 15 bytes
      {"一网通办一网通办", "", ok, kClasses},                     // 8 code points; 等保: 1 class
      {"correct horse battery staple", "", ok, kClasses},    // passphrase: ASVS fine, 等保 1 class
      {"tr0ub4dor&3", "", ok, ok},                             // lower, digit, symbol
      {"Tr0ub4dor", "", ok, ok},                               // upper, lower, digit
      {"TROUB4DOR!", "", ok, ok},                              // upper, digit, symbol
      {"troubadorx", "", ok, kClasses},                        // lower only
      {"troubador1", "", ok, kClasses},                        // two classes
      {"TROUBADOR!", "", ok, kClasses},                        // two classes
      {std::string(128, 'a') + "", "", ok, kClasses},          // exactly the maximum
      {std::string(129, 'a'), "", kTooLong, kTooLong},
      {"zhangwei2024", "zhangwei2024", kUsername, kClasses},   // 等保 checks classes first
      {"Zhangwei2024!", "zhangwei2024!", kUsername, kUsername},
      {"My-zhangwei-9", "ZhangWei", kUsername, kUsername},     // contains, case-insensitive
      {"ab-Strong-9x", "ab", ok, ok},                          // 2-char username: equality only
      {"ab", "ab", kTooShort, kTooShort},
      {"password", "", kCommon, kClasses},
      {"PASSWORD", "", kCommon, kClasses},
      {"12345678", "", kCommon, kClasses},
      {"woaini1314", "", kCommon, kClasses},
      {"qq5201314", "", kCommon, kClasses},
      {"1qaz2wsx", "", kCommon, kClasses},
      {"P@ssw0rd", "", kCommon, kCommon},                      // passes 等保 classes, still common
      {"Admin@123", "", kCommon, kCommon},
      {"Aa123456.", "", kCommon, kCommon},
      {"123456", "", kTooShort, kTooShort},                    // common, but length reported first
  };
  for (const auto& c : cases) {
    SCOPED_TRACE("password=" + c.password + " username=" + c.username);
    EXPECT_EQ(Rejection(PasswordProfile::kAsvs, c.password, c.username), c.asvs) << "asvs";
    EXPECT_EQ(Rejection(PasswordProfile::kDengbao, c.password, c.username), c.dengbao) << "dengbao";
  }
}

TEST(CheckPassword, ReportsUnderTheGivenField) {
  EXPECT_EQ(Rejection(PasswordProfile::kAsvs, "short", "", "new_password"), kTooShort);
  EXPECT_EQ(Rejection(PasswordProfile::kDengbao, "onlylowercase", "", "confirm"), kClasses);
}

TEST(CheckPassword, MessagesFollowConfiguredLengths) {
  PasswordPolicy policy = PolicyFor(PasswordProfile::kAsvs);
  policy.min_length = 12;
  policy.max_length = 64;
  try {
    CheckPassword(policy, "elevenchars");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "密码至少需要12个字符");
    EXPECT_EQ(e.fields().at("password"), "密码至少需要12个字符");
  }
  try {
    CheckPassword(policy, std::string(65, 'q'));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "密码不能超过64个字符");
  }
}

TEST(PasswordExpired, OnlyUnderDengbao) {
  constexpr std::int64_t kDay = 24LL * 60 * 60 * 1000;
  const std::int64_t changed = 1700000000000;
  const PasswordPolicy asvs = PolicyFor(PasswordProfile::kAsvs);
  const PasswordPolicy dengbao = PolicyFor(PasswordProfile::kDengbao);
  EXPECT_FALSE(PasswordExpired(asvs, changed, changed + 3650 * kDay));
  EXPECT_FALSE(PasswordExpired(dengbao, changed, changed));
  EXPECT_FALSE(PasswordExpired(dengbao, changed, changed + 90 * kDay - 1));
  EXPECT_TRUE(PasswordExpired(dengbao, changed, changed + 90 * kDay));
  EXPECT_TRUE(PasswordExpired(dengbao, changed, changed + 365 * kDay));
}

}  // namespace
}  // namespace yiwang::identity
