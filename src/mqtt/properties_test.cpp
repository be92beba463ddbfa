// MQTT 5 properties: every property round trips where table 2-4 allows it; errors otherwise.
#include <gtest/gtest.h>

#include "mqtt/codec.h"
#include "mqtt/test_util.h"

namespace lampi::mqtt {
namespace {

using testing::Bytes;
using testing::decode;
using testing::expect_error;
using testing::kV5;
using testing::round_trip;

// A v5 CONNECT (client id "c") carrying the given raw property bytes.
Bytes connect_with_properties(const Bytes& props) {
    Bytes b{0x10,
            0x00,
            0x00,
            0x04,
            'M',
            'Q',
            'T',
            'T',
            0x05,
            0x02,
            0x00,
            0x3C,
            static_cast<std::uint8_t>(props.size())};
    b.insert(b.end(), props.begin(), props.end());
    b.insert(b.end(), {0x00, 0x01, 'c'});
    b[1] = static_cast<std::uint8_t>(b.size() - 2);
    return b;
}

// A v5 CONNACK carrying the given raw property bytes.
Bytes connack_with_properties(const Bytes& props) {
    Bytes b{0x20, static_cast<std::uint8_t>(3 + props.size()), 0x00, 0x00,
            static_cast<std::uint8_t>(props.size())};
    b.insert(b.end(), props.begin(), props.end());
    return b;
}

Properties all_connect_properties() {
    Properties p;
    p.session_expiry_interval = 0xFFFFFFFF;
    p.authentication_method = "SCRAM-SHA-1";
    p.authentication_data = std::string("\x00\x01\x02", 3);
    p.request_problem_information = 0;
    p.request_response_information = 1;
    p.receive_maximum = 65535;
    p.topic_alias_maximum = 16;
    p.user_properties = {{"b", "2"}, {"a", "1"}, {"a", "3"}};
    p.maximum_packet_size = 1024;
    return p;
}

TEST(Properties, RoundTripEveryConnectAndWillProperty) {
    Connect c;
    c.version = kV5;
    c.client_id = "c";
    c.properties = all_connect_properties();
    Will w{.topic = "w", .payload = "p", .qos = 2, .retain = true, .properties = {}};
    w.properties.payload_format_indicator = 1;
    w.properties.message_expiry_interval = 100;
    w.properties.content_type = "application/json";
    w.properties.response_topic = "reply/here";
    w.properties.correlation_data = std::string("\xFF\x00", 2);
    w.properties.will_delay_interval = 30;
    w.properties.user_properties = {{"w", "v"}};
    c.will = w;
    EXPECT_TRUE(round_trip(c, kV5, Side::FromClient) == Packet{c});
}

TEST(Properties, RoundTripEveryConnackProperty) {
    Connack c{.session_present = true, .reason_code = 0};
    Properties& p = c.properties;
    p.session_expiry_interval = 10;
    p.assigned_client_identifier = "auto-1";
    p.server_keep_alive = 20;
    p.authentication_method = "m";
    p.authentication_data = "d";
    p.response_information = "resp";
    p.server_reference = "other:1883";
    p.reason_string = "ok";
    p.receive_maximum = 100;
    p.topic_alias_maximum = 0;
    p.maximum_qos = 1;
    p.retain_available = 0;
    p.user_properties = {{"k", "v"}};
    p.maximum_packet_size = 268'435'460;
    p.wildcard_subscription_available = 1;
    p.subscription_identifier_available = 0;
    p.shared_subscription_available = 1;
    EXPECT_TRUE(round_trip(c, kV5, Side::FromServer) == Packet{c});
}

TEST(Properties, RoundTripEveryPublishProperty) {
    Publish pub{.topic = "", .payload = "x", .qos = 1, .packet_id = 9};
    Properties& p = pub.properties;
    p.payload_format_indicator = 0;
    p.message_expiry_interval = 0;
    p.content_type = "";
    p.response_topic = "r/t";
    p.correlation_data = "";
    p.subscription_identifiers = {1, 268'435'455, 77};
    p.topic_alias = 65535;
    p.user_properties = {{"", ""}};
    EXPECT_TRUE(round_trip(pub, kV5, Side::FromServer) == Packet{pub});
}

TEST(Properties, RoundTripDisconnectAndAuthProperties) {
    Disconnect d{.reason_code = reason::kServerMoved};
    d.properties.session_expiry_interval = 0;
    d.properties.server_reference = "elsewhere";
    d.properties.reason_string = "moving";
    d.properties.user_properties = {{"x", "y"}};
    EXPECT_TRUE(round_trip(d, kV5, Side::FromServer) == Packet{d});

    Auth a{.reason_code = reason::kContinueAuthentication};
    a.properties.authentication_method = "m";
    a.properties.authentication_data = std::string(300, '\x01');
    a.properties.reason_string = "more";
    a.properties.user_properties = {{"x", "y"}};
    EXPECT_TRUE(round_trip(a, kV5, Side::FromClient) == Packet{a});
}

TEST(Properties, RoundTripSubackUnsubackAndPubResponseReasonStrings) {
    Suback s{.packet_id = 1, .reason_codes = {0x80}};
    s.properties.reason_string = "no";
    s.properties.user_properties = {{"k", "v"}};
    EXPECT_TRUE(round_trip(s, kV5, Side::FromServer) == Packet{s});
    Unsuback u{.packet_id = 1, .reason_codes = {0x11}};
    u.properties.reason_string = "none";
    EXPECT_TRUE(round_trip(u, kV5, Side::FromServer) == Packet{u});
    PubResponse r{.type = PacketType::Pubcomp, .packet_id = 3};
    r.properties.user_properties = {{"k", "v"}};
    EXPECT_TRUE(round_trip(r, kV5, Side::FromServer) == Packet{r});
}

TEST(Properties, KeepUserPropertyOrderAndDuplicates) {
    const DecodeResult r = decode(connect_with_properties({
                                      0x26, 0x00, 0x01, 'b', 0x00, 0x00,  // b=""
                                      0x26, 0x00, 0x01, 'a', 0x00, 0x00,  // a=""
                                      0x26, 0x00, 0x01, 'b', 0x00, 0x00,  // b=""
                                  }),
                                  kV5);
    ASSERT_TRUE(r.ok) << r.error.message;
    const auto& props = std::get<Connect>(r.packet).properties.user_properties;
    ASSERT_EQ(props.size(), 3u);
    EXPECT_EQ(props[0].first, "b");
    EXPECT_EQ(props[1].first, "a");
    EXPECT_EQ(props[2].first, "b");
}

TEST(Properties, AreNotWrittenForV311) {
    Publish p{.topic = "t"};
    p.properties.message_expiry_interval = 5;
    EXPECT_EQ(testing::encode_bytes(p, ProtocolVersion::V311),
              (Bytes{0x30, 0x03, 0x00, 0x01, 't'}));
}

TEST(Properties, RejectsDuplicateProperty) {
    expect_error(connect_with_properties({0x21, 0x00, 0x01, 0x21, 0x00, 0x02}),
                 reason::kProtocolError, kV5);
}

TEST(Properties, RejectsUnknownIdentifierAsMalformed) {
    for (int id : {0x00, 0x04, 0x0A, 0x14, 0x2B, 0x7F}) {
        expect_error(connect_with_properties({static_cast<std::uint8_t>(id), 0x00}),
                     reason::kMalformedPacket, kV5);
    }
    // 0x80 0x01 is identifier 128 as a variable byte integer.
    expect_error(connect_with_properties({0x80, 0x01, 0x00}), reason::kMalformedPacket, kV5);
}

TEST(Properties, RejectsPropertyNotAllowedInThePacket) {
    // Will delay interval belongs to the will properties, not CONNECT's own.
    expect_error(connect_with_properties({0x18, 0x00, 0x00, 0x00, 0x01}), reason::kProtocolError,
                 kV5);
    // Topic alias belongs to PUBLISH.
    expect_error(connack_with_properties({0x23, 0x00, 0x01}), reason::kProtocolError, kV5,
                 Side::FromServer);
    // Assigned client identifier belongs to CONNACK.
    expect_error(connect_with_properties({0x12, 0x00, 0x01, 'x'}), reason::kProtocolError, kV5);
}

TEST(Properties, RejectsReceiveMaximumZero) {
    expect_error(connect_with_properties({0x21, 0x00, 0x00}), reason::kProtocolError, kV5);
}

TEST(Properties, RejectsMaximumPacketSizeZero) {
    expect_error(connect_with_properties({0x27, 0x00, 0x00, 0x00, 0x00}), reason::kProtocolError,
                 kV5);
}

TEST(Properties, RejectsFlagValuesOtherThanZeroOrOne) {
    expect_error(connect_with_properties({0x17, 0x02}), reason::kProtocolError, kV5);
    expect_error(connect_with_properties({0x19, 0x02}), reason::kProtocolError, kV5);
    expect_error(connack_with_properties({0x24, 0x02}), reason::kProtocolError, kV5,
                 Side::FromServer);
    expect_error(connack_with_properties({0x25, 0x02}), reason::kProtocolError, kV5,
                 Side::FromServer);
    // Payload format indicator 2 in a PUBLISH.
    expect_error({0x30, 0x06, 0x00, 0x01, 't', 0x02, 0x01, 0x02}, reason::kProtocolError, kV5);
}

TEST(Properties, RejectsAuthenticationDataWithoutMethod) {
    expect_error(connect_with_properties({0x16, 0x00, 0x01, 'x'}), reason::kProtocolError, kV5);
}

TEST(Properties, RejectsTruncatedPropertyValue) {
    // Property length covers only part of a four-byte session expiry interval.
    expect_error(connect_with_properties({0x11, 0x00, 0x00}), reason::kMalformedPacket, kV5);
}

TEST(Properties, RejectsInvalidUtf8InStrings) {
    expect_error(connect_with_properties({0x26, 0x00, 0x01, 0xFF, 0x00, 0x00}),
                 reason::kMalformedPacket, kV5);
    expect_error(connack_with_properties({0x1F, 0x00, 0x02, 0xC0, 0x80}), reason::kMalformedPacket,
                 kV5, Side::FromServer);
}

TEST(Properties, AcceptsArbitraryBytesInBinaryData) {
    const DecodeResult r = decode(connect_with_properties({0x15, 0x00, 0x01, 'm',  // method
                                                           0x16, 0x00, 0x02, 0x00, 0xFF}),
                                  kV5);
    ASSERT_TRUE(r.ok) << r.error.message;
    EXPECT_EQ(std::get<Connect>(r.packet).properties.authentication_data,
              std::string("\x00\xFF", 2));
}

TEST(Properties, RejectsPropertyLengthLongerThanFourBytes) {
    const Bytes b{0xE0, 0x06, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
    expect_error(b, reason::kMalformedPacket, kV5);
}

}  // namespace
}  // namespace lampi::mqtt
