// lampi extension `metrics_listener PORT [ADDRESS]`: the broker's counters in Prometheus text
// format over plain HTTP (GET /metrics), served from the housekeeping thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <optional>
#include <string>

namespace lampi::server {

class MetricsHttp {
  public:
    using Render = std::function<std::string()>;
    MetricsHttp(boost::asio::io_context& io, Render render);
    // Binds; returns an error text on failure.
    std::optional<std::string> open(const std::string& address, std::uint16_t port);
    void start();
    void stop();

  private:
    boost::asio::io_context& io_;
    Render render_;
    boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace lampi::server
