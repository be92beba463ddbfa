#include "bridge/local_link.h"

#include <boost/asio/post.hpp>
#include <span>

#include "mqtt/codec.h"

namespace lampi::bridge {

LocalLink::LocalLink(boost::asio::any_io_executor executor, PacketHandler handler)
    : executor_(std::move(executor)), handler_(std::move(handler)) {}

void LocalLink::send(std::string_view bytes) {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    pending_.append(bytes);
    if (drain_posted_) return;
    drain_posted_ = true;
    boost::asio::post(executor_, [self = shared_from_this()] { self->drain(); });
}

std::size_t LocalLink::pending_bytes() const {
    std::lock_guard lock(mutex_);
    return pending_.size();
}

void LocalLink::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
}

void LocalLink::detach() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    handler_ = nullptr;
}

void LocalLink::drain() {
    std::string bytes;
    PacketHandler handler;
    {
        std::lock_guard lock(mutex_);
        drain_posted_ = false;
        bytes.swap(pending_);
        handler = handler_;
    }
    if (!handler) return;
    std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                       bytes.size());
    // The broker writes whole packets of a v5 session: every packet here is complete and valid.
    while (!data.empty()) {
        const auto header = mqtt::parse_fixed_header(data, 0);
        if (header.status != mqtt::HeaderStatus::Ok) return;
        const std::size_t total = header.header.total_length();
        auto body = data.subspan(header.header.header_length, header.header.remaining_length);
        auto decoded = mqtt::decode_packet(header.header, body, mqtt::ProtocolVersion::V5,
                                           mqtt::Side::FromServer);
        data = data.subspan(total);
        if (decoded.ok) handler(std::move(decoded.packet));
    }
}

}  // namespace lampi::bridge
