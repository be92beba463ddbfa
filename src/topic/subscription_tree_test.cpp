#include "topic/subscription_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace lampi::topic {
namespace {

using Tree = SubscriptionTree<int>;

mqtt::SubscribeOptions qos(std::uint8_t q) {
    mqtt::SubscribeOptions o;
    o.qos = q;
    return o;
}

// Subscribers reached by non-shared subscriptions, sorted, with repeats (one per filter).
std::vector<int> subscribers_of(const Tree& tree, std::string_view name) {
    std::vector<int> out;
    tree.match(
        name, [&](const Tree::Entry& e) { out.push_back(e.subscriber); },
        [](std::string_view, const Tree::SharedGroup&) {});
    std::sort(out.begin(), out.end());
    return out;
}

// Shared groups reached, as "group:member,member" strings, sorted.
std::vector<std::string> groups_of(const Tree& tree, std::string_view name) {
    std::vector<std::string> out;
    tree.match(
        name, [](const Tree::Entry&) {},
        [&](std::string_view group, const Tree::SharedGroup& g) {
            std::vector<int> members;
            for (const auto& e : g.members) members.push_back(e.subscriber);
            std::sort(members.begin(), members.end());
            std::string s(group);
            s += ':';
            for (int m : members) s += std::to_string(m) + ",";
            out.push_back(s);
        });
    std::sort(out.begin(), out.end());
    return out;
}

std::multiset<std::pair<std::string, int>> dump(const Tree& tree) {
    std::multiset<std::pair<std::string, int>> out;
    tree.for_each([&](std::string_view filter, const Tree::Entry& e) {
        out.emplace(std::string(filter), e.subscriber);
    });
    return out;
}

using Ids = std::vector<int>;

TEST(SubscriptionTree, StartsEmpty) {
    Tree tree;
    EXPECT_EQ(tree.size(), 0u);
    EXPECT_TRUE(tree.empty());
    EXPECT_EQ(subscribers_of(tree, "a"), Ids{});
}

TEST(SubscriptionTree, MatchesAnExactFilter) {
    Tree tree;
    EXPECT_TRUE(tree.subscribe("sport/tennis", 1, qos(1), 0));
    EXPECT_EQ(subscribers_of(tree, "sport/tennis"), Ids{1});
    EXPECT_EQ(subscribers_of(tree, "sport"), Ids{});
    EXPECT_EQ(subscribers_of(tree, "sport/tennis/x"), Ids{});
    EXPECT_EQ(subscribers_of(tree, "sport/tennisx"), Ids{});
}

TEST(SubscriptionTree, ReplacesOptionsWhenSubscribingTwice) {
    Tree tree;
    EXPECT_TRUE(tree.subscribe("a/b", 1, qos(0), 7));
    EXPECT_FALSE(tree.subscribe("a/b", 1, qos(2), 9));
    EXPECT_EQ(tree.size(), 1u);
    int visits = 0;
    tree.match(
        "a/b",
        [&](const Tree::Entry& e) {
            ++visits;
            EXPECT_EQ(e.options.qos, 2);
            EXPECT_EQ(e.subscription_id, 9u);
        },
        [](std::string_view, const Tree::SharedGroup&) {});
    EXPECT_EQ(visits, 1);
}

TEST(SubscriptionTree, KeepsAllOptionFields) {
    Tree tree;
    mqtt::SubscribeOptions o;
    o.qos = 1;
    o.no_local = true;
    o.retain_as_published = true;
    o.retain_handling = 2;
    tree.subscribe("a", 5, o, 42);
    tree.match(
        "a",
        [&](const Tree::Entry& e) {
            EXPECT_EQ(e.subscriber, 5);
            EXPECT_EQ(e.options.qos, 1);
            EXPECT_TRUE(e.options.no_local);
            EXPECT_TRUE(e.options.retain_as_published);
            EXPECT_EQ(e.options.retain_handling, 2);
            EXPECT_EQ(e.subscription_id, 42u);
        },
        [](std::string_view, const Tree::SharedGroup&) {});
}

TEST(SubscriptionTree, MatchesSingleLevelWildcards) {
    Tree tree;
    tree.subscribe("sport/tennis/+", 1, qos(0), 0);
    tree.subscribe("sport/+/player1", 2, qos(0), 0);
    tree.subscribe("+/+", 3, qos(0), 0);
    tree.subscribe("+", 4, qos(0), 0);
    EXPECT_EQ(subscribers_of(tree, "sport/tennis/player1"), (Ids{1, 2}));
    EXPECT_EQ(subscribers_of(tree, "sport/tennis"), Ids{3});
    EXPECT_EQ(subscribers_of(tree, "sport"), Ids{4});
    EXPECT_EQ(subscribers_of(tree, "/"), Ids{3});
    EXPECT_EQ(subscribers_of(tree, "sport/"), Ids{3});
    EXPECT_EQ(subscribers_of(tree, "sport/tennis/"), Ids{1});
}

TEST(SubscriptionTree, MatchesMultiLevelWildcardsIncludingTheParent) {
    Tree tree;
    tree.subscribe("#", 1, qos(0), 0);
    tree.subscribe("sport/#", 2, qos(0), 0);
    tree.subscribe("sport/tennis/#", 3, qos(0), 0);
    tree.subscribe("+/#", 4, qos(0), 0);
    EXPECT_EQ(subscribers_of(tree, "sport"), (Ids{1, 2, 4}));
    EXPECT_EQ(subscribers_of(tree, "sport/tennis"), (Ids{1, 2, 3, 4}));
    EXPECT_EQ(subscribers_of(tree, "sport/tennis/player1/score"), (Ids{1, 2, 3, 4}));
    EXPECT_EQ(subscribers_of(tree, "news"), (Ids{1, 4}));
}

TEST(SubscriptionTree, DistinguishesHashPlusAndLiteralBranches) {
    Tree tree;
    tree.subscribe("a/#", 1, qos(0), 0);
    tree.subscribe("a/+/c", 2, qos(0), 0);
    tree.subscribe("a/b/c", 3, qos(0), 0);
    tree.subscribe("a/+", 4, qos(0), 0);
    EXPECT_EQ(subscribers_of(tree, "a/b/c"), (Ids{1, 2, 3}));
    EXPECT_EQ(subscribers_of(tree, "a/x/c"), (Ids{1, 2}));
    EXPECT_EQ(subscribers_of(tree, "a/b"), (Ids{1, 4}));
    EXPECT_EQ(subscribers_of(tree, "a"), Ids{1});
    EXPECT_EQ(subscribers_of(tree, "a/b/c/d"), Ids{1});
    EXPECT_EQ(subscribers_of(tree, "b/b/c"), Ids{});
}

TEST(SubscriptionTree, HandlesEmptyLevels) {
    Tree tree;
    tree.subscribe("a//b", 1, qos(0), 0);
    tree.subscribe("a/+/b", 2, qos(0), 0);
    tree.subscribe("/", 3, qos(0), 0);
    tree.subscribe("/#", 4, qos(0), 0);
    EXPECT_EQ(subscribers_of(tree, "a//b"), (Ids{1, 2}));
    EXPECT_EQ(subscribers_of(tree, "a/b"), Ids{});
    EXPECT_EQ(subscribers_of(tree, "/"), (Ids{3, 4}));
    EXPECT_EQ(subscribers_of(tree, "/x"), Ids{4});
}

TEST(SubscriptionTree, KeepsRootWildcardsAwayFromDollarTopics) {
    Tree tree;
    tree.subscribe("#", 1, qos(0), 0);
    tree.subscribe("+/monitor/Clients", 2, qos(0), 0);
    tree.subscribe("$SYS/#", 3, qos(0), 0);
    tree.subscribe("$SYS/monitor/+", 4, qos(0), 0);
    tree.subscribe("+", 5, qos(0), 0);
    EXPECT_EQ(subscribers_of(tree, "$SYS/monitor/Clients"), (Ids{3, 4}));
    EXPECT_EQ(subscribers_of(tree, "$SYS"), Ids{3});
    EXPECT_EQ(subscribers_of(tree, "x/monitor/Clients"), (Ids{1, 2}));
}

TEST(SubscriptionTree, AllowsWildcardsBelowADollarFirstLevel) {
    Tree tree;
    tree.subscribe("a/#", 1, qos(0), 0);
    tree.subscribe("a/+", 2, qos(0), 0);
    EXPECT_EQ(subscribers_of(tree, "a/$b"), (Ids{1, 2}));
}

TEST(SubscriptionTree, VisitsASubscriberOncePerMatchingFilter) {
    Tree tree;
    tree.subscribe("a/b", 1, qos(0), 0);
    tree.subscribe("a/+", 1, qos(1), 0);
    tree.subscribe("#", 1, qos(2), 0);
    tree.subscribe("a/#", 2, qos(0), 0);
    EXPECT_EQ(tree.size(), 4u);
    EXPECT_EQ(subscribers_of(tree, "a/b"), (Ids{1, 1, 1, 2}));
    EXPECT_EQ(subscribers_of(tree, "a/c"), (Ids{1, 1, 2}));
}

TEST(SubscriptionTree, UnsubscribeReportsWhetherItExisted) {
    Tree tree;
    tree.subscribe("a/b", 1, qos(0), 0);
    EXPECT_FALSE(tree.unsubscribe("a/b", 2));
    EXPECT_FALSE(tree.unsubscribe("a/c", 1));
    EXPECT_FALSE(tree.unsubscribe("a", 1));
    EXPECT_FALSE(tree.unsubscribe("a/+", 1));
    EXPECT_TRUE(tree.unsubscribe("a/b", 1));
    EXPECT_FALSE(tree.unsubscribe("a/b", 1));
    EXPECT_EQ(tree.size(), 0u);
    EXPECT_EQ(subscribers_of(tree, "a/b"), Ids{});
}

TEST(SubscriptionTree, UnsubscribeLeavesOtherSubscribersAndFilters) {
    Tree tree;
    tree.subscribe("a/b", 1, qos(0), 0);
    tree.subscribe("a/b", 2, qos(0), 0);
    tree.subscribe("a/+", 1, qos(0), 0);
    tree.subscribe("a/b/c", 3, qos(0), 0);
    EXPECT_TRUE(tree.unsubscribe("a/b", 1));
    EXPECT_EQ(subscribers_of(tree, "a/b"), (Ids{1, 2}));
    EXPECT_EQ(subscribers_of(tree, "a/b/c"), Ids{3});
    EXPECT_EQ(tree.size(), 3u);
}

TEST(SubscriptionTree, PrunesEmptyNodesOnUnsubscribe) {
    Tree tree;
    tree.subscribe("a/b/c/d", 1, qos(0), 0);
    tree.subscribe("a/+/#", 2, qos(0), 0);
    tree.subscribe("a", 3, qos(0), 0);
    EXPECT_TRUE(tree.unsubscribe("a/b/c/d", 1));
    EXPECT_TRUE(tree.unsubscribe("a/+/#", 2));
    EXPECT_EQ(dump(tree), (std::multiset<std::pair<std::string, int>>{{"a", 3}}));
    // The pruned branches can be built again.
    EXPECT_TRUE(tree.subscribe("a/b/c/d", 1, qos(0), 0));
    EXPECT_EQ(subscribers_of(tree, "a/b/c/d"), Ids{1});
    EXPECT_TRUE(tree.unsubscribe("a", 3));
    EXPECT_EQ(subscribers_of(tree, "a/b/c/d"), Ids{1});
}

TEST(SubscriptionTree, ForEachGivesFiltersAsSubscribed) {
    Tree tree;
    tree.subscribe("a/b", 1, qos(0), 0);
    tree.subscribe("/", 2, qos(0), 0);
    tree.subscribe("#", 3, qos(0), 0);
    tree.subscribe("+/x/#", 4, qos(0), 0);
    tree.subscribe("a//", 5, qos(0), 0);
    tree.subscribe("$share/g/a/+", 6, qos(0), 0);
    tree.subscribe("$share/h//", 7, qos(0), 0);
    std::multiset<std::pair<std::string, int>> expected{
        {"a/b", 1},          {"/", 2},         {"#", 3}, {"+/x/#", 4}, {"a//", 5},
        {"$share/g/a/+", 6}, {"$share/h//", 7}};
    EXPECT_EQ(dump(tree), expected);
}

TEST(SubscriptionTree, HoldsTenThousandSubscribersOnOneFilter) {
    Tree tree;
    constexpr int kCount = 10000;
    for (int i = 0; i < kCount; ++i) {
        ASSERT_TRUE(tree.subscribe("fan/out", i, qos(1), 0));
    }
    for (int i = 0; i < kCount; i += 2) {
        ASSERT_FALSE(tree.subscribe("fan/out", i, qos(2), 0));  // replace, still indexed
    }
    EXPECT_EQ(tree.size(), static_cast<std::size_t>(kCount));
    std::vector<int> all = subscribers_of(tree, "fan/out");
    ASSERT_EQ(all.size(), static_cast<std::size_t>(kCount));
    for (int i = 0; i < kCount; ++i) ASSERT_EQ(all[static_cast<std::size_t>(i)], i);

    for (int i = 0; i < kCount; i += 3) {
        ASSERT_TRUE(tree.unsubscribe("fan/out", i));
    }
    std::size_t remaining = 0;
    tree.match(
        "fan/out",
        [&](const Tree::Entry& e) {
            ++remaining;
            EXPECT_NE(e.subscriber % 3, 0);
            EXPECT_EQ(e.options.qos, e.subscriber % 2 == 0 ? 2 : 1);
        },
        [](std::string_view, const Tree::SharedGroup&) {});
    EXPECT_EQ(remaining, tree.size());
    for (int i = 0; i < kCount; ++i) {
        EXPECT_EQ(tree.unsubscribe("fan/out", i), i % 3 != 0);
    }
    EXPECT_EQ(tree.size(), 0u);
    EXPECT_EQ(dump(tree).size(), 0u);
}

TEST(SubscriptionTree, SwapRemoveKeepsSmallListsConsistent) {
    Tree tree;
    for (int i = 0; i < 20; ++i) tree.subscribe("x", i, qos(0), 0);       // crosses the index size
    for (int i = 19; i >= 2; --i) ASSERT_TRUE(tree.unsubscribe("x", i));  // and back below it
    EXPECT_EQ(subscribers_of(tree, "x"), (Ids{0, 1}));
    EXPECT_FALSE(tree.subscribe("x", 1, qos(1), 0));
    EXPECT_TRUE(tree.subscribe("x", 5, qos(1), 0));
    EXPECT_EQ(subscribers_of(tree, "x"), (Ids{0, 1, 5}));
}

TEST(SubscriptionTree, GroupsSharedSubscriptionsByGroupAndFilter) {
    Tree tree;
    EXPECT_TRUE(tree.subscribe("$share/g1/sport/+", 1, qos(0), 0));
    EXPECT_TRUE(tree.subscribe("$share/g1/sport/+", 2, qos(0), 0));
    EXPECT_TRUE(tree.subscribe("$share/g2/sport/+", 3, qos(0), 0));
    EXPECT_TRUE(tree.subscribe("$share/g1/sport/#", 4, qos(0), 0));
    EXPECT_FALSE(tree.subscribe("$share/g1/sport/+", 2, qos(1), 0));
    EXPECT_EQ(tree.size(), 4u);
    EXPECT_EQ(groups_of(tree, "sport/tennis"),
              (std::vector<std::string>{"g1:1,2,", "g1:4,", "g2:3,"}));
    EXPECT_EQ(groups_of(tree, "sport"), (std::vector<std::string>{"g1:4,"}));
    EXPECT_EQ(subscribers_of(tree, "sport/tennis"), Ids{});  // shared are not plain entries
}

TEST(SubscriptionTree, KeepsSharedAndPlainSubscriptionsApart) {
    Tree tree;
    tree.subscribe("a", 1, qos(0), 0);
    tree.subscribe("$share/g/a", 1, qos(1), 0);
    EXPECT_EQ(tree.size(), 2u);
    EXPECT_EQ(subscribers_of(tree, "a"), Ids{1});
    EXPECT_EQ(groups_of(tree, "a"), std::vector<std::string>{"g:1,"});
    EXPECT_TRUE(tree.unsubscribe("a", 1));
    EXPECT_EQ(groups_of(tree, "a"), std::vector<std::string>{"g:1,"});
    EXPECT_FALSE(tree.unsubscribe("$share/h/a", 1));
    EXPECT_TRUE(tree.unsubscribe("$share/g/a", 1));
    EXPECT_TRUE(tree.empty());
    EXPECT_EQ(groups_of(tree, "a"), std::vector<std::string>{});
}

TEST(SubscriptionTree, AppliesTheDollarRuleToSharedFilters) {
    Tree tree;
    tree.subscribe("$share/g/#", 1, qos(0), 0);
    tree.subscribe("$share/g/$SYS/#", 2, qos(0), 0);
    EXPECT_EQ(groups_of(tree, "$SYS/x"), std::vector<std::string>{"g:2,"});
    EXPECT_EQ(groups_of(tree, "x"), std::vector<std::string>{"g:1,"});
}

TEST(SubscriptionTree, SharedGroupCursorCanAdvanceThroughAConstTree) {
    Tree tree;
    tree.subscribe("$share/g/t", 1, qos(0), 0);
    tree.subscribe("$share/g/t", 2, qos(0), 0);
    const Tree& view = tree;
    std::vector<int> picked;
    for (int round = 0; round < 4; ++round) {
        view.match(
            "t", [](const Tree::Entry&) {},
            [&](std::string_view, const Tree::SharedGroup& g) {
                std::uint32_t n = g.cursor.fetch_add(1, std::memory_order_relaxed);
                picked.push_back(g.members[n % g.members.size()].subscriber);
            });
    }
    std::sort(picked.begin(), picked.end());
    EXPECT_EQ(picked, (Ids{1, 1, 2, 2}));
}

TEST(SubscriptionTree, FindsASharedGroupByItsSubscriptionFilter) {
    Tree tree;
    tree.subscribe("$share/g/a/+", 1, qos(1), 0);
    tree.subscribe("$share/g/a/+", 2, qos(2), 7);
    tree.subscribe("$share/h/a/+", 3, qos(0), 0);
    const Tree::SharedGroup* g = tree.shared_group("$share/g/a/+");
    ASSERT_NE(g, nullptr);
    ASSERT_EQ(g->members.size(), 2u);
    EXPECT_EQ(g->members[1].subscriber, 2);
    EXPECT_EQ(g->members[1].subscription_id, 7u);
    EXPECT_EQ(tree.shared_group("$share/x/a/+"), nullptr);
    EXPECT_EQ(tree.shared_group("$share/g/a/b"), nullptr);
    EXPECT_EQ(tree.shared_group("a/+"), nullptr);
    tree.unsubscribe("$share/h/a/+", 3);
    EXPECT_EQ(tree.shared_group("$share/h/a/+"), nullptr);
}

TEST(SubscriptionTree, IgnoresMalformedSharedFilters) {
    Tree tree;
    EXPECT_FALSE(tree.subscribe("$share/+/a", 1, qos(0), 0));
    EXPECT_FALSE(tree.subscribe("$share/g", 1, qos(0), 0));
    EXPECT_FALSE(tree.unsubscribe("$share/g", 1));
    EXPECT_TRUE(tree.empty());
}

TEST(SubscriptionTree, UnsubscribeAllRemovesEverySubscriptionOfOneSubscriber) {
    Tree tree;
    tree.subscribe("a/b", 1, qos(0), 0);
    tree.subscribe("a/#", 1, qos(0), 0);
    tree.subscribe("a/#", 2, qos(0), 0);
    tree.subscribe("$share/g/a/b", 1, qos(0), 0);
    tree.subscribe("$share/g/a/b", 2, qos(0), 0);
    tree.subscribe("x/y/z", 1, qos(0), 0);
    EXPECT_EQ(tree.unsubscribe_all(1), 4u);
    EXPECT_EQ(tree.size(), 2u);
    EXPECT_EQ(dump(tree),
              (std::multiset<std::pair<std::string, int>>{{"a/#", 2}, {"$share/g/a/b", 2}}));
    EXPECT_EQ(tree.unsubscribe_all(1), 0u);
    EXPECT_EQ(tree.unsubscribe_all(2), 2u);
    EXPECT_TRUE(tree.empty());
    EXPECT_EQ(dump(tree).size(), 0u);
}

TEST(SubscriptionTree, WorksWithSharedPtrSubscribers) {
    struct Session {
        int id;
    };
    using SessionTree = SubscriptionTree<std::shared_ptr<Session>>;
    auto s1 = std::make_shared<Session>(Session{1});
    auto s2 = std::make_shared<Session>(Session{2});
    SessionTree tree;
    tree.subscribe("a/+", s1, qos(0), 0);
    tree.subscribe("a/b", s2, qos(0), 0);
    tree.subscribe("a/b", s1, qos(0), 0);
    std::vector<int> ids;
    tree.match(
        "a/b", [&](const SessionTree::Entry& e) { ids.push_back(e.subscriber->id); },
        [](std::string_view, const SessionTree::SharedGroup&) {});
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (Ids{1, 1, 2}));
    EXPECT_TRUE(tree.unsubscribe("a/b", s1));
    EXPECT_EQ(s1.use_count(), 2);  // one copy left, in "a/+"
    tree.clear();
    EXPECT_EQ(s1.use_count(), 1);
    EXPECT_EQ(s2.use_count(), 1);
}

TEST(SubscriptionTree, WorksWithRawPointerSubscribers) {
    int a = 0;
    int b = 0;
    SubscriptionTree<int*> tree;
    tree.subscribe("t", &a, qos(0), 0);
    tree.subscribe("t", &b, qos(0), 0);
    EXPECT_TRUE(tree.unsubscribe("t", &a));
    int visits = 0;
    tree.match(
        "t",
        [&](const SubscriptionTree<int*>::Entry& e) {
            ++visits;
            EXPECT_EQ(e.subscriber, &b);
        },
        [](std::string_view, const SubscriptionTree<int*>::SharedGroup&) {});
    EXPECT_EQ(visits, 1);
}

TEST(SubscriptionTree, MovesWithItsSubscriptions) {
    Tree tree;
    tree.subscribe("a/b", 1, qos(0), 0);
    Tree moved(std::move(tree));
    EXPECT_EQ(moved.size(), 1u);
    EXPECT_EQ(subscribers_of(moved, "a/b"), Ids{1});
    EXPECT_TRUE(moved.unsubscribe("a/b", 1));  // parent links survived the move
    Tree assigned;
    assigned.subscribe("x", 2, qos(0), 0);
    assigned = std::move(moved);
    EXPECT_TRUE(assigned.empty());
    EXPECT_TRUE(assigned.subscribe("a/b", 3, qos(0), 0));
}

TEST(SubscriptionTree, SurvivesVeryDeepFilters) {
    Tree tree;
    std::string deep(65534, '/');  // 65535 levels, all empty
    std::string deep_hash = deep + "#";
    EXPECT_TRUE(tree.subscribe(deep, 1, qos(0), 0));
    EXPECT_TRUE(tree.subscribe(deep_hash, 2, qos(0), 0));
    EXPECT_EQ(subscribers_of(tree, deep), (Ids{1, 2}));
    EXPECT_EQ(subscribers_of(tree, "/"), Ids{});
    EXPECT_TRUE(tree.unsubscribe(deep, 1));
    // Destroying a 65535-level tree must not recurse.
}

TEST(SubscriptionTree, MatchesManyFiltersAgainstTheReferenceMatcher) {
    const std::vector<std::string> filters{
        "#",   "+",     "+/+", "a",      "a/#", "a/+",     "a/b",   "a/b/#",  "a/+/c",
        "+/b", "+/b/+", "/",   "/#",     "+/#", "a//c",    "a/+/+", "$SYS/#", "$SYS/+",
        "a/",  "+/",    "/+",  "a/b/c/", "b/#", "+/+/+/+", "$a",    "$a/#"};
    const std::vector<std::string> names{"a",     "a/b", "a/b/c",  "a//c",    "/",      "a/",
                                         "/a",    "b/b", "$SYS/x", "$SYS",    "a/b/c/", "$a",
                                         "a/x/c", "//",  "b",      "a/b/c/d", "$a/b"};
    Tree tree;
    for (std::size_t i = 0; i < filters.size(); ++i) {
        tree.subscribe(filters[i], static_cast<int>(i), qos(0), 0);
    }
    for (const std::string& name : names) {
        Ids expected;
        for (std::size_t i = 0; i < filters.size(); ++i) {
            if (matches(filters[i], name)) expected.push_back(static_cast<int>(i));
        }
        EXPECT_EQ(subscribers_of(tree, name), expected) << name;
    }
}

}  // namespace
}  // namespace lampi::topic
