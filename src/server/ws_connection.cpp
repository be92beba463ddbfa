#include "server/stream_connection_impl.h"
#include "server/ws_transport.h"

namespace lampi::server {

template class StreamConnection<WsPlainTransport>;
template class StreamConnection<WsTlsTransport>;

}  // namespace lampi::server
