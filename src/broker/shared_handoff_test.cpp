// Shared subscriptions when a member goes away (MQTT 5 4.8.2): what it was chosen for and did
// not complete goes to another member; a QoS 2 message once sent stays with its member.
#include <gtest/gtest.h>

#include <algorithm>

#include "broker/test_util.h"

namespace lampi::broker {
namespace {

using test::BrokerTest;
using test::Client;

class SharedHandoffTest : public BrokerTest {
  protected:
    // A v5 member of $share/g/t at `qos`; `expiry` > 0 makes its session outlive the connection.
    Client member(const std::string& id, int qos, std::uint32_t expiry = 0) {
        Client c = rejoin(id, expiry);
        subscribe(c, "$share/g/t", qos);
        c.outlet->take(c.version);
        return c;
    }
    // Connects (resuming a session if there is one) and keeps what the broker sends.
    Client rejoin(const std::string& id, std::uint32_t expiry) {
        mqtt::Connect pkt;
        pkt.client_id = id;
        pkt.version = mqtt::ProtocolVersion::V5;
        pkt.clean_start = false;
        if (expiry > 0) pkt.properties.session_expiry_interval = expiry;
        return connect(std::move(pkt));
    }
    void publish_n(int n, int qos) {
        Client pub = connect("pub");
        for (int i = 0; i < n; ++i) {
            pub.conn->on_packet(
                publish("t", std::to_string(i), qos, static_cast<std::uint16_t>(i + 1)), now_);
            if (qos == 2) {
                pub.conn->on_packet(
                    mqtt::PubResponse{
                        mqtt::PacketType::Pubrel, static_cast<std::uint16_t>(i + 1), 0, {}},
                    now_);
            }
        }
    }
    static std::vector<std::string> payloads(const std::vector<mqtt::Publish>& ps) {
        std::vector<std::string> out;
        for (const auto& p : ps) out.push_back(p.payload);
        std::sort(out.begin(), out.end());
        return out;
    }
    static void ack_all(Client& c, const std::vector<mqtt::Publish>& ps) {
        for (const auto& p : ps) {
            c.conn->on_packet(mqtt::PubResponse{mqtt::PacketType::Puback, p.packet_id, 0, {}},
                              TimePoint{});
        }
    }
};

using Payloads = std::vector<std::string>;

TEST_F(SharedHandoffTest, UnacknowledgedQos1MessagesGoToAnotherMemberWhenOneDisconnects) {
    Client a = member("a", 1);
    Client b = member("b", 1);
    publish_n(4, 1);
    const auto got_a = publishes(a);
    const auto got_b = publishes(b);
    ASSERT_EQ(got_a.size(), 2u);
    ack_all(b, got_b);
    a.conn->on_transport_closed(now_);  // gone without acknowledging
    const auto handed = publishes(b);
    EXPECT_EQ(payloads(handed), payloads(got_a));
    for (const auto& p : handed) EXPECT_FALSE(p.dup);  // a new delivery to another client
}

TEST_F(SharedHandoffTest, APersistentMemberAlsoHandsItsMessagesOverAndDoesNotGetThemBack) {
    Client a = member("a", 1, 300);
    Client b = member("b", 1);
    publish_n(4, 1);
    const auto got_a = publishes(a);
    ack_all(b, publishes(b));
    a.conn->on_transport_closed(now_);
    EXPECT_EQ(payloads(publishes(b)), payloads(got_a));
    Client again = rejoin("a", 300);
    EXPECT_TRUE(publishes(again).empty());
}

TEST_F(SharedHandoffTest, QueuedMessagesGoToAnotherMemberToo) {
    settings_.max_inflight_messages = 1;
    rebuild_broker();
    Client a = member("a", 1);
    Client b = member("b", 1);
    publish_n(6, 1);  // a: one in flight, two queued behind it
    ASSERT_EQ(publishes(a).size(), 1u);
    Payloads at_b;
    for (int round = 0; round < 10; ++round) {
        auto got = publishes(b);
        for (const auto& p : got) at_b.push_back(p.payload);
        ack_all(b, got);
        if (round == 0) a.conn->on_transport_closed(now_);
    }
    std::sort(at_b.begin(), at_b.end());
    EXPECT_EQ(at_b, (Payloads{"0", "1", "2", "3", "4", "5"}));
}

TEST_F(SharedHandoffTest, ASentQos2MessageStaysWithItsMember) {
    Client a = member("a", 2, 300);
    Client b = member("b", 2);
    publish_n(2, 2);
    const auto got_a = publishes(a);
    ASSERT_EQ(got_a.size(), 1u);
    publishes(b);
    a.conn->on_transport_closed(now_);
    EXPECT_TRUE(publishes(b).empty());  // MQTT-4.8.2-5: never to another client
    Client again = rejoin("a", 300);
    const auto resent = publishes(again);
    ASSERT_EQ(resent.size(), 1u);
    EXPECT_EQ(resent[0].payload, got_a[0].payload);
    EXPECT_TRUE(resent[0].dup);
}

TEST_F(SharedHandoffTest, WithNoOtherMemberOnlineAPersistentMemberKeepsItsMessages) {
    Client a = member("a", 1, 300);
    publish_n(2, 1);
    ASSERT_EQ(publishes(a).size(), 2u);
    a.conn->on_transport_closed(now_);
    Client again = rejoin("a", 300);
    EXPECT_EQ(payloads(publishes(again)), (Payloads{"0", "1"}));
}

TEST_F(SharedHandoffTest, AMessageAlsoMatchingAPlainSubscriptionStaysWithTheClient) {
    Client a = member("a", 1, 300);
    subscribe(a, "t", 1, 2);
    a.outlet->take(a.version);
    Client b = member("b", 1);
    publish_n(2, 1);
    const auto got_a = publishes(a);
    ack_all(b, publishes(b));
    a.conn->on_transport_closed(now_);
    // b got its own share before; a's copies serve its plain subscription too, so they stay.
    EXPECT_TRUE(publishes(b).empty());
    Client again = rejoin("a", 300);
    EXPECT_EQ(publishes(again).size(), got_a.size());
}

}  // namespace
}  // namespace lampi::broker
