// Template bodies of transport.h, included by stream_connection.cpp only.
#pragma once

#include <boost/asio/write.hpp>

#include "server/transport.h"

namespace lampi::server {

template <class Socket>
template <class Buffer, class Handler>
void PlainTransport<Socket>::async_write(const Buffer& b, Handler&& h) {
    boost::asio::async_write(socket_, b, std::forward<Handler>(h));
}

template <class Socket>
void PlainTransport<Socket>::close() {
    boost::system::error_code ignored;
    if (!socket_.is_open()) return;
    socket_.shutdown(Socket::shutdown_both, ignored);
    socket_.close(ignored);
}

template <class Buffer, class Handler>
void TlsTransport::async_write(const Buffer& b, Handler&& h) {
    boost::asio::async_write(stream_, b, std::forward<Handler>(h));
}

}  // namespace lampi::server
