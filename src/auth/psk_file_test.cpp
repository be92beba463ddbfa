#include "auth/psk_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lampi::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(PskFile, ReadsIdentityColonHexKeyLines) {
    auto r = PskFile::load_from_string("# keys\nlamp1:0a1B2c\n  lamp2 :\tdeadbeef \r\n", "p");
    ASSERT_TRUE(r.ok());
    EXPECT_THAT(r.warnings, IsEmpty());
    EXPECT_EQ(r.value.size(), 2u);
    EXPECT_EQ(r.value.key("lamp1"), "0a1B2c");
    EXPECT_EQ(r.value.key("lamp2"), "deadbeef");
    EXPECT_EQ(r.value.key("lamp3"), std::nullopt);
}

TEST(PskFile, KeyEndsAtTheNextColon) {
    auto r = PskFile::load_from_string("id:abcd:ignored\n", "p");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value.key("id"), "abcd");
}

TEST(PskFile, FirstLineOfAnIdentityWins) {
    auto r = PskFile::load_from_string("id:1111\nid:2222\n", "p");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value.key("id"), "1111");
}

TEST(PskFile, NonHexKeyIsAnErrorWithFileAndLineButNotTheKey) {
    auto r = PskFile::load_from_string("a:00\nb:secretzz\n", "/etc/psk");
    EXPECT_THAT(r.errors, ElementsAre("/etc/psk:2: psk for identity \"b\" contains "
                                      "non-hexadecimal characters"));
}

TEST(PskFile, LinesWithoutKeyOrColonAreSkippedWithWarnings) {
    auto r = PskFile::load_from_string("nocolon\nid:\n\nok:ab\n", "p");
    ASSERT_TRUE(r.ok());
    EXPECT_THAT(r.warnings, ElementsAre("p:1: no ':' in line, ignored",
                                        "p:2: missing key for identity id, entry ignored"));
    EXPECT_EQ(r.value.size(), 1u);
}

TEST(PskFile, BlankKeyIsKeptAndWarned) {
    auto r = PskFile::load_from_string("id: \n", "p");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value.key("id"), "");
    EXPECT_EQ(r.warnings.size(), 1u);
}

TEST(PskFile, MissingFileIsAnError) {
    auto r = PskFile::load("/nonexistent/psk");
    EXPECT_THAT(r.errors, ElementsAre("/nonexistent/psk: cannot open: No such file or directory"));
}

}  // namespace
}  // namespace lampi::auth
