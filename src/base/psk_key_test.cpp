#include "base/psk_key.h"

#include <gtest/gtest.h>

namespace lampi {
namespace {

using namespace std::string_literals;

TEST(PskFromHex, DecodesPairsOfDigitsInEitherCase) {
    EXPECT_EQ(psk_from_hex("00DEadbeef"), "\x00\xde\xad\xbe\xef"s);
}

TEST(PskFromHex, OddLengthHasALeadingZeroNibbleAsInMosquitto) {
    EXPECT_EQ(psk_from_hex("abc"), "\x0a\xbc"s);
    EXPECT_EQ(psk_from_hex("00abc"), "\x00\x0a\xbc"s);
}

// mosquitto__hex2bin: one zero byte per leading "00" pair, then BN_hex2bn's shortest form.
TEST(PskFromHex, LeadingZerosAsMosquittoCountsThem) {
    EXPECT_EQ(psk_from_hex("000abc"), "\x00\x0a\xbc"s);
    EXPECT_EQ(psk_from_hex("00012"), "\x00\x12"s);
    EXPECT_EQ(psk_from_hex("0000"), "\x00\x00"s);
    EXPECT_EQ(psk_from_hex("000"), "\x00"s);
    EXPECT_EQ(psk_from_hex("0012"), "\x00\x12"s);
}

TEST(PskFromHex, ZeroDecodesToNoKey) { EXPECT_EQ(psk_from_hex("0"), ""s); }

TEST(PskFromHex, RejectsEmptyAndNonHex) {
    EXPECT_FALSE(psk_from_hex(""));
    EXPECT_FALSE(psk_from_hex("12g4"));
    EXPECT_FALSE(psk_from_hex("0x12"));
    EXPECT_FALSE(is_hex_key("1 2"));
    EXPECT_TRUE(is_hex_key("aB09"));
}

}  // namespace
}  // namespace lampi
