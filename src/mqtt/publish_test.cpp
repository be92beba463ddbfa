// PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP.
#include <gtest/gtest.h>

#include "mqtt/codec.h"
#include "mqtt/test_util.h"

namespace lampi::mqtt {
namespace {

using testing::Bytes;
using testing::decode;
using testing::expect_error;
using testing::expect_golden;
using testing::kV311;
using testing::kV5;

TEST(Publish, DecodesAndEncodesV311Qos0) {
    const Bytes bytes{
        0x30, 0x0A,                 // PUBLISH QoS 0, remaining length 10
        0x00, 0x03, 'a', '/', 'b',  // topic
        'h',  'e',  'l', 'l', 'o',  // payload
    };
    expect_golden(bytes, Publish{.topic = "a/b", .payload = "hello"}, kV311, Side::FromClient);
}

TEST(Publish, DecodesAndEncodesV311Qos1WithDupAndRetain) {
    const Bytes bytes{
        0x3B, 0x06,       // PUBLISH, flags: DUP, QoS 1, RETAIN; remaining length 6
        0x00, 0x01, 't',  // topic
        0x00, 0x07,       // packet identifier 7
        'x',              // payload
    };
    expect_golden(
        bytes,
        Publish{
            .topic = "t", .payload = "x", .qos = 1, .retain = true, .dup = true, .packet_id = 7},
        kV311, Side::FromServer);
}

TEST(Publish, DecodesAndEncodesV5Qos2WithEveryPublishProperty) {
    const Bytes bytes{
        0x34, 0x29,                               // PUBLISH QoS 2, remaining length 41
        0x00, 0x01, 't',                          // topic
        0x00, 0x01,                               // packet identifier 1
        0x21,                                     // property length 33
        0x01, 0x01,                               //   payload format indicator 1
        0x02, 0x00, 0x00, 0x00, 0x3C,             //   message expiry interval 60
        0x03, 0x00, 0x04, 't',  'e',  'x',  't',  // content type "text"
        0x08, 0x00, 0x01, 'r',                    //   response topic "r"
        0x09, 0x00, 0x02, 0x00, 0xFF,             //   correlation data 00 FF (binary)
        0x23, 0x00, 0x05,                         //   topic alias 5
        0x26, 0x00, 0x01, 'k',  0x00, 0x01, 'v',  // user property k=v
        'h',  'i',                                // payload
    };
    Publish p{.topic = "t", .payload = "hi", .qos = 2, .packet_id = 1};
    p.properties.payload_format_indicator = 1;
    p.properties.message_expiry_interval = 60;
    p.properties.content_type = "text";
    p.properties.response_topic = "r";
    p.properties.correlation_data = std::string("\x00\xFF", 2);
    p.properties.topic_alias = 5;
    p.properties.user_properties = {{"k", "v"}};
    expect_golden(bytes, p, kV5, Side::FromClient);
}

TEST(Publish, DecodesSeveralSubscriptionIdentifiersFromServer) {
    const Bytes bytes{
        0x30, 0x09,        // PUBLISH QoS 0, remaining length 9
        0x00, 0x01, 't',   // topic
        0x05,              // property length 5
        0x0B, 0x01,        //   subscription identifier 1
        0x0B, 0x80, 0x01,  //   subscription identifier 128 (two-byte varint)
    };
    Publish p{.topic = "t"};
    p.properties.subscription_identifiers = {1, 128};
    expect_golden(bytes, p, kV5, Side::FromServer);
}

TEST(Publish, RejectsSubscriptionIdentifierFromClient) {
    expect_error({0x30, 0x06, 0x00, 0x01, 't', 0x02, 0x0B, 0x01}, reason::kProtocolError, kV5,
                 Side::FromClient);
}

TEST(Publish, AcceptsEmptyPayload) {
    expect_golden({0x30, 0x03, 0x00, 0x01, 't'}, Publish{.topic = "t"}, kV311, Side::FromClient);
}

TEST(Publish, LeavesWildcardsInTopicToTheTopicModule) {
    const DecodeResult r = decode({0x30, 0x05, 0x00, 0x03, 'a', '/', '#'});
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(std::get<Publish>(r.packet).topic, "a/#");
}

TEST(Publish, RejectsQos1WithPacketIdentifierZero) {
    expect_error({0x32, 0x05, 0x00, 0x01, 't', 0x00, 0x00}, reason::kMalformedPacket, kV311);
}

TEST(Publish, RejectsInvalidUtf8Topic) {
    expect_error({0x30, 0x04, 0x00, 0x02, 0xED, 0xA0}, reason::kMalformedPacket, kV311);
    expect_error({0x30, 0x03, 0x00, 0x01, 0x00}, reason::kMalformedPacket, kV311);  // U+0000
}

TEST(Publish, RejectsTopicLengthBeyondTheBody) {
    expect_error({0x30, 0x03, 0x00, 0x05, 't'}, reason::kMalformedPacket, kV311);
}

TEST(Publish, RejectsPropertyLengthBeyondTheBody) {
    expect_error({0x30, 0x05, 0x00, 0x01, 't', 0x09, 0x01}, reason::kMalformedPacket, kV5);
}

TEST(Publish, RejectsTopicAliasZero) {
    expect_error({0x30, 0x07, 0x00, 0x01, 't', 0x03, 0x23, 0x00, 0x00}, reason::kTopicAliasInvalid,
                 kV5);
}

TEST(Publish, RoundTripsALargePayloadWithMultiByteRemainingLength) {
    const Publish p{
        .topic = "big", .payload = std::string(200'000, 'z'), .qos = 1, .packet_id = 65535};
    for (ProtocolVersion v : {kV311, kV5}) {
        std::string out = "prefix";
        encode(p, v, out);
        EXPECT_EQ(out.size(), 6 + encoded_size(p, v));
        EXPECT_EQ(out.substr(0, 6), "prefix");  // appends
        EXPECT_TRUE(testing::round_trip(p, v, Side::FromClient) == Packet{p});
    }
}

TEST(PubResponse, DecodesAndEncodesEachV311Kind) {
    const struct {
        PacketType type;
        std::uint8_t first;
    } kinds[] = {{PacketType::Puback, 0x40},
                 {PacketType::Pubrec, 0x50},
                 {PacketType::Pubrel, 0x62},  // PUBREL's flags are 0010
                 {PacketType::Pubcomp, 0x70}};
    for (const auto& k : kinds) {
        const Bytes bytes{k.first, 0x02, 0x12, 0x34};  // packet identifier 0x1234
        expect_golden(bytes, PubResponse{.type = k.type, .packet_id = 0x1234}, kV311,
                      Side::FromClient);
    }
}

TEST(PubResponse, OmitsSuccessReasonAndPropertiesInV5) {
    expect_golden({0x40, 0x02, 0x00, 0x05}, PubResponse{.type = PacketType::Puback, .packet_id = 5},
                  kV5, Side::FromClient);
}

TEST(PubResponse, WritesReasonWithoutPropertiesAsRemainingLength3) {
    expect_golden({0x50, 0x03, 0x00, 0x05, 0x10},  // PUBREC, id 5, no matching subscribers
                  PubResponse{.type = PacketType::Pubrec, .packet_id = 5, .reason_code = 0x10}, kV5,
                  Side::FromServer);
}

TEST(PubResponse, DecodesAndEncodesV5PubrelWithReasonString) {
    const Bytes bytes{
        0x62, 0x0A,                       // PUBREL, remaining length 10
        0x00, 0x05,                       // packet identifier 5
        0x92,                             // reason: packet identifier not found
        0x06,                             // property length 6
        0x1F, 0x00, 0x03, 'b', 'a', 'd',  // reason string "bad"
    };
    PubResponse p{.type = PacketType::Pubrel, .packet_id = 5, .reason_code = 0x92};
    p.properties.reason_string = "bad";
    expect_golden(bytes, p, kV5, Side::FromClient);
}

TEST(PubResponse, AcceptsExplicitZeroPropertyLength) {
    const DecodeResult r = decode({0x40, 0x04, 0x00, 0x05, 0x00, 0x00}, kV5);
    ASSERT_TRUE(r.ok);
    EXPECT_TRUE((r.packet == Packet{PubResponse{.type = PacketType::Puback, .packet_id = 5}}));
}

TEST(PubResponse, RejectsExtraBytesInV311) {
    expect_error({0x40, 0x03, 0x00, 0x05, 0x00}, reason::kMalformedPacket, kV311);
}

TEST(PubResponse, RejectsPacketIdentifierZero) {
    expect_error({0x70, 0x02, 0x00, 0x00}, reason::kMalformedPacket, kV311);
}

TEST(PubResponse, RejectsPropertyNotAllowedInPuback) {
    expect_error({0x40, 0x07, 0x00, 0x05, 0x00, 0x03, 0x23, 0x00, 0x01}, reason::kProtocolError,
                 kV5);
}

TEST(PubResponse, RejectsPubrelWithFlagsZero) {
    expect_error({0x60, 0x02, 0x00, 0x05}, reason::kMalformedPacket, kV311);
}

}  // namespace
}  // namespace lampi::mqtt
