#include "auth/passwd_edit.h"

#include <gtest/gtest.h>

namespace lampi::auth::passwd {
namespace {

// A predictable stand-in for make_password_hash.
const Hasher kFake = [](std::string_view password) { return "H(" + std::string(password) + ")"; };
const Hasher kBroken = [](std::string_view) { return std::string(); };

TEST(PasswdEdit, SetPasswordAppendsANewUser) {
    auto r = set_password("a:x\n", "b", "pw", kFake);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.text, "a:x\nb:H(pw)\n");
    EXPECT_EQ(set_password("", "b", "pw", kFake).text, "b:H(pw)\n");
}

TEST(PasswdEdit, SetPasswordReplacesTheUserAndKeepsOtherLinesByteForByte) {
    auto r = set_password(" a : x \nb:y\r\nc:z", "b", "new", kFake);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.text, " a : x \nb:H(new)\nc:z");
    // Matching is on the trimmed username.
    EXPECT_EQ(set_password("  b  :y\n", "b", "n", kFake).text, "b:H(n)\n");
}

TEST(PasswdEdit, SetPasswordAddsTheMissingNewlineBeforeAppending) {
    EXPECT_EQ(set_password("a:x", "b", "pw", kFake).text, "a:x\nb:H(pw)\n");
}

TEST(PasswdEdit, CorruptLinesFailTheWholeEdit) {
    for (std::string_view text : {"a:x\n\nc:z\n", "a:x\n# comment\n", "a:x\nnocolon\n",
                                  "a:x\nempty:\n", "a:x\n  :pw\n", "a:x\n:::\n"}) {
        auto r = set_password(text, "b", "pw", kFake);
        EXPECT_FALSE(r.ok) << text;
        EXPECT_EQ(r.error, "Error: Corrupt password file at line 2.") << text;
        auto u = upgrade_plaintext(text, kFake);
        EXPECT_EQ(u.error, "Error: Corrupt password file at line 2.") << text;
    }
}

TEST(PasswdEdit, DeleteRemovesTheUser) {
    auto r = delete_user("a:x\nb:y\nc:z\n", "b");
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.text, "a:x\nc:z\n");
}

TEST(PasswdEdit, DeleteOfAnUnknownUserFails) {
    auto r = delete_user("a:x\n", "b");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, "Warning: User b not found in password file.");
    EXPECT_EQ(delete_user("", "b").error, "Warning: User b not found in password file.");
    EXPECT_EQ(delete_user("a:x\n\n", "b").error,
              "Error: Corrupt password file at line 2.\n"
              "Warning: User b not found in password file.");
    EXPECT_EQ(delete_user("b:x\n\n", "b").error, "Error: Corrupt password file at line 2.");
}

TEST(PasswdEdit, UpgradeHashesEveryPlaintextPassword) {
    auto r = upgrade_plaintext("a: one :ignored\n b :two", kFake);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.text, "a:H(one)\nb:H(two)\n");
}

TEST(PasswdEdit, UpgradeOfAnEmptyFileFailsSilentlyLikeMosquitto) {
    auto r = upgrade_plaintext("", kFake);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, "");
}

TEST(PasswdEdit, HashFailuresAreReported) {
    EXPECT_EQ(set_password("", "b", "pw", kBroken).error, "Error: Unable to hash password.");
    EXPECT_EQ(upgrade_plaintext("a:b\n", kBroken).error, "Error: Unable to hash password.");
}

}  // namespace
}  // namespace lampi::auth::passwd
