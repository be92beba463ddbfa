#include "bench/runner.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "bench/bench_client.h"
#include "bench/proc_stats.h"
#include "bench/summary.h"

namespace lampi::bench {

namespace asio = boost::asio;
using Role = ClientSpec::Role;

namespace {

constexpr auto kPoll = std::chrono::milliseconds(5);

// The stderr progress line: rewritten in place with '\r' on a terminal, one line per update
// otherwise (logs stay readable).
class Progress {
  public:
    explicit Progress(bool enabled) : enabled_(enabled), tty_(isatty(STDERR_FILENO) == 1) {}
    void show(const std::string& line) {
        if (!enabled_) return;
        if (tty_) {
            std::cerr << '\r' << line << "\033[K" << std::flush;
            shown_ = true;
        } else {
            std::cerr << line << '\n';
        }
    }
    void finish() {
        if (shown_) std::cerr << '\n';
        shown_ = false;
    }

  private:
    bool enabled_;
    bool tty_;
    bool shown_ = false;
};

void raise_fd_limit() {
    rlimit r{};
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

class Run {
  public:
    explicit Run(const Options& o) : o_(o), progress_(!o.quiet) {}
    ~Run() {
        stop_workers();
        clients_.clear();  // sockets close before their io_context goes
    }

    int execute();

  private:
    bool setup_transport();
    void build_clients();
    void add_client(Role role, std::uint32_t index, std::string topic, std::uint32_t first_pub,
                    std::uint32_t pubs);
    void start_workers();
    void stop_workers();
    void start_next();
    bool connect_all(std::chrono::steady_clock::time_point& first_connect);
    int run_traffic();
    Summary traffic_summary(std::int64_t t0, std::uint64_t expected_full, const Summary& end) const;
    int run_conns();
    template <class F>
    void for_each_client(F f);  // posts f(client) to each client's worker
    std::uint64_t total_received() const;
    std::uint64_t total_sent() const;
    void add_cpu(Summary& s, double secs) const;
    void mark_cpu();
    void tick_all();

    const Options& o_;
    Progress progress_;
    RunShared shared_;
    std::vector<std::unique_ptr<asio::io_context>> ios_;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
    std::vector<std::thread> threads_;
    std::vector<std::unique_ptr<BenchClient>> clients_;
    std::vector<BenchClient*> publishers_;
    std::vector<BenchClient*> subscribers_;
    std::atomic<std::size_t> next_start_{0};
    std::size_t sub_workers_ = 1;
    std::size_t subs_placed_ = 0;
    std::size_t pubs_placed_ = 0;
    // CPU readings at t0.
    std::optional<double> broker_cpu0_, machine_cpu0_;
    double tool_cpu0_ = 0;
};

bool Run::setup_transport() {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    auto resolve = [&](const std::string& host, std::uint16_t port, asio::ip::tcp::endpoint& out) {
        boost::system::error_code ec;
        auto results = resolver.resolve(host, std::to_string(port), ec);
        if (ec || results.empty()) {
            std::cerr << "lampi-bench: cannot resolve " << host << ": " << ec.message() << '\n';
            return false;
        }
        out = results.begin()->endpoint();
        return true;
    };
    if (!resolve(o_.host, o_.port, shared_.endpoint) ||
        !resolve(o_.sub_host, o_.sub_port, shared_.sub_endpoint)) {
        return false;
    }
    boost::system::error_code ec;
    shared_.host = o_.host;
    shared_.sub_host = o_.sub_host;
    shared_.verify_host = !o_.insecure;
    if (!o_.tls) return true;
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    if (!o_.cafile.empty()) ctx->load_verify_file(o_.cafile, ec);
    if (o_.cafile.empty() && !ec) ctx->set_default_verify_paths(ec);
    if (!ec && !o_.certfile.empty()) ctx->use_certificate_chain_file(o_.certfile, ec);
    if (!ec && !o_.keyfile.empty())
        ctx->use_private_key_file(o_.keyfile, asio::ssl::context::pem, ec);
    if (ec) {
        std::cerr << "lampi-bench: TLS setup: " << ec.message() << '\n';
        return false;
    }
    ctx->set_verify_mode(asio::ssl::verify_peer);
    shared_.tls = std::move(ctx);
    return true;
}

void Run::add_client(Role role, std::uint32_t index, std::string topic, std::uint32_t first_pub,
                     std::uint32_t pubs) {
    ClientSpec spec;
    spec.role = role;
    spec.index = index;
    const char kind = role == Role::Publisher ? 'p' : role == Role::Subscriber ? 's' : 'c';
    spec.session.client_id = fmt::format("lb{}-{}{}", getpid(), kind, index);
    spec.session.version = o_.version;
    spec.session.keep_alive = o_.keepalive;
    spec.session.username = o_.username;
    spec.session.password = o_.password;
    spec.session.max_inflight = static_cast<std::uint16_t>(o_.inflight);
    spec.topic = std::move(topic);
    spec.qos = o_.qos;
    spec.count = o_.count;
    spec.rate = o_.rate;
    spec.size = o_.size;
    spec.inflight = o_.inflight;
    spec.first_publisher = first_pub;
    spec.publishers = pubs;
    // Subscribers (and idle clients) on the first workers, publishers on the others.
    std::size_t worker = 0;
    if (role == Role::Publisher) {
        const std::size_t n = ios_.size() - (ios_.size() > 1 ? sub_workers_ : 0);
        worker = (ios_.size() > 1 ? sub_workers_ : 0) + pubs_placed_++ % n;
    } else {
        const std::size_t n = role == Role::Idle ? ios_.size() : sub_workers_;
        worker = subs_placed_++ % n;
    }
    auto c = std::make_unique<BenchClient>(*ios_[worker], shared_, std::move(spec));
    if (role == Role::Publisher) publishers_.push_back(c.get());
    if (role == Role::Subscriber) subscribers_.push_back(c.get());
    clients_.push_back(std::move(c));
}

void Run::build_clients() {
    const std::string& p = o_.topic_prefix;
    const std::string& sp = o_.sub_topic_prefix;
    switch (o_.scenario) {
        case Scenario::FanIn:
            add_client(Role::Subscriber, 0, sp + "/#", 0, o_.pubs);
            for (std::uint32_t i = 0; i < o_.pubs; ++i) {
                add_client(Role::Publisher, i, fmt::format("{}/{}", p, i), 0, 0);
            }
            break;
        case Scenario::FanOut:
            for (std::uint32_t i = 0; i < o_.subs; ++i)
                add_client(Role::Subscriber, i, sp + "/x", 0, 1);
            add_client(Role::Publisher, 0, p + "/x", 0, 0);
            break;
        case Scenario::Pairs:
            for (std::uint32_t i = 0; i < o_.pairs; ++i) {
                add_client(Role::Subscriber, i, fmt::format("{}/{}", sp, i), i, 1);
            }
            for (std::uint32_t i = 0; i < o_.pairs; ++i) {
                add_client(Role::Publisher, i, fmt::format("{}/{}", p, i), 0, 0);
            }
            break;
        case Scenario::Latency:
            add_client(Role::Subscriber, 0, sp + "/lat", 0, 1);
            add_client(Role::Publisher, 0, p + "/lat", 0, 0);
            break;
        case Scenario::Conns:
            for (std::uint32_t i = 0; i < o_.conns; ++i) {
                add_client(Role::Idle, i, fmt::format("{}/c/{}", p, i), 0, 0);
            }
            break;
    }
}

void Run::start_workers() {
    const std::size_t n = std::max(1u, o_.threads);
    sub_workers_ = n > 1 ? (n + 1) / 2 : 1;
    for (std::size_t i = 0; i < n; ++i) {
        ios_.push_back(std::make_unique<asio::io_context>(1));
        guards_.push_back(asio::make_work_guard(*ios_.back()));
    }
}

void Run::stop_workers() {
    for (auto& io : ios_) io->stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
}

void Run::start_next() {
    const std::size_t i = next_start_.fetch_add(1);
    if (i >= clients_.size()) return;
    BenchClient* c = clients_[i].get();
    asio::post(c->io(), [c] { c->start(); });
}

template <class F>
void Run::for_each_client(F f) {
    for (auto& c : clients_) {
        BenchClient* p = c.get();
        asio::post(p->io(), [p, f] { f(*p); });
    }
}

std::uint64_t Run::total_received() const {
    std::uint64_t n = 0;
    for (const BenchClient* s : subscribers_) n += s->received();
    return n;
}

std::uint64_t Run::total_sent() const {
    std::uint64_t n = 0;
    for (const BenchClient* p : publishers_) n += p->sent();
    return n;
}

// Waits until every client is ready or failed; false on a timeout.
bool Run::connect_all(std::chrono::steady_clock::time_point& first_connect) {
    shared_.handshake_finished = [this] { start_next(); };
    for (auto& io : ios_) {
        threads_.emplace_back([io = io.get()] { io->run(); });
    }
    first_connect = std::chrono::steady_clock::now();
    const std::size_t initial = std::min<std::size_t>(o_.connect_concurrency, clients_.size());
    for (std::size_t i = 0; i < initial; ++i) start_next();
    const auto deadline = first_connect + std::chrono::duration<double>(o_.connect_timeout);
    auto next_progress = first_connect + std::chrono::seconds(1);
    while (shared_.ready + shared_.failed < clients_.size()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return false;
        if (now >= next_progress) {
            next_progress += std::chrono::seconds(1);
            progress_.show(fmt::format("[{:4.0f}s] connecting: ready {}/{} failed {}",
                                       seconds_since(first_connect), shared_.ready.load(),
                                       clients_.size(), shared_.failed.load()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

void Run::add_cpu(Summary& s, double secs) const {
    auto pct = [secs](double used) { return secs > 0 ? used / secs * 100.0 : 0.0; };
    if (o_.broker_pid > 0 && broker_cpu0_) {
        if (auto b = process_cpu_seconds(o_.broker_pid))
            s.add("broker_cpu", pct(*b - *broker_cpu0_));
    }
    s.add("tool_cpu", pct(own_cpu_seconds() - tool_cpu0_));
    if (machine_cpu0_) {
        if (auto m = machine_busy_seconds()) s.add("machine_cpu", pct(*m - *machine_cpu0_));
    }
}

void Run::mark_cpu() {
    if (o_.broker_pid > 0) broker_cpu0_ = process_cpu_seconds(o_.broker_pid);
    machine_cpu0_ = machine_busy_seconds();
    tool_cpu0_ = own_cpu_seconds();
}

void Run::tick_all() {
    const auto now = client::Clock::now();
    for_each_client([now](BenchClient& c) { c.tick(now); });
}

int Run::run_traffic() {
    using namespace std::chrono;
    std::uint64_t expected_full = 0;
    const std::vector<std::uint64_t> full(publishers_.size(), o_.count);
    for (const BenchClient* s : subscribers_) expected_full += s->ledger()->expected(full);
    mark_cpu();
    const std::int64_t t0 = steady_ns();
    const auto t0_tp = steady_clock::now();
    for (BenchClient* p : publishers_) asio::post(p->io(), [p, t0] { p->start_publishing(t0); });

    bool stopped = false;
    auto last_change = t0_tp, publishing_over_at = t0_tp, next_second = t0_tp + seconds(1);
    std::uint64_t last_rx = 0, last_second_rx = 0, last_second_tx = 0;
    const auto run_for = duration<double>(o_.duration), drain = duration<double>(o_.drain);
    bool publishing_over = false;
    for (;;) {
        std::this_thread::sleep_for(kPoll);
        const auto now = steady_clock::now();
        if (!stopped && now - t0_tp >= run_for) {
            stopped = true;
            shared_.stop_publishing = true;
            for (BenchClient* p : publishers_) asio::post(p->io(), [p] { p->stop_publishing(); });
        }
        if (!publishing_over && (stopped || shared_.pubs_done >= publishers_.size())) {
            publishing_over = true;
            publishing_over_at = now;
        }
        const std::uint64_t rx = total_received();
        if (rx != last_rx) last_change = now;
        last_rx = rx;
        if (rx >= expected_full) break;
        if (publishing_over && now - std::max(last_change, publishing_over_at) >= drain) break;
        if (now - t0_tp >= run_for + drain) break;
        if (now >= next_second) {
            next_second += seconds(1);
            const std::uint64_t tx = total_sent();
            progress_.show(fmt::format("[{:4.0f}s] sent {} ({}/s) received {}/{} ({}/s) errors {}",
                                       seconds_since(t0_tp), tx, tx - last_second_tx, rx,
                                       expected_full, rx - last_second_rx, shared_.errors.load()));
            last_second_tx = tx;
            last_second_rx = rx;
            tick_all();
        }
    }
    // Readings from /proc first: they belong to the run, not to the shutdown.
    Summary end;
    add_cpu(end, seconds_since(t0_tp));
    if (o_.broker_pid > 0) {
        if (auto rss = process_rss_kb(o_.broker_pid)) end.add("broker_rss_kb", std::int64_t{*rss});
    }
    stop_workers();
    progress_.finish();
    const Summary s = traffic_summary(t0, expected_full, end);
    if (shared_.errors > 0) {
        std::cerr << "lampi-bench: first error: " << shared_.first_error() << '\n';
    }
    std::cout << (o_.json ? s.json() : s.text()) << std::endl;
    return 0;
}

// Aggregates the subscribers' ledgers and histograms; call after the workers stopped.
Summary Run::traffic_summary(std::int64_t t0, std::uint64_t expected_full,
                             const Summary& end) const {
    Summary s;
    std::vector<std::uint64_t> sent(publishers_.size(), 0);
    std::uint64_t total_sent_msgs = 0;
    for (const BenchClient* p : publishers_) {
        sent[p->spec().index] = p->sent();
        total_sent_msgs += p->sent();
    }
    std::uint64_t msgs = 0, lost = 0, dup = 0, ooo = 0, foreign = 0, stray = 0, short_ = 0;
    std::int64_t last_rx_ns = t0;
    LatencyHistogram latency;
    for (const BenchClient* sub : subscribers_) {
        const SubscriberLedger& l = *sub->ledger();
        msgs += l.distinct();
        lost += l.lost(sent);
        dup += l.duplicates();
        ooo += l.out_of_order();
        foreign += sub->foreign();
        stray += sub->stray();
        short_ += sub->short_payloads();
        last_rx_ns = std::max(last_rx_ns, sub->last_receive_ns());
        latency.merge(*sub->histogram());
    }
    const double secs = static_cast<double>(last_rx_ns - t0) / 1e9;
    const std::int64_t pub_end =
        shared_.last_pub_done_ns > t0 ? shared_.last_pub_done_ns.load() : steady_ns();
    const double pub_secs = static_cast<double>(pub_end - t0) / 1e9;
    s.add("scenario", scenario_name(o_.scenario));
    s.add("label", o_.label);
    s.add("qos", o_.qos);
    s.add("size", static_cast<std::uint64_t>(o_.size));
    s.add("pubs", static_cast<std::uint64_t>(publishers_.size()));
    s.add("subs", static_cast<std::uint64_t>(subscribers_.size()));
    s.add("count", o_.count);
    s.add("sent", total_sent_msgs);
    s.add("expected", expected_full);
    s.add("msgs", msgs);
    s.add("secs", secs);
    s.add("rate", secs > 0 ? static_cast<double>(msgs) / secs : 0.0);
    s.add("pub_rate", pub_secs > 0 ? static_cast<double>(total_sent_msgs) / pub_secs : 0.0);
    s.add("lost", lost);
    s.add("dup", dup);
    s.add("ooo", ooo);
    s.add("foreign", foreign);
    if (stray > 0) s.add("stray", stray);
    if (short_ > 0) s.add("short", short_);
    s.add("errors", static_cast<std::uint64_t>(shared_.errors.load()));
    s.add("complete", msgs >= expected_full);
    s.add("p50_us", latency.percentile(0.50) / 1e3);
    s.add("p99_us", latency.percentile(0.99) / 1e3);
    s.add("p999_us", latency.percentile(0.999) / 1e3);
    s.add("max_us", static_cast<double>(latency.max()) / 1e3);
    s.add("mean_us", latency.mean() / 1e3);
    for (const char* k : {"broker_cpu", "tool_cpu", "machine_cpu", "broker_rss_kb"}) {
        if (const auto* v = end.find(k)) s.add_value(k, *v);
    }
    return s;
}

int Run::run_conns() {
    std::optional<long> rss_before, rss_ready, rss_after;
    std::optional<double> cpu0, cpu1;
    if (o_.broker_pid > 0) {
        rss_before = process_rss_kb(o_.broker_pid);
        cpu0 = process_cpu_seconds(o_.broker_pid);
    }
    std::chrono::steady_clock::time_point first_connect;
    connect_all(first_connect);
    const double connect_secs = seconds_since(first_connect);
    const unsigned ok = shared_.ready;
    const auto failed = static_cast<unsigned>(clients_.size()) - ok;
    if (o_.broker_pid > 0) {
        cpu1 = process_cpu_seconds(o_.broker_pid);
        rss_ready = process_rss_kb(o_.broker_pid);
    }
    const auto hold_start = std::chrono::steady_clock::now();
    auto next_second = hold_start;
    while (seconds_since(hold_start) < o_.hold) {
        std::this_thread::sleep_for(kPoll);
        if (std::chrono::steady_clock::now() >= next_second) {
            next_second += std::chrono::seconds(1);
            progress_.show(fmt::format("[{:4.0f}s] holding {} connections, dropped {}",
                                       seconds_since(hold_start), ok, shared_.errors.load()));
            tick_all();
        }
    }
    if (o_.broker_pid > 0) rss_after = process_rss_kb(o_.broker_pid);
    const unsigned dropped = shared_.errors;
    stop_workers();
    progress_.finish();
    Summary s;
    s.add("scenario", "conns");
    s.add("label", o_.label);
    s.add("conns", static_cast<std::uint64_t>(clients_.size()));
    s.add("ok", static_cast<std::uint64_t>(ok));
    s.add("failed", static_cast<std::uint64_t>(failed));
    s.add("connect_secs", connect_secs);
    s.add("connect_rate", connect_secs > 0 ? ok / connect_secs : 0.0);
    if (rss_before) s.add("rss_before_kb", static_cast<std::int64_t>(*rss_before));
    if (rss_ready) s.add("rss_ready_kb", static_cast<std::int64_t>(*rss_ready));
    if (rss_after) s.add("rss_after_kb", static_cast<std::int64_t>(*rss_after));
    if (rss_before && rss_after && ok > 0) {
        s.add("bytes_per_conn", static_cast<double>(*rss_after - *rss_before) * 1024.0 / ok);
    }
    if (cpu0 && cpu1) s.add("broker_cpu_s", *cpu1 - *cpu0);
    s.add("dropped_during_hold", static_cast<std::uint64_t>(dropped));
    if (failed > 0 || dropped > 0) {
        const std::string e = shared_.first_error();
        std::cerr << "lampi-bench: " << failed << " failed, " << dropped << " dropped"
                  << (e.empty() ? std::string(" (connect timeout)") : ": " + e) << '\n';
    }
    std::cout << (o_.json ? s.json() : s.text()) << std::endl;
    if (ok == 0) return 2;
    return failed > 0 || dropped > 0 ? 1 : 0;
}

int Run::execute() {
    raise_fd_limit();
    shared_.nonce = std::random_device{}();
    if (!setup_transport()) return 2;
    start_workers();
    build_clients();
    if (o_.scenario == Scenario::Conns) return run_conns();
    std::chrono::steady_clock::time_point first_connect;
    const bool all = connect_all(first_connect);
    progress_.finish();
    if (!all || shared_.failed > 0) {
        std::cerr << "lampi-bench: setup failed: " << shared_.ready.load() << "/" << clients_.size()
                  << " connections ready";
        const std::string e = shared_.first_error();
        std::cerr << (e.empty() ? std::string(" (connect timeout)") : ": " + e) << '\n';
        return 2;
    }
    return run_traffic();
}

}  // namespace

int run(const Options& options) {
    Run r(options);
    return r.execute();
}

}  // namespace lampi::bench
