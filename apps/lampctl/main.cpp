// lampi-lampctl: set, get or watch a LAMPi lamp over MQTT (local broker, or the cloud broker
// with --device ID). Values are checked before anything is sent. See docs/lamp.md.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "client/connection.h"
#include "lamp/color.h"
#include "lamp/lamp_state.h"

namespace {

namespace asio = boost::asio;
using namespace lampi;

struct Options {
    std::string host = "localhost";
    int port = 1883;
    std::string device;
    std::optional<std::string> username, password;
    double timeout = 5.0;  // seconds, for set and get
    bool json = false;
    // set
    std::optional<double> hue, saturation, brightness;
    bool on = false, off = false;
};

std::string topic_root(const Options& o) {
    return o.device.empty() ? "lamp/" : "devices/" + o.device + "/lamp/";
}

// One line for a state: a true-colour swatch (only on a terminal), on/off and the values.
std::string describe(const std::string& payload, bool colour) {
    auto parsed = lamp::state_from_json(payload);
    if (const auto* bad = std::get_if<lamp::Rejection>(&parsed)) {
        return "(unreadable state: " + bad->reason + ") " + payload;
    }
    const lamp::LampState& s = std::get<lamp::LampState>(parsed);
    std::string line;
    if (colour) {
        const lamp::Rgb d = lamp::duty_cycles(s);
        line += fmt::format("\x1b[48;2;{};{};{}m      \x1b[0m ", lamp::scale_duty(d.red, 255),
                            lamp::scale_duty(d.green, 255), lamp::scale_duty(d.blue, 255));
    }
    line += fmt::format("{:<3} h={:.2f} s={:.2f} brightness={:.2f} client={}", s.on ? "on" : "off",
                        s.hue, s.saturation, s.brightness, s.client);
    if (s.association) {
        line += fmt::format(" associated={} code={}", s.association->associated,
                            s.association->code.substr(0, 6));
    }
    return line;
}

std::string set_config_payload(const Options& o) {
    nlohmann::json j = nlohmann::json::object();
    if (o.hue) j["color"]["h"] = *o.hue;
    if (o.saturation) j["color"]["s"] = *o.saturation;
    if (o.brightness) j["brightness"] = *o.brightness;
    if (o.on) j["on"] = true;
    if (o.off) j["on"] = false;
    j["client"] = "lamp_cmd";
    return j.dump();
}

enum class Command { Set, Get, Watch };

class Ctl {
  public:
    Ctl(const Options& o, Command command)
        : options_(o), command_(command), signals_(io_, SIGINT, SIGTERM), timer_(io_) {
        client::ConnectionOptions c;
        c.host = o.host;
        c.port = static_cast<std::uint16_t>(o.port);
        c.session.client_id =
            command == Command::Set ? "lamp_cmd" : fmt::format("lamp_cmd_{}", ::getpid());
        c.session.username = o.username;
        c.session.password = o.password;
        connection_ = std::make_unique<client::Connection>(io_, std::move(c));
    }

    int run() {
        connection_->set_event_handler([this](const client::Event& e) { on_event(e); });
        connection_->set_error_handler([this](const std::string& what) {
            fail(fmt::format("{}:{}: {}", options_.host, options_.port, what));
        });
        connection_->set_closed_handler([this] { io_.stop(); });
        signals_.async_wait([this](const boost::system::error_code& ec, int) {
            if (!ec) finish(command_ == Command::Watch ? 0 : 1);
        });
        if (command_ != Command::Watch) {
            timer_.expires_after(
                std::chrono::milliseconds(static_cast<std::int64_t>(options_.timeout * 1000)));
            timer_.async_wait([this](const boost::system::error_code& ec) {
                if (ec) return;
                fail(command_ == Command::Get ? "no state received (is lampi-lampd running?)"
                                              : "timed out waiting for the broker");
            });
        }
        connection_->start();
        io_.run();
        return exit_code_;
    }

  private:
    void on_event(const client::Event& event) {
        if (const auto* c = std::get_if<client::event::Connected>(&event)) {
            if (c->reason_code != 0) return fail(fmt::format("refused (code {})", c->reason_code));
            on_connected();
        } else if (const auto* m = std::get_if<client::event::Message>(&event)) {
            on_message(m->publish);
        } else if (const auto* p = std::get_if<client::event::Published>(&event)) {
            if (command_ == Command::Set && p->packet_id == publish_id_) finish(0);
        } else if (const auto* d = std::get_if<client::event::Disconnected>(&event)) {
            if (!done_) fail("disconnected: " + d->message);
        }
    }

    void on_connected() {
        const std::string root = topic_root(options_);
        if (command_ == Command::Set) {
            mqtt::Publish p;
            p.topic = root + "set_config";
            p.payload = set_config_payload(options_);
            p.qos = 1;
            publish_id_ = connection_->publish(std::move(p));
            return;
        }
        std::vector<mqtt::Subscription> subs;
        mqtt::Subscription s;
        s.filter = root + "changed";
        s.options.qos = 1;
        subs.push_back(s);
        if (command_ == Command::Watch && !options_.json) {
            s.filter = root + "connection/+/state";
            subs.push_back(s);
        }
        connection_->subscribe(std::move(subs));
    }

    void on_message(const mqtt::Publish& p) {
        const bool colour = ::isatty(STDOUT_FILENO) != 0;
        if (p.topic.ends_with("/state")) {
            std::cout << "connection " << p.topic << ": " << p.payload << std::endl;
            return;
        }
        std::cout << (options_.json ? p.payload : describe(p.payload, colour)) << std::endl;
        if (command_ == Command::Get) finish(0);
    }

    void fail(const std::string& message) {
        if (done_) return;
        std::cerr << "lampi-lampctl: " << message << "\n";
        exit_code_ = 1;
        done_ = true;
        connection_->stop();
        io_.stop();
    }

    void finish(int code) {
        if (done_) return;
        done_ = true;
        exit_code_ = code;
        timer_.cancel();
        connection_->disconnect();
        // The closed handler stops the loop; do not wait forever for a dead broker.
        timer_.expires_after(std::chrono::seconds(2));
        timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) io_.stop();
        });
    }

    Options options_;
    Command command_;
    asio::io_context io_;
    asio::signal_set signals_;
    asio::steady_timer timer_;
    std::unique_ptr<client::Connection> connection_;
    std::uint16_t publish_id_ = 0;
    bool done_ = false;
    int exit_code_ = 0;
};

void add_connection_options(CLI::App& app, Options& o) {
    app.add_option("-h,--host", o.host, "broker host (default localhost)");
    app.add_option("-p,--port", o.port, "broker port (default 1883)")->check(CLI::Range(1, 65535));
    app.add_option("--device", o.device,
                   "address the lamp with this device id through the cloud broker "
                   "(devices/ID/lamp/...)");
    app.add_option("-u,--username", o.username, "user name");
    app.add_option("-P,--password", o.password, "password");
    app.add_option("--timeout", o.timeout, "seconds to wait for the broker or the state")
        ->check(CLI::PositiveNumber);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"lampi-lampctl: set, get or watch a LAMPi lamp."};
    app.set_help_flag("--help", "Print this help and exit");
    app.require_subcommand(1);
    Options o;
    add_connection_options(app, o);

    CLI::App* set = app.add_subcommand("set", "change the lamp (any subset of the values)");
    set->add_option("--hue", o.hue, "hue, 0..1")->check(CLI::Range(0.0, 1.0));
    set->add_option("--saturation", o.saturation, "saturation, 0..1")->check(CLI::Range(0.0, 1.0));
    set->add_option("--brightness", o.brightness, "brightness, 0..1")->check(CLI::Range(0.0, 1.0));
    auto* on = set->add_flag("--on", o.on, "turn the lamp on");
    set->add_flag("--off", o.off, "turn the lamp off")->excludes(on);
    CLI::App* get = app.add_subcommand("get", "print the lamp's retained state");
    get->add_flag("--json", o.json, "print the state as JSON");
    CLI::App* watch = app.add_subcommand("watch", "print a line per change until Ctrl-C");
    watch->add_flag("--json", o.json, "print each state as JSON");
    for (CLI::App* sub : {set, get, watch}) {
        sub->set_help_flag("--help", "Print this help and exit");
        sub->fallthrough();
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    Command command = Command::Set;
    if (*set) {
        if (!o.hue && !o.saturation && !o.brightness && !o.on && !o.off) {
            std::cerr << "lampi-lampctl: set: give at least one of --hue, --saturation, "
                         "--brightness, --on, --off\n";
            return 2;
        }
    } else {
        command = *get ? Command::Get : Command::Watch;
    }
    return Ctl(o, command).run();
}
