// Session state machine tests: bytes and a fake clock in, bytes and events out. No sockets.
#include "client/session.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace lampi::client {
namespace {

using namespace std::chrono_literals;

// "10 0d 'MQTT'" -> bytes. Hex pairs, and quoted ASCII for readability.
std::string bytes(std::string_view spec) {
    std::string out;
    for (std::size_t i = 0; i < spec.size();) {
        const char c = spec[i];
        if (c == ' ') {
            ++i;
        } else if (c == '\'') {
            const std::size_t end = spec.find('\'', i + 1);
            out.append(spec.substr(i + 1, end - i - 1));
            i = end + 1;
        } else {
            out.push_back(
                static_cast<char>(std::stoi(std::string(spec.substr(i, 2)), nullptr, 16)));
            i += 2;
        }
    }
    return out;
}

class SessionTest : public ::testing::Test {
  protected:
    SessionOptions options(mqtt::ProtocolVersion v = mqtt::ProtocolVersion::V311) {
        SessionOptions o;
        o.version = v;
        o.client_id = "c";
        o.keep_alive = 60;
        return o;
    }
    void feed(Session& s, std::string_view spec) {
        const std::string b = bytes(spec);
        s.on_bytes({reinterpret_cast<const std::uint8_t*>(b.data()), b.size()}, now_);
    }
    // Connects and accepts with a 3.1.1 CONNACK; clears output and events.
    void establish(Session& s, std::string_view connack = "20 02 00 00") {
        s.connect(now_);
        feed(s, connack);
        s.take_output();
        s.take_events();
    }
    mqtt::Publish message(std::uint8_t qos, std::string payload = "hi") {
        mqtt::Publish p;
        p.topic = "t";
        p.payload = std::move(payload);
        p.qos = qos;
        return p;
    }
    TimePoint now_ = TimePoint{} + 1000s;
};

TEST_F(SessionTest, ConnectWritesConnectPacketAndConnackEmitsConnected) {
    Session s(options());
    s.connect(now_);
    // CONNECT, remaining length 13: "MQTT", level 4, flags clean session, keepalive 60, id "c".
    EXPECT_EQ(s.take_output(), bytes("10 0d 00 04 'MQTT' 04 02 00 3c 00 01 'c'"));
    EXPECT_EQ(s.state(), Session::State::Connecting);
    feed(s, "20 02 01 00");  // CONNACK, session present, accepted
    EXPECT_EQ(s.state(), Session::State::Connected);
    auto events = s.take_events();
    ASSERT_EQ(events.size(), 1u);
    const auto& c = std::get<event::Connected>(events[0]);
    EXPECT_TRUE(c.session_present);
    EXPECT_EQ(c.reason_code, 0);
}

TEST_F(SessionTest, V5ConnectCarriesEmptyPropertiesAndUsernamePassword) {
    SessionOptions o = options(mqtt::ProtocolVersion::V5);
    o.username = "u";
    o.password = "p";
    Session s(o);
    s.connect(now_);
    // flags c2 = username | password | clean start; property length 0.
    EXPECT_EQ(s.take_output(),
              bytes("10 14 00 04 'MQTT' 05 c2 00 3c 00 00 01 'c' 00 01 'u' 00 01 'p'"));
}

TEST_F(SessionTest, RefusedConnackEmitsReasonAndDisconnects) {
    Session s(options());
    s.connect(now_);
    feed(s, "20 02 00 05");  // not authorised
    auto events = s.take_events();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(std::get<event::Connected>(events[0]).reason_code, 5);
    EXPECT_TRUE(std::holds_alternative<event::Disconnected>(events[1]));
    EXPECT_EQ(s.state(), Session::State::Disconnected);
}

TEST_F(SessionTest, Qos0PublishIsWrittenAtOnce) {
    Session s(options());
    establish(s);
    EXPECT_EQ(s.publish(message(0)), 0);
    EXPECT_EQ(s.take_output(), bytes("30 05 00 01 't' 'hi'"));
    EXPECT_TRUE(s.idle());
}

TEST_F(SessionTest, Qos1PublishCompletesOnPuback) {
    Session s(options());
    establish(s);
    EXPECT_EQ(s.publish(message(1)), 1);
    EXPECT_EQ(s.take_output(), bytes("32 07 00 01 't' 00 01 'hi'"));
    EXPECT_FALSE(s.idle());
    feed(s, "40 02 00 01");
    auto events = s.take_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(std::get<event::Published>(events[0]).packet_id, 1);
    EXPECT_TRUE(s.idle());
}

TEST_F(SessionTest, Qos2PublishSendsPubrelOnPubrecAndCompletesOnPubcomp) {
    Session s(options());
    establish(s);
    EXPECT_EQ(s.publish(message(2)), 1);
    EXPECT_EQ(s.take_output(), bytes("34 07 00 01 't' 00 01 'hi'"));
    feed(s, "50 02 00 01");                            // PUBREC
    EXPECT_EQ(s.take_output(), bytes("62 02 00 01"));  // PUBREL, flags 0010
    EXPECT_TRUE(s.take_events().empty());
    feed(s, "70 02 00 01");  // PUBCOMP
    auto events = s.take_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(std::get<event::Published>(events[0]).packet_id, 1);
    EXPECT_TRUE(s.idle());
}

TEST_F(SessionTest, Qos0MessagesTakeANumberFromTheIdCounterLikeLibmosquitto) {
    Session s(options());
    establish(s);
    std::vector<std::uint16_t> numbers;
    s.set_packet_observer([&numbers](bool outgoing, const mqtt::Packet& p) {
        if (const auto* pub = std::get_if<mqtt::Publish>(&p); pub && outgoing) {
            numbers.push_back(pub->packet_id);
        }
    });
    EXPECT_EQ(s.publish(message(0)), 0);  // numbered 1, nothing on the wire
    EXPECT_EQ(s.publish(message(1)), 2);
    EXPECT_EQ(s.take_output(), bytes("30 05 00 01 't' 'hi' 32 07 00 01 't' 00 02 'hi'"));
    EXPECT_EQ(numbers, (std::vector<std::uint16_t>{1, 2}));
}

TEST_F(SessionTest, PacketObserverSeesReadPacketsBeforeTheAnswersTheyCause) {
    Session s(options());
    establish(s);
    std::vector<std::string> seen;
    s.set_packet_observer([&seen](bool outgoing, const mqtt::Packet& p) {
        seen.push_back(std::string(outgoing ? "out " : "in ") + std::to_string(p.index()));
    });
    feed(s, "32 07 00 01 't' 00 05 'hi'");  // QoS 1 PUBLISH id 5
    // Variant indexes: 2 Publish, 3 PubResponse.
    EXPECT_EQ(seen, (std::vector<std::string>{"in 2", "out 3"}));
}

TEST_F(SessionTest, HandleNextPacketHandlesOnePacketPerCall) {
    Session s(options());
    establish(s);
    // Two QoS 1 PUBLISH packets (ids 1 and 2) arrive in one read.
    const std::string two = bytes("32 06 00 01 't' 00 01 'a' 32 06 00 01 't' 00 02 'b'");
    s.receive({reinterpret_cast<const std::uint8_t*>(two.data()), two.size()}, now_);
    ASSERT_TRUE(s.handle_next_packet(now_));
    EXPECT_EQ(s.take_events().size(), 1u);
    EXPECT_EQ(s.take_output(), bytes("40 02 00 01"));  // PUBACK for the first only
    ASSERT_TRUE(s.handle_next_packet(now_));
    EXPECT_EQ(s.take_output(), bytes("40 02 00 02"));
    EXPECT_FALSE(s.handle_next_packet(now_));  // nothing left
}

TEST_F(SessionTest, InflightWindowQueuesMessagesBeyondMaximum) {
    SessionOptions o = options();
    o.max_inflight = 2;
    Session s(o);
    establish(s);
    s.publish(message(1, "a"));
    s.publish(message(1, "b"));
    s.publish(message(1, "c"));
    EXPECT_EQ(s.take_output(), bytes("32 06 00 01 't' 00 01 'a' 32 06 00 01 't' 00 02 'b'"));
    EXPECT_EQ(s.inflight_count(), 2u);
    EXPECT_EQ(s.queued_count(), 1u);
    feed(s, "40 02 00 01");
    EXPECT_EQ(s.take_output(), bytes("32 06 00 01 't' 00 03 'c'"));
    EXPECT_EQ(s.queued_count(), 0u);
}

TEST_F(SessionTest, V5ServerReceiveMaximumShrinksWindow) {
    Session s(options(mqtt::ProtocolVersion::V5));
    // CONNACK with properties: receive maximum (0x21) = 1.
    establish(s, "20 06 00 00 03 21 00 01");
    s.publish(message(1, "a"));
    s.publish(message(1, "b"));
    // v5 PUBLISH has a property length byte (0) after the packet id.
    EXPECT_EQ(s.take_output(), bytes("32 07 00 01 't' 00 01 00 'a'"));
    feed(s, "40 02 00 01");
    EXPECT_EQ(s.take_output(), bytes("32 07 00 01 't' 00 02 00 'b'"));
}

TEST_F(SessionTest, MessagesPublishedBeforeConnackAreSentAfterIt) {
    Session s(options());
    s.publish(message(0, "a"));
    s.publish(message(1, "b"));
    s.connect(now_);
    s.take_output();
    feed(s, "20 02 00 00");
    // The QoS 0 message took number 1 from the id counter (not sent), so "b" has id 2.
    EXPECT_EQ(s.take_output(), bytes("30 04 00 01 't' 'a' 32 06 00 01 't' 00 02 'b'"));
}

TEST_F(SessionTest, ResumedSessionResendsPublishWithDupAndPubrel) {
    SessionOptions o = options();
    o.clean_start = false;
    Session s(o);
    establish(s);
    s.publish(message(1, "a"));  // id 1, awaits PUBACK
    s.publish(message(2, "b"));  // id 2, will await PUBCOMP
    feed(s, "50 02 00 02");
    s.take_output();
    s.connection_lost();
    EXPECT_EQ(s.state(), Session::State::Disconnected);
    s.connect(now_);
    EXPECT_EQ(s.take_output(), bytes("10 0d 00 04 'MQTT' 04 00 00 3c 00 01 'c'"));
    feed(s, "20 02 01 00");  // session present
    // PUBLISH id 1 again with DUP (0x08), then PUBREL for id 2.
    EXPECT_EQ(s.take_output(), bytes("3a 06 00 01 't' 00 01 'a' 62 02 00 02"));
    feed(s, "40 02 00 01 70 02 00 02");
    EXPECT_EQ(s.take_events().size(), 3u);  // Connected + 2 Published
    EXPECT_TRUE(s.idle());
}

TEST_F(SessionTest, NewSessionAfterReconnectSendsUnackedMessagesAsNew) {
    Session s(options());
    establish(s);
    s.publish(message(1, "a"));
    s.take_output();
    s.connection_lost();
    s.connect(now_);
    s.take_output();
    feed(s, "20 02 00 00");  // no session present
    EXPECT_EQ(s.take_output(), bytes("32 06 00 01 't' 00 01 'a'"));
}

TEST_F(SessionTest, InboundQos1IsDeliveredAndAcknowledged) {
    Session s(options());
    establish(s);
    feed(s, "32 07 00 01 't' 00 09 'hi'");
    EXPECT_EQ(s.take_output(), bytes("40 02 00 09"));
    auto events = s.take_events();
    ASSERT_EQ(events.size(), 1u);
    const auto& m = std::get<event::Message>(events[0]).publish;
    EXPECT_EQ(m.topic, "t");
    EXPECT_EQ(m.payload, "hi");
    EXPECT_EQ(m.qos, 1);
}

TEST_F(SessionTest, InboundQos2IsDeliveredExactlyOnceUntilPubrel) {
    Session s(options());
    establish(s);
    feed(s, "34 07 00 01 't' 00 07 'hi'");
    EXPECT_EQ(s.take_output(), bytes("50 02 00 07"));
    EXPECT_EQ(s.take_events().size(), 1u);
    feed(s, "3c 07 00 01 't' 00 07 'hi'");  // duplicate with DUP set
    EXPECT_EQ(s.take_output(), bytes("50 02 00 07"));
    EXPECT_TRUE(s.take_events().empty());
    feed(s, "62 02 00 07");  // PUBREL
    EXPECT_EQ(s.take_output(), bytes("70 02 00 07"));
    feed(s, "34 07 00 01 't' 00 07 'ho'");  // id reused for a new message
    EXPECT_EQ(s.take_events().size(), 1u);
}

TEST_F(SessionTest, InboundQos2CanBeHeldUntilPubrel) {
    SessionOptions o = options();
    o.deliver_qos2_on_pubrel = true;
    Session s(o);
    establish(s);
    feed(s, "34 07 00 01 't' 00 07 'hi'");
    EXPECT_EQ(s.take_output(), bytes("50 02 00 07"));
    EXPECT_TRUE(s.take_events().empty());
    feed(s, "62 02 00 07");
    EXPECT_EQ(s.take_output(), bytes("70 02 00 07"));
    auto events = s.take_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(std::get<event::Message>(events[0]).publish.payload, "hi");
}

TEST_F(SessionTest, PacketSplitAcrossReadsIsReassembled) {
    Session s(options());
    establish(s);
    feed(s, "30 05 00");
    EXPECT_TRUE(s.take_events().empty());
    feed(s, "01 't' 'h' 'i' 30");
    EXPECT_EQ(s.take_events().size(), 1u);
    feed(s, "03 00 01 'u'");
    auto events = s.take_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(std::get<event::Message>(events[0]).publish.topic, "u");
}

TEST_F(SessionTest, SubscribeAndUnsubscribeEmitAnswers) {
    Session s(options());
    establish(s);
    EXPECT_EQ(s.subscribe({{"t", {1, false, false, 0}}}), 1);
    EXPECT_EQ(s.take_output(), bytes("82 06 00 01 00 01 't' 01"));
    feed(s, "90 03 00 01 01");
    auto events = s.take_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(std::get<event::Subscribed>(events[0]).reason_codes, std::vector<std::uint8_t>{1});
    EXPECT_EQ(s.unsubscribe({"t"}), 2);
    EXPECT_EQ(s.take_output(), bytes("a2 05 00 02 00 01 't'"));
    feed(s, "b0 02 00 02");
    events = s.take_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<event::Unsubscribed>(events[0]));
    EXPECT_TRUE(s.idle());
}

TEST_F(SessionTest, KeepaliveSendsPingWhenIdleAndAcceptsPingresp) {
    Session s(options());
    establish(s);
    EXPECT_EQ(s.next_deadline(), now_ + 60s);
    s.on_tick(now_ + 59s);
    EXPECT_EQ(s.take_output(), "");
    s.on_tick(now_ + 60s);
    EXPECT_EQ(s.take_output(), bytes("c0 00"));
    now_ += 61s;
    feed(s, "d0 00");
    s.on_tick(now_ + 60s);  // 121s after the ping: a new ping, not a timeout
    EXPECT_EQ(s.take_output(), bytes("c0 00"));
    EXPECT_EQ(s.state(), Session::State::Connected);
}

TEST_F(SessionTest, KeepaliveTimesOutWithoutPingresp) {
    Session s(options());
    establish(s);
    s.on_tick(now_ + 60s);
    EXPECT_EQ(s.take_output(), bytes("c0 00"));
    s.on_tick(now_ + 119s);
    EXPECT_EQ(s.state(), Session::State::Connected);
    s.on_tick(now_ + 120s);
    EXPECT_EQ(s.state(), Session::State::Disconnected);
    auto events = s.take_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(std::get<event::Disconnected>(events[0]).reason_code,
              mqtt::reason::kKeepAliveTimeout);
}

TEST_F(SessionTest, MalformedPacketDisconnects) {
    Session s(options());
    establish(s);
    feed(s, "00 00");  // packet type 0 is reserved
    EXPECT_EQ(s.state(), Session::State::Disconnected);
    auto events = s.take_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_FALSE(std::get<event::Disconnected>(events[0]).by_server);
}

TEST_F(SessionTest, DisconnectWritesDisconnectPacket) {
    Session s(options());
    establish(s);
    s.disconnect();
    EXPECT_EQ(s.take_output(), bytes("e0 00"));
    EXPECT_EQ(s.state(), Session::State::Disconnecting);
}

}  // namespace
}  // namespace lampi::client
