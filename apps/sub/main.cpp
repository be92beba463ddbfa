// lampi-sub: a drop-in replacement for Mosquitto 2.0.11's mosquitto_sub.
#include <cstdio>

#include "apps/common/message_format.h"
#include "apps/common/tool_client.h"

namespace {

using namespace lampi;
using cli::Config;

client::ConnectionOptions subscriber_options(const Config& cfg) {
    client::ConnectionOptions options = cli::connection_options(cfg);
    if (cfg.msg_count > 0 && cfg.msg_count < 20 && mqtt::is_v5(cfg.version)) {
        // Mosquitto asks for no more in-flight messages than it will print (-C).
        options.session.connect_properties.receive_maximum =
            static_cast<std::uint16_t>(cfg.msg_count);
    }
    return options;
}

class Subscriber : public cli::ToolClient {
  public:
    Subscriber(const Config& cfg, cli::ToolLoop& loop)
        : ToolClient(cfg, loop, subscriber_options(cfg)) {}

  private:
    void finish() override {
        process_messages_ = false;
        ToolClient::finish();
    }

    // Subscribes again after every reconnect, as mosquitto_sub's connect callback does.
    void on_connected(bool /*first*/) override {
        if (!cfg_.topics.empty()) {
            std::vector<mqtt::Subscription> subs;
            for (const auto& t : cfg_.topics) {
                mqtt::Subscription s;
                s.filter = t;
                s.options.qos = static_cast<std::uint8_t>(cfg_.qos);
                s.options.retain_as_published = cfg_.retain_as_published;
                if (cfg_.no_retain) s.options.retain_handling = 2;
                subs.push_back(std::move(s));
            }
            connection().subscribe(std::move(subs), cfg_.subscribe_props);
            ++pending_subscribes_;
        }
        for (const auto& t : cfg_.unsub_topics) {
            connection().unsubscribe({t}, cfg_.unsubscribe_props);
        }
    }

    void on_event(const client::Event& e) override {
        if (const auto* m = std::get_if<client::event::Message>(&e)) {
            on_message(m->publish);
        } else if (const auto* s = std::get_if<client::event::Subscribed>(&e)) {
            on_subscribed(*s);
        } else if (std::holds_alternative<client::event::Published>(e)) {
            if (--pending_publishes_ == 0 && !process_messages_) finish();
        }
    }

    void on_subscribed(const client::event::Subscribed& s) {
        if (cfg_.debug && !cfg_.quiet) {
            std::printf("Subscribed (mid: %d)", s.packet_id);
            for (std::size_t i = 0; i < s.reason_codes.size(); ++i) {
                std::printf("%s %d", i == 0 ? ":" : ",", s.reason_codes[i]);
            }
            std::printf("\n");
        }
        bool some_allowed = false;
        for (std::uint8_t rc : s.reason_codes) some_allowed = some_allowed || rc < 0x80;
        if (!some_allowed) {
            cli::err_printf(cfg_, "All subscription requests were denied.\n");
        }
        if (cfg_.exit_after_sub && --pending_subscribes_ <= 0) finish();
    }

    void on_message(const mqtt::Publish& m) {
        if (!process_messages_) return;
        if (cfg_.retained_only && !m.retain) {
            process_messages_ = false;
            if (pending_publishes_ == 0) finish();
            return;
        }
        if (m.retain && cfg_.no_retain) return;
        for (const auto& f : cfg_.filter_outs) {
            if (cli::topic_matches(f, m.topic)) return;
        }
        if (cfg_.remove_retained && m.retain) {
            mqtt::Publish clear;
            clear.topic = m.topic;
            clear.qos = 1;
            clear.retain = true;
            if (connection().publish(std::move(clear)) != 0) ++pending_publishes_;
        }
        cli::print_message(cfg_, m);
        if (cfg_.msg_count > 0 && ++received_ >= cfg_.msg_count) {
            process_messages_ = false;
            if (pending_publishes_ == 0) finish();
        }
    }

    bool process_messages_ = true;
    int pending_subscribes_ = 0;
    int pending_publishes_ = 0;
    int received_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    Config cfg;
    if (auto code = cli::load_config_or_exit(cfg, cli::Tool::Sub, argc, argv)) return *code;
    cli::ToolLoop loop;
    Subscriber sub(cfg, loop);
    return sub.run();
}
