// The small packets (PINGREQ, PINGRESP, DISCONNECT, AUTH), properties of the codec as a whole
// (sizes, truncation, sides) and the names.
#include "mqtt/codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mqtt/test_util.h"

namespace lampi::mqtt {
namespace {

using testing::Bytes;
using testing::decode;
using testing::encode_bytes;
using testing::expect_error;
using testing::expect_golden;
using testing::kV31;
using testing::kV311;
using testing::kV5;

// One packet of every kind, with fields and v5 properties set.
std::vector<Packet> every_kind_of_packet() {
    std::vector<Packet> packets;
    Connect c;
    c.version = kV5;
    c.client_id = "client";
    c.will = Will{.topic = "w", .payload = "gone", .qos = 1, .retain = false, .properties = {}};
    c.will->properties.content_type = "text/plain";
    c.username = "user";
    c.password = "secret";
    c.properties.session_expiry_interval = 60;
    packets.emplace_back(c);
    Connack ca{.session_present = true, .reason_code = 0};
    ca.properties.server_keep_alive = 30;
    packets.emplace_back(ca);
    Publish p{.topic = "a/b", .payload = "payload", .qos = 2, .packet_id = 42};
    p.properties.topic_alias = 3;
    packets.emplace_back(p);
    for (PacketType t :
         {PacketType::Puback, PacketType::Pubrec, PacketType::Pubrel, PacketType::Pubcomp}) {
        packets.emplace_back(PubResponse{.type = t, .packet_id = 7});
        packets.emplace_back(PubResponse{.type = t, .packet_id = 7, .reason_code = 0x80});
        PubResponse r{.type = t, .packet_id = 7, .reason_code = 0x83};
        r.properties.reason_string = "why";
        packets.emplace_back(r);
    }
    Subscribe s{.packet_id = 5, .subscriptions = {{"a/#", {.qos = 1}}, {"b", {.qos = 0}}}};
    s.properties.user_properties = {{"k", "v"}};
    packets.emplace_back(s);
    packets.emplace_back(Suback{.packet_id = 5, .reason_codes = {1, 0}});
    packets.emplace_back(Unsubscribe{.packet_id = 6, .filters = {"a/#", "b"}});
    packets.emplace_back(Unsuback{.packet_id = 6, .reason_codes = {0, 0x11}});
    packets.emplace_back(Pingreq{});
    packets.emplace_back(Pingresp{});
    packets.emplace_back(Disconnect{});
    packets.emplace_back(Disconnect{.reason_code = reason::kDisconnectWithWill});
    Disconnect d{.reason_code = reason::kServerShuttingDown};
    d.properties.reason_string = "bye";
    packets.emplace_back(d);
    packets.emplace_back(Auth{});
    packets.emplace_back(Auth{.reason_code = reason::kReauthenticate});
    Auth a{.reason_code = reason::kContinueAuthentication};
    a.properties.authentication_method = "m";
    packets.emplace_back(a);
    return packets;
}

Side sender_side(const Packet& p) {
    switch (packet_type(p)) {
        case PacketType::Connack:
        case PacketType::Suback:
        case PacketType::Unsuback:
        case PacketType::Pingresp:
            return Side::FromServer;
        default:
            return Side::FromClient;
    }
}

TEST(Codec, EncodedSizeEqualsEncodedBytesForEveryPacketKindAndVersion) {
    for (ProtocolVersion v : {kV31, kV311, kV5}) {
        for (const Packet& p : every_kind_of_packet()) {
            if (!is_v5(v) && packet_type(p) == PacketType::Auth) continue;
            std::string out;
            encode(p, v, out);
            EXPECT_EQ(encoded_size(p, v), out.size())
                << packet_type_name(packet_type(p)) << " v" << static_cast<int>(v);
        }
    }
}

TEST(Codec, EveryPacketKindRoundTripsInV5) {
    for (const Packet& p : every_kind_of_packet()) {
        EXPECT_TRUE(testing::round_trip(p, kV5, sender_side(p)) == p)
            << packet_type_name(packet_type(p));
    }
}

TEST(Codec, EveryPacketKindRoundTripsInV311WithoutV5Fields) {
    for (const Packet& p : every_kind_of_packet()) {
        if (packet_type(p) == PacketType::Auth || packet_type(p) == PacketType::Connect) continue;
        const Packet back = testing::round_trip(p, kV311, sender_side(p));
        EXPECT_EQ(packet_type(back), packet_type(p));
        EXPECT_EQ(encode_bytes(back, kV311), encode_bytes(p, kV311));
    }
}

// Every strict prefix of these bodies, with the remaining length shrunk to match, must fail:
// none of them has an optional tail.
TEST(Codec, RejectsBodiesTruncatedAtEveryPosition) {
    struct Case {
        Packet packet;
        ProtocolVersion version;
    };
    Connect c311;
    c311.client_id = "id";
    c311.will = Will{.topic = "t", .payload = "p", .qos = 0, .retain = false, .properties = {}};
    c311.username = "u";
    c311.password = "p";
    Connect c5 = std::get<Connect>(every_kind_of_packet()[0]);
    Subscribe s5{.packet_id = 1, .subscriptions = {{"t", {}}}};
    s5.properties.subscription_identifiers = {300};
    Publish p5{.topic = "topic", .qos = 1, .packet_id = 1};
    p5.properties.user_properties = {{"k", "v"}};
    const Case cases[] = {
        {c311, kV311},
        {c5, kV5},
        {Connack{}, kV311},
        {Connack{}, kV5},
        {PubResponse{.packet_id = 1}, kV311},
        {s5, kV5},
        {Subscribe{.packet_id = 1, .subscriptions = {{"t", {}}}}, kV311},
        {Unsubscribe{.packet_id = 1, .filters = {"t"}}, kV5},
        {Unsuback{.packet_id = 1}, kV311},
        {Suback{.packet_id = 1}, kV5},
    };
    for (const Case& k : cases) {
        const Bytes full = encode_bytes(k.packet, k.version);
        const HeaderResult h = parse_fixed_header(full, 0);
        ASSERT_EQ(h.status, HeaderStatus::Ok);
        const std::span<const std::uint8_t> body(full.data() + h.header.header_length,
                                                 h.header.remaining_length);
        for (std::size_t n = 0; n < body.size(); ++n) {
            FixedHeader shorter = h.header;
            shorter.remaining_length = static_cast<std::uint32_t>(n);
            const DecodeResult r =
                decode_packet(shorter, body.first(n), k.version, sender_side(k.packet));
            EXPECT_FALSE(r.ok) << packet_type_name(packet_type(k.packet)) << " cut at " << n;
        }
    }
}

TEST(Codec, PublishPrefixesCutInsideTheVariableHeaderFail) {
    Publish p{.topic = "topic", .payload = "", .qos = 1, .packet_id = 1};
    p.properties.message_expiry_interval = 1;
    const Bytes full = encode_bytes(p, kV5);
    const std::span<const std::uint8_t> body(full.data() + 2, full.size() - 2);
    for (std::size_t n = 0; n < body.size(); ++n) {
        FixedHeader h{.type_and_flags = 0x32,
                      .remaining_length = static_cast<std::uint32_t>(n),
                      .header_length = 2};
        EXPECT_FALSE(decode_packet(h, body.first(n), kV5, Side::FromClient).ok) << n;
    }
}

TEST(Pingreq, DecodesAndEncodes) {
    expect_golden({0xC0, 0x00}, Pingreq{}, kV311, Side::FromClient);
}

TEST(Pingresp, DecodesAndEncodes) {
    expect_golden({0xD0, 0x00}, Pingresp{}, kV5, Side::FromServer);
}

TEST(Pingreq, RejectsNonEmptyBody) {
    expect_error({0xC0, 0x01, 0x00}, reason::kMalformedPacket, kV311);
}

TEST(Pingreq, IsAProtocolErrorWhenSentByAServer) {
    expect_error({0xC0, 0x00}, reason::kProtocolError, kV311, Side::FromServer);
}

TEST(Pingresp, IsAProtocolErrorWhenSentByAClient) {
    expect_error({0xD0, 0x00}, reason::kProtocolError, kV311, Side::FromClient);
}

TEST(Disconnect, DecodesAndEncodesV311) {
    expect_golden({0xE0, 0x00}, Disconnect{}, kV311, Side::FromClient);
}

TEST(Disconnect, RejectsBodyInV311) {
    expect_error({0xE0, 0x01, 0x00}, reason::kMalformedPacket, kV311);
}

TEST(Disconnect, TreatsEmptyV5BodyAsNormalDisconnection) {
    expect_golden({0xE0, 0x00}, Disconnect{}, kV5, Side::FromClient);
}

TEST(Disconnect, DecodesAndEncodesV5ReasonWithoutProperties) {
    expect_golden({0xE0, 0x01, 0x04}, Disconnect{.reason_code = reason::kDisconnectWithWill}, kV5,
                  Side::FromClient);
}

TEST(Disconnect, DecodesAndEncodesV5WithSessionExpiry) {
    const Bytes bytes{
        0xE0, 0x07,                    // DISCONNECT, remaining length 7
        0x00,                          // reason: normal disconnection
        0x05,                          // property length 5
        0x11, 0x00, 0x00, 0x0E, 0x10,  //   session expiry interval 3600
    };
    Disconnect d;
    d.properties.session_expiry_interval = 3600;
    expect_golden(bytes, d, kV5, Side::FromClient);
}

TEST(Disconnect, RejectsPropertyNotAllowed) {
    expect_error({0xE0, 0x04, 0x00, 0x02, 0x01, 0x01}, reason::kProtocolError, kV5);
}

TEST(Auth, DecodesAndEncodesV5ContinueAuthentication) {
    const Bytes bytes{
        0xF0, 0x0B,                   // AUTH, remaining length 11
        0x18,                         // reason: continue authentication
        0x09,                         // property length 9
        0x15, 0x00, 0x02, 'g',  's',  //   authentication method "gs"
        0x16, 0x00, 0x01, 0x7F,       //   authentication data 7F
    };
    Auth a{.reason_code = reason::kContinueAuthentication};
    a.properties.authentication_method = "gs";
    a.properties.authentication_data = "\x7F";
    expect_golden(bytes, a, kV5, Side::FromServer);
}

TEST(Auth, WritesPropertyLengthAfterAReasonCode) {
    EXPECT_EQ(encode_bytes(Auth{.reason_code = reason::kReauthenticate}, kV5),
              (Bytes{0xF0, 0x02, 0x19, 0x00}));
    EXPECT_EQ(encode_bytes(Auth{}, kV5), (Bytes{0xF0, 0x00}));
}

TEST(Auth, IsMalformedBeforeV5) { expect_error({0xF0, 0x00}, reason::kMalformedPacket, kV311); }

TEST(Names, NamePacketTypes) {
    EXPECT_STREQ(packet_type_name(PacketType::Connect), "CONNECT");
    EXPECT_STREQ(packet_type_name(PacketType::Pubrel), "PUBREL");
    EXPECT_STREQ(packet_type_name(PacketType::Unsuback), "UNSUBACK");
    EXPECT_STREQ(packet_type_name(PacketType::Auth), "AUTH");
}

TEST(Names, NameReasonCodes) {
    EXPECT_STREQ(reason_code_name(reason::kMalformedPacket), "Malformed Packet");
    EXPECT_STREQ(reason_code_name(reason::kProtocolError), "Protocol Error");
    EXPECT_STREQ(reason_code_name(reason::kPacketTooLarge), "Packet too large");
    EXPECT_STREQ(reason_code_name(0x05), "Unknown reason code");
}

TEST(Names, PacketTypeOfEachAlternative) {
    EXPECT_EQ(packet_type(Connect{}), PacketType::Connect);
    EXPECT_EQ(packet_type(PubResponse{.type = PacketType::Pubrec}), PacketType::Pubrec);
    EXPECT_EQ(packet_type(Auth{}), PacketType::Auth);
    EXPECT_EQ(packet_type(Pingresp{}), PacketType::Pingresp);
}

}  // namespace
}  // namespace lampi::mqtt
