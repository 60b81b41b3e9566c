#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "identity/checkdigit.hpp"

namespace yiwang::identity {
namespace {

struct Sample {
  std::string value;
  bool valid;
  const char* why;
};

// Resident identity numbers (GB 11643-1999).
//
// 11010519491231002X is the standard's own example. By hand:
//   digits   1 1  0 1 0 5 1 9 4 9 1 2  3 1 0 0 2
//   weights  7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
//   products 7 9  0 5 0 20 2 9 24 27 7 18 30 5 0 0 4 = 167; 167 mod 11 = 2 -> 'X'
// 110101199003070011, derived by hand:
//   digits   1 1  0 1 0 1 1 9 9 0 0 3  0 7 0 0 1
//   products 7 9  0 5 0 4 2 9 54 0 0 27 0 35 0 0 2 = 154; 154 mod 11 = 0 -> '1'
// 110101200002290018 (a leap day), derived by hand:
//   digits   1 1  0 1 0 1 2 0 0 0 0 2  2  9 0 0 1
//   products 7 9  0 5 0 4 4 0 0 0 0 18 20 45 0 0 2 = 114; 114 mod 11 = 4 -> '8'
// The bad-date and first-digit samples below carry their correct check character (from
// ResidentIdCheckChar), so only the rule named in the comment can reject them.
TEST(ResidentId, ValidAndInvalidSamples) {
  const Sample samples[] = {
      {"11010519491231002X", true, "GB 11643-1999 example"},
      {"11010519491231002x", true, "lowercase x accepted"},
      {"110101199003070011", true, "hand-computed, check 1"},
      {"110101200002290018", true, "hand-computed, leap day 2000-02-29"},
      {"110105194912310021", false, "wrong check character"},
      {"110105194912310029", false, "wrong check character"},
      {"110101199003070012", false, "wrong check character"},
      {"11010519491231002", false, "17 characters"},
      {"11010519491231002X1", false, "19 characters"},
      {"", false, "empty"},
      {"1101051949123100XX", false, "X before the last position"},
      {"11010519491231002Y", false, "check character not 0-9/X"},
      {"A1010519491231002X", false, "letter in the body"},
      {"010105194912310026", false, "first digit 0"},
      {"110101190002290011", false, "1900-02-29 does not exist"},
      {"110101199002300014", false, "February 30"},
      {"110101199013010012", false, "month 13"},
      {"110101199000010013", false, "month 00"},
      {"11010119900100001X", false, "day 00"},
      {"11010118991231001X", false, "year before 1900"},
      {"11010519491231002X ", false, "trailing space"},
  };
  for (const auto& s : samples) {
    SCOPED_TRACE(s.value + " (" + s.why + ")");
    EXPECT_EQ(IsValidResidentId(s.value), s.valid);
  }
}

TEST(ResidentId, DateRulesAreCheckedIndependentlyOfTheCheckChar) {
  // Give each bad-date body its correct check character, so only the date can fail.
  const std::string bad_date_bodies[] = {"11010119000229001", "11010119900230001", "11010119901301001",
                                         "11010118991231001", "11010121000101001", "11010120230229001"};
  for (const auto& body : bad_date_bodies) {
    SCOPED_TRACE(body);
    EXPECT_FALSE(IsValidResidentId(body + ResidentIdCheckChar(body)));
  }
  const std::string good_date_bodies[] = {"11010120000229001", "11010119000101001", "11010120991231001",
                                          "11010120240229001", "11010119991130001"};
  for (const auto& body : good_date_bodies) {
    SCOPED_TRACE(body);
    EXPECT_TRUE(IsValidResidentId(body + ResidentIdCheckChar(body)));
  }
}

TEST(ResidentId, CheckChar) {
  EXPECT_EQ(ResidentIdCheckChar("11010519491231002"), 'X');
  EXPECT_EQ(ResidentIdCheckChar("11010119900307001"), '1');
  EXPECT_EQ(ResidentIdCheckChar("11010120000229001"), '8');  // 114 mod 11 = 4 -> "10X98765432"[4]
  EXPECT_EQ(ResidentIdCheckChar("00000000000000000"), '1');  // sum 0 -> '1'
  EXPECT_THROW(ResidentIdCheckChar("1101051949123100"), Error);
  EXPECT_THROW(ResidentIdCheckChar("11010519491231002X"), Error);
  EXPECT_THROW(ResidentIdCheckChar("1101051949123100X"), Error);
}

// Unified social credit codes (GB 32100-2015). Charset values: 0-9 -> 0-9, A=10 B=11 C=12
// D=13 E=14 F=15 G=16 H=17 J=18 K=19 L=20 M=21 N=22 P=23 Q=24 R=25 T=26 U=27 W=28 X=29 Y=30.
// Weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28.
//
// 91350100M000100Y43, the commonly cited sample:
//   values   9 1 3  5   0  1 0 0 21  0 0 0 1 0 0 30  4
//   products 9 3 27 135 0 26 0 0 420 0 0 0 8 0 0 900 112 = 1640; 1640 mod 31 = 28; 31-28 = 3 -> '3'
// 91110108MA01ABCD2H, derived by hand:
//   values   9 1 1 1  0  1 0 8   21  10  0 1  10  11  12  13  2
//   products 9 3 9 27 0 26 0 136 420 290 0 13 80 264 120 390 56 = 1843; 1843 mod 31 = 14;
//   31-14 = 17 -> 'H'
// 121000004000000010, derived by hand to exercise 31 -> 0:
//   products 1 6 9 0 0 0 0 0 80 0 0 0 0 0 0 0 28 = 124 = 4*31; 31-0 = 31 -> 0 -> '0'
TEST(Uscc, ValidAndInvalidSamples) {
  const Sample samples[] = {
      {"91350100M000100Y43", true, "commonly cited sample"},
      {"91350100m000100y43", true, "lowercase accepted"},
      {"91110108MA01ABCD2H", true, "hand-computed"},
      {"91110108ma01abcd2h", true, "hand-computed, lowercase"},
      {"121000004000000010", true, "hand-computed, check 31 -> 0"},
      {"91350100M000100Y44", false, "wrong check character"},
      {"91350100M000100Y4Y", false, "wrong check character"},
      {"91110108MA01ABCD2G", false, "wrong check character"},
      {"121000004000000011", false, "wrong check character"},
      {"91350100M000100Y4", false, "17 characters"},
      {"91350100M000100Y433", false, "19 characters"},
      {"", false, "empty"},
      {"91350100I000100Y43", false, "I is not in the charset"},
      {"91350100O000100Y43", false, "O is not in the charset"},
      {"91350100Z000100Y43", false, "Z is not in the charset"},
      {"91350100S000100Y43", false, "S is not in the charset"},
      {"91350100V000100Y43", false, "V is not in the charset"},
      {"91350100M000100Y4-", false, "punctuation"},
      {"913A0100M000100Y43", false, "letter in the division code"},
      {"91350100M000100Y43 ", false, "trailing space"},
  };
  for (const auto& s : samples) {
    SCOPED_TRACE(s.value + " (" + s.why + ")");
    EXPECT_EQ(IsValidUscc(s.value), s.valid);
  }
}

TEST(Uscc, DivisionCodeMustBeDigitsEvenWithCorrectCheckChar) {
  const std::string body = "91AB0100M000100Y4";
  EXPECT_FALSE(IsValidUscc(body + UsccCheckChar(body)));
  const std::string ok_body = "91440300MA5DABCDE";
  EXPECT_TRUE(IsValidUscc(ok_body + UsccCheckChar(ok_body)));
}

TEST(Uscc, CheckChar) {
  EXPECT_EQ(UsccCheckChar("91350100M000100Y4"), '3');
  EXPECT_EQ(UsccCheckChar("91110108MA01ABCD2"), 'H');
  EXPECT_EQ(UsccCheckChar("91110108ma01abcd2"), 'H');
  EXPECT_EQ(UsccCheckChar("12100000400000001"), '0');
  EXPECT_THROW(UsccCheckChar("91350100M000100Y"), Error);
  EXPECT_THROW(UsccCheckChar("91350100M000100YI"), Error);
}

TEST(Mobile, ValidAndInvalidSamples) {
  const Sample samples[] = {
      {"13800138000", true, "13x"},      {"15912345678", true, "15x"},     {"19912345678", true, "19x"},
      {"16612345678", true, "16x"},      {"17012345678", true, "17x"},     {"12812345678", false, "12x"},
      {"10012345678", false, "10x"},     {"23800138000", false, "not 1"},  {"1380013800", false, "10 digits"},
      {"138001380000", false, "12 digits"}, {"1380013800a", false, "letter"}, {"+8613800138000", false, "prefix"},
      {"", false, "empty"},              {"138 0013 800", false, "spaces"},
  };
  for (const auto& s : samples) {
    SCOPED_TRACE(s.value + " (" + s.why + ")");
    EXPECT_EQ(IsValidMobile(s.value), s.valid);
  }
}

TEST(Mask, Name) {
  const std::pair<std::string, std::string> cases[] = {
      {"张三", "张*"},   {"张三丰", "张*丰"}, {"欧阳小明", "欧**明"}, {"王", "*"},
      {"", ""},          {"Li", "L*"},        {"Tom", "T*m"},        {"阿卜杜热合曼", "阿****曼"},
  };
  for (const auto& [input, expected] : cases) {
    SCOPED_TRACE(input);
    EXPECT_EQ(MaskName(input), expected);
  }
}

TEST(Mask, IdNumber) {
  EXPECT_EQ(MaskIdNumber("11010519491231002X"), "110105********002X");
  EXPECT_EQ(MaskIdNumber("91350100M000100Y43"), "913501********0Y43");
  EXPECT_EQ(MaskIdNumber("12345678901"), "123456*8901");
  EXPECT_EQ(MaskIdNumber("1234567890"), "**********");
  EXPECT_EQ(MaskIdNumber(""), "");
}

}  // namespace
}  // namespace yiwang::identity
