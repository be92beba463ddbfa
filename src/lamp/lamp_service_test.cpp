#include "lamp/lamp_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lampi::lamp {
namespace {

nlohmann::json json_of(const Outgoing& o) { return nlohmann::json::parse(o.payload); }

TEST(LampService, UsesTheCourseTopics) {
    LampService s("lamp/", "lamp_service", LampState{});
    EXPECT_EQ(s.will(), (Outgoing{"lamp/connection/lamp_service/state", "0", 1, true}));
    EXPECT_EQ(s.subscriptions(), (std::vector<std::string>{"lamp/set_config", "lamp/associated"}));
    auto out = s.on_connected();
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0], (Outgoing{"lamp/connection/lamp_service/state", "1", 1, true}));
    EXPECT_EQ(out[1].topic, "lamp/changed");
    EXPECT_TRUE(out[1].retain);
    EXPECT_EQ(out[1].qos, 1);
    EXPECT_EQ(json_of(out[1])["client"], "lamp_service");
}

TEST(LampService, TopicsFollowTheRoot) {
    LampService s("devices/abc/lamp/", "svc", LampState{});
    EXPECT_EQ(s.topics().set_config, "devices/abc/lamp/set_config");
    EXPECT_EQ(s.topics().connection_state, "devices/abc/lamp/connection/svc/state");
}

TEST(LampService, AppliesASetConfigAndPublishesTheFullState) {
    LampService s("lamp/", "lamp_service", LampState{});
    Reaction r = s.on_message("lamp/set_config", R"({"brightness": 0.257, "client": "bar"})");
    EXPECT_TRUE(r.state_changed);
    EXPECT_EQ(r.warning, "");
    ASSERT_EQ(r.publish.size(), 1u);
    auto j = json_of(r.publish[0]);
    EXPECT_DOUBLE_EQ(j["brightness"].get<double>(), 0.26);
    EXPECT_DOUBLE_EQ(j["color"]["h"].get<double>(), 1.0);
    EXPECT_EQ(j["client"], "bar");
    EXPECT_EQ(s.state().client, "bar");
}

TEST(LampService, IgnoresABadMessageWithOneWarning) {
    LampService s("lamp/", "lamp_service", LampState{});
    const LampState before = s.state();
    for (const char* bad : {"not json", R"({"brightness": 7, "client": "b"})",
                            R"({"brightness": 0.9})", R"({"on": "yes", "client": "b"})"}) {
        Reaction r = s.on_message("lamp/set_config", bad);
        EXPECT_FALSE(r.state_changed) << bad;
        EXPECT_TRUE(r.publish.empty()) << bad;
        EXPECT_NE(r.warning, "") << bad;
        EXPECT_EQ(r.warning.find('\n'), std::string::npos);
    }
    EXPECT_EQ(s.state(), before);
}

TEST(LampService, KeepsTheAssociationInItsState) {
    LampService s("lamp/", "lamp_service", LampState{});
    Reaction r = s.on_message("lamp/associated", R"({"associated": false, "code": "a1b2c3d4"})");
    EXPECT_TRUE(r.state_changed);
    ASSERT_EQ(r.publish.size(), 1u);
    EXPECT_EQ(json_of(r.publish[0])["associated"]["code"], "a1b2c3d4");
    EXPECT_NE(r.info.find("a1b2c3d4"), std::string::npos);
    r = s.on_message("lamp/associated", "{");
    EXPECT_NE(r.warning, "");
    EXPECT_EQ(s.state().association->code, "a1b2c3d4");
}

TEST(LampService, IgnoresOtherTopics) {
    LampService s("lamp/", "lamp_service", LampState{});
    Reaction r = s.on_message("lamp/changed", "{}");
    EXPECT_FALSE(r.state_changed);
    EXPECT_TRUE(r.publish.empty());
}

}  // namespace
}  // namespace lampi::lamp
