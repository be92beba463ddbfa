#include "lamp/service_config.h"

#include <gtest/gtest.h>

namespace lampi::lamp {
namespace {

TEST(ServiceConfig, DefaultsMatchTheCourse) {
    ServiceConfig c;
    EXPECT_EQ(c.broker.host, "localhost");
    EXPECT_EQ(c.broker.port, 1883);
    EXPECT_EQ(c.broker.client_id, "lamp_service");
    EXPECT_EQ(c.topic_root, "lamp/");
    EXPECT_EQ(c.hardware.backend, "sim");
    EXPECT_EQ(c.hardware.pigpiod_port, 8888);
}

TEST(ServiceConfig, ReadsEverySection) {
    ServiceConfig c;
    std::vector<std::string> errors;
    parse_service_config(R"(
; a comment
[broker]
host = cloud.example.com
port = 8883
username = lamp
password = secret
client_id = my_lamp
cafile = /etc/ca.pem
tls_version = tlsv1.2

[lamp]
topic_root = home/lamp
device_id = b827eb08451e
state_file = /var/lib/lampi/lamp.state
gamma = 2.2

[hardware]
backend = pigpiod
pigpiod_host = 10.0.0.2
pigpiod_port = 9999
red_pin = 17
green_pin = 27
blue_pin = 22
sysfs_root = /tmp/pwm
pwm_chip = 1
red_channel = 3
period_ns = 20000
)",
                         "lampd.ini", c, errors);
    EXPECT_TRUE(errors.empty()) << errors.front();
    EXPECT_EQ(c.broker.host, "cloud.example.com");
    EXPECT_EQ(c.broker.port, 8883);
    EXPECT_EQ(c.broker.username, "lamp");
    EXPECT_EQ(c.broker.password, "secret");
    EXPECT_EQ(c.broker.client_id, "my_lamp");
    EXPECT_EQ(c.broker.cafile, "/etc/ca.pem");
    EXPECT_EQ(c.topic_root, "home/lamp/");
    EXPECT_EQ(c.device_id, "b827eb08451e");
    EXPECT_EQ(c.state_file, "/var/lib/lampi/lamp.state");
    EXPECT_DOUBLE_EQ(c.gamma, 2.2);
    EXPECT_EQ(c.hardware.backend, "pigpiod");
    EXPECT_EQ(c.hardware.pigpiod_port, 9999);
    EXPECT_EQ(c.hardware.pins, (std::array<int, 3>{17, 27, 22}));
    EXPECT_EQ(c.hardware.chip, 1);
    EXPECT_EQ(c.hardware.channels, (std::array<int, 3>{3, 1, 2}));
    EXPECT_EQ(c.hardware.period_ns, 20000u);
}

TEST(ServiceConfig, ReportsEveryErrorWithItsPlace) {
    ServiceConfig c;
    std::vector<std::string> errors;
    parse_service_config("[broker]\nport = 70000\ncolour = red\n[hardware]\nbackend = gpio\n",
                         "f.ini", c, errors);
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0], "f.ini: [broker] port: expected an integer in [1, 65535] (got '70000')");
    EXPECT_EQ(errors[1], "f.ini: [broker] colour: unknown option");
    EXPECT_NE(errors[2].find("[hardware] backend"), std::string::npos);
    EXPECT_EQ(c.broker.port, 1883);  // unchanged
}

TEST(ServiceConfig, ReportsSyntaxErrorsWithTheLine) {
    ServiceConfig c;
    std::vector<std::string> errors;
    parse_service_config("[lamp]\ngamma = 2\nthis is not ini\n", "f.ini", c, errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0], "f.ini:3: syntax error");
}

TEST(NormalizeTopicRoot, AddsTheSlash) {
    EXPECT_EQ(normalize_topic_root("lamp"), "lamp/");
    EXPECT_EQ(normalize_topic_root("lamp/"), "lamp/");
    EXPECT_EQ(normalize_topic_root(""), "");
}

}  // namespace
}  // namespace lampi::lamp
