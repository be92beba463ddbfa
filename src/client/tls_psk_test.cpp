#include "client/tls_psk.h"

#include <gtest/gtest.h>

namespace lampi::client {
namespace {

TEST(PskFromHex, DecodesPairsOfDigitsInEitherCase) {
    EXPECT_EQ(psk_from_hex("00DEadbeef"), std::string("\x00\xde\xad\xbe\xef", 5));
}

TEST(PskFromHex, OddLengthHasALeadingZeroNibbleAsInMosquitto) {
    EXPECT_EQ(psk_from_hex("abc"), std::string("\x0a\xbc", 2));
}

TEST(PskFromHex, RejectsEmptyAndNonHex) {
    EXPECT_FALSE(psk_from_hex(""));
    EXPECT_FALSE(psk_from_hex("12g4"));
    EXPECT_FALSE(psk_from_hex("0x12"));
}

}  // namespace
}  // namespace lampi::client
