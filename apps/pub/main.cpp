// lampi-pub: a drop-in replacement for Mosquitto 2.0.11's mosquitto_pub.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "apps/common/cli.h"
#include "apps/common/tool_loop.h"

namespace {

using namespace lampi;
using cli::Config;
using cli::PubMode;

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "Error: Unable to open file \"%s\".\n", path.c_str());
        return false;
    }
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

class Publisher {
  public:
    Publisher(const Config& cfg, cli::ToolLoop& loop) : cfg_(cfg), loop_(loop) {
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

    int run(std::string payload) {
        payload_ = std::move(payload);
        loop_.on_signal([this] { connection_->disconnect(0, cfg_.disconnect_props); });
        connection_->start();
        loop_.run();
        return exit_code_;
    }

  private:
    void on_event(const client::Event& e) {
        if (const auto* c = std::get_if<client::event::Connected>(&e)) {
            on_connected(*c);
        } else if (std::holds_alternative<client::event::Published>(e)) {
            --in_flight_;
            maybe_done();
        } else if (const auto* d = std::get_if<client::event::Disconnected>(&e)) {
            if (d->by_server && !connected_once_) exit_code_ = d->reason_code;
        }
    }

    void on_connected(const client::event::Connected& c) {
        if (c.reason_code != 0) {
            cli::err_printf(cfg_, "Connection error: %s\n",
                            cli::connack_string(cfg_.version, c.reason_code).c_str());
            exit_code_ = c.reason_code;
            connection_->stop();
            return;
        }
        if (connected_once_) return;  // a reconnect: the session resends what is in flight
        connected_once_ = true;
        if (cfg_.pub_mode == PubMode::StdinLine) {
            send_lines();
        } else {
            send_next();
        }
    }

    void publish(std::string payload) {
        mqtt::Publish p;
        p.topic = cfg_.topic;
        p.payload = std::move(payload);
        p.qos = static_cast<std::uint8_t>(cfg_.qos);
        p.retain = cfg_.retain;
        if (mqtt::is_v5(cfg_.version)) p.properties = cfg_.publish_props;
        if (connection_->publish(std::move(p)) != 0) ++in_flight_;
    }

    void send_next() {
        publish(payload_);
        ++sent_;
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
            connection_->disconnect(0, cfg_.disconnect_props);
        }
    }

    const Config& cfg_;
    cli::ToolLoop& loop_;
    std::unique_ptr<client::Connection> connection_;
    std::string payload_;
    bool connected_once_ = false;
    bool all_sent_ = false;
    bool disconnecting_ = false;
    int sent_ = 0;
    int in_flight_ = 0;
    int exit_code_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    Config cfg;
    switch (cli::load_config(cfg, cli::Tool::Pub, argc, argv)) {
        case cli::ParseStatus::Ok:
            break;
        case cli::ParseStatus::Help:
            cli::print_usage(cli::Tool::Pub);
            return 1;
        case cli::ParseStatus::Version:
            std::printf("lampi-pub version 0.1.0 (mosquitto_pub 2.0.11 compatible).\n");
            return 1;
        case cli::ParseStatus::Error:
            std::fprintf(stderr, "\nUse 'lampi-pub --help' to see usage.\n");
            return 1;
    }
    if (cfg.topic.empty() || cfg.pub_mode == PubMode::None) {
        std::fprintf(stderr, "Error: Both topic and message must be supplied.\n");
        cli::print_usage(cli::Tool::Pub);
        return 1;
    }
    std::string payload;
    switch (cfg.pub_mode) {
        case PubMode::Message:
            payload = cfg.message;
            break;
        case PubMode::File:
            if (!read_file(cfg.file_input, payload)) {
                std::fprintf(stderr, "Error loading input file \"%s\".\n", cfg.file_input.c_str());
                return 1;
            }
            break;
        case PubMode::StdinFile: {
            std::ostringstream ss;
            ss << std::cin.rdbuf();
            payload = ss.str();
            break;
        }
        default:
            break;
    }
    cli::ToolLoop loop;
    Publisher pub(cfg, loop);
    return pub.run(std::move(payload));
}
