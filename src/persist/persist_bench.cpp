// Measures the store: per-message op throughput through Store::apply and GroupCommitter, and
// the start-up load of a large store. Prints numbers; asserts nothing. Not run by ctest.
//   persist_bench [directory]   (default: a fresh directory under /tmp)
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <variant>

#include "persist/group_committer.h"
#include "persist/store.h"

using namespace lampi::persist;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<Store> open_or_die(const std::string& path, const StoreOptions& options = {}) {
    auto result = Store::open(path, options);
    if (auto* error = std::get_if<std::string>(&result)) {
        std::fprintf(stderr, "%s\n", error->c_str());
        std::exit(1);
    }
    return std::move(std::get<std::unique_ptr<Store>>(result));
}

MessageRecord make_message(std::uint64_t id, std::size_t payload) {
    MessageRecord m;
    m.id = id;
    m.topic = "bench/topic/" + std::to_string(id % 1000);
    m.payload.assign(payload, 'x');
    m.qos = 1;
    m.properties = std::string("\x01\x01", 2);
    m.origin_client_id = "bench-publisher";
    return m;
}

DeliveryRecord make_delivery(const std::string& client, std::uint64_t seq, std::uint64_t id) {
    DeliveryRecord d;
    d.client_id = client;
    d.seq = seq;
    d.message_id = id;
    d.qos = 1;
    d.subscription_ids = {1};
    return d;
}

// The broker's life of a QoS 1 message with one persistent subscriber: PutMessage + PutDelivery
// on arrival, UpdateDelivery when sent, DeleteDelivery on PUBACK (which also collects the message).
void bench_apply(const std::string& dir, Synchronous sync, std::size_t batch_messages) {
    const std::string path = dir + "/apply.db";
    std::filesystem::remove(path);
    StoreOptions options;
    options.synchronous = sync;
    auto store = open_or_die(path, options);
    constexpr std::uint64_t kMessages = 200'000;
    std::uint64_t ops_total = 0;
    const auto start = Clock::now();
    std::vector<Op> ops;
    for (std::uint64_t first = 1; first <= kMessages; first += batch_messages) {
        ops.clear();
        for (std::uint64_t id = first; id < first + batch_messages && id <= kMessages; ++id) {
            ops.push_back(PutMessage{make_message(id, 100)});
            ops.push_back(PutDelivery{make_delivery("sub-" + std::to_string(id % 100), id, id)});
            if (id > 500) {
                const std::uint64_t old = id - 500;
                ops.push_back(UpdateDelivery{"sub-" + std::to_string(old % 100), old, 1,
                                             DeliveryState::WaitPuback});
                ops.push_back(DeleteDelivery{"sub-" + std::to_string(old % 100), old});
            }
        }
        std::string error;
        if (!store->apply(ops, &error)) {
            std::fprintf(stderr, "apply: %s\n", error.c_str());
            std::exit(1);
        }
        ops_total += ops.size();
    }
    const double s = seconds_since(start);
    std::printf("apply  sync=%-6s batch=%5zu msgs: %7.0f msgs/s, %8.0f ops/s (%.2f s)\n",
                sync == Synchronous::Full ? "FULL" : "NORMAL", batch_messages, kMessages / s,
                static_cast<double>(ops_total) / s, s);
}

void bench_committer(const std::string& dir) {
    const std::string path = dir + "/committer.db";
    std::filesystem::remove(path);
    auto store = open_or_die(path);
    constexpr std::uint64_t kMessages = 200'000;
    const auto start = Clock::now();
    {
        GroupCommitter committer(*store);
        for (std::uint64_t id = 1; id <= kMessages; ++id) {
            std::vector<Op> ops{PutMessage{make_message(id, 100)},
                                PutDelivery{make_delivery("sub", id, id)}};
            if (id > 500) ops.push_back(DeleteDelivery{"sub", id - 500});
            committer.submit(std::move(ops), [](bool) {});
        }
        committer.flush();
        const auto stats = committer.stats();
        const double s = seconds_since(start);
        std::printf(
            "committer, one submission per message: %7.0f msgs/s, %8.0f ops/s, "
            "%llu batches (avg %.0f ops)\n",
            kMessages / s, static_cast<double>(stats.ops) / s,
            static_cast<unsigned long long>(stats.batches),
            static_cast<double>(stats.ops) / static_cast<double>(stats.batches));
    }
}

void bench_load(const std::string& dir) {
    const std::string path = dir + "/load.db";
    std::filesystem::remove(path);
    constexpr std::uint64_t kRetained = 100'000;
    constexpr std::uint64_t kSessions = 1'000;
    constexpr std::uint64_t kQueued = 100;
    {
        auto store = open_or_die(path);
        std::vector<Op> ops;
        const auto start = Clock::now();
        for (std::uint64_t id = 1; id <= kRetained; ++id) {
            MessageRecord m = make_message(id, 100);
            m.topic = "retained/" + std::to_string(id);
            ops.push_back(SetRetained{m.topic, id});
            ops.push_back(PutMessage{std::move(m)});
        }
        std::uint64_t id = kRetained;
        for (std::uint64_t c = 0; c < kSessions; ++c) {
            const std::string client = "client-" + std::to_string(c);
            ops.push_back(PutSession{client, 3600, 1'700'000'000'000, 5});
            ops.push_back(PutSubscription{client, {"sensors/#", 1, 0}});
            for (std::uint64_t q = 1; q <= kQueued; ++q) {
                ops.push_back(PutMessage{make_message(++id, 100)});
                ops.push_back(PutDelivery{make_delivery(client, q, id)});
            }
        }
        std::string error;
        if (!store->apply(ops, &error)) {
            std::fprintf(stderr, "apply: %s\n", error.c_str());
            std::exit(1);
        }
        std::printf("fill: %zu ops in one batch: %.2f s\n", ops.size(), seconds_since(start));
    }
    const auto start = Clock::now();
    auto store = open_or_die(path);
    const double open_s = seconds_since(start);
    auto result = store->load();
    const double total_s = seconds_since(start);
    const auto& snap = std::get<Snapshot>(result);
    std::printf(
        "open (with quick_check) %.3f s, open+load %.3f s: %zu messages, %zu retained, "
        "%zu sessions, %zu deliveries; file %.1f MB\n",
        open_s, total_s, snap.messages.size(), snap.retained.size(), snap.sessions.size(),
        snap.deliveries.size(), static_cast<double>(std::filesystem::file_size(path)) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir;
    if (argc > 1) {
        dir = argv[1];
    } else {
        char tmpl[] = "/tmp/lampi-persist-bench-XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    for (std::size_t batch : {1, 10, 100, 1000}) bench_apply(dir, Synchronous::Normal, batch);
    bench_apply(dir, Synchronous::Full, 100);
    bench_committer(dir);
    bench_load(dir);
    if (argc <= 1) std::filesystem::remove_all(dir);
}
