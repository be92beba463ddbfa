// lampi-sub: a drop-in replacement for Mosquitto 2.0.11's mosquitto_sub.
#include <cstdio>
#include <cstdlib>

#include "apps/common/cli.h"
#include "apps/common/message_format.h"
#include "apps/common/tool_loop.h"

namespace {

using namespace lampi;
using cli::Config;

constexpr int kExitTimeout = 27;  // MOSQ_ERR_TIMEOUT, what mosquitto_sub -W returns

class Subscriber {
  public:
    Subscriber(const Config& cfg, cli::ToolLoop& loop) : cfg_(cfg), loop_(loop) {
        client::ConnectionOptions options = cli::connection_options(cfg);
        if (cfg.msg_count > 0 && cfg.msg_count < 20 && mqtt::is_v5(cfg.version)) {
            // Mosquitto asks for no more in-flight messages than it will print (-C).
            options.session.connect_properties.receive_maximum =
                static_cast<std::uint16_t>(cfg.msg_count);
        }
        connection_ = loop.make_connection(std::move(options));
        connection_->set_event_handler([this](const client::Event& e) { on_event(e); });
        connection_->set_error_handler([this](const std::string& what) {
            if (!connected_once_) {
                cli::err_printf(cfg_, "Error: %s\n", what.c_str());
                exit_code_ = 1;
            }
        });
        connection_->set_closed_handler([this] { loop_.stop(); });
    }

    int run() {
        loop_.on_signal([this] { finish(); });
        if (cfg_.timeout > 0) {
            loop_.after(std::chrono::seconds(cfg_.timeout), [this] {
                timed_out_ = true;
                finish();
            });
        }
        connection_->start();
        loop_.run();
        if (timed_out_) {
            cli::err_printf(cfg_, "Timed out\n");
            return kExitTimeout;
        }
        return exit_code_;
    }

  private:
    void finish() {
        process_messages_ = false;
        connection_->disconnect(0, cfg_.disconnect_props);
    }

    void on_event(const client::Event& e) {
        if (const auto* c = std::get_if<client::event::Connected>(&e)) {
            on_connected(*c);
        } else if (const auto* m = std::get_if<client::event::Message>(&e)) {
            on_message(m->publish);
        } else if (const auto* s = std::get_if<client::event::Subscribed>(&e)) {
            on_subscribed(*s);
        } else if (std::holds_alternative<client::event::Published>(e)) {
            if (--pending_publishes_ == 0 && !process_messages_) finish();
        }
    }

    void on_connected(const client::event::Connected& c) {
        if (c.reason_code != 0) {
            if (mqtt::is_v5(cfg_.version) &&
                c.reason_code == mqtt::reason::kUnsupportedProtocolVersion) {
                cli::err_printf(cfg_,
                                "Connection error: %s. Try connecting to an MQTT v5 broker, or "
                                "use MQTT v3.x mode.\n",
                                cli::connack_string(cfg_.version, c.reason_code).c_str());
            } else {
                cli::err_printf(cfg_, "Connection error: %s\n",
                                cli::connack_string(cfg_.version, c.reason_code).c_str());
            }
            exit_code_ = c.reason_code;
            connection_->stop();
            return;
        }
        connected_once_ = true;
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
            connection_->subscribe(std::move(subs), cfg_.subscribe_props);
            ++pending_subscribes_;
        }
        for (const auto& t : cfg_.unsub_topics) {
            connection_->unsubscribe({t}, cfg_.unsubscribe_props);
        }
    }

    void on_subscribed(const client::event::Subscribed& s) {
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
            if (connection_->publish(std::move(clear)) != 0) ++pending_publishes_;
        }
        cli::print_message(cfg_, m);
        if (cfg_.msg_count > 0 && ++received_ >= cfg_.msg_count) {
            process_messages_ = false;
            if (pending_publishes_ == 0) finish();
        }
    }

    const Config& cfg_;
    cli::ToolLoop& loop_;
    std::unique_ptr<client::Connection> connection_;
    bool connected_once_ = false;
    bool process_messages_ = true;
    bool timed_out_ = false;
    int pending_subscribes_ = 0;
    int pending_publishes_ = 0;
    int received_ = 0;
    int exit_code_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    Config cfg;
    switch (cli::load_config(cfg, cli::Tool::Sub, argc, argv)) {
        case cli::ParseStatus::Ok:
            break;
        case cli::ParseStatus::Help:
            cli::print_usage(cli::Tool::Sub);
            return 1;
        case cli::ParseStatus::Version:
            std::printf("lampi-sub version 0.1.0 (mosquitto_sub 2.0.11 compatible).\n");
            return 1;
        case cli::ParseStatus::Error:
            std::fprintf(stderr, "\nUse 'lampi-sub --help' to see usage.\n");
            return 1;
    }
    cli::ToolLoop loop;
    Subscriber sub(cfg, loop);
    return sub.run();
}
