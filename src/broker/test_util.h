// Test doubles for the broker's state machines: a fake outlet that decodes what the broker
// writes, and a fixture that connects clients to a Broker. Shared by the broker_test sources.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/client_connection.h"
#include "mqtt/codec.h"

namespace lampi::broker::test {

// Records what the broker writes and decodes it back into packets.
class FakeOutlet final : public Outlet, public std::enable_shared_from_this<FakeOutlet> {
  public:
    void send(std::string_view bytes) override { bytes_.append(bytes); }
    std::size_t pending_bytes() const override { return pending_; }
    void close() override { closed_ = true; }
    std::weak_ptr<Outlet> weak_outlet() override { return weak_from_this(); }

    std::vector<mqtt::Packet> take(mqtt::ProtocolVersion v = mqtt::ProtocolVersion::V311) {
        std::vector<mqtt::Packet> out;
        std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(bytes_.data()),
                                           bytes_.size());
        while (!data.empty()) {
            auto h = mqtt::parse_fixed_header(data, 0);
            EXPECT_EQ(h.status, mqtt::HeaderStatus::Ok);
            if (h.status != mqtt::HeaderStatus::Ok) break;
            auto body = data.subspan(h.header.header_length, h.header.remaining_length);
            auto d = mqtt::decode_packet(h.header, body, v, mqtt::Side::FromServer);
            EXPECT_TRUE(d.ok) << d.error.message;
            out.push_back(std::move(d.packet));
            data = data.subspan(h.header.total_length());
        }
        bytes_.clear();
        return out;
    }
    bool closed() const { return closed_; }
    std::size_t pending_ = 0;

  private:
    std::string bytes_;
    bool closed_ = false;
};

struct Client {
    std::shared_ptr<FakeOutlet> outlet = std::make_shared<FakeOutlet>();
    std::unique_ptr<ClientConnection> conn;
    mqtt::ProtocolVersion version = mqtt::ProtocolVersion::V311;
};

class BrokerTest : public ::testing::Test {
  protected:
    Client connect(const std::string& id, bool clean = true,
                   mqtt::ProtocolVersion v = mqtt::ProtocolVersion::V311,
                   std::optional<mqtt::Will> will = std::nullopt) {
        mqtt::Connect pkt;
        pkt.client_id = id;
        pkt.clean_start = clean;
        pkt.version = v;
        pkt.will = std::move(will);
        if (mqtt::is_v5(v) && !clean) pkt.properties.session_expiry_interval = 0xFFFFFFFF;
        return connect(std::move(pkt));
    }
    Client connect(mqtt::Connect pkt, ListenerPolicy policy = {}) {
        Client c;
        c.version = pkt.version;
        c.conn = std::make_unique<ClientConnection>(
            *broker_, *c.outlet, std::make_shared<const ListenerPolicy>(std::move(policy)), "test");
        c.conn->on_packet(pkt, now_);
        return c;
    }
    static mqtt::Publish publish(const std::string& topic, const std::string& payload, int qos,
                                 std::uint16_t id = 0, bool retain = false) {
        mqtt::Publish p;
        p.topic = topic;
        p.payload = payload;
        p.qos = static_cast<std::uint8_t>(qos);
        p.packet_id = id;
        p.retain = retain;
        return p;
    }
    static void subscribe(Client& c, const std::string& filter, int qos, std::uint16_t id = 1) {
        mqtt::Subscribe s;
        s.packet_id = id;
        s.subscriptions.push_back({filter, {static_cast<std::uint8_t>(qos)}});
        c.conn->on_packet(s, TimePoint{});
    }
    static std::vector<mqtt::Publish> publishes(Client& c) {
        std::vector<mqtt::Publish> out;
        for (auto& p : c.outlet->take(c.version)) {
            if (auto* pub = std::get_if<mqtt::Publish>(&p)) out.push_back(*pub);
        }
        return out;
    }

    void rebuild_broker() { broker_ = std::make_unique<Broker>(settings_); }

    Settings settings_;
    std::unique_ptr<Broker> broker_ = std::make_unique<Broker>(settings_);
    TimePoint now_{};
};

}  // namespace lampi::broker::test
