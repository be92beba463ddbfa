// SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK.
#include <gtest/gtest.h>

#include "mqtt/codec.h"
#include "mqtt/test_util.h"

namespace lampi::mqtt {
namespace {

using testing::Bytes;
using testing::decode;
using testing::expect_error;
using testing::expect_golden;
using testing::kV31;
using testing::kV311;
using testing::kV5;

TEST(Subscribe, DecodesAndEncodesV311WithTwoFilters) {
    const Bytes bytes{
        0x82, 0x0C,                 // SUBSCRIBE (flags 0010), remaining length 12
        0x00, 0x0A,                 // packet identifier 10
        0x00, 0x03, 'a', '/', '+',  // filter "a/+"
        0x01,                       //   QoS 1
        0x00, 0x01, '#',            // filter "#"
        0x02,                       //   QoS 2
    };
    Subscribe s{.packet_id = 10};
    s.subscriptions = {{"a/+", {.qos = 1}}, {"#", {.qos = 2}}};
    expect_golden(bytes, s, kV311, Side::FromClient);
}

TEST(Subscribe, DecodesAndEncodesV5OptionsAndSubscriptionIdentifier) {
    const Bytes bytes{
        0x82, 0x0A,        // SUBSCRIBE, remaining length 10
        0x00, 0x01,        // packet identifier 1
        0x03,              // property length 3
        0x0B, 0x80, 0x01,  //   subscription identifier 128
        0x00, 0x01, 't',   // filter "t"
        0x2D,              //   retain handling 2, retain as published, no local, QoS 1
    };
    Subscribe s{.packet_id = 1};
    s.properties.subscription_identifiers = {128};
    s.subscriptions = {
        {"t", {.qos = 1, .no_local = true, .retain_as_published = true, .retain_handling = 2}}};
    expect_golden(bytes, s, kV5, Side::FromClient);
}

TEST(Subscribe, RejectsSubscribeWithoutSubscriptions) {
    expect_error({0x82, 0x02, 0x00, 0x01}, reason::kProtocolError, kV311);
}

TEST(Subscribe, RejectsReservedOptionBitsInV5) {
    expect_error({0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 't', 0x40}, reason::kMalformedPacket,
                 kV5);
}

TEST(Subscribe, RejectsUpperSixOptionBitsInV311) {
    expect_error({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 't', 0x04}, reason::kMalformedPacket, kV311);
    expect_error({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 't', 0x04}, reason::kMalformedPacket, kV31);
}

TEST(Subscribe, RejectsQos3) {
    expect_error({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 't', 0x03}, reason::kMalformedPacket, kV311);
}

TEST(Subscribe, RejectsRetainHandling3) {
    expect_error({0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 't', 0x30}, reason::kMalformedPacket,
                 kV5);
}

TEST(Subscribe, RejectsFilterWithoutOptionsByte) {
    expect_error({0x82, 0x05, 0x00, 0x01, 0x00, 0x01, 't'}, reason::kMalformedPacket, kV311);
}

TEST(Subscribe, RejectsSubscriptionIdentifierZero) {
    expect_error({0x82, 0x09, 0x00, 0x01, 0x02, 0x0B, 0x00, 0x00, 0x01, 't', 0x00},
                 reason::kProtocolError, kV5);
}

TEST(Subscribe, RejectsTwoSubscriptionIdentifiers) {
    expect_error({0x82, 0x0B, 0x00, 0x01, 0x04, 0x0B, 0x01, 0x0B, 0x02, 0x00, 0x01, 't', 0x00},
                 reason::kProtocolError, kV5);
}

TEST(Subscribe, IsAProtocolErrorWhenSentByAServer) {
    expect_error({0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 't', 0x00}, reason::kProtocolError, kV311,
                 Side::FromServer);
}

TEST(Suback, DecodesAndEncodesV311ReturnCodes) {
    const Bytes bytes{
        0x90, 0x05,        // SUBACK, remaining length 5
        0x00, 0x0A,        // packet identifier 10
        0x00, 0x01, 0x80,  // return codes: QoS 0, QoS 1, failure
    };
    expect_golden(bytes, Suback{.packet_id = 10, .reason_codes = {0x00, 0x01, 0x80}}, kV311,
                  Side::FromServer);
}

TEST(Suback, DecodesAndEncodesV5WithReasonString) {
    const Bytes bytes{
        0x90, 0x09,             // SUBACK, remaining length 9
        0x00, 0x0A,             // packet identifier 10
        0x04,                   // property length 4
        0x1F, 0x00, 0x01, 'n',  //   reason string "n"
        0x02, 0xA2,             // reason codes: granted QoS 2, wildcards not supported
    };
    Suback s{.packet_id = 10, .reason_codes = {0x02, 0xA2}};
    s.properties.reason_string = "n";
    expect_golden(bytes, s, kV5, Side::FromServer);
}

TEST(Suback, IsAProtocolErrorWhenSentByAClient) {
    expect_error({0x90, 0x03, 0x00, 0x01, 0x00}, reason::kProtocolError, kV311, Side::FromClient);
}

TEST(Unsubscribe, DecodesAndEncodesV311) {
    const Bytes bytes{
        0xA2, 0x07,                 // UNSUBSCRIBE (flags 0010), remaining length 7
        0x00, 0x02,                 // packet identifier 2
        0x00, 0x03, 'a', '/', 'b',  // filter "a/b"
    };
    expect_golden(bytes, Unsubscribe{.packet_id = 2, .filters = {"a/b"}}, kV311, Side::FromClient);
}

TEST(Unsubscribe, DecodesAndEncodesV5WithUserProperty) {
    const Bytes bytes{
        0xA2, 0x0D,                              // UNSUBSCRIBE, remaining length 13
        0x00, 0x02,                              // packet identifier 2
        0x07,                                    // property length 7
        0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  //   user property k=v
        0x00, 0x01, '#',                         // filter "#"
    };
    Unsubscribe u{.packet_id = 2, .filters = {"#"}};
    u.properties.user_properties = {{"k", "v"}};
    expect_golden(bytes, u, kV5, Side::FromClient);
}

TEST(Unsubscribe, RejectsUnsubscribeWithoutFilters) {
    expect_error({0xA2, 0x02, 0x00, 0x01}, reason::kProtocolError, kV311);
    expect_error({0xA2, 0x03, 0x00, 0x01, 0x00}, reason::kProtocolError, kV5);
}

TEST(Unsubscribe, RejectsFlagsZero) {
    expect_error({0xA0, 0x05, 0x00, 0x01, 0x00, 0x01, 't'}, reason::kMalformedPacket, kV311);
}

TEST(Unsuback, DecodesAndEncodesV311WithoutReasonCodes) {
    expect_golden({0xB0, 0x02, 0x00, 0x02}, Unsuback{.packet_id = 2}, kV311, Side::FromServer);
}

TEST(Unsuback, DropsReasonCodesWhenEncodingV311) {
    const Unsuback u{.packet_id = 2, .reason_codes = {0x00}};
    EXPECT_EQ(testing::encode_bytes(u, kV311), (Bytes{0xB0, 0x02, 0x00, 0x02}));
    EXPECT_EQ(encoded_size(u, kV311), 4u);
}

TEST(Unsuback, RejectsReasonCodesInV311) {
    expect_error({0xB0, 0x03, 0x00, 0x02, 0x00}, reason::kMalformedPacket, kV311, Side::FromServer);
}

TEST(Unsuback, DecodesAndEncodesV5ReasonCodes) {
    const Bytes bytes{
        0xB0, 0x05,  // UNSUBACK, remaining length 5
        0x00, 0x02,  // packet identifier 2
        0x00,        // property length 0
        0x00, 0x11,  // reason codes: success, no subscription existed
    };
    expect_golden(bytes, Unsuback{.packet_id = 2, .reason_codes = {0x00, 0x11}}, kV5,
                  Side::FromServer);
}

}  // namespace
}  // namespace lampi::mqtt
