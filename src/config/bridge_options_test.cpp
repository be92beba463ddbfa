#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "config/config_reader.h"
#include "config/test_util.h"

namespace lampi::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using testing::parse;

// A bridge with everything required, plus `extra` lines.
ConfigResult bridge(std::string_view extra) {
    return parse("connection b\naddress remote.example\n" + std::string(extra) +
                 (extra.starts_with("topic") ? "\n" : "\ntopic #\n"));
}

std::string hostname() {
    char name[256] = {};
    gethostname(name, sizeof(name) - 1);
    return name;
}

TEST(BridgeOptions, MinimalBridgeHasMosquittoDefaults) {
    auto r = parse("connection cloud\naddress broker.example.com\ntopic #\n");
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_THAT(r.warnings, IsEmpty());
    ASSERT_EQ(r.config.bridges.size(), 1u);
    const Bridge& b = r.config.bridges[0];
    EXPECT_EQ(b.connection, "cloud");
    EXPECT_EQ(b.origin, "t.conf:1");
    EXPECT_THAT(b.addresses, ElementsAre(BridgeAddress{"broker.example.com", 1883}));
    EXPECT_FALSE(b.round_robin);
    // Mosquitto's code uses "<hostname>.<connection>" (its man page says the reverse).
    EXPECT_EQ(b.remote_clientid, hostname() + ".cloud");
    EXPECT_EQ(b.local_clientid, "local." + hostname() + ".cloud");
    EXPECT_FALSE(b.cleansession);
    EXPECT_FALSE(b.local_cleansession.has_value());
    EXPECT_FALSE(b.effective_local_cleansession());
    EXPECT_EQ(b.bridge_protocol_version, BridgeProtocolVersion::MqttV311);
    EXPECT_TRUE(b.try_private);
    EXPECT_TRUE(b.notifications);
    EXPECT_FALSE(b.notifications_local_only);
    EXPECT_EQ(b.effective_notification_topic(),
              "$SYS/broker/connection/" + hostname() + ".cloud/state");
    EXPECT_EQ(b.keepalive_interval, 60);
    EXPECT_EQ(b.restart_timeout, (RestartTimeout{5, 30, false, 0}));
    EXPECT_EQ(b.start_type, BridgeStartType::Automatic);
    EXPECT_EQ(b.threshold, 10);
    EXPECT_EQ(b.idle_timeout, 60);
    EXPECT_TRUE(b.bridge_attempt_unsubscribe);
    EXPECT_TRUE(b.bridge_outgoing_retain);
    EXPECT_EQ(b.bridge_max_packet_size, 0u);
    EXPECT_FALSE(b.bridge_insecure);
    EXPECT_EQ(b.bridge_max_topic_alias, 10);
    EXPECT_THAT(b.topics, ElementsAre(BridgeTopic{"#", BridgeDirection::Out, 0, "", ""}));
    // A bridge alone does not create a listener.
    EXPECT_TRUE(r.config.local_only);
}

TEST(BridgeOptions, ParsesEveryBridgeOption) {
    auto r = parse(R"(connection full
addresses a.example:8883 b.example
round_robin true
topic sensors/# both 2 local/ remote/
remote_clientid full-remote
local_clientid full-local
cleansession true
local_cleansession false
remote_username ru
remote_password rp w
local_username lu
local_password lp
bridge_protocol_version mqttv50
try_private false
notifications false
notifications_local_only true
notification_topic bridges/full/state
keepalive_interval 30
restart_timeout 10 60
start_type lazy
threshold 20
idle_timeout 120
bridge_attempt_unsubscribe false
bridge_outgoing_retain false
bridge_max_packet_size 100000
bridge_bind_address 192.168.1.10
bridge_cafile /ca.pem
bridge_capath /certs
bridge_certfile /c.pem
bridge_keyfile /c.key
bridge_tls_version tlsv1.3
bridge_alpn mqtt
bridge_require_ocsp true
bridge_session_expiry_interval 3600
bridge_receive_maximum 100
bridge_max_topic_alias 0
bridge_reload_type immediate
)");
    ASSERT_TRUE(r.ok()) << r.errors[0];
    const Bridge& b = r.config.bridges[0];
    EXPECT_THAT(b.addresses,
                ElementsAre(BridgeAddress{"a.example", 8883}, BridgeAddress{"b.example", 1883}));
    EXPECT_TRUE(b.round_robin);
    EXPECT_THAT(b.topics, ElementsAre(BridgeTopic{"sensors/#", BridgeDirection::Both, 2, "local/",
                                                  "remote/"}));
    EXPECT_EQ(b.remote_clientid, "full-remote");
    EXPECT_EQ(b.local_clientid, "full-local");
    EXPECT_TRUE(b.cleansession);
    EXPECT_EQ(b.local_cleansession, false);
    EXPECT_EQ(b.remote_username, "ru");
    EXPECT_EQ(b.remote_password, "rp w");
    EXPECT_EQ(b.local_username, "lu");
    EXPECT_EQ(b.local_password, "lp");
    EXPECT_EQ(b.bridge_protocol_version, BridgeProtocolVersion::MqttV50);
    EXPECT_FALSE(b.try_private);
    EXPECT_FALSE(b.notifications);
    EXPECT_TRUE(b.notifications_local_only);
    EXPECT_EQ(b.effective_notification_topic(), "bridges/full/state");
    EXPECT_EQ(b.keepalive_interval, 30);
    EXPECT_EQ(b.restart_timeout, (RestartTimeout{10, 60, false, 0}));
    EXPECT_EQ(b.start_type, BridgeStartType::Lazy);
    EXPECT_EQ(b.threshold, 20);
    EXPECT_EQ(b.idle_timeout, 120);
    EXPECT_FALSE(b.bridge_attempt_unsubscribe);
    EXPECT_FALSE(b.bridge_outgoing_retain);
    EXPECT_EQ(b.bridge_max_packet_size, 100000u);
    EXPECT_EQ(b.bridge_bind_address, "192.168.1.10");
    EXPECT_EQ(b.bridge_cafile, "/ca.pem");
    EXPECT_EQ(b.bridge_capath, "/certs");
    EXPECT_EQ(b.bridge_certfile, "/c.pem");
    EXPECT_EQ(b.bridge_keyfile, "/c.key");
    EXPECT_EQ(b.bridge_tls_version, "tlsv1.3");
    EXPECT_EQ(b.bridge_alpn, "mqtt");
    EXPECT_TRUE(b.bridge_require_ocsp);
    EXPECT_EQ(b.bridge_session_expiry_interval, 3600u);
    EXPECT_EQ(b.bridge_receive_maximum, 100);
    EXPECT_EQ(b.bridge_max_topic_alias, 0);
    EXPECT_EQ(b.bridge_reload_type, BridgeReloadType::Immediate);
    EXPECT_THAT(r.warnings, IsEmpty());
}

TEST(BridgeOptions, OldAliasesStillWork) {
    auto r = bridge("clientid old-id\nusername u\npassword p");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.config.bridges[0].remote_clientid, "old-id");
    EXPECT_EQ(r.config.bridges[0].remote_username, "u");
    EXPECT_EQ(r.config.bridges[0].remote_password, "p");
}

TEST(BridgeOptions, PskBridge) {
    auto r = bridge("bridge_identity lamp\nbridge_psk 0a1b2c");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.config.bridges[0].bridge_identity, "lamp");
    EXPECT_EQ(r.config.bridges[0].bridge_psk, "0a1b2c");
    EXPECT_THAT(bridge("bridge_identity lamp").errors,
                ElementsAre("t.conf:1: bridge 'b': bridge_identity and bridge_psk must be given "
                            "together"));
    EXPECT_THAT(bridge("bridge_identity l\nbridge_psk 00\nbridge_cafile /ca").errors,
                ElementsAre("t.conf:1: bridge 'b': cannot use both certificate and psk "
                            "encryption on one bridge"));
    EXPECT_THAT(bridge("bridge_identity l\nbridge_psk 0xbeef").errors,
                ElementsAre("t.conf:1: bridge 'b': bridge_psk must be a hexadecimal key"));
    EXPECT_THAT(bridge("bridge_cafile /ca\nbridge_certfile /c").errors,
                ElementsAre("t.conf:1: bridge 'b': bridge_certfile and bridge_keyfile must be "
                            "given together"));
}

TEST(BridgeOptions, BridgeOptionsNeedAConnection) {
    EXPECT_THAT(parse("address a\ntopic #\n").errors,
                ElementsAre("t.conf:1: option 'address' must follow a 'connection' line",
                            "t.conf:2: option 'topic' must follow a 'connection' line"));
}

TEST(BridgeOptions, BridgeNeedsAddressAndTopics) {
    EXPECT_THAT(parse("connection x\n").errors,
                ElementsAre("t.conf:1: bridge 'x': no 'address' given",
                            "t.conf:1: bridge 'x': no 'topic' lines given"));
}

TEST(BridgeOptions, BridgeNamesAndLocalClientIdsAreUnique) {
    EXPECT_THAT(parse("connection a\naddress h\ntopic #\nconnection a\n").errors,
                ElementsAre("t.conf:4: duplicate bridge name 'a' (first at t.conf:1)"));
    EXPECT_THAT(parse("connection a\naddress h\ntopic #\nlocal_clientid same\n"
                      "connection b\naddress h\ntopic #\nlocal_clientid same\n")
                    .errors,
                ElementsAre("t.conf:5: bridge 'b': local_clientid 'same' is not unique (also "
                            "used by 'a')"));
}

TEST(BridgeOptions, AddressForms) {
    auto r = bridge("address h1 h2:1884 [::1]:8883 fe80::1:8884");
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_THAT(r.config.bridges[0].addresses,
                ElementsAre(BridgeAddress{"remote.example", 1883}, BridgeAddress{"h1", 1883},
                            BridgeAddress{"h2", 1884}, BridgeAddress{"::1", 8883},
                            BridgeAddress{"fe80::1", 8884}));
    EXPECT_THAT(bridge("addresses h:0").errors,
                ElementsAre("t.conf:3: 'addresses' value 0 is out of range (1..65535)"));
    EXPECT_THAT(bridge("address h:x").errors,
                ElementsAre("t.conf:3: 'address' value 'x' is not a number"));
    EXPECT_THAT(bridge("address :1883").errors,
                ElementsAre("t.conf:3: invalid bridge address ':1883'"));
    EXPECT_THAT(bridge("address").errors, ElementsAre("t.conf:3: missing argument for 'address'"));
}

struct TopicCase {
    const char* line;
    BridgeTopic expected;
};

TEST(BridgeOptions, TopicLineForms) {
    const TopicCase cases[] = {
        {"topic #", {"#", BridgeDirection::Out, 0, "", ""}},
        {"topic a/b in", {"a/b", BridgeDirection::In, 0, "", ""}},
        {"topic a/+ BOTH 1", {"a/+", BridgeDirection::Both, 1, "", ""}},
        {"topic # out 2 L/ R/", {"#", BridgeDirection::Out, 2, "L/", "R/"}},
        {"topic # in 0 L/ \"\"", {"#", BridgeDirection::In, 0, "L/", ""}},
        {"topic # in 0 \"\" R/", {"#", BridgeDirection::In, 0, "", "R/"}},
        {"topic p in 0 \"\" \"\"", {"p", BridgeDirection::In, 0, "", ""}},
        {"topic \"\" out 0 a/b x/y", {"", BridgeDirection::Out, 0, "a/b", "x/y"}},
        {"topic # in 0 L/", {"#", BridgeDirection::In, 0, "L/", ""}},  // Mosquitto accepts it
        {"topic \"my topic/#\" in 1", {"my topic/#", BridgeDirection::In, 1, "", ""}},
        {"topic # out 1 # trailing comment", {"#", BridgeDirection::Out, 1, "", ""}},
        {"topic clients/total in 0 test/mosquitto/org/ $SYS/broker/",
         {"clients/total", BridgeDirection::In, 0, "test/mosquitto/org/", "$SYS/broker/"}},
    };
    for (const TopicCase& c : cases) {
        auto r = bridge(c.line);
        ASSERT_TRUE(r.ok()) << c.line << ": " << r.errors[0];
        EXPECT_THAT(r.config.bridges[0].topics, ElementsAre(c.expected)) << c.line;
    }
    const BridgeTopic t{"lamp/x", BridgeDirection::Out, 0, "devices/abc", "r/"};
    EXPECT_EQ(t.local_topic(), "devices/abclamp/x");  // plain concatenation, as Mosquitto
    EXPECT_EQ(t.remote_topic(), "r/lamp/x");
}

struct BadTopicCase {
    const char* line;
    const char* error;
};

TEST(BridgeOptions, RejectsInvalidTopicLines) {
    const BadTopicCase cases[] = {
        {"topic", "missing argument for 'topic'"},
        {"topic # sideways",
         "invalid bridge topic direction 'sideways' (expected out, in or both)"},
        {"topic # out 3", "invalid bridge topic QoS '3' (expected 0, 1 or 2)"},
        {"topic # out x", "invalid bridge topic QoS 'x' (expected 0, 1 or 2)"},
        {"topic # out 0 a b c", "too many arguments for 'topic'"},
        {"topic \"unterminated", "missing closing quote in 'topic' line"},
        {"topic # out 0 a/+/ r/",
         "invalid bridge topic: local prefix 'a/+/' must not contain "
         "wildcards"},
        {"topic # out 0 l/ r/#",
         "invalid bridge topic: remote prefix 'r/#' must not contain "
         "wildcards"},
        {"topic \"\" out 0 local \"\"",
         "invalid bridge topic: an empty pattern needs both a "
         "local and a remote prefix"},
        {"topic \"\" out 0 \"\" remote",
         "invalid bridge topic: an empty pattern needs both a "
         "local and a remote prefix"},
        {"topic \"\" out 0 \"\" \"\"",
         "invalid bridge topic: an empty pattern needs both a "
         "local and a remote prefix"},
        {"topic \"\"",
         "invalid bridge topic: an empty pattern needs both a local and a remote "
         "prefix"},
        {"topic a/#/b", "invalid bridge topic: pattern 'a/#/b' is not a valid topic filter"},
        {"topic +/x out 0 devices \"\"",
         "invalid bridge topic: local prefix and pattern combination 'devices+/x' is not a valid "
         "topic filter"},
        {"topic #x out 0 l/ r/", "invalid bridge topic: pattern '#x' is not a valid topic filter"},
        {"topic + out 0 l/ r",
         "invalid bridge topic: remote prefix and pattern combination 'r+' "
         "is not a valid topic filter"},
    };
    for (const BadTopicCase& c : cases) {
        auto r = bridge(c.line);
        ASSERT_FALSE(r.errors.empty()) << c.line;
        EXPECT_EQ(r.errors[0], std::string("t.conf:3: ") + c.error) << c.line;
    }
}

TEST(BridgeOptions, RestartTimeoutForms) {
    EXPECT_EQ(bridge("restart_timeout 20").config.bridges[0].restart_timeout,
              (RestartTimeout{20, 20, true, 0}));
    EXPECT_EQ(bridge("restart_timeout 10 30").config.bridges[0].restart_timeout,
              (RestartTimeout{10, 30, false, 0}));
    EXPECT_EQ(bridge("restart_timeout 10 30 60").config.bridges[0].restart_timeout,
              (RestartTimeout{10, 30, false, 60}));
    EXPECT_THAT(bridge("restart_timeout 30 10").errors,
                ElementsAre("t.conf:3: 'restart_timeout' cap 10 is lower than the base 30"));
    auto low = bridge("restart_timeout 0");
    EXPECT_EQ(low.config.bridges[0].restart_timeout.base, 1u);
    EXPECT_THAT(low.warnings, ElementsAre("t.conf:3: 'restart_timeout' value 0 is too low, "
                                          "using 1 second"));
}

TEST(BridgeOptions, TooLowValuesAreRaisedWithAWarning) {
    auto r = bridge("keepalive_interval 1\nthreshold 0\nidle_timeout -3");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.config.bridges[0].keepalive_interval, 5);
    EXPECT_EQ(r.config.bridges[0].threshold, 1);
    EXPECT_EQ(r.config.bridges[0].idle_timeout, 1);
    EXPECT_EQ(r.warnings.size(), 3u);
    EXPECT_EQ(r.warnings[0], "t.conf:3: 'keepalive_interval' value 1 is too low, using 5 seconds");
    EXPECT_FALSE(bridge("keepalive_interval 65536").ok());
}

TEST(BridgeOptions, RejectsBadChoices) {
    EXPECT_THAT(bridge("start_type manual").errors,
                ElementsAre("t.conf:3: start_type 'manual' is not supported (Mosquitto does not "
                            "support it either)"));
    EXPECT_THAT(bridge("bridge_protocol_version mqttv5").errors,
                ElementsAre("t.conf:3: invalid 'bridge_protocol_version' value 'mqttv5' "
                            "(expected mqttv31, mqttv311 or mqttv50)"));
    EXPECT_THAT(bridge("bridge_receive_maximum 0").errors,
                ElementsAre("t.conf:3: 'bridge_receive_maximum' value 0 is out of range "
                            "(1..65535)"));
    EXPECT_THAT(bridge("notification_topic a/#").errors,
                ElementsAre("t.conf:3: invalid 'notification_topic' value 'a/#' (wildcards are "
                            "not allowed)"));
}

TEST(BridgeOptions, InsecureModeWarns) {
    EXPECT_THAT(bridge("bridge_insecure true").warnings,
                ElementsAre("t.conf:3: bridge_insecure true: the remote certificate's host name "
                            "is not checked"));
}

TEST(BridgeOptions, LampiEdgeSample) {
    auto r = read_config_file(std::string(LAMPI_CONFIG_TEST_DATA) + "/lampi-edge.conf");
    ASSERT_TRUE(r.ok()) << r.errors[0];
    ASSERT_EQ(r.config.bridges.size(), 1u);
    const Bridge& b = r.config.bridges[0];
    EXPECT_EQ(b.connection, "b827eb08451e_broker");
    EXPECT_EQ(b.remote_clientid, "b827eb08451e_broker");
    EXPECT_THAT(b.addresses, ElementsAre(BridgeAddress{"cloud.example.com", 8883}));
    EXPECT_EQ(b.effective_notification_topic(), "$SYS/broker/connection/b827eb08451e_broker/state");
    ASSERT_EQ(b.topics.size(), 4u);
    EXPECT_EQ(b.topics[0], (BridgeTopic{"lamp/set_config", BridgeDirection::In, 1, "",
                                        "devices/b827eb08451e/"}));
    EXPECT_EQ(b.topics[1].remote_topic(), "devices/b827eb08451e/lamp/changed");
    EXPECT_EQ(b.topics[3].qos, 2);
    EXPECT_FALSE(b.cleansession);
    EXPECT_EQ(b.bridge_tls_version, "tlsv1.2");
}

}  // namespace
}  // namespace lampi::config
