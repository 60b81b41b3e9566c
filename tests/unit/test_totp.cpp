#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "identity/totp.hpp"

namespace yiwang::identity {
namespace {

/// RFC 6238 Appendix B's SHA1 seed.
constexpr std::string_view kRfcSecret = "12345678901234567890";

TEST(Base32, MatchesRfc4648Vectors) {
  // RFC 4648 section 10, without the '=' padding.
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},           {"f", "MY"},           {"fo", "MZXQ"},          {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"}, {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI"},
  };
  for (const auto& [raw, encoded] : cases) {
    SCOPED_TRACE(raw);
    EXPECT_EQ(Base32Encode(raw), encoded);
    EXPECT_EQ(Base32Decode(encoded), raw);
  }
  EXPECT_EQ(Base32Encode(kRfcSecret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST(Base32, DecodeIsLenientAboutCaseSpacesAndPadding) {
  EXPECT_EQ(Base32Decode("mzxw6ytboi"), "foobar");
  EXPECT_EQ(Base32Decode("MZXW 6YTB OI"), "foobar");
  EXPECT_EQ(Base32Decode("MZXW6YQ="), "foob");
  EXPECT_EQ(Base32Decode("MY======"), "f");
  EXPECT_EQ(Base32Decode("   "), "");
}

TEST(Base32, DecodeRejectsBadCharacters) {
  const char* bad[] = {"MZXW1", "MZXW0", "MZXW8", "MZ-XW", "MZ=XW", "MZXW6\n", "密钥"};
  for (const char* input : bad) {
    SCOPED_TRACE(input);
    try {
      Base32Decode(input);
      ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    }
  }
}

TEST(Base32, RoundTripsArbitraryBytes) {
  std::string raw;
  for (int i = 0; i < 256; ++i) {
    raw.push_back(static_cast<char>(i));
    EXPECT_EQ(Base32Decode(Base32Encode(raw)), raw) << i;
  }
}

TEST(Totp, MatchesRfc6238Sha1Vectors) {
  // RFC 6238 Appendix B gives 8 digits; the 6-digit code is the last 6 (mod 10^6).
  const std::pair<std::int64_t, std::string> cases[] = {
      {59, "287082"},          // 94287082
      {1111111109, "081804"},  // 07081804
      {1111111111, "050471"},  // 14050471
      {1234567890, "005924"},  // 89005924
      {2000000000, "279037"},  // 69279037
      {20000000000, "353130"}, // 65353130
  };
  for (const auto& [t, code] : cases) {
    SCOPED_TRACE(t);
    EXPECT_EQ(TotpCode(kRfcSecret, t), code);
  }
}

TEST(Totp, CodeIsConstantWithinAStep) {
  EXPECT_EQ(TotpCode(kRfcSecret, 30), TotpCode(kRfcSecret, 59));
  EXPECT_NE(TotpCode(kRfcSecret, 59), TotpCode(kRfcSecret, 60));
}

TEST(Totp, VerifyReturnsMatchedStep) {
  const std::int64_t now = 1234567890;  // step 41152263
  const std::int64_t step = now / 30;
  EXPECT_EQ(TotpVerify(kRfcSecret, "005924", now), step);
  EXPECT_EQ(TotpVerify(kRfcSecret, "005 924", now), step);
  // Previous and next step accepted with the default window of 1 ...
  EXPECT_EQ(TotpVerify(kRfcSecret, TotpCode(kRfcSecret, now - 30), now), step - 1);
  EXPECT_EQ(TotpVerify(kRfcSecret, TotpCode(kRfcSecret, now + 30), now), step + 1);
  // ... but not two steps away, and not at all with window 0.
  EXPECT_EQ(TotpVerify(kRfcSecret, TotpCode(kRfcSecret, now - 60), now), std::nullopt);
  EXPECT_EQ(TotpVerify(kRfcSecret, TotpCode(kRfcSecret, now + 60), now), std::nullopt);
  EXPECT_EQ(TotpVerify(kRfcSecret, TotpCode(kRfcSecret, now - 30), now, 0), std::nullopt);
  EXPECT_EQ(TotpVerify(kRfcSecret, TotpCode(kRfcSecret, now - 60), now, 2), step - 2);
}

TEST(Totp, VerifyRejectsWrongAndMalformedCodes) {
  const std::int64_t now = 1234567890;
  const char* bad[] = {"005925", "", "05924", "0059240", "00592a", "-05924", "94287082", "８８８８８８"};
  for (const char* code : bad) {
    SCOPED_TRACE(code);
    EXPECT_EQ(TotpVerify(kRfcSecret, code, now), std::nullopt);
  }
  EXPECT_EQ(TotpVerify("another secret of 20b", "005924", now), std::nullopt);
}

TEST(Totp, VerifyRefusesReplay) {
  const std::int64_t now = 1234567890;
  const std::int64_t step = now / 30;
  const auto first = TotpVerify(kRfcSecret, "005924", now, 1, -1);
  ASSERT_EQ(first, step);
  // The same code again, with the stored step, is refused ...
  EXPECT_EQ(TotpVerify(kRfcSecret, "005924", now, 1, *first), std::nullopt);
  EXPECT_EQ(TotpVerify(kRfcSecret, "005924", now + 10, 1, *first), std::nullopt);
  // ... as is an older code still inside the window.
  EXPECT_EQ(TotpVerify(kRfcSecret, TotpCode(kRfcSecret, now - 30), now, 1, *first), std::nullopt);
  // The next step's code is still accepted.
  EXPECT_EQ(TotpVerify(kRfcSecret, TotpCode(kRfcSecret, now + 30), now + 30, 1, *first), step + 1);
  // A code for a step before the stored one is refused even if the clock says it is current.
  EXPECT_EQ(TotpVerify(kRfcSecret, "005924", now, 1, step + 1), std::nullopt);
}

TEST(Totp, UriPercentEncodesUtf8) {
  EXPECT_EQ(TotpUri("一网通办", "zhang san@x", kRfcSecret),
            "otpauth://totp/%E4%B8%80%E7%BD%91%E9%80%9A%E5%8A%9E:zhang%20san%40x"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=%E4%B8%80%E7%BD%91%E9%80%9A%E5%8A%9E"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(TotpUri("Yiwang", "a:b&c=d", "foobar"),
            "otpauth://totp/Yiwang:a%3Ab%26c%3Dd?secret=MZXW6YTBOI&issuer=Yiwang&algorithm=SHA1&digits=6&period=30");
}

TEST(Totp, NewSecretIs20RandomBytesThatWork) {
  const std::string a = NewTotpSecret();
  const std::string b = NewTotpSecret();
  EXPECT_EQ(a.size(), 20u);
  EXPECT_NE(a, b);
  EXPECT_EQ(Base32Encode(a).size(), 32u);
  const std::int64_t now = 1700000000;
  EXPECT_EQ(TotpVerify(a, TotpCode(a, now), now), now / 30);
  EXPECT_EQ(TotpVerify(Base32Decode(Base32Encode(a)), TotpCode(a, now), now), now / 30);
}

}  // namespace
}  // namespace yiwang::identity
