#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/crypto.hpp"
#include "core/error.hpp"

namespace yiwang::core {
namespace {

/// 32-byte key for sealing tests: SM4 half 00..0f, MAC half 10..1f.
std::string TestKey() {
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(i));
  return key;
}

struct DigestCase {
  std::string input;
  std::string hex;
};

TEST(Sm3, MatchesGbT32905Vectors) {
  const DigestCase cases[] = {
      // GB/T 32905-2016 Appendix A, example 1.
      {"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"},
      // GB/T 32905-2016 Appendix A, example 2: "abcd" repeated 16 times (512 bits).
      {"abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd",
       "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"},
      // SM3 of the empty message, a widely published value.
      {"", "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(Sm3Hex(c.input), c.hex);
    EXPECT_EQ(Sm3Raw(c.input), HexDecode(c.hex));
    EXPECT_EQ(Sm3Raw(c.input).size(), 32u);
  }
}

TEST(Hmac, Sm3MatchesOpensslCommandLine) {
  // Expected values from `openssl dgst -sm3 -hmac KEY`, an independent code path.
  EXPECT_EQ(HmacSm3Hex("key", "The quick brown fox jumps over the lazy dog"),
            "bd4a34077888162b210645b8ebf74b9af357303789357a27c7fc457244ebd398");
  EXPECT_EQ(HmacSm3Hex("", ""), "0d23f72ba15e9c189a879aefc70996b06091de6e64d31b7a84004356dd915261");
}

TEST(Hmac, Sha1MatchesRfc2202) {
  // RFC 2202 test cases 1 and 2.
  EXPECT_EQ(HexEncode(HmacSha1Raw(std::string(20, '\x0b'), "Hi There")), "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_EQ(HexEncode(HmacSha1Raw("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(Random, BytesHaveRequestedLengthAndDiffer) {
  EXPECT_EQ(RandomBytes(0).size(), 0u);
  EXPECT_EQ(RandomBytes(1).size(), 1u);
  EXPECT_EQ(RandomBytes(64).size(), 64u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

TEST(Random, TokenIsUrlSafeUnpaddedAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string token = RandomToken();
    EXPECT_EQ(token.size(), 43u);  // ceil(32 * 4 / 3) without padding
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << token;
    EXPECT_TRUE(seen.insert(token).second);
  }
  EXPECT_EQ(RandomToken(16).size(), 22u);
  EXPECT_EQ(RandomToken(0), "");
}

TEST(Hex, EncodesLowercaseAndRoundTrips) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(HexDecode("0001ABff"), std::string("\x00\x01\xab\xff", 4));
  const std::string all_bytes = [] {
    std::string s;
    for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
    return s;
  }();
  EXPECT_EQ(HexDecode(HexEncode(all_bytes)), all_bytes);
}

TEST(Hex, RejectsBadInput) {
  const char* bad[] = {"0", "abc", "zz", "0g", " 00", "00 ", "0x00"};
  for (const char* input : bad) {
    SCOPED_TRACE(input);
    try {
      HexDecode(input);
      ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    }
  }
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEqual("", ""));
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEqual("", "a"));
  EXPECT_TRUE(ConstantTimeEqual(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEqual(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(Sm4, SealOpenRoundTrips) {
  const std::string key = TestKey();
  const std::string inputs[] = {"", "x", "TOTP secret 0123456789", std::string(1000, 'z'), "身份证号码 11010519491231002X",
                                std::string("\x00\xff\x00", 3)};
  for (const auto& plaintext : inputs) {
    SCOPED_TRACE(plaintext);
    const std::string sealed = Sm4Seal(key, plaintext);
    // hex of iv(16) || ciphertext (same length as plaintext in CTR mode) || tag(32)
    EXPECT_EQ(sealed.size(), 2 * (16 + plaintext.size() + 32));
    EXPECT_EQ(Sm4Open(key, sealed), plaintext);
  }
}

TEST(Sm4, SealUsesFreshIv) {
  const std::string key = TestKey();
  const std::string a = Sm4Seal(key, "same secret");
  const std::string b = Sm4Seal(key, "same secret");
  EXPECT_NE(a, b);
  EXPECT_NE(a.substr(0, 32), b.substr(0, 32));
}

TEST(Sm4, OpenMatchesGbT32907BlockVector) {
  // GB/T 32907-2016 example: SM4 with key 0123456789abcdeffedcba9876543210 encrypts the block
  // 0123456789abcdeffedcba9876543210 to 681edf34d206965e86b3e94f536e4246. In CTR mode the first
  // keystream block is SM4(iv), so with iv = that block and a zero plaintext the ciphertext is the
  // standard's output. The tag is built with HmacSm3Hex, independently of Sm4Seal.
  const std::string sm4_key = HexDecode("0123456789abcdeffedcba9876543210");
  const std::string mac_key = HexDecode("000102030405060708090a0b0c0d0e0f");
  const std::string iv = HexDecode("0123456789abcdeffedcba9876543210");
  const std::string ciphertext = HexDecode("681edf34d206965e86b3e94f536e4246");
  const std::string tag_hex = HmacSm3Hex(mac_key, iv + ciphertext);
  const std::string sealed = HexEncode(iv + ciphertext) + tag_hex;
  EXPECT_EQ(Sm4Open(sm4_key + mac_key, sealed), std::string(16, '\0'));
}

void ExpectIntegrityError(std::string_view key, std::string_view sealed) {
  try {
    Sm4Open(key, sealed);
    ADD_FAILURE() << "expected an integrity error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidInput);
    EXPECT_EQ(e.message(), "数据完整性校验失败");
  }
}

TEST(Sm4, OpenRejectsEveryTamperedByte) {
  const std::string key = TestKey();
  const std::string sealed_hex = Sm4Seal(key, "secret");
  const std::string sealed = HexDecode(sealed_hex);
  // Flip one bit in each byte in turn: IV, ciphertext and tag are all covered.
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    SCOPED_TRACE(i);
    std::string tampered = sealed;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    ExpectIntegrityError(key, HexEncode(tampered));
  }
}

TEST(Sm4, OpenRejectsMalformedInputAndWrongKey) {
  const std::string key = TestKey();
  const std::string sealed = Sm4Seal(key, "secret");
  ExpectIntegrityError(key, "");
  ExpectIntegrityError(key, "zz");
  ExpectIntegrityError(key, sealed.substr(0, sealed.size() - 1));       // odd length
  ExpectIntegrityError(key, sealed.substr(0, sealed.size() - 2));       // truncated tag
  ExpectIntegrityError(key, sealed.substr(0, 2 * (16 + 32) - 2));      // shorter than iv + tag
  ExpectIntegrityError(key, sealed + "00");                              // appended byte
  std::string other_key = key;
  other_key[31] = static_cast<char>(other_key[31] ^ 0x80);
  ExpectIntegrityError(other_key, sealed);
}

TEST(Sm4, RequiresA32ByteKey) {
  for (const std::size_t size : {0u, 16u, 31u, 33u}) {
    SCOPED_TRACE(size);
    const std::string key(size, 'k');
    EXPECT_THROW(Sm4Seal(key, "x"), Error);
    EXPECT_THROW(Sm4Open(key, std::string(96, '0')), Error);
  }
}

TEST(DeriveKey, SeparatesPurposesAndSecrets) {
  const std::string a = DeriveKey("configured secret", "totp-secrets");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, Sm3Raw("totp-secrets:configured secret"));
  EXPECT_EQ(a, DeriveKey("configured secret", "totp-secrets"));
  EXPECT_NE(a, DeriveKey("configured secret", "cookies"));
  EXPECT_NE(a, DeriveKey("another secret", "totp-secrets"));
  // A derived key is directly usable for sealing.
  EXPECT_EQ(Sm4Open(a, Sm4Seal(a, "payload")), "payload");
}

TEST(DeriveKey, RejectsAmbiguousPurpose) {
  EXPECT_THROW(DeriveKey("secret", ""), Error);
  EXPECT_THROW(DeriveKey("secret", "a:b"), Error);
}

}  // namespace
}  // namespace yiwang::core
