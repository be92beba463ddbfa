// libFuzzer target for the client side: the sans-I/O client::Session (used by the tools, lampd and
// the bridge) fed with arbitrary "server" bytes. fuzz_decoder already decodes Side::FromServer;
// this target covers what the client *does* with those packets: CONNACK handling, QoS 1/2 flows
// in both directions, SUBACK/UNSUBACK matching, keepalive ticks and resume after reconnect.
// Input: byte 0 picks the options (protocol version, QoS 2 delivery method); the rest is split
// into chunks at 0xFF-prefixed markers so one packet can arrive in pieces or many in one read.
// Whatever the session writes must be a stream of well-formed client packets.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "client/session.h"
#include "mqtt/codec.h"

namespace {

using lampi::mqtt::ProtocolVersion;

void fail(const char* what) {
    std::fprintf(stderr, "fuzz_client_session: %s\n", what);
    std::abort();
}

// Every byte the client writes must frame and decode as a packet from a client.
void check_output(const std::string& out, ProtocolVersion version) {
    std::span<const std::uint8_t> rest(reinterpret_cast<const std::uint8_t*>(out.data()),
                                       out.size());
    while (!rest.empty()) {
        const auto h = lampi::mqtt::parse_fixed_header(rest, 0);
        if (h.status != lampi::mqtt::HeaderStatus::Ok) fail("client wrote a bad fixed header");
        if (rest.size() < h.header.total_length()) fail("client wrote a truncated packet");
        const auto r = lampi::mqtt::decode_packet(
            h.header, rest.subspan(h.header.header_length, h.header.remaining_length), version,
            lampi::mqtt::Side::FromClient);
        if (!r.ok) {
            std::fprintf(stderr, "reason 0x%02x: %s\n", r.error.reason, r.error.message.c_str());
            fail("client wrote a packet that does not decode");
        }
        rest = rest.subspan(h.header.total_length());
    }
}

lampi::mqtt::Publish message(std::uint8_t qos, const char* topic) {
    lampi::mqtt::Publish p;
    p.topic = topic;
    p.payload = "payload";
    p.qos = qos;
    return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    using namespace lampi::client;
    const std::uint8_t mode = data[0];
    SessionOptions options;
    static constexpr ProtocolVersion kVersions[] = {ProtocolVersion::V31, ProtocolVersion::V311,
                                                    ProtocolVersion::V5, ProtocolVersion::V311};
    options.version = kVersions[mode & 3];
    options.deliver_qos2_on_pubrel = (mode & 4) != 0;
    options.clean_start = (mode & 8) != 0;
    options.client_id = "fuzz";
    options.keep_alive = 5;
    options.max_inflight = 2;
    if (mode & 16) options.will = lampi::mqtt::Will{"will/t", "gone", 1, false, {}};

    Session session(options);
    TimePoint now{};
    session.connect(now);
    session.publish(message(0, "a/b"));
    session.publish(message(1, "a/1"));
    session.publish(message(2, "a/2"));
    session.publish(message(1, "a/3"));  // beyond the window of 2: queued
    session.subscribe({{"a/#", {1, false, false, 0}}, {"b/+", {2, false, false, 0}}});
    session.unsubscribe({"a/#"});

    std::span<const std::uint8_t> rest(data + 1, size - 1);
    int reconnects = 0;
    while (!rest.empty()) {
        // A 0xFF byte ends a chunk; the byte after it advances the clock (seconds) and bit 7
        // of it simulates a lost connection and a reconnect.
        std::size_t cut = 0;
        while (cut < rest.size() && rest[cut] != 0xFF) ++cut;
        session.on_bytes(rest.first(cut), now);
        check_output(session.take_output(), options.version);
        session.take_events();
        rest = rest.subspan(cut);
        if (rest.empty()) break;
        rest = rest.subspan(1);
        if (rest.empty()) break;
        const std::uint8_t control = rest[0];
        rest = rest.subspan(1);
        now += std::chrono::seconds(control & 0x0F);
        session.on_tick(now);
        if ((control & 0x80) && reconnects++ < 4) {
            session.connection_lost();
            session.connect(now);
        }
        if (control & 0x40) session.publish(message(1, "late/1"));
        check_output(session.take_output(), options.version);
        session.take_events();
    }
    session.disconnect();
    check_output(session.take_output(), options.version);
    return 0;
}
