// lampi-rr: a drop-in replacement for Mosquitto 2.0.11's mosquitto_rr (MQTT v5 request/response):
// subscribe to the response topic, publish the request with a response-topic property, print the
// response and exit.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "apps/common/cli.h"
#include "apps/common/message_format.h"
#include "apps/common/tool_loop.h"

namespace {

using namespace lampi;
using cli::Config;
using cli::PubMode;

constexpr int kExitTimeout = 27;

class Requester {
  public:
    Requester(const Config& cfg, cli::ToolLoop& loop, std::string payload)
        : cfg_(cfg), loop_(loop), payload_(std::move(payload)) {
        connection_ = loop.make_connection(cli::connection_options(cfg));
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
    void finish() { connection_->disconnect(0, cfg_.disconnect_props); }

    void on_event(const client::Event& e) {
        if (const auto* c = std::get_if<client::event::Connected>(&e)) {
            if (c->reason_code != 0) {
                cli::err_printf(cfg_, "Connection error: %s\n",
                                cli::connack_string(cfg_.version, c->reason_code).c_str());
                exit_code_ = c->reason_code;
                connection_->stop();
                return;
            }
            if (connected_once_) return;
            connected_once_ = true;
            mqtt::Subscription s;
            s.filter = cfg_.response_topic;
            s.options.qos = static_cast<std::uint8_t>(cfg_.qos);
            connection_->subscribe({s}, cfg_.subscribe_props);
        } else if (std::holds_alternative<client::event::Subscribed>(e)) {
            mqtt::Publish p;
            p.topic = cfg_.topic;
            p.payload = payload_;
            p.qos = static_cast<std::uint8_t>(cfg_.qos);
            p.retain = cfg_.retain;
            p.properties = cfg_.publish_props;
            p.properties.response_topic = cfg_.response_topic;
            connection_->publish(std::move(p));
        } else if (const auto* m = std::get_if<client::event::Message>(&e)) {
            if (done_) return;
            cli::print_message(cfg_, m->publish);
            if (cfg_.msg_count > 0 && ++received_ >= cfg_.msg_count) {
                done_ = true;
                finish();
            }
        }
    }

    const Config& cfg_;
    cli::ToolLoop& loop_;
    std::string payload_;
    std::unique_ptr<client::Connection> connection_;
    bool connected_once_ = false;
    bool timed_out_ = false;
    bool done_ = false;
    int received_ = 0;
    int exit_code_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    Config cfg;
    switch (cli::load_config(cfg, cli::Tool::Rr, argc, argv)) {
        case cli::ParseStatus::Ok:
            break;
        case cli::ParseStatus::Help:
            cli::print_usage(cli::Tool::Rr);
            return 1;
        case cli::ParseStatus::Version:
            std::printf("lampi-rr version 0.1.0 (mosquitto_rr 2.0.11 compatible).\n");
            return 1;
        case cli::ParseStatus::Error:
            std::fprintf(stderr, "\nUse 'lampi-rr --help' to see usage.\n");
            return 1;
    }
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
    std::string payload;
    if (cfg.pub_mode == PubMode::Message) {
        payload = cfg.message;
    } else if (cfg.pub_mode == PubMode::File) {
        std::ifstream in(cfg.file_input, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "Error: Unable to open file \"%s\".\n", cfg.file_input.c_str());
            std::fprintf(stderr, "Error loading input file \"%s\".\n", cfg.file_input.c_str());
            return 1;
        }
        payload.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else if (cfg.pub_mode == PubMode::StdinFile) {
        std::ostringstream ss;
        ss << std::cin.rdbuf();
        payload = ss.str();
    }
    cli::ToolLoop loop;
    Requester rr(cfg, loop, std::move(payload));
    return rr.run();
}
