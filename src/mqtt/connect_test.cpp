// CONNECT and CONNACK: golden bytes for 3.1, 3.1.1 and 5.0, and the ways CONNECT goes wrong.
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

// A minimal 3.1.1 CONNECT with the given protocol name, level and flags, client id "c".
Bytes connect_with(const std::string& name, std::uint8_t level, std::uint8_t flags) {
    Bytes b{0x10, 0x00, 0x00, static_cast<std::uint8_t>(name.size())};
    // One byte at a time: GCC 12's -Warray-bounds misfires on insert() of a string range here.
    for (const char c : name) b.push_back(static_cast<std::uint8_t>(c));
    b.insert(b.end(), {level, flags, 0x00, 0x3C, 0x00, 0x01, 'c'});
    b[1] = static_cast<std::uint8_t>(b.size() - 2);
    return b;
}

TEST(Connect, DecodesAndEncodesV311WithWillUserNameAndPassword) {
    const Bytes bytes{
        0x10, 0x1E,                      // CONNECT, remaining length 30
        0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
        0x04,                            // level 4 (3.1.1)
        0xEE,        // flags: user name, password, will retain, will QoS 1, will, clean session
        0x00, 0x3C,  // keep alive 60
        0x00, 0x02, 'c', '1',       // client id
        0x00, 0x03, 'w', '/', 't',  // will topic
        0x00, 0x03, 'b', 'y', 'e',  // will payload
        0x00, 0x01, 'u',            // user name
        0x00, 0x01, 'p',            // password
    };
    Connect c;
    c.version = kV311;
    c.clean_start = true;
    c.keep_alive = 60;
    c.client_id = "c1";
    c.will = Will{.topic = "w/t", .payload = "bye", .qos = 1, .retain = true, .properties = {}};
    c.username = "u";
    c.password = "p";
    expect_golden(bytes, c, kV311, Side::FromClient);
}

TEST(Connect, DecodesAndEncodesV31WithMqisdpName) {
    const Bytes bytes{
        0x10, 0x0F,                                // CONNECT, remaining length 15
        0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p',  // protocol name
        0x03,                                      // level 3 (3.1)
        0x02,                                      // flags: clean session
        0x00, 0x0A,                                // keep alive 10
        0x00, 0x01, 'c',                           // client id
    };
    Connect c;
    c.protocol_name = "MQIsdp";
    c.version = kV31;
    c.keep_alive = 10;
    c.client_id = "c";
    expect_golden(bytes, c, kV311, Side::FromClient);
}

TEST(Connect, DecodesAndEncodesV5WithPropertiesAndWillProperties) {
    const Bytes bytes{
        0x10, 0x22,                         // CONNECT, remaining length 34
        0x00, 0x04, 'M',  'Q',  'T',  'T',  // protocol name
        0x05,                               // level 5
        0x06,                               // flags: will (QoS 0), clean start
        0x00, 0x1E,                         // keep alive 30
        0x08,                               // property length 8
        0x11, 0x00, 0x00, 0x00, 0x78,       //   session expiry interval 120
        0x21, 0x00, 0x0A,                   //   receive maximum 10
        0x00, 0x01, 'c',                    // client id
        0x05,                               // will property length 5
        0x18, 0x00, 0x00, 0x00, 0x05,       //   will delay interval 5
        0x00, 0x01, 't',                    // will topic
        0x00, 0x01, 'x',                    // will payload
    };
    Connect c;
    c.version = kV5;
    c.keep_alive = 30;
    c.client_id = "c";
    c.properties.session_expiry_interval = 120;
    c.properties.receive_maximum = 10;
    c.will = Will{.topic = "t", .payload = "x", .qos = 0, .retain = false, .properties = {}};
    c.will->properties.will_delay_interval = 5;
    expect_golden(bytes, c, kV5, Side::FromClient);
}

TEST(Connect, AllowsPasswordWithoutUserNameInV5) {
    const Bytes bytes{
        0x10, 0x11,                      // CONNECT, remaining length 17
        0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
        0x05,                            // level 5
        0x42,                            // flags: password, clean start
        0x00, 0x00,                      // keep alive 0
        0x00,                            // property length 0
        0x00, 0x00,                      // empty client id
        0x00, 0x02, 'p', 'w',            // password
    };
    Connect c;
    c.version = kV5;
    c.keep_alive = 0;
    c.password = "pw";
    expect_golden(bytes, c, kV5, Side::FromClient);
}

TEST(Connect, ReadsBridgeBitOfProtocolLevel) {
    for (int level : {0x83, 0x84, 0x85}) {
        const std::string name = level == 0x83 ? "MQIsdp" : "MQTT";
        Bytes bytes = connect_with(name, static_cast<std::uint8_t>(level), 0x02);
        if (level == 0x85) {
            // v5 needs a property length before the client id.
            bytes.insert(bytes.end() - 3, 0x00);
            bytes[1] += 1;
        }
        const DecodeResult r = decode(bytes);
        ASSERT_TRUE(r.ok) << r.error.message;
        const auto& c = std::get<Connect>(r.packet);
        EXPECT_TRUE(c.bridge);
        EXPECT_EQ(static_cast<int>(c.version), level & 0x7F);
        EXPECT_EQ(testing::encode_bytes(c, c.version), bytes);
    }
}

TEST(Connect, IgnoresVersionArgumentAndUsesTheLevelInThePacket) {
    const DecodeResult r = decode(connect_with("MQTT", 4, 0x02), kV5);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(std::get<Connect>(r.packet).version, kV311);
}

TEST(Connect, RejectsUnknownProtocolNameAsProtocolError) {
    expect_error(connect_with("MQTX", 4, 0x02), reason::kProtocolError, kV311);
    expect_error(connect_with("mqtt", 4, 0x02), reason::kProtocolError, kV311);
}

TEST(Connect, RejectsKnownNameWithUnsupportedLevel) {
    expect_error(connect_with("MQTT", 3, 0x02), reason::kUnsupportedProtocolVersion, kV311);
    expect_error(connect_with("MQTT", 6, 0x02), reason::kUnsupportedProtocolVersion, kV311);
    expect_error(connect_with("MQIsdp", 4, 0x02), reason::kUnsupportedProtocolVersion, kV311);
}

TEST(Connect, RejectsReservedFlagBit) {
    expect_error(connect_with("MQTT", 4, 0x03), reason::kMalformedPacket, kV311);
}

TEST(Connect, RejectsWillQosOrRetainWithoutWillFlag) {
    expect_error(connect_with("MQTT", 4, 0x0A), reason::kMalformedPacket, kV311);  // QoS 1
    expect_error(connect_with("MQTT", 4, 0x22), reason::kMalformedPacket, kV311);  // retain
}

TEST(Connect, RejectsWillQos3) {
    Bytes b = connect_with("MQTT", 4, 0x1E);  // will, QoS 3, clean
    b.insert(b.end(), {0x00, 0x01, 't', 0x00, 0x00});
    b[1] += 5;
    expect_error(b, reason::kMalformedPacket, kV311);
}

TEST(Connect, RejectsPasswordWithoutUserNameInV311) {
    Bytes b = connect_with("MQTT", 4, 0x42);
    b.insert(b.end(), {0x00, 0x01, 'p'});
    b[1] += 3;
    expect_error(b, reason::kMalformedPacket, kV311);
}

TEST(Connect, AcceptsV31PasswordFlagWithoutPasswordLikeMosquitto) {
    Bytes b = connect_with("MQIsdp", 3, 0xC2);  // user name, password, clean
    b.insert(b.end(), {0x00, 0x01, 'u'});
    b[1] += 3;
    const DecodeResult r = decode(b);
    ASSERT_TRUE(r.ok) << r.error.message;
    EXPECT_EQ(std::get<Connect>(r.packet).username, "u");
    EXPECT_FALSE(std::get<Connect>(r.packet).password.has_value());
}

TEST(Connect, RejectsBytesAfterTheLastField) {
    Bytes b = connect_with("MQTT", 4, 0x02);
    b.push_back(0x00);
    b[1] += 1;
    expect_error(b, reason::kMalformedPacket, kV311);
}

TEST(Connect, RejectsInvalidUtf8ClientId) {
    Bytes b = connect_with("MQTT", 4, 0x02);
    b.back() = 0xC0;  // a lone lead byte
    expect_error(b, reason::kMalformedPacket, kV311);
}

TEST(Connect, RejectsWillPropertyThatBelongsToPublishOnly) {
    // v5 CONNECT with a will whose properties hold a topic alias.
    const Bytes b{0x10, 0x17, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x06, 0x00, 0x00,
                  0x00,                    // property length 0
                  0x00, 0x01, 'c',         // client id
                  0x03, 0x23, 0x00, 0x01,  // will properties: topic alias 1
                  0x00, 0x01, 't',  0x00, 0x00};
    expect_error(b, reason::kProtocolError, kV5);
}

TEST(Connect, IsAProtocolErrorWhenSentByAServer) {
    expect_error(connect_with("MQTT", 4, 0x02), reason::kProtocolError, kV311, Side::FromServer);
}

TEST(Connack, DecodesAndEncodesV311WithSessionPresent) {
    const Bytes bytes{
        0x20, 0x02,  // CONNACK, remaining length 2
        0x01,        // session present
        0x00,        // return code: accepted
    };
    expect_golden(bytes, Connack{.session_present = true, .reason_code = 0, .properties = {}},
                  kV311, Side::FromServer);
}

TEST(Connack, DecodesAndEncodesV31WhereTheFirstByteIsUnused) {
    const Bytes bytes{0x20, 0x02, 0x00, connack_v3::kNotAuthorized};
    expect_golden(bytes, Connack{.session_present = false, .reason_code = 5, .properties = {}},
                  kV31, Side::FromServer);
}

TEST(Connack, DecodesAndEncodesV5WithProperties) {
    const Bytes bytes{
        0x20, 0x0B,                  // CONNACK, remaining length 11
        0x00,                        // no session present
        0x00,                        // reason: success
        0x08,                        // property length 8
        0x12, 0x00, 0x02, 'i', 'd',  //   assigned client identifier "id"
        0x22, 0x00, 0x0A,            //   topic alias maximum 10
    };
    Connack c;
    c.properties.assigned_client_identifier = "id";
    c.properties.topic_alias_maximum = 10;
    expect_golden(bytes, c, kV5, Side::FromServer);
}

TEST(Connack, RejectsReservedAcknowledgeFlags) {
    expect_error({0x20, 0x02, 0x02, 0x00}, reason::kMalformedPacket, kV311, Side::FromServer);
}

TEST(Connack, RejectsExtraBytesInV311) {
    expect_error({0x20, 0x03, 0x00, 0x00, 0x00}, reason::kMalformedPacket, kV311, Side::FromServer);
}

TEST(Connack, IsAProtocolErrorWhenSentByAClient) {
    expect_error({0x20, 0x02, 0x00, 0x00}, reason::kProtocolError, kV311, Side::FromClient);
}

}  // namespace
}  // namespace lampi::mqtt
