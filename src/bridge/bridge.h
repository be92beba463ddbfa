// One Mosquitto-style bridge (`connection` stanza): a local in-process client of this broker and
// a remote MQTT client, with topics crossing as the `topic` lines say.
// Nothing is lost on the way out: a local QoS 1/2 message is acknowledged to the local broker
// only once the remote acknowledged it, so while the link is down messages wait in the bridge's
// local session (bounded by max_queued_messages, stored when persistence is on) and go out in
// order after reconnect.
// Threading: everything runs on the io_context given at construction; status() is thread-safe.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "bridge/backoff.h"
#include "bridge/local_link.h"
#include "bridge/topic_map.h"
#include "broker/broker.h"
#include "broker/client_connection.h"
#include "client/connection.h"
#include "config/config.h"

namespace lampi::bridge {

struct BridgeStatus {
    std::string name;
    bool connected = false;
    std::string address;  // host:port of the current or last attempt
    std::size_t queued = 0;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
};

class Bridge : public std::enable_shared_from_this<Bridge> {
  public:
    Bridge(boost::asio::io_context& io, broker::Broker& broker, config::Bridge config);
    ~Bridge();

    void start();
    // Publishes the "0" notification, disconnects from the remote and leaves the local broker.
    void stop();
    BridgeStatus status() const;
    const config::Bridge& config() const { return config_; }
    // The worker the bridge runs on: it must also be destroyed there.
    boost::asio::io_context& context() { return io_; }

  private:
    void connect_local();
    void subscribe_local();
    void on_local_packet(mqtt::Packet&& packet);
    void on_local_publish(mqtt::Publish&& p);
    void ack_local(std::uint16_t local_id, std::uint8_t qos);
    void publish_local(mqtt::Publish p);

    void make_remote();
    void start_remote();
    client::ConnectionOptions remote_options();
    void before_attempt(client::ConnectionOptions& o);
    void on_remote_event(const client::Event& e);
    void on_remote_connected(const client::event::Connected& c);
    void on_remote_lost(const std::string& why);
    void drop_bridge_bit();
    void on_remote_message(mqtt::Publish&& p);
    void forward(mqtt::Publish&& local, std::uint8_t local_qos);
    void notify(const char* state);
    void check_idle();
    // round_robin false: while on a secondary address, look for the primary every 5 s and go
    // back to it once it answers.
    void probe_primary();

    boost::asio::io_context& io_;
    broker::Broker& broker_;
    const config::Bridge config_;
    TopicMap map_;
    RestartBackoff backoff_;
    std::shared_ptr<LocalLink> link_;
    std::unique_ptr<broker::ClientConnection> local_;
    std::unique_ptr<client::Connection> remote_;
    boost::asio::steady_timer idle_timer_;

    // Remote packet id of an outgoing message -> the local delivery to acknowledge after it.
    struct LocalRef {
        std::uint16_t id;
        std::uint8_t qos;
    };
    std::map<std::uint16_t, LocalRef> awaiting_remote_;
    std::set<std::uint16_t> awaiting_local_pubrel_;  // local QoS 2: PUBREC sent
    std::uint16_t next_local_id_ = 0;
    std::size_t address_index_ = 0;
    bool use_bridge_bit_ = true;
    bool retry_now_ = false;           // the next attempt goes at once (bridge bit refused)
    std::uint8_t remote_max_qos_ = 2;  // MQTT 5 CONNACK Maximum QoS
    std::uint32_t remote_max_packet_ = 0;
    bool got_connack_ = false;
    bool remote_up_ = false;
    bool stopping_ = false;
    bool remote_started_ = false;
    std::size_t held_while_down_ = 0;  // for start_type lazy
    broker::TimePoint last_traffic_{};
    broker::TimePoint last_probe_{};
    std::size_t connected_index_ = 0;
    bool probing_ = false;
    std::string last_failure_;

    mutable std::mutex status_mutex_;
    BridgeStatus status_;
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> received_{0};
};

}  // namespace lampi::bridge
