// lampi-rr: a drop-in replacement for Mosquitto 2.0.11's mosquitto_rr (MQTT v5 request/response):
// subscribe to the response topic, publish the request with a response-topic property, print the
// response and exit.
#include <cstdio>

#include "apps/common/message_format.h"
#include "apps/common/tool_client.h"

namespace {

using namespace lampi;
using cli::Config;
using cli::PubMode;

class Requester : public cli::ToolClient {
  public:
    Requester(const Config& cfg, cli::ToolLoop& loop, std::string payload)
        : ToolClient(cfg, loop, cli::connection_options(cfg)), payload_(std::move(payload)) {}

  private:
    void on_connected(bool first) override {
        if (!first) return;
        mqtt::Subscription s;
        s.filter = cfg_.response_topic;
        s.options.qos = static_cast<std::uint8_t>(cfg_.qos);
        connection().subscribe({s}, cfg_.subscribe_props);
    }

    void on_event(const client::Event& e) override {
        if (std::holds_alternative<client::event::Subscribed>(e)) {
            mqtt::Publish p;
            p.topic = cfg_.topic;
            p.payload = payload_;
            p.qos = static_cast<std::uint8_t>(cfg_.qos);
            p.retain = cfg_.retain;
            p.properties = cfg_.publish_props;
            p.properties.response_topic = cfg_.response_topic;
            connection().publish(std::move(p));
        } else if (const auto* m = std::get_if<client::event::Message>(&e)) {
            if (done_) return;
            cli::print_message(cfg_, m->publish);
            if (cfg_.msg_count > 0 && ++received_ >= cfg_.msg_count) {
                done_ = true;
                finish();
            }
        }
    }

    std::string payload_;
    bool done_ = false;
    int received_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    Config cfg;
    if (auto code = cli::load_config_or_exit(cfg, cli::Tool::Rr, argc, argv)) return *code;
    if (cfg.topic.empty() || cfg.pub_mode == PubMode::None || cfg.response_topic.empty()) {
        std::fprintf(stderr,
                     "Error: All of topic, message, and response topic must be supplied.\n");
        std::fprintf(stderr, "\nUse 'lampi-rr --help' to see usage.\n");
        return 1;
    }
    if (!mqtt::is_v5(cfg.version)) {
        std::fprintf(stderr, "Error: lampi-rr only supports MQTT v5.\n");
        return 1;
    }
    auto payload = cli::read_payload(cfg);
    if (!payload) return 1;
    cli::ToolLoop loop;
    Requester rr(cfg, loop, std::move(*payload));
    return rr.run();
}
