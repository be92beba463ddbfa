#include "topic/topic.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>

namespace lampi::topic {
namespace {

// ---- Topic names ----

TEST(TopicName, AcceptsPlainLevels) {
    EXPECT_TRUE(is_valid_topic_name("a"));
    EXPECT_TRUE(is_valid_topic_name("sport/tennis/player1"));
    EXPECT_TRUE(is_valid_topic_name("$SYS/broker/uptime"));
}

TEST(TopicName, AcceptsEmptyLevels) {
    EXPECT_TRUE(is_valid_topic_name("/"));
    EXPECT_TRUE(is_valid_topic_name("a//b"));
    EXPECT_TRUE(is_valid_topic_name("/finance"));
    EXPECT_TRUE(is_valid_topic_name("finance/"));
}

TEST(TopicName, RejectsEmptyName) { EXPECT_FALSE(is_valid_topic_name("")); }

TEST(TopicName, RejectsWildcards) {
    EXPECT_FALSE(is_valid_topic_name("+"));
    EXPECT_FALSE(is_valid_topic_name("#"));
    EXPECT_FALSE(is_valid_topic_name("a/+/b"));
    EXPECT_FALSE(is_valid_topic_name("a/#"));
    EXPECT_FALSE(is_valid_topic_name("a#"));
}

TEST(TopicName, AcceptsUpTo65535Bytes) {
    EXPECT_TRUE(is_valid_topic_name(std::string(65535, 'a')));
    EXPECT_FALSE(is_valid_topic_name(std::string(65536, 'a')));
}

TEST(TopicName, AcceptsWellFormedMultiByteUtf8) {
    EXPECT_TRUE(is_valid_topic_name("caf\xC3\xA9"));            // U+00E9
    EXPECT_TRUE(is_valid_topic_name("\xE2\x82\xAC/price"));     // U+20AC
    EXPECT_TRUE(is_valid_topic_name("\xF0\x9F\x92\xA1/lamp"));  // U+1F4A1
    EXPECT_TRUE(is_valid_topic_name("\xF4\x8F\xBF\xBF"));       // U+10FFFF
    EXPECT_TRUE(
        is_valid_topic_name("\xEF\xBB\xBF"
                            "a"));  // BOM is a character too
}

TEST(TopicName, RejectsNulCharacter) { EXPECT_FALSE(is_valid_topic_name(std::string("a\0b", 3))); }

TEST(TopicName, RejectsSurrogates) {
    EXPECT_FALSE(is_valid_topic_name("\xED\xA0\x80"));  // U+D800
    EXPECT_FALSE(is_valid_topic_name("\xED\xBF\xBF"));  // U+DFFF
    EXPECT_TRUE(is_valid_topic_name("\xED\x9F\xBF"));   // U+D7FF is fine
}

TEST(TopicName, RejectsOverlongEncodings) {
    EXPECT_FALSE(is_valid_topic_name("\xC0\xAF"));  // '/' in two bytes
    EXPECT_FALSE(is_valid_topic_name("\xC1\xBF"));
    EXPECT_FALSE(is_valid_topic_name("\xE0\x80\xAF"));      // '/' in three bytes
    EXPECT_FALSE(is_valid_topic_name("\xF0\x80\x80\xAF"));  // '/' in four bytes
    EXPECT_FALSE(is_valid_topic_name("\xC0\x80"));          // "modified UTF-8" NUL
}

TEST(TopicName, RejectsMalformedUtf8) {
    EXPECT_FALSE(is_valid_topic_name("\x80"));      // stray continuation
    EXPECT_FALSE(is_valid_topic_name("a\xC3"));     // truncated
    EXPECT_FALSE(is_valid_topic_name("\xE2\x82"));  // truncated
    EXPECT_FALSE(is_valid_topic_name("\xC3\x28"));  // bad continuation
    EXPECT_FALSE(is_valid_topic_name("\xE2\x28\xA1"));
    EXPECT_FALSE(is_valid_topic_name("\xF4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(is_valid_topic_name("\xF5\x80\x80\x80"));
    EXPECT_FALSE(is_valid_topic_name("\xFF"));
}

// ---- Topic filters ----

TEST(TopicFilter, AcceptsWildcardsAsWholeLevels) {
    for (const char* f : {"#", "+", "+/+", "/+", "+/", "a/#", "a/+/c", "+/tennis/#", "a/+",
                          "sport/tennis/+", "$SYS/#", "//#", "/", "a//b"}) {
        EXPECT_TRUE(is_valid_topic_filter(f)) << f;
    }
}

TEST(TopicFilter, RejectsEmptyFilter) { EXPECT_FALSE(is_valid_topic_filter("")); }

TEST(TopicFilter, RejectsHashThatIsNotTheLastLevel) {
    EXPECT_FALSE(is_valid_topic_filter("a/#/b"));
    EXPECT_FALSE(is_valid_topic_filter("#/a"));
    EXPECT_FALSE(is_valid_topic_filter("#/"));
    EXPECT_FALSE(is_valid_topic_filter("sport/tennis/#/ranking"));
}

TEST(TopicFilter, RejectsWildcardsSharingALevel) {
    for (const char* f :
         {"a#", "sport/tennis#", "a/b+", "+a", "sport+", "a/+b/c", "++", "##", "+#", "#+"}) {
        EXPECT_FALSE(is_valid_topic_filter(f)) << f;
    }
}

TEST(TopicFilter, RejectsInvalidUtf8AndNul) {
    EXPECT_FALSE(is_valid_topic_filter("a/\xED\xA0\x80"));
    EXPECT_FALSE(is_valid_topic_filter(std::string("a/\0", 3)));
}

TEST(TopicFilter, AcceptsUpTo65535Bytes) {
    std::string f(65533, 'a');
    EXPECT_TRUE(is_valid_topic_filter(f + "/#"));
    EXPECT_FALSE(is_valid_topic_filter(f + "a/#"));
}

// ---- Matching ----

struct Case {
    const char* filter;
    const char* name;
    bool expected;
};

class Matching : public testing::TestWithParam<Case> {};

TEST_P(Matching, AgreesWithTheSpecExamples) {
    const Case& c = GetParam();
    EXPECT_EQ(matches(c.filter, c.name), c.expected)
        << "filter '" << c.filter << "' name '" << c.name << "'";
}

// MQTT 3.1.1 section 4.7 examples, then edge cases.
INSTANTIATE_TEST_SUITE_P(
    Spec, Matching,
    testing::Values(
        // 4.7.1.2 multi-level wildcard
        Case{"sport/tennis/player1/#", "sport/tennis/player1", true},
        Case{"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
        Case{"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
        Case{"sport/#", "sport", true}, Case{"#", "sport/tennis", true},
        Case{"sport/tennis/#", "sport/tennis", true},
        Case{"sport/tennis/#", "sport/tennisplayer1", false},
        // 4.7.1.3 single-level wildcard
        Case{"sport/tennis/+", "sport/tennis/player1", true},
        Case{"sport/tennis/+", "sport/tennis/player2", true},
        Case{"sport/tennis/+", "sport/tennis/player1/ranking", false},
        Case{"sport/+", "sport", false}, Case{"sport/+", "sport/", true}, Case{"+", "sport", true},
        Case{"+/tennis/#", "sport/tennis/player1", true},
        Case{"sport/+/player1", "sport/tennis/player1", true}, Case{"/+", "/finance", true},
        Case{"+/+", "/finance", true}, Case{"+", "/finance", false},
        // 4.7.2 topics beginning with $
        Case{"#", "$SYS", false}, Case{"#", "$SYS/broker", false},
        Case{"+/monitor/Clients", "$SYS/monitor/Clients", false},
        Case{"$SYS/#", "$SYS/monitor/Clients", true}, Case{"$SYS/#", "$SYS", true},
        Case{"$SYS/monitor/+", "$SYS/monitor/Clients", true}, Case{"+", "$SYS", false},
        Case{"$SYS", "$SYS", true}, Case{"a/#", "a/$b", true}, Case{"a/+", "a/$b", true},
        // 4.7.3 case sensitivity, spaces
        Case{"ACCOUNTS", "Accounts", false}, Case{"Accounts payable", "Accounts payable", true},
        // Empty levels
        Case{"+/+", "/", true}, Case{"+", "/", false}, Case{"/", "/", true}, Case{"#", "/", true},
        Case{"/#", "/", true}, Case{"a//b", "a//b", true}, Case{"a/+/b", "a//b", true},
        Case{"a/b", "a//b", false}, Case{"a/#", "a//b", true}, Case{"a/+", "a/", true},
        Case{"a", "a/", false}, Case{"a/", "a", false}, Case{"+/+/+", "//", true},
        Case{"+/+", "//", false},
        // '#' versus 'a/#' versus 'a/+/c'
        Case{"#", "a", true}, Case{"#", "a/b/c", true}, Case{"a/#", "a", true},
        Case{"a/#", "a/b/c", true}, Case{"a/#", "b/a", false}, Case{"a/#", "ab", false},
        Case{"a/+/c", "a/b/c", true}, Case{"a/+/c", "a/b/c/d", false}, Case{"a/+/c", "a/c", false},
        Case{"a/+/c", "a/b/d", false},
        // '+' at the end, literal prefixes
        Case{"a/b/+", "a/b/c", true}, Case{"a/b/+", "a/b", false}, Case{"a/b/+", "a/b/", true},
        Case{"a/b", "a/b/c", false}, Case{"a/b/c", "a/b", false}, Case{"a/b", "a/bc", false},
        Case{"ab", "a", false}, Case{"+/+/#", "a", false}, Case{"+/#", "a", true}));

TEST(Matching, NeverMatchesEmptyStrings) {
    EXPECT_FALSE(matches("", "a"));
    EXPECT_FALSE(matches("#", ""));
    EXPECT_FALSE(matches("", ""));
}

// ---- Shared subscriptions ----

TEST(SharedFilter, LeavesOrdinaryFiltersAlone) {
    for (const char* f : {"a/b", "#", "$SYS/#", "$share", "$sharex/g/f", "share/g/f"}) {
        SharedFilter s = parse_shared_filter(f);
        EXPECT_FALSE(s.is_shared) << f;
        EXPECT_FALSE(s.valid) << f;
    }
}

TEST(SharedFilter, SplitsGroupAndFilter) {
    SharedFilter s = parse_shared_filter("$share/consumers/sport/tennis/+");
    EXPECT_TRUE(s.is_shared);
    EXPECT_TRUE(s.valid);
    EXPECT_EQ(s.group, "consumers");
    EXPECT_EQ(s.filter, "sport/tennis/+");
}

TEST(SharedFilter, AcceptsWildcardAndEmptyLevelFilters) {
    EXPECT_TRUE(parse_shared_filter("$share/g/#").valid);
    EXPECT_TRUE(parse_shared_filter("$share/g/+").valid);
    EXPECT_TRUE(parse_shared_filter("$share/g//").valid);
    SharedFilter s = parse_shared_filter("$share/g//a");
    EXPECT_TRUE(s.valid);
    EXPECT_EQ(s.filter, "/a");
}

TEST(SharedFilter, RejectsMissingOrEmptyGroup) {
    for (const char* f : {"$share/", "$share//a", "$share//"}) {
        SharedFilter s = parse_shared_filter(f);
        EXPECT_TRUE(s.is_shared) << f;
        EXPECT_FALSE(s.valid) << f;
    }
}

TEST(SharedFilter, RejectsWildcardsInGroup) {
    EXPECT_FALSE(parse_shared_filter("$share/+/a").valid);
    EXPECT_FALSE(parse_shared_filter("$share/#/a").valid);
    EXPECT_FALSE(parse_shared_filter("$share/g+/a").valid);
    EXPECT_FALSE(parse_shared_filter("$share/g#/a").valid);
}

TEST(SharedFilter, RejectsMissingOrInvalidFilter) {
    for (const char* f : {"$share/g", "$share/g/", "$share/g/a/#/b", "$share/g/a+"}) {
        SharedFilter s = parse_shared_filter(f);
        EXPECT_TRUE(s.is_shared) << f;
        EXPECT_FALSE(s.valid) << f;
    }
}

TEST(SharedFilter, RejectsInvalidUtf8InGroup) {
    EXPECT_FALSE(parse_shared_filter("$share/\xC0\xAF/a").valid);
}

}  // namespace
}  // namespace lampi::topic
