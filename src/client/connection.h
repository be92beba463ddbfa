// Connection: runs a Session over TCP, TLS, a unix socket, or WebSocket (ws / wss), optionally
// through a SOCKS5 proxy, on a caller-owned io_context, with optional automatic reconnect
// (exponential backoff with jitter). All methods and handlers run on the io_context's thread:
// call them from that thread (or post to it). Not thread-safe. The byte streams live in
// transport.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/session.h"

namespace boost::asio {
class io_context;
}

namespace lampi::client {

struct TlsOptions {
    std::string cafile;
    std::string capath;
    std::string certfile;
    std::string keyfile;
    bool use_os_certs = false;
    bool insecure = false;  // do not check that the certificate matches the host name
    std::string version;    // minimum: "tlsv1.3", "tlsv1.2", "tlsv1.1"; empty: tlsv1.2
    std::string ciphers;    // OpenSSL cipher list for TLS <= 1.2
    std::string alpn;       // e.g. "mqtt"
    // TLS-PSK instead of certificates: the key in hex and the identity sent to the server.
    std::string psk;
    std::string psk_identity;
};

// MQTT over WebSocket (subprotocol "mqtt"); with `tls` set this is wss.
struct WebSocketOptions {
    std::string path = "/mqtt";
};

// A SOCKS5 proxy (RFC 1928) the TCP connection goes through; the proxy resolves the broker's
// host name (socks5h). Username/password authentication per RFC 1929.
struct ProxyOptions {
    std::string host;
    std::uint16_t port = 1080;
    std::optional<std::string> username;
    std::optional<std::string> password;
};

struct ReconnectPolicy {
    bool enabled = false;
    // Give up when the very first connection attempt fails (Mosquitto's tools do).
    bool give_up_if_first_attempt_fails = false;
    std::chrono::milliseconds initial_delay{1000};
    std::chrono::milliseconds max_delay{60000};
    double multiplier = 2.0;  // 1.0: constant delay
    bool jitter = true;       // wait a random time in [delay/2, delay]
};

struct ConnectionOptions {
    std::string host = "localhost";
    std::uint16_t port = 1883;
    std::string unix_path;  // when set, connect to this unix socket instead of host:port
    std::string bind_address;
    bool nodelay = false;
    std::optional<TlsOptions> tls;
    std::optional<WebSocketOptions> websocket;
    std::optional<ProxyOptions> proxy;
    ReconnectPolicy reconnect;
    SessionOptions session;
    // Called before every connection attempt; may change host, port and session.bridge
    // (a bridge's failover between addresses).
    std::function<void(ConnectionOptions&)> before_attempt;
    // Replaces the reconnect policy's delay when set.
    std::function<std::chrono::milliseconds()> retry_delay;
};

class Connection {
  public:
    // Every Session event, in order. A transport that drops while connected is reported as
    // event::Disconnected with reason 0x80 and a message.
    using EventHandler = std::function<void(const Event&)>;
    // A connection attempt or transport failed: `what` is a short message ("Connection refused").
    using ErrorHandler = std::function<void(const std::string& what)>;
    // The connection finished for good: disconnect()/stop() or no more reconnect attempts.
    using ClosedHandler = std::function<void()>;

    Connection(boost::asio::io_context& io, ConnectionOptions options);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void set_event_handler(EventHandler h);
    void set_error_handler(ErrorHandler h);
    void set_closed_handler(ClosedHandler h);

    // Begins connecting. Requests made before the CONNACK are queued by the Session.
    void start();
    std::uint16_t publish(mqtt::Publish message);
    std::uint16_t subscribe(std::vector<mqtt::Subscription> subscriptions,
                            mqtt::Properties properties = {});
    std::uint16_t unsubscribe(std::vector<std::string> filters, mqtt::Properties properties = {});
    // Sends DISCONNECT, flushes, closes, and does not reconnect.
    void disconnect(std::uint8_t reason_code = 0, mqtt::Properties properties = {});
    // Closes the transport at once (no DISCONNECT: the broker publishes the will).
    void stop();
    // Drops the current transport and connects again (per the reconnect policy): a bridge going
    // back to its primary address.
    void reconnect();

    const Session& session() const;
    // See Session::PacketObserver.
    void set_packet_observer(Session::PacketObserver observer);
    bool closed() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace lampi::client
