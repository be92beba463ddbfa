#include "lamp/lamp_state.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lampi::lamp {
namespace {

SetConfig accepted(std::string_view payload) {
    auto r = parse_set_config(payload);
    EXPECT_TRUE(std::holds_alternative<SetConfig>(r)) << payload;
    return std::holds_alternative<SetConfig>(r) ? std::get<SetConfig>(r) : SetConfig{};
}

bool rejected(std::string_view payload) {
    return std::holds_alternative<Rejection>(parse_set_config(payload));
}

TEST(ParseSetConfig, AcceptsEveryField) {
    SetConfig c = accepted(
        R"({"color": {"h": 0.33, "s": 1}, "brightness": 0.5, "on": true, "client": "bar"})");
    EXPECT_DOUBLE_EQ(*c.hue, 0.33);
    EXPECT_DOUBLE_EQ(*c.saturation, 1.0);
    EXPECT_DOUBLE_EQ(*c.brightness, 0.5);
    EXPECT_TRUE(*c.on);
    EXPECT_EQ(c.client, "bar");
}

TEST(ParseSetConfig, AcceptsAnySubset) {
    SetConfig c = accepted(R"({"brightness": 0.25, "client": "x"})");
    EXPECT_FALSE(c.hue);
    EXPECT_FALSE(c.saturation);
    EXPECT_FALSE(c.on);
    EXPECT_DOUBLE_EQ(*c.brightness, 0.25);
    c = accepted(R"({"color": {"s": 0}, "client": "x", "unknown": [1]})");
    EXPECT_FALSE(c.hue);
    EXPECT_DOUBLE_EQ(*c.saturation, 0.0);
    c = accepted(R"({"client": ""})");
    EXPECT_FALSE(c.brightness);
}

TEST(ParseSetConfig, AcceptsTheRangeEnds) {
    accepted(R"({"color": {"h": 0, "s": 1.0}, "brightness": 1, "client": "x"})");
    accepted(R"({"color": {"h": 1, "s": 0.0}, "brightness": 0, "client": "x"})");
}

TEST(ParseSetConfig, RejectsInvalidJsonAndNonObjects) {
    EXPECT_TRUE(rejected("not json"));
    EXPECT_TRUE(rejected(""));
    EXPECT_TRUE(rejected("{\"client\": \"x\""));
    EXPECT_TRUE(rejected("[1, 2]"));
    EXPECT_TRUE(rejected("\"client\""));
    EXPECT_TRUE(rejected("null"));
}

TEST(ParseSetConfig, RejectsAMessageWithoutAStringClient) {
    EXPECT_TRUE(rejected(R"({"brightness": 0.9})"));
    EXPECT_TRUE(rejected(R"({"brightness": 0.9, "client": 3})"));
    EXPECT_TRUE(rejected(R"({"brightness": 0.9, "client": null})"));
}

TEST(ParseSetConfig, RejectsWrongTypes) {
    EXPECT_TRUE(rejected(R"({"on": "yes", "client": "x"})"));
    EXPECT_TRUE(rejected(R"({"on": 1, "client": "x"})"));
    EXPECT_TRUE(rejected(R"({"brightness": "0.5", "client": "x"})"));
    EXPECT_TRUE(rejected(R"({"brightness": true, "client": "x"})"));
    EXPECT_TRUE(rejected(R"({"color": 0.5, "client": "x"})"));
    EXPECT_TRUE(rejected(R"({"color": {"h": null}, "client": "x"})"));
}

TEST(ParseSetConfig, RejectsValuesOutOfRange) {
    EXPECT_TRUE(rejected(R"({"brightness": 7, "client": "x"})"));
    EXPECT_TRUE(rejected(R"({"brightness": 1.0001, "client": "x"})"));
    EXPECT_TRUE(rejected(R"({"color": {"h": -1}, "client": "x"})"));
    EXPECT_TRUE(rejected(R"({"color": {"s": 1e308}, "client": "x"})"));
    EXPECT_TRUE(rejected(R"({"color": {"h": -0.01, "s": 0.5}, "client": "x"})"));
}

TEST(ParseSetConfig, RejectsTheWholeMessageWhenOneFieldIsBad) {
    EXPECT_TRUE(rejected(R"({"brightness": 0.5, "on": "no", "client": "x"})"));
    EXPECT_TRUE(rejected(R"({"color": {"h": 0.5, "s": 2}, "brightness": 0.5, "client": "x"})"));
}

TEST(Round2, RoundsToTwoDecimals) {
    EXPECT_DOUBLE_EQ(round2(0.333333), 0.33);
    EXPECT_DOUBLE_EQ(round2(0.335), 0.34);
    EXPECT_DOUBLE_EQ(round2(0.994), 0.99);
    EXPECT_DOUBLE_EQ(round2(0.996), 1.0);
    EXPECT_DOUBLE_EQ(round2(0.0), 0.0);
    EXPECT_DOUBLE_EQ(round2(1.0), 1.0);
}

TEST(Apply, MergesOnlyThePresentFieldsAndRounds) {
    LampState s{0.1, 0.2, 0.3, false, "old", std::nullopt};
    SetConfig c;
    c.brightness = 0.25678;
    c.client = "ui";
    LampState n = apply(s, c);
    EXPECT_DOUBLE_EQ(n.hue, 0.1);
    EXPECT_DOUBLE_EQ(n.saturation, 0.2);
    EXPECT_DOUBLE_EQ(n.brightness, 0.26);
    EXPECT_FALSE(n.on);
    EXPECT_EQ(n.client, "ui");
    c = SetConfig{};
    c.hue = 0.123;
    c.on = true;
    c.client = "cmd";
    n = apply(n, c);
    EXPECT_DOUBLE_EQ(n.hue, 0.12);
    EXPECT_DOUBLE_EQ(n.brightness, 0.26);
    EXPECT_TRUE(n.on);
}

TEST(ToJson, HasTheCourseShape) {
    LampState s{0.33, 1.0, 0.5, true, "bar", std::nullopt};
    auto j = nlohmann::json::parse(to_json(s));
    EXPECT_EQ(j, nlohmann::json::parse(
                     R"({"color": {"h": 0.33, "s": 1.0}, "brightness": 0.5, "on": true,
                         "client": "bar"})"));
    s.association = Association{true, "abcdef123"};
    j = nlohmann::json::parse(to_json(s));
    EXPECT_EQ(j["associated"]["code"], "abcdef123");
    EXPECT_EQ(j["associated"]["associated"], true);
}

TEST(StateFromJson, RoundTripsToJson) {
    LampState s{0.12, 0.34, 0.56, false, "x", Association{false, "c"}};
    auto r = state_from_json(to_json(s));
    ASSERT_TRUE(std::holds_alternative<LampState>(r));
    EXPECT_EQ(std::get<LampState>(r), s);
}

TEST(StateFromJson, RejectsAnIncompleteState) {
    EXPECT_TRUE(std::holds_alternative<Rejection>(
        state_from_json(R"({"brightness": 0.5, "client": "x"})")));
}

TEST(ParseAssociation, ReadsFlagAndCode) {
    auto r = parse_association(R"({"associated": false, "code": "123456789"})");
    ASSERT_TRUE(std::holds_alternative<Association>(r));
    EXPECT_EQ(std::get<Association>(r), (Association{false, "123456789"}));
    EXPECT_TRUE(std::holds_alternative<Association>(parse_association(R"({"associated": true})")));
    EXPECT_TRUE(std::holds_alternative<Rejection>(parse_association(R"({"code": "x"})")));
    EXPECT_TRUE(std::holds_alternative<Rejection>(parse_association("[]")));
}

}  // namespace
}  // namespace lampi::lamp
