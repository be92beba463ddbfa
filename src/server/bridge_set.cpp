#include "server/bridge_set.h"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "base/log.h"

namespace lampi::server {

namespace {

// Two stanzas are the same bridge when everything but their position in the file matches.
bool same_stanza(config::Bridge a, config::Bridge b) {
    a.origin.clear();
    b.origin.clear();
    return a == b;
}

}  // namespace

BridgeSet::~BridgeSet() = default;

void BridgeSet::apply(const std::vector<config::Bridge>& wanted) {
    for (auto it = bridges_.begin(); it != bridges_.end();) {
        const bool kept = std::any_of(wanted.begin(), wanted.end(), [&](const config::Bridge& w) {
            return same_stanza(w, (*it)->config());
        });
        if (kept) {
            ++it;
            continue;
        }
        log(LogType::Notice, "Stopping bridge {}.", (*it)->config().connection);
        (*it)->stop();
        // The last reference goes on the bridge's own worker, after stop(): its sockets and
        // timers must not be torn down from this thread while that worker uses them.
        auto& io = (*it)->context();
        boost::asio::post(io, [last = std::move(*it)]() mutable { last.reset(); });
        it = bridges_.erase(it);
    }
    for (const auto& w : wanted) {
        const bool running = std::any_of(bridges_.begin(), bridges_.end(), [&](const auto& b) {
            return same_stanza(w, b->config());
        });
        if (running) continue;
        auto b = std::make_shared<bridge::Bridge>(workers_.next(), broker_, w);
        b->start();
        bridges_.push_back(std::move(b));
    }
}

void BridgeSet::stop_all() {
    for (auto& b : bridges_) b->stop();
}

std::vector<bridge::BridgeStatus> BridgeSet::statuses() const {
    std::vector<bridge::BridgeStatus> out;
    for (const auto& b : bridges_) out.push_back(b->status());
    return out;
}

std::vector<std::pair<std::string, std::string>> BridgeSet::sys_entries() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& b : bridges_) {
        const auto s = b->status();
        const std::string base = "$SYS/broker/bridge/" + s.name + "/";
        out.emplace_back(base + "state", s.connected ? "connected" : "disconnected");
        out.emplace_back(base + "address", s.address);
        out.emplace_back(base + "queue", std::to_string(s.queued));
        out.emplace_back(base + "messages/sent", std::to_string(s.sent));
        out.emplace_back(base + "messages/received", std::to_string(s.received));
    }
    return out;
}

}  // namespace lampi::server
