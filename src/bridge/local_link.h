// The bridge's connection to its own broker, without a socket: an Outlet the broker writes the
// bridge's packets into (from any worker), framed and handed to the bridge on its own thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "broker/outlet.h"
#include "mqtt/packet.h"

namespace lampi::bridge {

class LocalLink final : public broker::Outlet, public std::enable_shared_from_this<LocalLink> {
  public:
    using PacketHandler = std::function<void(mqtt::Packet&&)>;

    LocalLink(boost::asio::any_io_executor executor, PacketHandler handler);

    void send(std::string_view bytes) override;
    std::size_t pending_bytes() const override;
    void close() override;
    std::weak_ptr<broker::Outlet> weak_outlet() override { return weak_from_this(); }

    // Stops delivering packets (the bridge is going away).
    void detach();

  private:
    void drain();

    boost::asio::any_io_executor executor_;
    PacketHandler handler_;
    mutable std::mutex mutex_;
    std::string pending_;
    bool drain_posted_ = false;
    bool closed_ = false;
};

}  // namespace lampi::bridge
