#include "auth/password_file.h"

#include <gtest/gtest.h>

#include "auth/password_hash.h"

namespace lampi::auth {
namespace {

// tests/data/auth/mosquitto_passwd.txt was written by Debian's mosquitto_passwd 2.0.11:
//   mosquitto_passwd -c -b f alice 'correct horse'
//   mosquitto_passwd -b f bob 'b0b:with colon?'
//   mosquitto_passwd -H sha512 -b f carol 'carol-sha512'
//   mosquitto_passwd -I 1000 -b f dave 'dave 1000 iterations'
const std::string kFixture = std::string(LAMPI_AUTH_TEST_DATA) + "/mosquitto_passwd.txt";

const std::string kHash =  // "pass"
    "$7$101$/p9w2Tn2wnn5R6H7$6XQW6MgbMvqf3AHrzzUw3esTM+K6ndJWkUnoYackobgD2FzdiTYd5pm/"
    "Z5LBeFh163xaAMl3mhC2YN5GNNi0Lw==";

TEST(PasswordFile, AcceptsAFileWrittenByMosquittoPasswd) {
    auto loaded = PasswordFile::load(kFixture);
    ASSERT_TRUE(loaded.ok()) << loaded.errors[0];
    EXPECT_TRUE(loaded.warnings.empty());
    const PasswordFile& f = loaded.value;
    EXPECT_EQ(f.size(), 4u);
    EXPECT_TRUE(f.check("alice", "correct horse"));
    EXPECT_TRUE(f.check("bob", "b0b:with colon?"));
    EXPECT_TRUE(f.check("carol", "carol-sha512"));
    EXPECT_TRUE(f.check("dave", "dave 1000 iterations"));
}

TEST(PasswordFile, RefusesWrongPasswordsAndUnknownUsers) {
    auto loaded = PasswordFile::load(kFixture);
    ASSERT_TRUE(loaded.ok());
    const PasswordFile& f = loaded.value;
    EXPECT_FALSE(f.check("alice", "correct horse "));
    EXPECT_FALSE(f.check("alice", ""));
    EXPECT_FALSE(f.check("bob", "b0b"));
    EXPECT_FALSE(f.check("carol", "carol-sha512x"));
    EXPECT_FALSE(f.check("mallory", "correct horse"));
    EXPECT_FALSE(f.check("Alice", "correct horse"));
    EXPECT_TRUE(f.has_user("alice"));
    EXPECT_FALSE(f.has_user("mallory"));
}

TEST(PasswordFile, ReportsAMissingFileAsAnError) {
    auto loaded = PasswordFile::load("/nonexistent/dir/passwd");
    ASSERT_EQ(loaded.errors.size(), 1u);
    EXPECT_EQ(loaded.errors[0].rfind("/nonexistent/dir/passwd: cannot open", 0), 0u);
}

TEST(PasswordFile, IgnoresCommentsBlankLinesAndTrimsBlanks) {
    auto loaded = PasswordFile::load_from_string(
        "# a comment:with a colon\n\n  user  :  " + kHash + "  \r\n", "pw");
    ASSERT_TRUE(loaded.ok());
    EXPECT_TRUE(loaded.warnings.empty());
    EXPECT_TRUE(loaded.value.check("user", "pass"));
}

TEST(PasswordFile, SkipsMalformedEntriesWithFileAndLineWarnings) {
    auto loaded = PasswordFile::load_from_string("good:" + kHash +
                                                     "\n"                              // 1
                                                     "no colon here\n"                 // 2
                                                     "empty:\n"                        // 3
                                                     "plain:secret\n"                  // 4
                                                     "short:$7$101$Zm9v$Zm9v\n"        // 5
                                                     "iter:$7$0$/p9w2Tn2wnn5R6H7$x\n"  // 6
                                                     "last:" +
                                                     kHash,  // 7, no newline
                                                 "passwd.txt");
    ASSERT_TRUE(loaded.ok());
    ASSERT_EQ(loaded.warnings.size(), 5u);
    EXPECT_EQ(loaded.warnings[0], "passwd.txt:2: no ':' in line, ignored");
    EXPECT_EQ(loaded.warnings[1],
              "passwd.txt:3: missing password hash for user empty, entry ignored");
    EXPECT_EQ(loaded.warnings[2],
              "passwd.txt:4: invalid password hash type for user plain, entry ignored");
    EXPECT_EQ(loaded.warnings[3],
              "passwd.txt:5: unable to decode password salt for user short, entry ignored");
    EXPECT_EQ(loaded.warnings[4],
              "passwd.txt:6: invalid hash iterations for user iter, entry ignored");
    for (const auto& w : loaded.warnings) {
        EXPECT_EQ(w.find("secret"), std::string::npos) << "never show passwords: " << w;
    }
    EXPECT_EQ(loaded.value.size(), 2u);
    EXPECT_TRUE(loaded.value.check("good", "pass"));
    EXPECT_TRUE(loaded.value.check("last", "pass"));
    EXPECT_FALSE(loaded.value.has_user("plain"));
}

TEST(PasswordFile, LastValidLineWinsForADuplicateUser) {
    std::string other = make_password_hash("other");
    auto loaded =
        PasswordFile::load_from_string("dup:" + kHash + "\ndup:" + other + "\ndup:broken\n", "pw");
    ASSERT_TRUE(loaded.ok());
    EXPECT_FALSE(loaded.value.check("dup", "pass"));
    EXPECT_TRUE(loaded.value.check("dup", "other"));
}

TEST(PasswordFile, HashEndsAtTheNextColon) {
    auto loaded = PasswordFile::load_from_string("u:" + kHash + ":trailing junk\n", "pw");
    ASSERT_TRUE(loaded.ok());
    EXPECT_TRUE(loaded.value.check("u", "pass"));
}

}  // namespace
}  // namespace lampi::auth
