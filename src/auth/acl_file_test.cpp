#include "auth/acl_file.h"

#include <gtest/gtest.h>

#include <vector>

namespace lampi::auth {
namespace {

constexpr Access R = Access::Read;
constexpr Access W = Access::Write;
constexpr Access S = Access::Subscribe;

AclFile load(std::string_view text) {
    auto loaded = AclFile::load_from_string(text, "acl");
    EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0]);
    return std::move(loaded.value);
}

ClientInfo anon(std::string_view id = "cid") { return {id, std::nullopt}; }
ClientInfo user(std::string_view name, std::string_view id = "cid") { return {id, name}; }

struct Row {
    ClientInfo client;
    std::string_view topic;
    Access access;
    bool allowed;
};

void expect_table(const AclFile& acl, const std::vector<Row>& rows) {
    for (const Row& r : rows) {
        EXPECT_EQ(acl.allowed(r.client, r.topic, r.access), r.allowed)
            << "user=" << r.client.username.value_or("(none)") << " id=" << r.client.client_id
            << " topic=" << r.topic << " access=" << static_cast<int>(r.access);
    }
}

const char* const kExample =
    "# anonymous clients\n"
    "topic read public/#\n"
    "topic write anon/in\n"
    "\n"
    "user alice\n"
    "topic readwrite alice/#\n"
    "topic read shared/+/status\n"
    "topic deny alice/secret\n"
    "user bob\n"
    "topic bob/#\n"
    "topic read $SYS/#\n";

TEST(AclFile, AnonymousSectionAppliesToClientsWithoutUsername) {
    AclFile acl = load(kExample);
    const std::vector<Row> rows = {
        {anon(), "public/news", R, true},
        {anon(), "public/news", W, false},
        {anon(), "public", R, true},  // "public/#" matches the parent
        {anon(), "anon/in", W, true},
        {anon(), "anon/in", R, false},
        {anon(), "alice/x", R, false},
        {user("carol"), "public/news", R, false},  // named users: not anon
    };
    expect_table(acl, rows);
}

TEST(AclFile, UserSectionsApplyToThatUserOnly) {
    AclFile acl = load(kExample);
    const std::vector<Row> rows = {
        {user("alice"), "alice/a/b", W, true},
        {user("alice"), "alice/a/b", R, true},
        {user("alice"), "shared/x/status", R, true},
        {user("alice"), "shared/x/status", W, false},
        {user("alice"), "shared/x/y/status", R, false},
        {user("alice"), "bob/x", R, false},
        {user("bob"), "bob/x", W, true},  // default access is readwrite
        {user("bob"), "bob/x", R, true},
        {user("bob"), "alice/x", R, false},
        {user("Alice"), "alice/x", R, false},
    };
    expect_table(acl, rows);
}

TEST(AclFile, DenyWinsOverAnAllowInTheSameList) {
    AclFile acl = load(kExample);
    const std::vector<Row> rows = {
        {user("alice"), "alice/secret", R, false},
        {user("alice"), "alice/secret", W, false},
        {user("alice"), "alice/secret/sub", R, true},
    };
    expect_table(acl, rows);
    // The deny is tried first even when it is written after the allow.
    AclFile a = load(
        "topic deny a/b\ntopic readwrite a/#\npattern readwrite %c/#\n"
        "pattern deny %c/private/#\n");
    const std::vector<Row> written_later = {
        {anon(), "a/b", R, false},
        {anon(), "a/c", R, true},
        {anon("me"), "me/x", W, true},
        {anon("me"), "me/private/x", W, false},
    };
    expect_table(a, written_later);
}

TEST(AclFile, OwnListIsTriedBeforePatterns) {
    // Mosquitto: an allow in the user's section returns before any pattern is looked at.
    AclFile acl = load("pattern deny %u/#\nuser u\ntopic readwrite u/#\n");
    const std::vector<Row> rows = {
        {user("u"), "u/x", R, true},
        {user("v"), "v/x", R, false},
    };
    expect_table(acl, rows);
}

TEST(AclFile, DollarTopicsNeedEntriesStartingWithDollar) {
    AclFile acl = load("topic read #\ntopic read +/x\nuser bob\ntopic read $SYS/#\n");
    const std::vector<Row> rows = {
        {anon(), "a/b", R, true},
        {anon(), "$SYS/broker/uptime", R, false},
        {anon(), "$SYS/x", R, false},
        {user("bob"), "$SYS/broker/uptime", R, true},
    };
    expect_table(acl, rows);
}

TEST(AclFile, PatternsSubstituteClientIdAndUsername) {
    AclFile acl = load(
        "pattern write devices/%c/out\n"
        "pattern read devices/%c/in/#\n"
        "pattern readwrite users/%u/+\n"
        "pattern read both/%u/%c\n");
    const std::vector<Row> rows = {
        {anon("dev1"), "devices/dev1/out", W, true},
        {anon("dev1"), "devices/dev1/out", R, false},
        {anon("dev1"), "devices/dev2/out", W, false},
        {anon("dev1"), "devices/dev1/in", R, true},
        {anon("dev1"), "devices/dev1/in/a/b", R, true},
        {user("ann", "c1"), "users/ann/inbox", W, true},
        {user("ann", "c1"), "users/bob/inbox", W, false},
        {anon("ann"), "users/ann/inbox", W, false},  // %u needs a username
        {user("ann", "c1"), "both/ann/c1", R, true},
        {user("ann", "c1"), "both/c1/ann", R, false},
        {user("", "c1"), "users//x", R, false},  // empty never matches %u
    };
    expect_table(acl, rows);
}

TEST(AclFile, PatternsOnlySubstituteWholeLevels) {
    AclFile acl = load("pattern read pre%c/x\npattern read %c/y\n");
    const std::vector<Row> rows = {
        {anon("id"), "preid/x", R, false}, {anon("id"), "pre%c/x", R, true},  // literal
        {anon("id"), "id/y", R, true},     {anon("id"), "idd/y", R, false},
        {anon("i"), "id/y", R, false},
    };
    expect_table(acl, rows);
}

TEST(AclFile, PatternsRefuseIdsAndUsernamesWithWildcardsOrSlashes) {
    AclFile acl = load("pattern readwrite %c/#\npattern readwrite u/%u/#\n");
    const std::vector<Row> rows = {
        {anon("a+"), "a+/x", W, false},           {anon("#"), "#/x", W, false},
        {user("x#", "ok"), "ok/x", W, false},  // refused outright
        {user("a/b", "ok"), "u/a/b/c", W, false}, {user("a/b", "ok"), "u/a/c", W, false},
        {user("a", "ok"), "u/a/b/c", W, true},
    };
    expect_table(acl, rows);
}

TEST(AclFile, SubscribeIsAlwaysAllowedAsInMosquitto2) {
    AclFile acl = load("topic read a/#\n");
    const std::vector<Row> rows = {
        {anon(), "a/#", S, true},          {anon(), "b", S, true},
        {anon(), "$share/g/b/#", S, true}, {anon(), "x", Access::Unsubscribe, true},
        {anon(), "b", R, false},  // delivery is what is checked
    };
    expect_table(acl, rows);
}

TEST(AclFile, EmptyFileDeniesReadAndWrite) {
    AclFile acl = load("# nothing\n");
    const std::vector<Row> rows = {
        {anon(), "a", R, false},
        {user("u"), "a", W, false},
    };
    expect_table(acl, rows);
}

TEST(AclFile, BridgesAreNotChecked) {
    AclFile acl = load("");
    EXPECT_TRUE(acl.allowed({"bridge", std::nullopt, true}, "a/b", W));
}

TEST(AclFile, ReadsLinesAsMosquittoDoes) {
    AclFile acl = load(
        "  topic   read    spaced topic/#   \r\n"  // leading spaces, spaces in the topic
        "topic read\n"                             // one word: the topic "read", readwrite
        "user   name with space  \n"
        "topic write w\n");
    const std::vector<Row> rows = {
        {anon(), "spaced topic/x", R, true},
        {anon(), "read", W, true},
        {user("name with space"), "w", W, true},
    };
    expect_table(acl, rows);
}

TEST(AclFile, ReportsEveryErrorWithFileAndLine) {
    auto loaded = AclFile::load_from_string(
        "topic\n"                     // 1
        "topic sometimes a/b\n"       // 2
        "topic read a/#/b\n"          // 3
        "user\n"                      // 4
        "bogus line\n"                // 5
        "topic\tread a\n"             // 6
        "  # indented comment\n"      // 7
        "pattern read fixed/topic\n"  // 8: a warning only
        "topic read ok\n",
        "acl.conf");
    ASSERT_EQ(loaded.errors.size(), 7u);
    EXPECT_EQ(loaded.errors[0], "acl.conf:1: empty topic");
    EXPECT_EQ(loaded.errors[1],
              "acl.conf:2: invalid topic access type \"sometimes\" (expected read, write, "
              "readwrite or deny)");
    EXPECT_EQ(loaded.errors[2], "acl.conf:3: invalid ACL topic \"a/#/b\"");
    EXPECT_EQ(loaded.errors[3], "acl.conf:4: missing username");
    EXPECT_EQ(loaded.errors[4], "acl.conf:5: invalid line (expected topic, pattern or user)");
    EXPECT_EQ(loaded.errors[5], "acl.conf:6: invalid line (expected topic, pattern or user)");
    EXPECT_EQ(loaded.errors[6], "acl.conf:7: invalid line (expected topic, pattern or user)");
    ASSERT_EQ(loaded.warnings.size(), 1u);
    EXPECT_EQ(loaded.warnings[0],
              "acl.conf:8: ACL pattern \"fixed/topic\" does not contain %c or %u");
}

TEST(AclFile, LoadsTheExampleFile) {
    auto loaded = AclFile::load(std::string(LAMPI_AUTH_TEST_DATA) + "/acl.conf");
    ASSERT_TRUE(loaded.ok()) << loaded.errors[0];
    EXPECT_TRUE(loaded.warnings.empty());
    const AclFile& acl = loaded.value;
    EXPECT_TRUE(acl.allowed(anon("d1"), "public/x", R));
    EXPECT_TRUE(acl.allowed(anon("d1"), "devices/d1/temp", W));
    EXPECT_FALSE(acl.allowed(anon("d1"), "devices/d2/temp", W));
    EXPECT_TRUE(acl.allowed(user("alice"), "$SYS/broker/uptime", R));
    EXPECT_FALSE(acl.allowed(user("alice"), "alice/secret", R));
    EXPECT_TRUE(acl.allowed(user("bob"), "users/bob/x", R));
    EXPECT_FALSE(acl.allowed(user("bob"), "users/bob/x", W));
}

TEST(AclFile, ReportsAMissingFile) {
    auto loaded = AclFile::load("/nonexistent/acl");
    ASSERT_EQ(loaded.errors.size(), 1u);
    EXPECT_NE(loaded.errors[0].find("/nonexistent/acl: cannot open"), std::string::npos);
}

}  // namespace
}  // namespace lampi::auth
