// The rest of the shared CLI: usage text, client options, CONNACK texts, topic checks.
#include <unistd.h>

#include <cstdio>
#include <random>

#include "apps/common/cli.h"

namespace lampi::cli {

namespace {

constexpr const char* kCommonUsage =
    "                     [-A bind_address] [--nodelay]\n"
    "                     [-i id] [-I id_prefix]\n"
    "                     [-d] [--quiet]\n"
    "                     [-u username [-P password]]\n"
    "                     [--will-topic [--will-payload payload] [--will-qos qos] "
    "[--will-retain]]\n"
    "                     [{--cafile file | --capath dir} [--cert file] [--key file]\n"
    "                       [--ciphers ciphers] [--insecure] [--tls-alpn protocol]\n"
    "                       [--tls-version version] [--tls-use-os-certs]\n"
    "                       [--tls-engine engine] [--keyform keyform] [--tls-engine-kpass-sha1]]\n"
    "                     [--psk hex-key --psk-identity identity [--ciphers ciphers]]\n"
    "                     [--proxy socks-url] [--ws [--ws-path path]]\n"
    "                     [-D command identifier value]\n";

constexpr const char* kCommonHelp =
    " -A : bind the outgoing socket to this host/ip address.\n"
    " -c : disable clean session/enable persistent client mode.\n"
    " -d : enable debug messages.\n"
    " -D : define MQTT v5 properties: -D command identifier value.\n"
    " -h : mqtt host to connect to. Defaults to localhost.\n"
    " -i : id to use for this client.\n"
    " -I : define the client id as id_prefix appended with the process id.\n"
    " -k : keep alive in seconds for this client. Defaults to 60.\n"
    " -L : specify user, password, hostname, port and topic as a URL in the form:\n"
    "      mqtt(s)://[username[:password]@]host[:port]/topic\n"
    "      or, for MQTT over WebSockets (lampi extension), ws(s)://... in the same form.\n"
    " -o : read options from this file instead of ~/.config/mosquitto_TOOL.\n"
    " -p : network port to connect to. Defaults to 1883, or 8883 for MQTT over TLS.\n"
    " -P : provide a password\n"
    " -q : quality of service level to use. Defaults to 0.\n"
    " -u : provide a username\n"
    " -V : MQTT protocol version: mqttv5, mqttv311 or mqttv31 (5, 311, 31). "
    "Defaults to mqttv311.\n"
    " -x : session-expiry-interval for MQTT v5 (-1 or \xE2\x88\x9E: never expires).\n"
    " --help : display this message.\n"
    " --nodelay : disable Nagle's algorithm.\n"
    " --quiet : don't print error messages.\n"
    " --unix : connect to a broker through a unix domain socket.\n"
    " --proxy : SOCKS5 proxy URL of the form: socks5h://[username[:password]@]hostname[:port]\n"
    " --psk, --psk-identity : pre-shared-key in hexadecimal and its identity, for TLS-PSK.\n"
    " --ws : MQTT over WebSockets (lampi extension); -p is the WebSocket port.\n"
    " --ws-path : the WebSocket request path (implies --ws). Defaults to /mqtt.\n"
    " --tls-engine, --keyform engine : not supported by lampi (no OpenSSL engines).\n"
    " --will-payload, --will-qos, --will-retain, --will-topic : the client Will.\n"
    " --cafile, --capath, --cert, --key, --ciphers, --insecure, --tls-alpn,\n"
    " --tls-version, --tls-use-os-certs : TLS options, as mosquitto_pub(1).\n";

}  // namespace

void print_usage(Tool tool) {
    switch (tool) {
        case Tool::Pub:
            std::printf(
                "lampi-pub is a simple mqtt client that will publish a message on a single topic "
                "and exit.\n\n"
                "Usage: lampi-pub {[-h host] [--unix path] [-p port] [-u username] [-P password] "
                "-t topic | -L URL}\n"
                "                     {-f file | -l | -n | -m message | -s}\n"
                "                     [-c] [-k keepalive] [-q qos] [-r] [--repeat N] "
                "[--repeat-delay time] [-x session-expiry]\n"
                "                     [-M max_inflight]\n");
            break;
        case Tool::Sub:
            std::printf(
                "lampi-sub is a simple mqtt client that will subscribe to a set of topics and "
                "print all messages it receives.\n\n"
                "Usage: lampi-sub {[-h host] [--unix path] [-p port] [-u username] [-P password] "
                "-t topic | -L URL [-t topic]}\n"
                "                     [-c] [-k keepalive] [-q qos] [-x session-expiry-interval]\n"
                "                     [-C msg_count] [-E] [-R] [--retained-only] "
                "[--remove-retained] [-T filter_out] [-U topic ...]\n"
                "                     [-F format] [--pretty] [-N] [-v] [-W timeout_secs] "
                "[--random-filter chance]\n");
            break;
        case Tool::Rr:
            std::printf(
                "lampi-rr is an mqtt client that can be used to publish a request message and "
                "wait for a response.\n\n"
                "Usage: lampi-rr {[-h host] [--unix path] [-p port] [-u username] [-P password] "
                "-t topic | -L URL} -e response-topic\n"
                "                     {-f file | -n | -m message | -s}\n"
                "                     [-c] [-k keepalive] [-q qos] [-R] [-x session-expiry]\n"
                "                     [-F format] [-N] [-v] [-W timeout_secs]\n");
            break;
    }
    std::fputs(kCommonUsage, stdout);
    std::printf("       %s --help\n\n", tool_name(tool).c_str());
    std::fputs(kCommonHelp, stdout);
    if (tool == Tool::Pub) {
        std::fputs(
            " -f : send the contents of a file as the message.\n"
            " -l : read messages from stdin, sending a separate message for each line.\n"
            " -m : message payload to send.\n"
            " -M : the maximum inflight messages for QoS 1/2.\n"
            " -n : send a null (zero length) message.\n"
            " -r : message should be retained.\n"
            " -s : read message from stdin, sending the entire input as a message.\n"
            " -t : mqtt topic to publish to.\n"
            " --repeat : if publish mode is -f, -m, or -s, then repeat the publish N times.\n"
            " --repeat-delay : if using --repeat, wait time seconds between publishes.\n",
            stdout);
    } else {
        std::fputs(
            " -C : disconnect and exit after receiving the 'msg_count' messages.\n"
            " -E : exit once all subscriptions have been acknowledged by the broker.\n"
            " -F : output format.\n"
            " -N : do not add an end of line character when printing the payload.\n"
            " -R : do not print stale messages (those with retain set).\n"
            " -t : mqtt topic to subscribe to. May be repeated multiple times.\n"
            " -T : topic string to filter out of results. May be repeated.\n"
            " -U : unsubscribe from a topic. May be repeated.\n"
            " -v : print published messages verbosely.\n"
            " -W : timeout in seconds to wait for messages.\n"
            " --pretty : print formatted output rather than minimised output for JSON.\n"
            " --random-filter : only print a percentage of received messages.\n"
            " --retained-only : only handle retained messages; exit at the first other one.\n"
            " --remove-retained : clear any received retained messages.\n",
            stdout);
    }
    std::printf("\nSee https://mosquitto.org/ for more information.\n\n");
}

bool check_client_options(const Config& cfg) {
    // lampi has no OpenSSL engine support: say so as a mosquitto_pub built without it does.
    if (!cfg.tls_engine.empty()) {
        err_printf(cfg, "Error: Problem setting TLS engine, is %s a valid engine?\n",
                   cfg.tls_engine.c_str());
        return false;
    }
    if (!cfg.keyform.empty() && cfg.keyform != "pem" && cfg.keyform != "engine") {
        err_printf(cfg, "Error: Problem setting key form, it must be one of 'pem' or 'engine'.\n");
        return false;
    }
    if (cfg.keyform == "engine") {
        err_printf(cfg,
                   "Error: --keyform engine needs a TLS engine, which lampi does not support."
                   "\n");
        return false;
    }
    const bool hex = cfg.psk.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    if (!cfg.psk.empty() && !hex) {
        err_printf(cfg, "Error: Problem setting TLS-PSK options.\n");
        return false;
    }
    return true;
}

client::ConnectionOptions connection_options(const Config& cfg) {
    client::ConnectionOptions o;
    o.host = cfg.host;
    o.unix_path = cfg.unix_path;
    o.bind_address = cfg.bind_address;
    o.nodelay = cfg.nodelay;
    o.proxy = cfg.proxy;
    if (cfg.websocket) o.websocket = client::WebSocketOptions{cfg.ws_path};
    const bool tls =
        !cfg.cafile.empty() || !cfg.capath.empty() || cfg.tls_use_os_certs || !cfg.psk.empty();
    o.port = static_cast<std::uint16_t>(cfg.port >= 0 ? cfg.port : (tls ? 8883 : 1883));
    if (tls || o.port == 8883) {
        client::TlsOptions t;
        t.cafile = cfg.cafile;
        t.capath = cfg.capath;
        t.certfile = cfg.certfile;
        t.keyfile = cfg.keyfile;
        t.insecure = cfg.insecure;
        t.version = cfg.tls_version;
        t.ciphers = cfg.ciphers;
        t.alpn = cfg.tls_alpn;
        t.psk = cfg.psk;
        t.psk_identity = cfg.psk_identity;
        t.use_os_certs =
            cfg.tls_use_os_certs || (cfg.cafile.empty() && cfg.capath.empty() && cfg.psk.empty());
        o.tls = t;
    }
    // Mosquitto's tools reconnect after a lost connection, every second, but give up when the
    // first attempt fails.
    o.reconnect.enabled = true;
    o.reconnect.give_up_if_first_attempt_fails = true;
    o.reconnect.initial_delay = std::chrono::seconds(1);
    o.reconnect.max_delay = std::chrono::seconds(1);
    o.reconnect.multiplier = 1.0;
    o.reconnect.jitter = false;

    client::SessionOptions& s = o.session;
    s.deliver_qos2_on_pubrel = true;  // libmosquitto delivers QoS 2 on PUBREL
    s.version = cfg.version;
    s.clean_start = cfg.clean_session;
    s.keep_alive = static_cast<std::uint16_t>(cfg.keepalive);
    s.max_inflight = static_cast<std::uint16_t>(std::min(cfg.max_inflight, 65535u));
    s.username = cfg.username;
    s.password = cfg.password;
    if (mqtt::is_v5(cfg.version)) s.connect_properties = cfg.connect_props;
    if (!cfg.id_prefix.empty()) {
        s.client_id = cfg.id_prefix + std::to_string(getpid());
    } else if (!cfg.id.empty()) {
        s.client_id = cfg.id;
    } else if (cfg.version == mqtt::ProtocolVersion::V31) {
        // MQTT 3.1 requires a client id; generate one as libmosquitto does.
        static constexpr char kAlphabet[] =
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        std::mt19937 rng(std::random_device{}());
        s.client_id = "mosq-";
        for (int i = 0; i < 18; ++i) s.client_id += kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
    }
    if (!cfg.will_topic.empty()) {
        mqtt::Will w;
        w.topic = cfg.will_topic;
        w.payload = cfg.will_payload.value_or("");
        w.qos = static_cast<std::uint8_t>(cfg.will_qos);
        w.retain = cfg.will_retain;
        if (mqtt::is_v5(cfg.version)) w.properties = cfg.will_props;
        s.will = w;
    }
    return o;
}

std::string connack_string(mqtt::ProtocolVersion version, std::uint8_t code) {
    if (!mqtt::is_v5(version)) {
        switch (code) {
            case 0:
                return "Connection Accepted.";
            case 1:
                return "Connection Refused: unacceptable protocol version.";
            case 2:
                return "Connection Refused: identifier rejected.";
            case 3:
                return "Connection Refused: broker unavailable.";
            case 4:
                return "Connection Refused: bad user name or password.";
            case 5:
                return "Connection Refused: not authorised.";
            default:
                return "Connection Refused: unknown reason.";
        }
    }
    static const char* const kNames[] = {"Unspecified error",
                                         "Malformed packet",
                                         "Protocol error",
                                         "Implementation specific error",
                                         "Unsupported protocol version",
                                         "Client identifier not valid",
                                         "Bad username or password",
                                         "Not authorized",
                                         "Server unavailable",
                                         "Server busy",
                                         "Banned",
                                         "Server shutting down",
                                         "Bad authentication method",
                                         "Keep alive timeout",
                                         "Session taken over",
                                         "Topic filter invalid",
                                         "Topic name invalid",
                                         "Packet identifier in use",
                                         "Packet identifier not found",
                                         "Receive maximum exceeded",
                                         "Topic alias invalid",
                                         "Packet too large",
                                         "Message rate too high",
                                         "Quota exceeded",
                                         "Administrative action",
                                         "Payload format invalid",
                                         "Retain not supported",
                                         "QoS not supported",
                                         "Use another server",
                                         "Server moved",
                                         "Shared subscriptions not supported",
                                         "Connection rate exceeded",
                                         "Maximum connect time",
                                         "Subscription identifiers not supported",
                                         "Wildcard subscriptions not supported"};
    if (code == 0) return "Success";
    if (code >= 0x80 && code <= 0xA2) return kNames[code - 0x80];
    return "Unknown reason";
}

bool valid_publish_topic(const std::string& topic) {
    return topic.find_first_of("+#") == std::string::npos && topic.size() <= 65535;
}

bool valid_subscribe_topic(const std::string& filter) {
    if (filter.empty() || filter.size() > 65535) return false;
    for (std::size_t i = 0; i < filter.size(); ++i) {
        const char c = filter[i];
        if (c != '+' && c != '#') continue;
        if (i > 0 && filter[i - 1] != '/') return false;
        if (c == '+' && i + 1 < filter.size() && filter[i + 1] != '/') return false;
        if (c == '#' && i + 1 != filter.size()) return false;
    }
    return true;
}

bool topic_matches(const std::string& filter, const std::string& topic) {
    // MQTT 4.7.2: wildcards do not match topics starting with '$'.
    if (!topic.empty() && topic[0] == '$' && !filter.empty() &&
        (filter[0] == '+' || filter[0] == '#')) {
        return false;
    }
    std::size_t f = 0;
    std::size_t t = 0;
    while (true) {
        const std::size_t fe = filter.find('/', f);
        const std::string_view flevel(filter.data() + f,
                                      (fe == std::string::npos ? filter.size() : fe) - f);
        if (flevel == "#") return true;
        const std::size_t te = topic.find('/', t);
        const std::string_view tlevel(topic.data() + t,
                                      (te == std::string::npos ? topic.size() : te) - t);
        if (t > topic.size()) return false;
        if (flevel != "+" && flevel != tlevel) return false;
        const bool fend = fe == std::string::npos;
        const bool tend = te == std::string::npos;
        if (fend || tend) {
            if (fend && tend) return true;
            // "a/#" matches "a": the filter's next level is a lone '#'.
            return tend && filter.compare(fe + 1, std::string::npos, "#") == 0;
        }
        f = fe + 1;
        t = te + 1;
    }
}

}  // namespace lampi::cli
