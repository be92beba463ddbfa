// Broker and session state machines driven by packets and a fake outlet: no sockets, no sleeps.
#include <gtest/gtest.h>

#include "broker/test_util.h"

namespace lampi::broker {
namespace {

using test::BrokerTest;
using test::Client;

TEST_F(BrokerTest, ConnectGetsConnackAcceptedWithoutSessionPresent) {
    Client c = connect("a");
    auto packets = c.outlet->take();
    ASSERT_EQ(packets.size(), 1u);
    auto& ack = std::get<mqtt::Connack>(packets[0]);
    EXPECT_EQ(ack.reason_code, 0);
    EXPECT_FALSE(ack.session_present);
}

TEST_F(BrokerTest, FirstPacketOtherThanConnectClosesTheConnection) {
    Client c;
    c.conn = std::make_unique<ClientConnection>(*broker_, *c.outlet,
                                                std::make_shared<const ListenerPolicy>(), "t");
    c.conn->on_packet(mqtt::Pingreq{}, now_);
    EXPECT_TRUE(c.outlet->closed());
    EXPECT_TRUE(c.outlet->take().empty());
}

TEST_F(BrokerTest, EmptyClientIdWithoutCleanSessionIsRejectedWithCode2) {
    Client c = connect("", false);
    auto packets = c.outlet->take();
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(std::get<mqtt::Connack>(packets[0]).reason_code, 2);
    EXPECT_TRUE(c.outlet->closed());
}

TEST_F(BrokerTest, PublishReachesMatchingSubscriberAtTheLowerQos) {
    Client sub = connect("sub");
    subscribe(sub, "a/+", 1);
    sub.outlet->take();
    Client pub = connect("pub");
    pub.conn->on_packet(publish("a/b", "x", 2, 7), now_);
    auto got = publishes(sub);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].qos, 1);
    EXPECT_EQ(got[0].payload, "x");
    auto acks = pub.outlet->take();
    ASSERT_EQ(acks.size(), 2u);  // CONNACK, PUBREC
    EXPECT_EQ(std::get<mqtt::PubResponse>(acks[1]).type, mqtt::PacketType::Pubrec);
}

TEST_F(BrokerTest, OverlappingSubscriptionsDeliverOneCopyAtTheHighestQos) {
    Client sub = connect("sub");
    subscribe(sub, "a/#", 0, 1);
    subscribe(sub, "a/b", 2, 2);
    sub.outlet->take();
    Client pub = connect("pub");
    pub.conn->on_packet(publish("a/b", "x", 2, 1), now_);
    auto got = publishes(sub);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].qos, 2);
}

TEST_F(BrokerTest, DuplicateQos2PublishIsDeliveredOnlyOnce) {
    Client sub = connect("sub");
    subscribe(sub, "t", 2);
    sub.outlet->take();
    Client pub = connect("pub", false);
    pub.conn->on_packet(publish("t", "once", 2, 9), now_);
    auto dup = publish("t", "once", 2, 9);
    dup.dup = true;
    pub.conn->on_packet(dup, now_);
    EXPECT_EQ(publishes(sub).size(), 1u);
    pub.conn->on_packet(mqtt::PubResponse{mqtt::PacketType::Pubrel, 9, 0, {}}, now_);
    pub.conn->on_packet(publish("t", "again", 2, 9), now_);
    EXPECT_EQ(publishes(sub).size(), 1u);  // the id was released, so this is a new message
}

TEST_F(BrokerTest, InflightWindowHoldsBackMessagesUntilAcknowledged) {
    settings_.max_inflight_messages = 2;
    rebuild_broker();
    Client sub = connect("sub");
    subscribe(sub, "t", 1);
    sub.outlet->take();
    Client pub = connect("pub");
    for (int i = 0; i < 5; ++i) pub.conn->on_packet(publish("t", std::to_string(i), 0), now_);
    auto first = publishes(sub);
    ASSERT_EQ(first.size(), 5u);  // QoS 0 is not held by the window
    for (int i = 0; i < 5; ++i) {
        pub.conn->on_packet(publish("t", std::to_string(i), 1, static_cast<std::uint16_t>(i + 1)),
                            now_);
    }
    auto window = publishes(sub);
    ASSERT_EQ(window.size(), 2u);
    sub.conn->on_packet(mqtt::PubResponse{mqtt::PacketType::Puback, window[0].packet_id, 0, {}},
                        now_);
    auto next = publishes(sub);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].payload, "2");
}

TEST_F(BrokerTest, QueueBeyondMaxQueuedMessagesDropsForOfflineSubscriber) {
    settings_.max_queued_messages = 3;
    rebuild_broker();
    {
        Client sub = connect("p", false);
        subscribe(sub, "q", 1);
        sub.conn->on_transport_closed(now_);
    }
    Client pub = connect("pub");
    for (int i = 0; i < 10; ++i) {
        pub.conn->on_packet(publish("q", std::to_string(i), 1, static_cast<std::uint16_t>(i + 1)),
                            now_);
    }
    Client again = connect("p", false);
    auto got = publishes(again);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].payload, "0");
    EXPECT_EQ(broker_->stats().publish_dropped.load(), 7u);
}

TEST_F(BrokerTest, OfflinePersistentSessionQueuesAndResendsOnResume) {
    {
        Client sub = connect("p", false);
        subscribe(sub, "q", 1);
        sub.conn->on_packet(mqtt::Disconnect{}, now_);
        sub.conn->on_transport_closed(now_);
    }
    Client pub = connect("pub");
    pub.conn->on_packet(publish("q", "m1", 1, 1), now_);
    pub.conn->on_packet(publish("q", "m2", 1, 2), now_);
    Client again = connect("p", false);
    auto packets = again.outlet->take();
    ASSERT_EQ(packets.size(), 3u);
    EXPECT_TRUE(std::get<mqtt::Connack>(packets[0]).session_present);
    EXPECT_EQ(std::get<mqtt::Publish>(packets[1]).payload, "m1");
    EXPECT_EQ(std::get<mqtt::Publish>(packets[2]).payload, "m2");
}

TEST_F(BrokerTest, UnacknowledgedMessageIsResentWithDupOnResume) {
    Client sub = connect("p", false);
    subscribe(sub, "q", 1);
    sub.outlet->take();
    Client pub = connect("pub");
    pub.conn->on_packet(publish("q", "m", 1, 1), now_);
    auto first = publishes(sub);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_FALSE(first[0].dup);
    sub.conn->on_transport_closed(now_);
    Client again = connect("p", false);
    auto resent = publishes(again);
    ASSERT_EQ(resent.size(), 1u);
    EXPECT_TRUE(resent[0].dup);
    EXPECT_EQ(resent[0].packet_id, first[0].packet_id);
}

TEST_F(BrokerTest, RetainedMessageIsSentOnSubscribeWithRetainSetAndLiveWithout) {
    Client pub = connect("pub");
    pub.conn->on_packet(publish("r", "kept", 0, 0, true), now_);
    Client sub = connect("sub");
    subscribe(sub, "r", 0);
    auto got = publishes(sub);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0].retain);
    pub.conn->on_packet(publish("r", "live", 0, 0, true), now_);
    got = publishes(sub);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_FALSE(got[0].retain);
}

TEST_F(BrokerTest, EmptyRetainedPayloadDeletesTheRetainedMessage) {
    Client pub = connect("pub");
    pub.conn->on_packet(publish("r", "kept", 0, 0, true), now_);
    pub.conn->on_packet(publish("r", "", 0, 0, true), now_);
    EXPECT_EQ(broker_->retained_count(), 0u);
}

TEST_F(BrokerTest, WillIsPublishedOnUnexpectedCloseButNotAfterDisconnect) {
    Client sub = connect("sub");
    subscribe(sub, "will", 0);
    sub.outlet->take();
    mqtt::Will will{"will", "gone", 0, false, {}};
    Client a = connect("a", true, mqtt::ProtocolVersion::V311, will);
    a.conn->on_transport_closed(now_);
    EXPECT_EQ(publishes(sub).size(), 1u);
    Client b = connect("b", true, mqtt::ProtocolVersion::V311, will);
    b.conn->on_packet(mqtt::Disconnect{}, now_);
    b.conn->on_transport_closed(now_);
    EXPECT_TRUE(publishes(sub).empty());
}

TEST_F(BrokerTest, SecondConnectionWithSameIdKicksTheFirst) {
    Client first = connect("same");
    Client second = connect("same");
    EXPECT_TRUE(first.outlet->closed());
    EXPECT_FALSE(second.outlet->closed());
}

TEST_F(BrokerTest, V5SessionTakeoverSendsDisconnect0x8E) {
    Client first = connect("same", true, mqtt::ProtocolVersion::V5);
    first.outlet->take(mqtt::ProtocolVersion::V5);
    Client second = connect("same", true, mqtt::ProtocolVersion::V5);
    auto packets = first.outlet->take(mqtt::ProtocolVersion::V5);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(std::get<mqtt::Disconnect>(packets[0]).reason_code, 0x8E);
}

TEST_F(BrokerTest, NoLocalSubscriptionDoesNotReceiveOwnMessages) {
    Client c = connect("c", true, mqtt::ProtocolVersion::V5);
    mqtt::Subscribe s;
    s.packet_id = 1;
    s.subscriptions.push_back({"t", {1, true, false, 0}});
    c.conn->on_packet(s, now_);
    c.outlet->take(mqtt::ProtocolVersion::V5);
    c.conn->on_packet(publish("t", "mine", 0), now_);
    EXPECT_TRUE(publishes(c).empty());
}

TEST_F(BrokerTest, InvalidTopicNameInPublishClosesTheConnection) {
    Client c = connect("c");
    c.conn->on_packet(publish("a/+", "x", 0), now_);
    EXPECT_TRUE(c.outlet->closed());
}

TEST_F(BrokerTest, InvalidFilterGetsSubackFailure) {
    Client c = connect("c");
    c.outlet->take();
    subscribe(c, "a/#/b", 0);
    auto packets = c.outlet->take();
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(std::get<mqtt::Suback>(packets[0]).reason_codes, std::vector<std::uint8_t>{0x80});
}

TEST_F(BrokerTest, SharedSubscriptionGivesEachMessageToOneMember) {
    Client a = connect("a");
    Client b = connect("b");
    subscribe(a, "$share/g/t", 0);
    subscribe(b, "$share/g/t", 0);
    a.outlet->take();
    b.outlet->take();
    Client pub = connect("pub");
    for (int i = 0; i < 10; ++i) pub.conn->on_packet(publish("t", "m", 0), now_);
    const auto na = publishes(a).size();
    const auto nb = publishes(b).size();
    EXPECT_EQ(na + nb, 10u);
    EXPECT_EQ(na, 5u);
}

TEST_F(BrokerTest, ASessionPastItsExpiryIsGoneAtReconnectBeforeTheSweep) {
    auto first = broker_->claim_session("exp", false, nullptr, now_);
    first.session->set_expiry_interval(4);
    broker_->release_session(first.session, nullptr, now_);
    auto early = broker_->claim_session("exp", false, nullptr, now_ + std::chrono::seconds(3));
    EXPECT_TRUE(early.session_present);
    broker_->release_session(early.session, nullptr, now_ + std::chrono::seconds(3));
    // No tick() in between: the claim itself sees that 4 s have passed since the disconnect.
    auto late = broker_->claim_session("exp", false, nullptr, now_ + std::chrono::seconds(7));
    EXPECT_FALSE(late.session_present);
    EXPECT_NE(late.session, early.session);
}

}  // namespace
}  // namespace lampi::broker
