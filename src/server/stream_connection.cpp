#include "server/stream_connection_impl.h"

namespace lampi::server {

template class StreamConnection<PlainTransport<WorkerTcpSocket>>;
template class StreamConnection<PlainTransport<WorkerUnixSocket>>;
template class StreamConnection<TlsTransport>;

void ConnectionRegistry::add(const std::shared_ptr<ConnectionBase>& c) {
    std::lock_guard lock(mutex_);
    connections_[c.get()] = c;
}

void ConnectionRegistry::remove(const ConnectionBase* c) {
    std::lock_guard lock(mutex_);
    connections_.erase(c);
}

void ConnectionRegistry::shut_down_all(std::uint8_t reason) {
    std::vector<std::shared_ptr<ConnectionBase>> live;
    {
        std::lock_guard lock(mutex_);
        for (auto& [ptr, weak] : connections_) {
            if (auto c = weak.lock()) live.push_back(std::move(c));
        }
    }
    for (auto& c : live) c->shut_down(reason);
}

std::size_t ConnectionRegistry::size() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
}

}  // namespace lampi::server
