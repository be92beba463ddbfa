#include "auth/authoriser.h"

#include <gtest/gtest.h>

namespace lampi::auth {
namespace {

const std::string kPasswordFixture = std::string(LAMPI_AUTH_TEST_DATA) + "/mosquitto_passwd.txt";

std::optional<PasswordFile> passwords() {
    auto loaded = PasswordFile::load(kPasswordFixture);
    EXPECT_TRUE(loaded.ok());
    return std::move(loaded.value);
}

TEST(Authoriser, WithoutPasswordFileAllowAnonymousDecidesForEveryone) {
    Authoriser open(true, std::nullopt, std::nullopt);
    EXPECT_EQ(open.authenticate(std::nullopt, std::nullopt), AuthResult::Accepted);
    EXPECT_EQ(open.authenticate("anyone", "anything"), AuthResult::Accepted);
    Authoriser closed(false, std::nullopt, std::nullopt);
    EXPECT_EQ(closed.authenticate(std::nullopt, std::nullopt), AuthResult::AnonymousRefused);
    EXPECT_EQ(closed.authenticate("anyone", "anything"), AuthResult::AnonymousRefused);
}

TEST(Authoriser, WithPasswordFileUsernamesMustMatch) {
    for (bool allow_anonymous : {false, true}) {
        Authoriser a(allow_anonymous, passwords(), std::nullopt);
        EXPECT_EQ(a.authenticate("alice", "correct horse"), AuthResult::Accepted);
        EXPECT_EQ(a.authenticate("alice", "wrong"), AuthResult::WrongPassword);
        EXPECT_EQ(a.authenticate("alice", std::nullopt), AuthResult::WrongPassword);
        EXPECT_EQ(a.authenticate("mallory", "x"), AuthResult::UnknownUser);
        EXPECT_EQ(a.authenticate(std::nullopt, std::nullopt),
                  allow_anonymous ? AuthResult::Accepted : AuthResult::AnonymousRefused);
    }
}

TEST(Authoriser, RefusalsAreNotAuthorisedAsInMosquitto2) {
    EXPECT_EQ(connack_code(AuthResult::Accepted, false), 0);
    EXPECT_EQ(connack_code(AuthResult::Accepted, true), 0);
    for (AuthResult r :
         {AuthResult::AnonymousRefused, AuthResult::UnknownUser, AuthResult::WrongPassword}) {
        EXPECT_EQ(connack_code(r, false), 5);
        EXPECT_EQ(connack_code(r, true), 0x87);
    }
}

TEST(Authoriser, WithoutAclFileEverythingIsAllowed) {
    Authoriser a(true, std::nullopt, std::nullopt);
    EXPECT_TRUE(a.authorise({"c", std::nullopt}, "$SYS/x", Access::Read));
    EXPECT_TRUE(a.authorise({"c", "u"}, "a/b", Access::Write));
}

TEST(Authoriser, WithAclFileDelegatesToIt) {
    auto acl = AclFile::load_from_string("user alice\ntopic read a/#\n", "acl");
    ASSERT_TRUE(acl.ok());
    Authoriser a(false, passwords(), std::move(acl.value));
    EXPECT_TRUE(a.authorise({"c", "alice"}, "a/b", Access::Read));
    EXPECT_FALSE(a.authorise({"c", "alice"}, "a/b", Access::Write));
    EXPECT_FALSE(a.authorise({"c", "bob"}, "a/b", Access::Read));
    EXPECT_TRUE(a.authorise({"c", "bob"}, "a/b", Access::Subscribe));
}

TEST(Authoriser, LoadCollectsErrorsFromBothFiles) {
    auto bad = Authoriser::load({false, "/nonexistent/pw", "/nonexistent/acl"});
    EXPECT_EQ(bad.errors.size(), 2u);
    EXPECT_EQ(bad.value, nullptr);
    auto good = Authoriser::load({false, kPasswordFixture, ""});
    ASSERT_TRUE(good.ok());
    ASSERT_NE(good.value, nullptr);
    EXPECT_EQ(good.value->authenticate("carol", "carol-sha512"), AuthResult::Accepted);
    EXPECT_FALSE(good.value->acl_file().has_value());
}

}  // namespace
}  // namespace lampi::auth
