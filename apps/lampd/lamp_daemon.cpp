#include "lamp_daemon.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/log.h"
#include "client/connection.h"
#include "lamp/backend.h"
#include "lamp/device_id.h"
#include "lamp/lamp_service.h"
#include "lamp/state_file.h"

namespace lampi::lampd {

namespace {

namespace asio = boost::asio;
using lamp::Outgoing;

mqtt::Publish to_publish(const Outgoing& o) {
    mqtt::Publish p;
    p.topic = o.topic;
    p.payload = o.payload;
    p.qos = o.qos;
    p.retain = o.retain;
    return p;
}

client::ConnectionOptions connection_options(const lamp::ServiceConfig& config,
                                             const lamp::LampService& service) {
    const lamp::BrokerOptions& b = config.broker;
    client::ConnectionOptions o;
    o.host = b.host;
    o.port = b.port;
    if (b.tls || !b.cafile.empty() || !b.capath.empty() || !b.certfile.empty()) {
        client::TlsOptions tls;
        tls.cafile = b.cafile;
        tls.capath = b.capath;
        tls.certfile = b.certfile;
        tls.keyfile = b.keyfile;
        tls.version = b.tls_version;
        tls.insecure = b.tls_insecure;
        tls.use_os_certs = b.cafile.empty() && b.capath.empty();
        o.tls = tls;
    }
    // A lamp keeps trying: the broker may start after us or go away for a while.
    o.reconnect.enabled = true;
    o.reconnect.initial_delay = std::chrono::milliseconds(500);
    o.reconnect.max_delay = std::chrono::milliseconds(30000);
    o.session.client_id = b.client_id;
    o.session.keep_alive = b.keepalive;
    o.session.username = b.username;
    o.session.password = b.password;
    const Outgoing will = service.will();
    o.session.will = mqtt::Will{will.topic, will.payload, will.qos, will.retain, {}};
    return o;
}

class LampDaemon {
  public:
    LampDaemon(const lamp::ServiceConfig& config, std::unique_ptr<lamp::Backend> backend,
               lamp::LampState initial, std::string device_id)
        : config_(config),
          backend_(std::move(backend)),
          device_id_(std::move(device_id)),
          service_(config.topic_root, config.broker.client_id, std::move(initial)),
          connection_(io_, connection_options(config, service_)),
          signals_(io_, SIGINT, SIGTERM),
          shutdown_timer_(io_) {}

    int run() {
        if (auto e = backend_->open(); !e.empty()) {
            log(LogType::Warning, "lampd: {} backend: {} (will retry)", backend_->name(), e);
        }
        drive_and_save();
        connection_.set_event_handler([this](const client::Event& e) { on_event(e); });
        connection_.set_error_handler([this](const std::string& what) {
            log(LogType::Warning, "lampd: broker {}:{}: {}", config_.broker.host,
                config_.broker.port, what);
        });
        connection_.set_closed_handler([this] { io_.stop(); });
        signals_.async_wait([this](const boost::system::error_code& ec, int) {
            if (!ec) shut_down();
        });
        log(LogType::Notice, "lampd: device {} as '{}' on {}:{}, backend {}, state file {}",
            device_id_.empty() ? "(unknown)" : device_id_, config_.broker.client_id,
            config_.broker.host, config_.broker.port, backend_->name(), config_.state_file);
        connection_.start();
        io_.run();
        return 0;
    }

  private:
    void on_event(const client::Event& event) {
        if (const auto* c = std::get_if<client::event::Connected>(&event)) {
            if (c->reason_code != 0) {
                log(LogType::Error, "lampd: broker refused the connection (code {})",
                    c->reason_code);
                return;
            }
            log(LogType::Notice, "lampd: connected to {}:{}", config_.broker.host,
                config_.broker.port);
            std::vector<mqtt::Subscription> subs;
            for (const auto& filter : service_.subscriptions()) {
                mqtt::Subscription s;
                s.filter = filter;
                s.options.qos = 1;
                subs.push_back(s);
            }
            connection_.subscribe(std::move(subs));
            for (const auto& o : service_.on_connected()) connection_.publish(to_publish(o));
        } else if (const auto* m = std::get_if<client::event::Message>(&event)) {
            on_message(m->publish.topic, m->publish.payload);
        } else if (const auto* d = std::get_if<client::event::Disconnected>(&event)) {
            log(LogType::Warning, "lampd: disconnected from the broker{}{}",
                d->message.empty() ? "" : ": ", d->message);
        }
    }

    void on_message(const std::string& topic, const std::string& payload) {
        lamp::Reaction r = service_.on_message(topic, payload);
        if (!r.warning.empty()) log(LogType::Warning, "lampd: {}", r.warning);
        if (!r.info.empty()) log(LogType::Information, "lampd: {}", r.info);
        if (r.state_changed) drive_and_save();
        for (const auto& o : r.publish) connection_.publish(to_publish(o));
    }

    // Drives the hardware with the current state and saves it (with the duty cycles driven).
    void drive_and_save() {
        const lamp::Rgb duty = lamp::duty_cycles(service_.state(), config_.gamma);
        if (auto e = backend_->set(duty); !e.empty()) {
            log(LogType::Warning, "lampd: {} backend: {}", backend_->name(), e);
        } else {
            log(LogType::Information, "lampd: {} output red={:.3f} green={:.3f} blue={:.3f}",
                backend_->name(), duty.red, duty.green, duty.blue);
        }
        const std::string text = lamp::state_file_json(service_.state(), duty,
                                                       std::string(backend_->name()), device_id_);
        if (auto e = lamp::write_file_atomically(config_.state_file, text); !e.empty()) {
            log(LogType::Warning, "lampd: cannot save the state: {}", e);
        }
    }

    // Says "0" ourselves (the broker drops the will on a clean DISCONNECT), then leaves.
    void shut_down() {
        log(LogType::Notice, "lampd: shutting down");
        if (connection_.session().state() == client::Session::State::Connected) {
            connection_.publish(to_publish(service_.goodbye()));
            connection_.disconnect();
        } else {
            connection_.stop();
        }
        shutdown_timer_.expires_after(std::chrono::seconds(3));
        shutdown_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) io_.stop();
        });
    }

    const lamp::ServiceConfig& config_;
    std::unique_ptr<lamp::Backend> backend_;
    std::string device_id_;
    lamp::LampService service_;
    asio::io_context io_;
    client::Connection connection_;
    asio::signal_set signals_;
    asio::steady_timer shutdown_timer_;
};

}  // namespace

int run_lamp_daemon(const lamp::ServiceConfig& config) {
    std::string error;
    auto backend = lamp::make_backend(config.hardware, error);
    if (!backend) {
        log(LogType::Error, "lampd: {}", error);
        return 1;
    }
    std::string device_id = config.device_id.empty() ? lamp::find_device_id() : config.device_id;
    lamp::LampState initial;
    std::string why;
    if (auto restored = lamp::load_state_file(config.state_file, why)) {
        initial = *restored;
        log(LogType::Notice, "lampd: restored the state from {}", config.state_file);
    } else {
        log(LogType::Notice, "lampd: no saved state ({}); starting with the defaults", why);
    }
    LampDaemon daemon(config, std::move(backend), std::move(initial), std::move(device_id));
    return daemon.run();
}

}  // namespace lampi::lampd
