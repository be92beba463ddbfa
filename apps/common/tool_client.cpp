#include "apps/common/tool_client.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "apps/common/debug_trace.h"

namespace lampi::cli {

namespace {

constexpr int kExitTimeout = 27;  // MOSQ_ERR_TIMEOUT, what mosquitto_sub -W returns

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "Error: Unable to open file \"%s\".\n", path.c_str());
        return false;
    }
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

}  // namespace

std::optional<int> load_config_or_exit(Config& cfg, Tool tool, int argc, char** argv) {
    switch (load_config(cfg, tool, argc, argv)) {
        case ParseStatus::Ok:
            return std::nullopt;
        case ParseStatus::Help:
            print_usage(tool);
            return 1;
        case ParseStatus::Version:
            std::printf("%s version 0.1.0 (%s 2.0.11 compatible).\n", tool_name(tool).c_str(),
                        mosquitto_name(tool));
            return 1;
        case ParseStatus::Error:
            break;
    }
    std::fprintf(stderr, "\nUse '%s --help' to see usage.\n", tool_name(tool).c_str());
    return 1;
}

std::optional<std::string> read_payload(const Config& cfg) {
    std::string payload;
    switch (cfg.pub_mode) {
        case PubMode::Message:
            payload = cfg.message;
            break;
        case PubMode::File:
            if (!read_file(cfg.file_input, payload)) {
                std::fprintf(stderr, "Error loading input file \"%s\".\n", cfg.file_input.c_str());
                return std::nullopt;
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
    return payload;
}

ToolClient::ToolClient(const Config& cfg, ToolLoop& loop, client::ConnectionOptions options)
    : cfg_(cfg), loop_(loop) {
    const std::string client_id = options.session.client_id;
    connection_ = loop.make_connection(std::move(options));
    if (cfg.debug) print_debug_trace(*connection_, client_id);
    connection_->set_event_handler([this](const client::Event& e) { dispatch(e); });
    connection_->set_error_handler([this](const std::string& what) {
        if (!connected_once_) {
            err_printf(cfg_, "Error: %s\n", what.c_str());
            exit_code_ = 1;
        }
    });
    connection_->set_closed_handler([this] { loop_.stop(); });
}

ToolClient::~ToolClient() = default;

int ToolClient::run() {
    if (!check_client_options(cfg_)) return 1;
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
        err_printf(cfg_, "Timed out\n");
        return kExitTimeout;
    }
    return exit_code_;
}

void ToolClient::finish() { connection_->disconnect(0, cfg_.disconnect_props); }

void ToolClient::dispatch(const client::Event& event) {
    const auto* c = std::get_if<client::event::Connected>(&event);
    if (c == nullptr) {
        on_event(event);
        return;
    }
    if (c->reason_code != 0) {
        refused(c->reason_code);
        return;
    }
    const bool first = !connected_once_;
    connected_once_ = true;
    on_connected(first);
}

void ToolClient::refused(std::uint8_t reason_code) {
    const std::string text = connack_string(cfg_.version, reason_code);
    if (mqtt::is_v5(cfg_.version) && reason_code == mqtt::reason::kUnsupportedProtocolVersion) {
        err_printf(cfg_,
                   "Connection error: %s. Try connecting to an MQTT v5 broker, or use MQTT v3.x "
                   "mode.\n",
                   text.c_str());
    } else {
        err_printf(cfg_, "Connection error: %s\n", text.c_str());
    }
    exit_code_ = reason_code;
    connection_->stop();
}

}  // namespace lampi::cli
