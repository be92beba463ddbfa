#include "topic/retained_tree.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "topic/topic.h"

namespace lampi::topic {
namespace {

using Retained = RetainedTree<std::string>;
using Found = std::map<std::string, std::string>;

Found match_all(const Retained& tree, std::string_view filter) {
    Found out;
    tree.match(filter, [&](std::string_view topic, const std::string& v) {
        EXPECT_TRUE(out.emplace(std::string(topic), v).second) << "twice: " << topic;
    });
    return out;
}

Found everything(const Retained& tree) {
    Found out;
    tree.for_each(
        [&](std::string_view topic, const std::string& v) { out.emplace(std::string(topic), v); });
    return out;
}

Retained sample() {
    Retained tree;
    for (const char* t :
         {"sport", "sport/tennis", "sport/tennis/player1", "sport/tennis/player1/ranking",
          "sport/golf", "sport/", "/", "/finance", "a//b", "$SYS", "$SYS/broker/uptime",
          "$SYS/broker/clients", "news/$special"}) {
        tree.set(t, std::string("v:") + t);
    }
    return tree;
}

TEST(RetainedTree, StartsEmpty) {
    Retained tree;
    EXPECT_EQ(tree.size(), 0u);
    EXPECT_TRUE(tree.empty());
    EXPECT_EQ(tree.find("a"), nullptr);
    EXPECT_TRUE(match_all(tree, "#").empty());
}

TEST(RetainedTree, FindsWhatWasSet) {
    Retained tree;
    tree.set("a/b", "1");
    ASSERT_NE(tree.find("a/b"), nullptr);
    EXPECT_EQ(*tree.find("a/b"), "1");
    EXPECT_EQ(tree.find("a"), nullptr);  // an inner node has no message
    EXPECT_EQ(tree.find("a/b/c"), nullptr);
    EXPECT_EQ(tree.size(), 1u);
}

TEST(RetainedTree, ReplacesTheMessageForATopic) {
    Retained tree;
    tree.set("a/b", "1");
    tree.set("a/b", "2");
    EXPECT_EQ(tree.size(), 1u);
    EXPECT_EQ(*tree.find("a/b"), "2");
    EXPECT_EQ(match_all(tree, "a/b"), (Found{{"a/b", "2"}}));
}

TEST(RetainedTree, KeepsParentAndChildTopicsApart) {
    Retained tree;
    tree.set("a", "p");
    tree.set("a/b", "c");
    tree.set("a/", "e");
    EXPECT_EQ(*tree.find("a"), "p");
    EXPECT_EQ(*tree.find("a/b"), "c");
    EXPECT_EQ(*tree.find("a/"), "e");
    EXPECT_EQ(tree.size(), 3u);
}

TEST(RetainedTree, MatchesAnExactFilter) {
    Retained tree = sample();
    EXPECT_EQ(match_all(tree, "sport/tennis"), (Found{{"sport/tennis", "v:sport/tennis"}}));
    EXPECT_TRUE(match_all(tree, "sport/tennis/player2").empty());
    EXPECT_TRUE(match_all(tree, "nothing").empty());
}

TEST(RetainedTree, MatchesMultiLevelWildcardIncludingTheParent) {
    Retained tree = sample();
    Found got = match_all(tree, "sport/tennis/#");
    EXPECT_EQ(got, (Found{{"sport/tennis", "v:sport/tennis"},
                          {"sport/tennis/player1", "v:sport/tennis/player1"},
                          {"sport/tennis/player1/ranking", "v:sport/tennis/player1/ranking"}}));
}

TEST(RetainedTree, MatchesSingleLevelWildcards) {
    Retained tree = sample();
    Found got = match_all(tree, "sport/+");
    EXPECT_EQ(got, (Found{{"sport/tennis", "v:sport/tennis"},
                          {"sport/golf", "v:sport/golf"},
                          {"sport/", "v:sport/"}}));
    EXPECT_EQ(match_all(tree, "sport/+/player1"),
              (Found{{"sport/tennis/player1", "v:sport/tennis/player1"}}));
    EXPECT_EQ(match_all(tree, "+"), (Found{{"sport", "v:sport"}}));
}

TEST(RetainedTree, MatchesEmptyLevels) {
    Retained tree = sample();
    EXPECT_EQ(match_all(tree, "+/+"), (Found{{"sport/tennis", "v:sport/tennis"},
                                             {"sport/golf", "v:sport/golf"},
                                             {"sport/", "v:sport/"},
                                             {"/", "v:/"},
                                             {"/finance", "v:/finance"},
                                             {"news/$special", "v:news/$special"}}));
    EXPECT_EQ(match_all(tree, "a/+/b"), (Found{{"a//b", "v:a//b"}}));
    EXPECT_EQ(match_all(tree, "/"), (Found{{"/", "v:/"}}));
    EXPECT_EQ(match_all(tree, "/+"), (Found{{"/", "v:/"}, {"/finance", "v:/finance"}}));
}

TEST(RetainedTree, HashAtRootSkipsDollarTopics) {
    Retained tree = sample();
    Found got = match_all(tree, "#");
    EXPECT_EQ(got.size(), tree.size() - 3);
    EXPECT_EQ(got.count("$SYS"), 0u);
    EXPECT_EQ(got.count("$SYS/broker/uptime"), 0u);
    EXPECT_EQ(got.count("news/$special"), 1u);  // only the first level counts
}

TEST(RetainedTree, PlusAtRootSkipsDollarTopics) {
    Retained tree = sample();
    EXPECT_EQ(match_all(tree, "+/broker/+").size(), 0u);
    EXPECT_EQ(match_all(tree, "+/#").count("$SYS"), 0u);
}

TEST(RetainedTree, DollarFiltersReachDollarTopics) {
    Retained tree = sample();
    EXPECT_EQ(match_all(tree, "$SYS/#"), (Found{{"$SYS", "v:$SYS"},
                                                {"$SYS/broker/uptime", "v:$SYS/broker/uptime"},
                                                {"$SYS/broker/clients", "v:$SYS/broker/clients"}}));
    EXPECT_EQ(match_all(tree, "$SYS/broker/+").size(), 2u);
    EXPECT_EQ(match_all(tree, "news/+"), (Found{{"news/$special", "v:news/$special"}}));
}

TEST(RetainedTree, AgreesWithTheReferenceMatcher) {
    Retained tree = sample();
    for (const char* filter :
         {"#", "+", "+/+", "+/#", "sport/#", "sport/+/+", "/#", "+/+/+", "a/#", "a/+", "a/+/+",
          "$SYS/#", "$SYS/+/+", "+/tennis/#", "sport/tennis/player1/#", "//", "news/#", "sport/"}) {
        Found expected;
        tree.for_each([&](std::string_view topic, const std::string& v) {
            if (matches(filter, topic)) expected.emplace(std::string(topic), v);
        });
        EXPECT_EQ(match_all(tree, filter), expected) << filter;
    }
}

TEST(RetainedTree, EraseReportsWhetherItExisted) {
    Retained tree = sample();
    std::size_t before = tree.size();
    EXPECT_FALSE(tree.erase("sport/tennis/player2"));
    EXPECT_FALSE(tree.erase("nope"));
    EXPECT_TRUE(tree.erase("sport/tennis"));
    EXPECT_FALSE(tree.erase("sport/tennis"));
    EXPECT_EQ(tree.size(), before - 1);
    EXPECT_EQ(tree.find("sport/tennis"), nullptr);
    ASSERT_NE(tree.find("sport/tennis/player1"), nullptr);  // children stay
}

TEST(RetainedTree, EraseOfAnInnerTopicKeepsItsChildren) {
    Retained tree;
    tree.set("a", "1");
    tree.set("a/b", "2");
    EXPECT_TRUE(tree.erase("a"));
    EXPECT_EQ(match_all(tree, "a/#"), (Found{{"a/b", "2"}}));
}

TEST(RetainedTree, ErasePrunesEmptyBranches) {
    Retained tree;
    tree.set("a/b/c/d", "1");
    tree.set("a/x", "2");
    EXPECT_TRUE(tree.erase("a/b/c/d"));
    EXPECT_EQ(everything(tree), (Found{{"a/x", "2"}}));
    EXPECT_TRUE(tree.erase("a/x"));
    EXPECT_TRUE(tree.empty());
    tree.set("a/b/c/d", "3");  // the pruned path is rebuilt
    EXPECT_EQ(*tree.find("a/b/c/d"), "3");
}

TEST(RetainedTree, ForEachVisitsEveryMessageWithItsTopic) {
    Retained tree = sample();
    Found all = everything(tree);
    EXPECT_EQ(all.size(), tree.size());
    for (const auto& [topic, value] : all) {
        EXPECT_EQ(value, "v:" + topic);
    }
    EXPECT_EQ(all.count("$SYS/broker/uptime"), 1u);  // for_each is not a '#' match
}

TEST(RetainedTree, EraseIfRemovesWhatThePredicateSelects) {
    Retained tree = sample();
    std::size_t before = tree.size();
    std::size_t erased = tree.erase_if(
        [](std::string_view topic, const std::string&) { return topic.substr(0, 5) == "sport"; });
    EXPECT_EQ(erased, 6u);
    EXPECT_EQ(tree.size(), before - 6);
    EXPECT_TRUE(match_all(tree, "sport/#").empty());
    EXPECT_EQ(tree.find("sport"), nullptr);
    EXPECT_NE(tree.find("/finance"), nullptr);
}

TEST(RetainedTree, EraseIfAcceptsAValueOnlyPredicate) {
    struct Message {
        std::string payload;
        int expires_at;
    };
    RetainedTree<Message> tree;
    tree.set("a", Message{"x", 10});
    tree.set("a/b", Message{"y", 20});
    tree.set("a/b/c", Message{"z", 5});
    EXPECT_EQ(tree.erase_if([](const Message& m) { return m.expires_at < 15; }), 2u);
    EXPECT_EQ(tree.size(), 1u);
    ASSERT_NE(tree.find("a/b"), nullptr);
    EXPECT_EQ(tree.find("a/b")->payload, "y");
}

TEST(RetainedTree, EraseIfOfEverythingLeavesAnEmptyTree) {
    Retained tree = sample();
    EXPECT_EQ(tree.erase_if([](const std::string&) { return true; }), 13u);
    EXPECT_TRUE(tree.empty());
    EXPECT_TRUE(everything(tree).empty());
    tree.set("sport/tennis", "again");
    EXPECT_EQ(match_all(tree, "#").size(), 1u);
}

TEST(RetainedTree, HoldsMoveOnlyValues) {
    RetainedTree<std::unique_ptr<int>> tree;
    tree.set("a", std::make_unique<int>(1));
    tree.set("a", std::make_unique<int>(2));
    ASSERT_NE(tree.find("a"), nullptr);
    EXPECT_EQ(**tree.find("a"), 2);
}

TEST(RetainedTree, MatchesOnlyTheBranchesOfALargeTree) {
    Retained tree;
    for (int i = 0; i < 100000; ++i) {
        tree.set("devices/" + std::to_string(i % 1000) + "/sensor/" + std::to_string(i), "v");
    }
    EXPECT_EQ(tree.size(), 100000u);
    EXPECT_EQ(match_all(tree, "devices/7/sensor/+").size(), 100u);
    EXPECT_EQ(match_all(tree, "devices/+/sensor/12345").size(), 1u);
    EXPECT_EQ(match_all(tree, "devices/999/#").size(), 100u);
}

TEST(RetainedTree, MovesWithItsMessages) {
    Retained tree = sample();
    Retained moved(std::move(tree));
    EXPECT_EQ(moved.size(), 13u);
    EXPECT_TRUE(moved.erase("sport/tennis/player1/ranking"));  // parent links survived
    EXPECT_EQ(match_all(moved, "sport/tennis/player1/#").size(), 1u);
}

TEST(RetainedTree, SurvivesVeryDeepTopics) {
    Retained tree;
    std::string deep(65534, '/');  // 65535 empty levels
    tree.set(deep, "deep");
    tree.set(deep + "x", "deeper");
    EXPECT_EQ(*tree.find(deep), "deep");
    EXPECT_EQ(match_all(tree, "#").size(), 2u);
    EXPECT_EQ(match_all(tree, deep + "+").size(), 2u);  // the last '/' starts an empty level
    EXPECT_EQ(match_all(tree, deep + "x/#").size(), 1u);
    EXPECT_TRUE(tree.erase(deep + "x"));
    // Destroying a 65535-level tree must not recurse.
}

}  // namespace
}  // namespace lampi::topic
