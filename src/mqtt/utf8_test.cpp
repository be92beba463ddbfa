// UTF-8 as MQTT requires it (spec 1.5.4).
#include <gtest/gtest.h>

#include <string>

#include "mqtt/codec.h"

namespace lampi::mqtt {
namespace {

TEST(Utf8, AcceptsAsciiAndMultiByteCharacters) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("sensors/kitchen/temperature"));
    EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9"));       // U+00E9
    EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));      // U+20AC
    EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x92\xA1"));  // U+1F4A1
    EXPECT_TRUE(is_valid_utf8("\xEF\xBB\xBF"));      // U+FEFF is allowed
    EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last
}

TEST(Utf8, RejectsNullCharacter) {
    EXPECT_FALSE(is_valid_utf8(std::string("a\0b", 3)));
    EXPECT_FALSE(is_valid_utf8("\xC0\x80"));  // overlong U+0000
}

TEST(Utf8, RejectsSurrogates) {
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // U+D800
    EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));  // U+DFFF
    EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));   // U+D7FF
}

TEST(Utf8, RejectsOverlongEncodings) {
    EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));          // U+007F in two bytes
    EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // U+07FF in three bytes
    EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
}

TEST(Utf8, RejectsCodePointsAboveU10FFFF) {
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));
}

TEST(Utf8, RejectsTruncatedAndStrayBytes) {
    EXPECT_FALSE(is_valid_utf8("\xC3"));
    EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
    EXPECT_FALSE(is_valid_utf8("\x80"));
    EXPECT_FALSE(is_valid_utf8("a\xC3(b"));
    EXPECT_FALSE(is_valid_utf8("\xFF"));
}

}  // namespace
}  // namespace lampi::mqtt
