// The -d lines, checked against what mosquitto_pub / mosquitto_sub 2.0.11 print.
#include "apps/common/debug_trace.h"

#include <gtest/gtest.h>

#include "apps/common/url.h"

namespace lampi::cli {
namespace {

using mqtt::PacketType;

TEST(DebugTrace, UnnamedClientIsNullUntilTheServerAssignsAnId) {
    DebugTrace t("");
    EXPECT_EQ(t.lines(true, mqtt::Connect{}), "Client (null) sending CONNECT\n");
    mqtt::Connack ack;
    ack.properties.assigned_client_identifier = "auto-1";
    EXPECT_EQ(t.lines(false, ack), "Client auto-1 received CONNACK (0)\n");
    EXPECT_EQ(t.lines(true, mqtt::Disconnect{}), "Client auto-1 sending DISCONNECT\n");
}

TEST(DebugTrace, PublishShowsFlagsIdTopicAndSize) {
    DebugTrace t("c");
    mqtt::Publish p;
    p.topic = "a/b";
    p.payload = "hello";
    p.qos = 1;
    p.packet_id = 1;
    EXPECT_EQ(t.lines(true, p),
              "Client c sending PUBLISH (d0, q1, r0, m1, 'a/b', ... (5 bytes))\n");
    p.dup = true;
    p.retain = true;
    EXPECT_EQ(t.lines(false, p),
              "Client c received PUBLISH (d1, q1, r1, m1, 'a/b', ... (5 bytes))\n");
}

TEST(DebugTrace, AcknowledgementsUseMosquittosTwoStyles) {
    DebugTrace t("c");
    EXPECT_EQ(t.lines(false, mqtt::PubResponse{PacketType::Puback, 1, 16, {}}),
              "Client c received PUBACK (Mid: 1, RC:16)\n");
    EXPECT_EQ(t.lines(false, mqtt::PubResponse{PacketType::Pubrec, 2, 0, {}}),
              "Client c received PUBREC (Mid: 2)\n");
    EXPECT_EQ(t.lines(true, mqtt::PubResponse{PacketType::Pubrel, 2, 0, {}}),
              "Client c sending PUBREL (m2)\n");
    EXPECT_EQ(t.lines(false, mqtt::PubResponse{PacketType::Pubcomp, 2, 0, {}}),
              "Client c received PUBCOMP (Mid: 2, RC:0)\n");
    EXPECT_EQ(t.lines(true, mqtt::PubResponse{PacketType::Puback, 3, 0, {}}),
              "Client c sending PUBACK (m3, rc0)\n");
    EXPECT_EQ(t.lines(true, mqtt::PubResponse{PacketType::Pubrec, 4, 0, {}}),
              "Client c sending PUBREC (m4, rc0)\n");
    EXPECT_EQ(t.lines(false, mqtt::PubResponse{PacketType::Pubrel, 4, 0, {}}),
              "Client c received PUBREL (Mid: 4)\n");
    EXPECT_EQ(t.lines(true, mqtt::PubResponse{PacketType::Pubcomp, 4, 0, {}}),
              "Client c sending PUBCOMP (m4)\n");
}

TEST(DebugTrace, SubscribeAndUnsubscribeLogOneLinePerTopic) {
    DebugTrace t("s");
    mqtt::Subscribe s;
    s.packet_id = 1;
    s.subscriptions.push_back({"x", {.qos = 2}});
    s.subscriptions.push_back({"a/#", {.qos = 1, .no_local = true, .retain_handling = 2}});
    EXPECT_EQ(t.lines(true, s),
              "Client s sending SUBSCRIBE (Mid: 1, Topic: x, QoS: 2, Options: 0x00)\n"
              "Client s sending SUBSCRIBE (Mid: 1, Topic: a/#, QoS: 1, Options: 0x24)\n");
    mqtt::Unsubscribe u;
    u.packet_id = 2;
    u.filters = {"foo"};
    EXPECT_EQ(t.lines(true, u), "Client s sending UNSUBSCRIBE (Mid: 2, Topic: foo)\n");
    EXPECT_EQ(t.lines(false, mqtt::Suback{}), "Client s received SUBACK\n");
    EXPECT_EQ(t.lines(false, mqtt::Unsuback{}), "Client s received UNSUBACK\n");
}

TEST(DebugTrace, PingsAndServerDisconnect) {
    DebugTrace t("k");
    EXPECT_EQ(t.lines(true, mqtt::Pingreq{}), "Client k sending PINGREQ\n");
    EXPECT_EQ(t.lines(false, mqtt::Pingresp{}), "Client k received PINGRESP\n");
    mqtt::Disconnect d;
    d.reason_code = 0x8E;
    EXPECT_EQ(t.lines(false, d), "Received DISCONNECT (142)\n");
}

TEST(BrokerUrl, WebSocketSchemesDefaultToHttpPorts) {
    auto ws = parse_broker_url("ws://u:p@example.com/a/b");
    ASSERT_TRUE(ws);
    EXPECT_TRUE(ws->websocket);
    EXPECT_FALSE(ws->tls);
    EXPECT_EQ(ws->port, 80);
    EXPECT_EQ(ws->topic, "a/b");
    EXPECT_EQ(ws->username, "u");
    EXPECT_EQ(ws->password, "p");
    auto wss = parse_broker_url("wss://example.com:8081/t");
    ASSERT_TRUE(wss);
    EXPECT_TRUE(wss->websocket && wss->tls);
    EXPECT_EQ(wss->port, 8081);
    EXPECT_FALSE(parse_broker_url("http://example.com/t"));
}

TEST(ProxyUrl, OnlySocks5hWithDefaultPort1080) {
    auto p = parse_proxy_url("socks5h://user:pw@proxy");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->host, "proxy");
    EXPECT_EQ(p->port, 1080);
    EXPECT_EQ(p->username, "user");
    EXPECT_EQ(p->password, "pw");
    EXPECT_FALSE(parse_proxy_url("socks4://proxy"));
    EXPECT_FALSE(parse_proxy_url("socks5h://proxy:0"));
}

}  // namespace
}  // namespace lampi::cli
