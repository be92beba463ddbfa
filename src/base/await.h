// The completion token lampi's coroutines use: co_await yields (error_code, results...) instead
// of throwing, so every I/O error is handled where it happens.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace lampi {

inline constexpr auto kAwait = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace lampi
