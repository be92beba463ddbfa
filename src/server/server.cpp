#include "server/server.h"

#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fstream>
#include <thread>

#include "broker/broker.h"
#include "broker/sys_tree.h"
#include "mqtt/reason_code.h"
#include "persist/store.h"
#include "server/bridge_set.h"
#include "server/metrics_http.h"
#include "server/metrics_text.h"
#include "server/store_journal.h"

namespace lampi::server {

namespace asio = boost::asio;

namespace {

void write_pid_file(const std::string& path) {
    if (path.empty()) return;
    std::ofstream f(path, std::ios::trunc);
    if (!f) {
        log(LogType::Error, "Error: Unable to write pid file {}.", path);
        return;
    }
    f << ::getpid() << "\n";
}

bool same_endpoint(const ListenerOptions& a, const ListenerOptions& b) {
    return a.address == b.address && a.port == b.port && a.unix_path == b.unix_path &&
           a.websockets == b.websockets && a.tls.enabled() == b.tls.enabled();
}

}  // namespace

struct Server::Impl {
    asio::io_context main_io{1};
    std::unique_ptr<WorkerPool> workers;
    ConnectionRegistry registry;
    std::vector<std::pair<ListenerOptions, std::unique_ptr<Listener>>> listeners;
    asio::steady_timer tick_timer{main_io};
    asio::signal_set signals{main_io};
    std::unique_ptr<broker::SysTree> sys;
    std::unique_ptr<BridgeSet> bridges;
    std::unique_ptr<persist::Store> store;
    std::unique_ptr<StoreJournal> journal;
    std::unique_ptr<MetricsHttp> metrics;
    broker::TimePoint started = broker::Clock::now();
    broker::TimePoint last_sys{};
};

Server::Server(ServerOptions options)
    : impl_(std::make_unique<Impl>()),
      options_(std::move(options)),
      broker_(std::make_unique<broker::Broker>(options_.settings)) {
    std::size_t threads = options_.threads;
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    impl_->workers = std::make_unique<WorkerPool>(threads);
    impl_->sys =
        std::make_unique<broker::SysTree>(*broker_, options_.version, broker::Clock::now());
    impl_->bridges = std::make_unique<BridgeSet>(*impl_->workers, *broker_);
    impl_->sys->add_source([b = impl_->bridges.get()] { return b->sys_entries(); });
}

Server::~Server() = default;

asio::io_context& Server::housekeeping_context() { return impl_->main_io; }
WorkerPool& Server::workers() { return *impl_->workers; }

namespace {

std::variant<std::unique_ptr<persist::Store>, std::string> open_store(const ServerOptions& o) {
    persist::StoreOptions so;
    so.synchronous = o.store_sync_full ? persist::Synchronous::Full : persist::Synchronous::Normal;
    auto opened = persist::Store::open(o.store_path, so);
    if (std::holds_alternative<std::unique_ptr<persist::Store>>(opened) || !o.fresh_store) {
        return opened;
    }
    log(LogType::Error, "Error: {}", std::get<std::string>(opened));
    auto moved = persist::move_aside(o.store_path);
    if (auto* err = std::get_if<std::string>(&moved)) return *err;
    log(LogType::Warning, "Moved the unusable store aside to {}; starting with an empty store.",
        std::get<std::filesystem::path>(moved).string());
    return persist::Store::open(o.store_path, so);
}

}  // namespace

bool Server::open_persistence() {
    if (options_.store_path.empty()) return true;
    const auto started = std::chrono::steady_clock::now();
    auto opened = open_store(options_);
    if (auto* err = std::get_if<std::string>(&opened)) {
        log(LogType::Error, "Error: {}", *err);
        log(LogType::Error,
            "Error: the store was left untouched; start with --fresh-store to "
            "move it aside and begin empty.");
        return false;
    }
    impl_->store = std::move(std::get<std::unique_ptr<persist::Store>>(opened));
    const auto opened_at = std::chrono::steady_clock::now();
    auto restored = restore_broker(*impl_->store, *broker_);
    if (auto* err = std::get_if<std::string>(&restored)) {
        log(LogType::Error, "Error: {}", *err);
        return false;
    }
    const auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };
    log(LogType::Information, "Store opened and checked in {:.2f} s, restored in {:.2f} s.",
        seconds(opened_at - started), seconds(std::chrono::steady_clock::now() - opened_at));
    impl_->journal =
        std::make_unique<StoreJournal>(*impl_->store, std::get<std::uint64_t>(restored));
    broker_->set_journal(impl_->journal.get());
    return true;
}

bool Server::open_metrics() {
    if (!options_.metrics) return true;
    impl_->metrics = std::make_unique<MetricsHttp>(impl_->main_io, [this] {
        std::vector<ListenerGauge> listeners;
        for (const auto& [opts, l] : impl_->listeners) {
            listeners.push_back({l->describe(), l->connections()});
        }
        const double uptime =
            std::chrono::duration<double>(broker::Clock::now() - impl_->started).count();
        return render_metrics(*broker_, impl_->bridges->statuses(), listeners, uptime);
    });
    const auto& [address, port] = *options_.metrics;
    if (auto err = impl_->metrics->open(address, port)) {
        log(LogType::Error, "Error: Unable to open metrics listener on {}:{}: {}.", address, port,
            *err);
        return false;
    }
    log(LogType::Notice, "Opening metrics listener on {}:{}.", address.empty() ? "*" : address,
        port);
    return true;
}

bool Server::open() {
    write_pid_file(options_.pid_file);
    if (!open_persistence() || !open_metrics()) return false;
    for (const auto& l : options_.listeners) {
        ConnectionContext ctx;
        ctx.broker = broker_.get();
        ctx.registry = &impl_->registry;
        ctx.connect_timeout = options_.connect_timeout;
        auto listener = std::make_unique<Listener>(impl_->main_io, *impl_->workers, l, ctx);
        if (auto err = listener->open()) {
            log(LogType::Error, "Error: Unable to open listener on {}: {}.", listener->describe(),
                *err);
            return false;
        }
        log(LogType::Notice, "Opening listener on {}.", listener->describe());
        impl_->listeners.emplace_back(l, std::move(listener));
    }
    return true;
}

void Server::schedule_tick() {
    impl_->tick_timer.expires_after(std::chrono::seconds(1));
    impl_->tick_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        const auto now = broker::Clock::now();
        broker_->tick(now);
        if (options_.sys_interval > 0 &&
            now - impl_->last_sys >= std::chrono::seconds(options_.sys_interval)) {
            impl_->last_sys = now;
            impl_->sys->publish(now);
        }
        publish_log_lines(now);
        for (auto& hook : tick_hooks_) hook(now);
        schedule_tick();
    });
}

// log_dest topic: Mosquitto's $SYS/broker/log/<E|W|N|I|D|M|U|WS> topics, not retained.
void Server::publish_log_lines(broker::TimePoint now) {
    for (auto& line : take_topic_log_lines()) {
        const char* letter = "I";
        switch (line.type) {
            case LogType::Error:
                letter = "E";
                break;
            case LogType::Warning:
                letter = "W";
                break;
            case LogType::Notice:
                letter = "N";
                break;
            case LogType::Debug:
                letter = "D";
                break;
            case LogType::Subscribe:
                letter = "M";
                break;
            case LogType::Unsubscribe:
                letter = "U";
                break;
            case LogType::Websockets:
                letter = "WS";
                break;
            default:
                break;
        }
        auto m = std::make_shared<broker::Message>();
        m->topic = std::string("$SYS/broker/log/") + letter;
        m->payload = std::move(line.text);
        m->received_at = now;
        broker_->publish(m, nullptr, now);
    }
}

void Server::wait_for_signal() {
    impl_->signals.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        switch (sig) {
            case SIGHUP:
                reload();
                break;
            case SIGUSR2:
                dump_subscriptions();
                break;
            case SIGUSR1:
                // Everything acknowledged is already on disk; this waits for the rest.
                if (impl_->journal) impl_->journal->flush();
                log(LogType::Notice, "Received SIGUSR1: the store is up to date.");
                break;
            default:
                log(LogType::Notice, "lampi-broker received signal {}, shutting down.", sig);
                stop();
                return;
        }
        wait_for_signal();
    });
}

void Server::dump_subscriptions() {
    log(LogType::Notice, "Subscriptions ({}):", broker_->subscription_count());
    broker_->for_each_subscription(
        [](std::string_view filter, std::string_view client, const mqtt::SubscribeOptions& o) {
            log(LogType::Notice, "  {} {} qos {}", filter, client, static_cast<int>(o.qos));
        });
}

void Server::apply_listeners(const std::vector<ListenerOptions>& wanted) {
    auto& current = impl_->listeners;
    for (auto it = current.begin(); it != current.end();) {
        const bool kept = std::any_of(wanted.begin(), wanted.end(), [&](const ListenerOptions& w) {
            return same_endpoint(w, it->first);
        });
        if (kept) {
            ++it;
            continue;
        }
        log(LogType::Notice, "Closing listener on {}.", it->second->describe());
        it->second->stop();
        it = current.erase(it);
    }
    for (const auto& w : wanted) {
        auto existing = std::find_if(current.begin(), current.end(),
                                     [&](const auto& c) { return same_endpoint(w, c.first); });
        if (existing != current.end()) {
            existing->second->update(w);
            existing->first = w;
            continue;
        }
        ConnectionContext ctx;
        ctx.broker = broker_.get();
        ctx.registry = &impl_->registry;
        ctx.connect_timeout = options_.connect_timeout;
        auto listener = std::make_unique<Listener>(impl_->main_io, *impl_->workers, w, ctx);
        if (auto err = listener->open()) {
            log(LogType::Error, "Error: Unable to open listener on {}: {}.", listener->describe(),
                *err);
            continue;
        }
        log(LogType::Notice, "Opening listener on {}.", listener->describe());
        listener->start();
        current.emplace_back(w, std::move(listener));
    }
}

void Server::reload() {
    log(LogType::Notice, "Reloading config.");
    if (!reloader_) return;
    std::optional<ServerOptions> next = reloader_();
    if (!next) {
        log(LogType::Error, "Error: the new configuration is invalid; keeping the running one.");
        return;
    }
    options_.settings = next->settings;
    options_.sys_interval = next->sys_interval;
    broker_->update_settings(next->settings);
    apply_listeners(next->listeners);
    impl_->bridges->apply(next->bridges);
}

int Server::run() {
    impl_->workers->start();
    for (auto& [opts, l] : impl_->listeners) l->start();
    if (impl_->metrics) impl_->metrics->start();
    impl_->bridges->apply(options_.bridges);
    schedule_tick();
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2}) impl_->signals.add(sig);
    wait_for_signal();
    impl_->main_io.run();
    // Stop accepting, tell every client we are going (v5: DISCONNECT 0x8B), let the writes
    // drain briefly, then stop the workers.
    for (auto& hook : stop_hooks_) hook();
    impl_->bridges->stop_all();
    // Let the bridges say goodbye (the "0" notification) before the workers stop.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (auto& [opts, l] : impl_->listeners) l->stop();
    if (impl_->metrics) impl_->metrics->stop();
    impl_->registry.shut_down_all(mqtt::reason::kServerShuttingDown);
    for (int i = 0; i < 50 && impl_->registry.size() > 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    impl_->workers->stop();
    if (impl_->journal) {
        impl_->journal->flush();
        broker_->set_journal(nullptr);
        impl_->journal.reset();
    }
    if (!options_.pid_file.empty()) ::unlink(options_.pid_file.c_str());
    log(LogType::Notice, "lampi-broker terminating.");
    return 0;
}

void Server::stop() {
    asio::post(impl_->main_io, [this] {
        impl_->tick_timer.cancel();
        impl_->signals.cancel();
        impl_->main_io.stop();
    });
}

}  // namespace lampi::server
