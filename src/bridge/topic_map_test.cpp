#include "bridge/topic_map.h"

#include <gtest/gtest.h>

namespace lampi::bridge {
namespace {

using config::BridgeDirection;
using config::BridgeTopic;

BridgeTopic line(std::string pattern, BridgeDirection d, int qos, std::string local,
                 std::string remote) {
    return BridgeTopic{std::move(pattern), d, static_cast<std::uint8_t>(qos), std::move(local),
                       std::move(remote)};
}

TopicMap lampi_lines() {
    const std::string remote = "devices/b827eb08451e/";
    return TopicMap({line("lamp/set_config", BridgeDirection::In, 1, "", remote),
                     line("lamp/changed", BridgeDirection::Out, 1, "", remote),
                     line("lamp/connection/+/state", BridgeDirection::Out, 1, "", remote),
                     line("lamp/associated", BridgeDirection::In, 2, "", remote)});
}

TEST(TopicMap, LampiOutTopicsGetTheRemotePrefix) {
    auto m = lampi_lines().to_remote("lamp/changed", 2);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->topic, "devices/b827eb08451e/lamp/changed");
    EXPECT_EQ(m->qos, 1);  // min(line, message)
    auto s = lampi_lines().to_remote("lamp/connection/lamp_service/state", 1);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->topic, "devices/b827eb08451e/lamp/connection/lamp_service/state");
}

TEST(TopicMap, InTopicsDoNotGoOut) {
    EXPECT_FALSE(lampi_lines().to_remote("lamp/set_config", 1));
    EXPECT_FALSE(lampi_lines().to_remote("lamp/other", 1));
}

TEST(TopicMap, RemotePrefixIsStrippedComingIn) {
    auto m = lampi_lines().to_local("devices/b827eb08451e/lamp/set_config", 1);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->topic, "lamp/set_config");
    auto a = lampi_lines().to_local("devices/b827eb08451e/lamp/associated", 2);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->qos, 2);
    EXPECT_FALSE(lampi_lines().to_local("devices/b827eb08451e/lamp/changed", 1));
}

TEST(TopicMap, SubscriptionsFollowDirections) {
    auto local = lampi_lines().local_subscriptions();
    ASSERT_EQ(local.size(), 2u);
    EXPECT_EQ(local[0].filter, "lamp/changed");
    auto remote = lampi_lines().remote_subscriptions();
    ASSERT_EQ(remote.size(), 2u);
    EXPECT_EQ(remote[0].filter, "devices/b827eb08451e/lamp/set_config");
    EXPECT_EQ(remote[1].qos, 2);
}

TEST(TopicMap, PrefixWithoutSlashFusesWithTheFirstLevel) {
    TopicMap m({line("lamp/x", BridgeDirection::Out, 0, "", "devices/abc")});
    EXPECT_EQ(m.to_remote("lamp/x", 0)->topic, "devices/abclamp/x");
}

TEST(TopicMap, EmptyPatternRenamesOneExactTopic) {
    TopicMap m({line("", BridgeDirection::Out, 0, "a/b", "x/y")});
    EXPECT_EQ(m.to_remote("a/b", 0)->topic, "x/y");
    EXPECT_FALSE(m.to_remote("a/b/c", 0));
}

TEST(TopicMap, LiteralStrippingOnlyWhenThePrefixIsPresent) {
    // The man page's surprise: `topic # in 0 A/ x/y/` receives remote x/y, which does not start
    // with x/y/, so it becomes local A/x/y.
    TopicMap m({line("#", BridgeDirection::In, 0, "A/", "x/y/")});
    EXPECT_EQ(m.to_local("x/y", 0)->topic, "A/x/y");
    EXPECT_EQ(m.to_local("x/y/z", 0)->topic, "A/z");
}

TEST(TopicMap, FirstMatchingLineWins) {
    TopicMap m({line("a/#", BridgeDirection::Out, 1, "", "first/"),
                line("a/b", BridgeDirection::Out, 2, "", "second/")});
    auto r = m.to_remote("a/b", 2);
    EXPECT_EQ(r->topic, "first/a/b");
    EXPECT_EQ(r->qos, 1);
}

TEST(TopicMap, BothLinesWorkBothWays) {
    TopicMap m({line("sync/#", BridgeDirection::Both, 1, "local/", "remote/")});
    EXPECT_EQ(m.to_remote("local/sync/a", 1)->topic, "remote/sync/a");
    EXPECT_EQ(m.to_local("remote/sync/a", 1)->topic, "local/sync/a");
    EXPECT_EQ(m.remote_out_only_filters().size(), 0u);
}

TEST(TopicMap, ManPageSysExample) {
    TopicMap m(
        {line("clients/total", BridgeDirection::In, 0, "test/mosquitto/org/", "$SYS/broker/")});
    EXPECT_EQ(m.remote_subscriptions()[0].filter, "$SYS/broker/clients/total");
    EXPECT_EQ(m.to_local("$SYS/broker/clients/total", 0)->topic,
              "test/mosquitto/org/clients/total");
}

}  // namespace
}  // namespace lampi::bridge
