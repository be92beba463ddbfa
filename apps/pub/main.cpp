// lampi-pub: a drop-in replacement for Mosquitto 2.0.11's mosquitto_pub.
#include <cstdio>
#include <iostream>

#include "apps/common/tool_client.h"

namespace {

using namespace lampi;
using cli::Config;
using cli::PubMode;

class Publisher : public cli::ToolClient {
  public:
    Publisher(const Config& cfg, cli::ToolLoop& loop, std::string payload)
        : ToolClient(cfg, loop, cli::connection_options(cfg)), payload_(std::move(payload)) {}

  private:
    void on_connected(bool first) override {
        if (!first) return;  // a reconnect: the session resends what is in flight
        if (cfg_.pub_mode == PubMode::StdinLine) {
            send_lines();
        } else {
            send_next();
        }
    }

    void on_event(const client::Event& e) override {
        if (std::holds_alternative<client::event::Published>(e)) {
            --in_flight_;
            if (cfg_.pub_mode == PubMode::StdinLine) {
                maybe_done();
            } else {
                repeat_or_finish();
            }
        } else if (const auto* d = std::get_if<client::event::Disconnected>(&e)) {
            if (d->by_server && !connected_once()) exit_code_ = d->reason_code;
        }
    }

    void publish(std::string payload) {
        mqtt::Publish p;
        p.topic = cfg_.topic;
        p.payload = std::move(payload);
        p.qos = static_cast<std::uint8_t>(cfg_.qos);
        p.retain = cfg_.retain;
        if (mqtt::is_v5(cfg_.version)) p.properties = cfg_.publish_props;
        if (connection().publish(std::move(p)) != 0) ++in_flight_;
    }

    // --repeat: as mosquitto_pub, the next message goes out once the previous one is complete
    // (written for QoS 0, acknowledged for QoS 1 and 2), after --repeat-delay.
    void send_next() {
        publish(payload_);
        ++sent_;
        if (cfg_.qos == 0) repeat_or_finish();
    }

    void repeat_or_finish() {
        if (sent_ < cfg_.repeat_count) {
            if (cfg_.repeat_delay > 0) {
                loop_.after(std::chrono::milliseconds(static_cast<long>(cfg_.repeat_delay * 1000)),
                            [this] { send_next(); });
            } else {
                loop_.post([this] { send_next(); });
            }
            return;
        }
        all_sent_ = true;
        maybe_done();
    }

    // -l: one message per line of stdin. Reading blocks the loop between lines, as
    // mosquitto_pub's does; acknowledgements are handled while the session's window allows.
    void send_lines() {
        std::string line;
        if (std::getline(std::cin, line)) {
            publish(std::move(line));
            loop_.post([this] { send_lines(); });
            return;
        }
        all_sent_ = true;
        maybe_done();
    }

    void maybe_done() {
        if (all_sent_ && in_flight_ <= 0 && !disconnecting_) {
            disconnecting_ = true;
            finish();
        }
    }

    std::string payload_;
    bool all_sent_ = false;
    bool disconnecting_ = false;
    int sent_ = 0;
    int in_flight_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    Config cfg;
    if (auto code = cli::load_config_or_exit(cfg, cli::Tool::Pub, argc, argv)) return *code;
    if (cfg.topic.empty() || cfg.pub_mode == PubMode::None) {
        std::fprintf(stderr, "Error: Both topic and message must be supplied.\n");
        cli::print_usage(cli::Tool::Pub);
        return 1;
    }
    auto payload = cli::read_payload(cfg);
    if (!payload) return 1;
    cli::ToolLoop loop;
    Publisher pub(cfg, loop, std::move(*payload));
    return pub.run();
}
