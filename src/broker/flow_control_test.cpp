// What a client may send: Receive Maximum (MQTT 5 4.9), max_publish_rate, memory_limit, and
// the Response Information a client can ask for. Sans-I/O pieces first, then through a
// ClientConnection with a fake outlet.
#include <gtest/gtest.h>

#include "broker/inbound_quota.h"
#include "broker/memory_budget.h"
#include "broker/publish_rate_limiter.h"
#include "broker/response_information.h"
#include "broker/test_util.h"

namespace lampi::broker {
namespace {

using test::BrokerTest;
using test::Client;
namespace rc = mqtt::reason;
using std::chrono::milliseconds;

TEST(InboundQuota, RefusesThePublishBeyondReceiveMaximumUntilOneIsReleased) {
    InboundQuota q(2);
    EXPECT_TRUE(q.acquire());
    EXPECT_TRUE(q.acquire_qos2(7));
    EXPECT_FALSE(q.acquire());
    EXPECT_FALSE(q.acquire_qos2(8));
    q.release();
    EXPECT_TRUE(q.acquire_qos2(8));
    EXPECT_EQ(q.outstanding(), 2u);
}

TEST(InboundQuota, Qos2FlowCountsOnceUntilItEnds) {
    InboundQuota q(1);
    EXPECT_TRUE(q.acquire_qos2(5));
    EXPECT_TRUE(q.acquire_qos2(5));  // the client resent it (DUP): still one flow
    EXPECT_EQ(q.outstanding(), 1u);
    EXPECT_FALSE(q.end_qos2(6));  // never counted on this connection
    EXPECT_TRUE(q.end_qos2(5));
    EXPECT_EQ(q.outstanding(), 1u);  // until its PUBCOMP is sent
    q.release();
    EXPECT_EQ(q.outstanding(), 0u);
    q.release();  // a late release never goes below zero
    EXPECT_EQ(q.outstanding(), 0u);
}

TEST(PublishRateLimiter, AllowsABurstOfOneSecondThenTheRate) {
    PublishRateLimiter limiter(3);
    const TimePoint t0{};
    EXPECT_TRUE(limiter.admit(t0));
    EXPECT_TRUE(limiter.admit(t0));
    EXPECT_TRUE(limiter.admit(t0));
    EXPECT_FALSE(limiter.admit(t0));
    EXPECT_FALSE(limiter.admit(t0 + milliseconds(100)));  // 0.3 of a message earned
    EXPECT_TRUE(limiter.admit(t0 + milliseconds(400)));   // 1.2 earned since t0
    EXPECT_FALSE(limiter.admit(t0 + milliseconds(400)));
    EXPECT_TRUE(limiter.admit(t0 + milliseconds(10'000)));  // refilled, capped at 3
    EXPECT_TRUE(limiter.admit(t0 + milliseconds(10'000)));
    EXPECT_TRUE(limiter.admit(t0 + milliseconds(10'000)));
    EXPECT_FALSE(limiter.admit(t0 + milliseconds(10'000)));
}

TEST(ResponseInformation, SubstitutesClientIdAndUsername) {
    EXPECT_EQ(response_information_for("response/%c/", "lamp-1", std::nullopt), "response/lamp-1/");
    EXPECT_EQ(response_information_for("r/%u/%c", "id", std::string("bob")), "r/bob/id");
    EXPECT_EQ(response_information_for("fixed/prefix", "id", std::nullopt), "fixed/prefix");
    EXPECT_EQ(response_information_for("100%/x", "id", std::nullopt), "100%/x");
}

TEST(ResponseInformation, IsOmittedWhenItCannotNameOneClientsTopics) {
    EXPECT_EQ(response_information_for("", "id", std::nullopt), std::nullopt);
    EXPECT_EQ(response_information_for("r/%u/", "id", std::nullopt), std::nullopt);
    EXPECT_EQ(response_information_for("r/%c/", "a/b", std::nullopt), std::nullopt);
    EXPECT_EQ(response_information_for("r/%c/", "a+", std::nullopt), std::nullopt);
    EXPECT_EQ(response_information_for("r/%u/", "id", std::string("#")), std::nullopt);
}

TEST(MemoryBudget, AMessageHoldsItsBytesWhileItLives) {
    const std::uint64_t before = MemoryBudget::held();
    {
        auto m = std::make_shared<Message>();
        m->topic = "abc";
        m->payload = std::string(100, 'x');
        m->charge_held_bytes();
        EXPECT_EQ(MemoryBudget::held(), before + 103);
        MemoryBudget::set_limit(before + 150);
        EXPECT_FALSE(MemoryBudget::would_exceed(47));
        EXPECT_TRUE(MemoryBudget::would_exceed(48));
    }
    EXPECT_EQ(MemoryBudget::held(), before);
    MemoryBudget::set_limit(0);
    EXPECT_FALSE(MemoryBudget::would_exceed(1u << 30));
}

class FlowControlTest : public BrokerTest {
  protected:
    Client connect_v5(const std::string& id, std::optional<std::uint8_t> request_response = {}) {
        mqtt::Connect pkt;
        pkt.client_id = id;
        pkt.version = mqtt::ProtocolVersion::V5;
        pkt.properties.request_response_information = request_response;
        return connect(std::move(pkt));
    }
    static mqtt::Connack connack(Client& c) {
        auto packets = c.outlet->take(c.version);
        EXPECT_FALSE(packets.empty());
        return std::get<mqtt::Connack>(packets.at(0));
    }
    // The packets the client got, as (type, reason code) pairs.
    static std::vector<std::pair<mqtt::PacketType, std::uint8_t>> answers(Client& c) {
        std::vector<std::pair<mqtt::PacketType, std::uint8_t>> out;
        for (auto& p : c.outlet->take(c.version)) {
            if (auto* r = std::get_if<mqtt::PubResponse>(&p))
                out.emplace_back(r->type, r->reason_code);
            if (auto* d = std::get_if<mqtt::Disconnect>(&p)) {
                out.emplace_back(mqtt::PacketType::Disconnect, d->reason_code);
            }
        }
        return out;
    }
    static mqtt::PubResponse pubrel(std::uint16_t id) {
        return mqtt::PubResponse{mqtt::PacketType::Pubrel, id, 0, {}};
    }
};

using Answers = std::vector<std::pair<mqtt::PacketType, std::uint8_t>>;
constexpr auto kPubrec = mqtt::PacketType::Pubrec;
constexpr auto kPubcomp = mqtt::PacketType::Pubcomp;
constexpr auto kPuback = mqtt::PacketType::Puback;
constexpr auto kDisconnect = mqtt::PacketType::Disconnect;

TEST_F(FlowControlTest, Qos2PublishBeyondReceiveMaximumGetsDisconnect0x93) {
    settings_.max_inflight_messages = 2;
    rebuild_broker();
    Client c = connect_v5("rm");
    EXPECT_EQ(connack(c).properties.receive_maximum, 2);
    c.conn->on_packet(publish("t", "1", 2, 1), now_);
    c.conn->on_packet(publish("t", "2", 2, 2), now_);
    c.conn->on_packet(publish("t", "2", 2, 2), now_);  // resent: not one more
    EXPECT_EQ(answers(c), (Answers{{kPubrec, 0x10}, {kPubrec, 0x10}, {kPubrec, 0}}));
    EXPECT_FALSE(c.outlet->closed());
    c.conn->on_packet(publish("t", "3", 2, 3), now_);
    EXPECT_EQ(answers(c), (Answers{{kDisconnect, rc::kReceiveMaximumExceeded}}));
    EXPECT_TRUE(c.outlet->closed());
}

TEST_F(FlowControlTest, PubcompGivesTheQuotaBack) {
    settings_.max_inflight_messages = 1;
    rebuild_broker();
    Client c = connect_v5("rm");
    c.outlet->take(c.version);
    c.conn->on_packet(publish("t", "1", 2, 1), now_);
    c.conn->on_packet(pubrel(1), now_);
    c.conn->on_packet(publish("t", "2", 1, 2), now_);
    c.conn->on_packet(publish("t", "3", 2, 3), now_);
    EXPECT_EQ(answers(c),
              (Answers{{kPubrec, 0x10}, {kPubcomp, 0}, {kPuback, 0x10}, {kPubrec, 0x10}}));
    EXPECT_FALSE(c.outlet->closed());
    c.conn->on_packet(publish("t", "4", 1, 4), now_);  // 3 still waits for its PUBREL
    EXPECT_TRUE(c.outlet->closed());
}

TEST_F(FlowControlTest, Qos2RefusedAtPubrecEndsItsFlow) {
    settings_.max_inflight_messages = 1;
    rebuild_broker();
    Client c = connect_v5("rm");
    c.outlet->take(c.version);
    c.conn->on_packet(publish("$SYS/x", "1", 2, 1), now_);  // not authorised: PUBREC 0x87
    c.conn->on_packet(publish("t", "2", 2, 2), now_);
    EXPECT_EQ(answers(c), (Answers{{kPubrec, rc::kNotAuthorized}, {kPubrec, 0x10}}));
    EXPECT_FALSE(c.outlet->closed());
}

TEST_F(FlowControlTest, TheBrokersOwnBridgeIsExemptFromPerClientLimits) {
    settings_.max_inflight_messages = 1;
    settings_.max_publish_rate = 1;
    rebuild_broker();
    mqtt::Connect pkt;
    pkt.client_id = "local.bridge";
    pkt.version = mqtt::ProtocolVersion::V5;
    ListenerPolicy policy;
    policy.in_process_bridge = true;
    Client c = connect(pkt, policy);
    for (std::uint16_t id = 1; id <= 5; ++id) c.conn->on_packet(publish("t", "x", 2, id), now_);
    EXPECT_FALSE(c.outlet->closed());
}

TEST_F(FlowControlTest, NoReceiveMaximumIsEnforcedWhenMaxInflightMessagesIsUnlimited) {
    settings_.max_inflight_messages = 0;
    rebuild_broker();
    Client c = connect_v5("rm");
    EXPECT_EQ(connack(c).properties.receive_maximum, std::nullopt);  // 65535
    for (std::uint16_t id = 1; id <= 100; ++id) c.conn->on_packet(publish("t", "x", 2, id), now_);
    EXPECT_FALSE(c.outlet->closed());
}

TEST_F(FlowControlTest, PublishingFasterThanMaxPublishRateGetsDisconnect0x96) {
    settings_.max_publish_rate = 3;
    rebuild_broker();
    Client c = connect_v5("fast");
    c.outlet->take(c.version);
    for (int i = 0; i < 3; ++i) c.conn->on_packet(publish("t", "x", 0), now_);
    EXPECT_FALSE(c.outlet->closed());
    c.conn->on_packet(publish("t", "x", 0), now_ + milliseconds(100));
    EXPECT_EQ(answers(c), (Answers{{kDisconnect, rc::kMessageRateTooHigh}}));
    EXPECT_TRUE(c.outlet->closed());
}

TEST_F(FlowControlTest, A311ClientOverMaxPublishRateIsClosed) {
    settings_.max_publish_rate = 1;
    rebuild_broker();
    Client c = connect("fast311");
    c.outlet->take(c.version);
    c.conn->on_packet(publish("t", "x", 1, 1), now_);
    c.conn->on_packet(publish("t", "x", 1, 2), now_ + milliseconds(1'000));
    EXPECT_FALSE(c.outlet->closed());
    c.conn->on_packet(publish("t", "x", 1, 3), now_ + milliseconds(1'500));
    EXPECT_EQ(c.outlet->take().size(), 2u);  // two PUBACKs, no DISCONNECT in 3.1.1
    EXPECT_TRUE(c.outlet->closed());
}

TEST_F(FlowControlTest, OverMemoryLimitAV5PublishIsRefusedWith0x97AndNotStored) {
    settings_.memory_limit = MemoryBudget::held() + 1000;
    rebuild_broker();
    Client sub = connect_v5("sub");
    subscribe(sub, "t", 1);
    sub.outlet->take(sub.version);
    Client c = connect_v5("pub");
    c.outlet->take(c.version);
    c.conn->on_packet(publish("big", std::string(900, 'r'), 1, 1, true), now_);  // retained
    const auto dropped_before = Stats::get(broker_->stats().publish_dropped);
    c.conn->on_packet(publish("t", std::string(200, 'x'), 1, 2), now_);
    c.conn->on_packet(publish("t", std::string(200, 'x'), 2, 3), now_);
    c.conn->on_packet(publish("t", std::string(200, 'x'), 0), now_);
    EXPECT_EQ(
        answers(c),
        (Answers{{kPuback, 0x10}, {kPuback, rc::kQuotaExceeded}, {kPubrec, rc::kQuotaExceeded}}));
    EXPECT_TRUE(publishes(sub).empty());
    EXPECT_EQ(Stats::get(broker_->stats().publish_dropped), dropped_before + 3);
    EXPECT_FALSE(c.outlet->closed());
    c.conn->on_packet(publish("big", "", 1, 4, true), now_);  // clears the retained message
    c.conn->on_packet(publish("t", std::string(200, 'x'), 1, 5), now_);
    EXPECT_EQ(answers(c), (Answers{{kPuback, 0x10}, {kPuback, 0}}));
    EXPECT_EQ(publishes(sub).size(), 1u);
}

TEST_F(FlowControlTest, OverMemoryLimitA311PublisherIsDisconnected) {
    settings_.memory_limit = MemoryBudget::held() + 100;
    rebuild_broker();
    Client c = connect("pub311");
    c.outlet->take(c.version);
    c.conn->on_packet(publish("t", std::string(50, 'x'), 2, 1), now_);
    EXPECT_FALSE(c.outlet->closed());
    c.conn->on_packet(publish("t", std::string(200, 'x'), 2, 2), now_);
    EXPECT_EQ(c.outlet->take().size(), 1u);  // the first PUBREC only
    EXPECT_TRUE(c.outlet->closed());
}

TEST_F(FlowControlTest, ResponseInformationOnlyWhenRequested) {
    Client asks = connect_v5("asker", 1);
    EXPECT_EQ(connack(asks).properties.response_information, "response/asker/");
    Client silent = connect_v5("silent");
    EXPECT_EQ(connack(silent).properties.response_information, std::nullopt);
    Client zero = connect_v5("zero", 0);
    EXPECT_EQ(connack(zero).properties.response_information, std::nullopt);
    settings_.response_information.clear();
    rebuild_broker();
    Client off = connect_v5("off", 1);
    EXPECT_EQ(connack(off).properties.response_information, std::nullopt);
}

TEST_F(FlowControlTest, TopicAliasMaximumComesFromTheListener) {
    mqtt::Connect pkt;
    pkt.client_id = "alias";
    pkt.version = mqtt::ProtocolVersion::V5;
    ListenerPolicy policy;
    policy.max_topic_alias = 3;
    Client c = connect(pkt, policy);
    EXPECT_EQ(connack(c).properties.topic_alias_maximum, 3);
    mqtt::Publish p = publish("t", "x", 0);
    p.properties.topic_alias = 4;
    c.conn->on_packet(p, now_);
    EXPECT_EQ(answers(c), (Answers{{kDisconnect, rc::kTopicAliasInvalid}}));
    policy.max_topic_alias = 0;
    pkt.client_id = "none";
    Client none = connect(pkt, policy);
    EXPECT_EQ(connack(none).properties.topic_alias_maximum, std::nullopt);  // absent: 0
}

}  // namespace
}  // namespace lampi::broker
