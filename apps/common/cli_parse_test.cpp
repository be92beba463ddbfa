// load_config on argv: what each tool accepts, and every error text, byte for byte, as
// mosquitto_pub / mosquitto_sub / mosquitto_rr 2.0 print them (the e2e tests compare a few of
// them with Debian's tools; these pin all of them).
#include <set>
#include <string>
#include <vector>

#include "apps/common/cli_flags.h"
#include "apps/common/cli_test_support.h"

namespace lampi::cli {
namespace {

using test::CliTest;
using test::parse;
using test::Parsed;

class CliParse : public CliTest {};

// parse_flags takes the first row that matches: a name in two rows would hide one of them.
TEST(FlagTables, EveryNameIsInOneRowOnly) {
    std::set<std::string> seen;
    for (auto table : {connection_flags(), tls_flags(), publish_flags(), subscribe_flags()}) {
        for (const FlagSpec& spec : table) {
            EXPECT_TRUE(seen.insert(spec.name).second) << spec.name;
            if (spec.alias != nullptr) {
                EXPECT_TRUE(seen.insert(spec.alias).second) << spec.alias;
            }
            EXPECT_NE(spec.tools & kAllTools, 0U) << spec.name;
        }
    }
}

TEST_F(CliParse, PubAcceptsItsFlags) {
    const Parsed p =
        parse(Tool::Pub, {"-h",  "broker", "-p", "1884", "-t",       "a/b",       "-m",
                          "hi",  "-q",     "2",  "-r",   "--repeat", "3",         "--repeat-delay",
                          "0.5", "-i",     "me", "-u",   "user",     "-P",        "pw",
                          "-k",  "30",     "-M", "5",    "-A",       "127.0.0.1", "--nodelay",
                          "-d",  "--quiet"});
    ASSERT_EQ(p.status, ParseStatus::Ok) << p.err;
    EXPECT_EQ(p.err, "");
    const Config& c = p.cfg;
    EXPECT_EQ(c.host, "broker");
    EXPECT_EQ(c.port, 1884);
    EXPECT_EQ(c.topic, "a/b");
    EXPECT_EQ(c.pub_mode, PubMode::Message);
    EXPECT_EQ(c.message, "hi");
    EXPECT_EQ(c.qos, 2);
    EXPECT_TRUE(c.retain);
    EXPECT_EQ(c.repeat_count, 3);
    EXPECT_DOUBLE_EQ(c.repeat_delay, 0.5);
    EXPECT_EQ(c.id, "me");
    EXPECT_EQ(c.username, "user");
    EXPECT_EQ(c.password, "pw");
    EXPECT_EQ(c.keepalive, 30);
    EXPECT_EQ(c.max_inflight, 5U);
    EXPECT_EQ(c.bind_address, "127.0.0.1");
    EXPECT_TRUE(c.nodelay);
    EXPECT_TRUE(c.debug);
    EXPECT_TRUE(c.quiet);
    EXPECT_EQ(c.version, mqtt::ProtocolVersion::V311);
}

TEST_F(CliParse, PubMessageSourcesEachSetTheirMode) {
    EXPECT_EQ(parse(Tool::Pub, {"-t", "a", "-f", "in.txt"}).cfg.file_input, "in.txt");
    EXPECT_EQ(parse(Tool::Pub, {"-t", "a", "--file", "x"}).cfg.pub_mode, PubMode::File);
    EXPECT_EQ(parse(Tool::Pub, {"-t", "a", "-s"}).cfg.pub_mode, PubMode::StdinFile);
    EXPECT_EQ(parse(Tool::Pub, {"-t", "a", "-l"}).cfg.pub_mode, PubMode::StdinLine);
    EXPECT_EQ(parse(Tool::Pub, {"-t", "a", "-n"}).cfg.pub_mode, PubMode::Null);
    EXPECT_EQ(parse(Tool::Pub, {"-t", "a", "--message", "m"}).cfg.message, "m");
}

TEST_F(CliParse, SubAcceptsItsFlags) {
    const Parsed p = parse(Tool::Sub, {"-t",
                                       "a/#",
                                       "--topic",
                                       "b/+",
                                       "-T",
                                       "a/x",
                                       "-U",
                                       "c",
                                       "-v",
                                       "-N",
                                       "-R",
                                       "--retain-as-published",
                                       "--retained-only",
                                       "--remove-retained",
                                       "-C",
                                       "4",
                                       "-W",
                                       "9",
                                       "-E",
                                       "--pretty",
                                       "--random-filter",
                                       "50",
                                       "-F",
                                       "%t %p",
                                       "-q",
                                       "1",
                                       "-c",
                                       "--id",
                                       "sub1"});
    ASSERT_EQ(p.status, ParseStatus::Ok) << p.err;
    const Config& c = p.cfg;
    EXPECT_EQ(c.topics, (std::vector<std::string>{"a/#", "b/+"}));
    EXPECT_EQ(c.filter_outs, std::vector<std::string>{"a/x"});
    EXPECT_EQ(c.unsub_topics, std::vector<std::string>{"c"});
    EXPECT_TRUE(c.verbose);
    EXPECT_FALSE(c.eol);
    EXPECT_TRUE(c.no_retain);
    EXPECT_TRUE(c.retain_as_published);
    EXPECT_TRUE(c.retained_only);
    EXPECT_TRUE(c.remove_retained);
    EXPECT_EQ(c.msg_count, 4);
    EXPECT_EQ(c.timeout, 9U);
    EXPECT_TRUE(c.exit_after_sub);
    EXPECT_TRUE(c.pretty);
    EXPECT_EQ(c.random_filter, 500);
    EXPECT_EQ(c.format, "%t %p");
    EXPECT_EQ(c.qos, 1);
    EXPECT_FALSE(c.clean_session);
    EXPECT_EQ(c.id, "sub1");
    EXPECT_EQ(c.host, "localhost");
}

TEST_F(CliParse, RrDefaultsToV5AndOneResponse) {
    const Parsed p = parse(Tool::Rr, {"-t", "req", "-e", "resp", "-m", "q", "-v", "-W", "3", "-N",
                                      "-R", "--retain-as-published", "-F", "%p", "--pretty"});
    ASSERT_EQ(p.status, ParseStatus::Ok) << p.err;
    EXPECT_EQ(p.cfg.version, mqtt::ProtocolVersion::V5);
    EXPECT_EQ(p.cfg.msg_count, 1);
    EXPECT_EQ(p.cfg.topic, "req");
    EXPECT_EQ(p.cfg.response_topic, "resp");
    EXPECT_EQ(p.cfg.pub_mode, PubMode::Message);
    EXPECT_TRUE(p.cfg.verbose);
    EXPECT_EQ(p.cfg.timeout, 3U);
}

TEST_F(CliParse, TlsAndPskFlagsAreRecorded) {
    const Parsed p = parse(Tool::Pub, {"-t",
                                       "a",
                                       "--cafile",
                                       "ca",
                                       "--capath",
                                       "cadir",
                                       "--cert",
                                       "c",
                                       "--key",
                                       "k",
                                       "--keyform",
                                       "pem",
                                       "--ciphers",
                                       "ECDHE",
                                       "--insecure",
                                       "--tls-alpn",
                                       "mqtt",
                                       "--tls-version",
                                       "tlsv1.3",
                                       "--tls-use-os-certs",
                                       "--tls-engine",
                                       "e",
                                       "--tls-engine-kpass-sha1",
                                       "ab"});
    ASSERT_EQ(p.status, ParseStatus::Ok) << p.err;
    const Config& c = p.cfg;
    EXPECT_EQ(c.cafile, "ca");
    EXPECT_EQ(c.capath, "cadir");
    EXPECT_EQ(c.certfile, "c");
    EXPECT_EQ(c.keyfile, "k");
    EXPECT_EQ(c.keyform, "pem");
    EXPECT_EQ(c.ciphers, "ECDHE");
    EXPECT_TRUE(c.insecure);
    EXPECT_EQ(c.tls_alpn, "mqtt");
    EXPECT_EQ(c.tls_version, "tlsv1.3");
    EXPECT_TRUE(c.tls_use_os_certs);
    EXPECT_EQ(c.tls_engine, "e");
    EXPECT_EQ(c.tls_engine_kpass_sha1, "ab");
    const Parsed psk = parse(Tool::Sub, {"-t", "a", "--psk", "abcd", "--psk-identity", "me"});
    ASSERT_EQ(psk.status, ParseStatus::Ok) << psk.err;
    EXPECT_EQ(psk.cfg.psk, "abcd");
    EXPECT_EQ(psk.cfg.psk_identity, "me");
}

TEST_F(CliParse, WillAndProxyFlagsAreRecorded) {
    const Parsed p =
        parse(Tool::Pub, {"-t", "a", "--will-topic", "w", "--will-payload", "bye", "--will-qos",
                          "1", "--will-retain", "--proxy", "socks5h://u:p@proxy:1081"});
    ASSERT_EQ(p.status, ParseStatus::Ok) << p.err;
    EXPECT_EQ(p.cfg.will_topic, "w");
    EXPECT_EQ(p.cfg.will_payload, "bye");
    EXPECT_EQ(p.cfg.will_qos, 1);
    EXPECT_TRUE(p.cfg.will_retain);
    ASSERT_TRUE(p.cfg.proxy.has_value());
    EXPECT_EQ(p.cfg.proxy->host, "proxy");
    EXPECT_EQ(p.cfg.proxy->port, 1081);
    EXPECT_EQ(p.cfg.proxy->username, "u");
    EXPECT_EQ(p.cfg.proxy->password, "p");
}

TEST_F(CliParse, UrlSetsTopicPortHostAndCredentials) {
    const Parsed p = parse(Tool::Pub, {"-p", "1", "-L", "mqtts://u:pw@example.com:1884/t/x"});
    ASSERT_EQ(p.status, ParseStatus::Ok) << p.err;
    EXPECT_EQ(p.cfg.host, "example.com");
    EXPECT_EQ(p.cfg.port, 1884);
    EXPECT_EQ(p.cfg.topic, "t/x");
    EXPECT_EQ(p.cfg.username, "u");
    EXPECT_EQ(p.cfg.password, "pw");
    EXPECT_TRUE(p.cfg.tls_use_os_certs);
    const Parsed sub = parse(Tool::Sub, {"--url", "ws://h/s/#"});
    ASSERT_EQ(sub.status, ParseStatus::Ok) << sub.err;
    EXPECT_EQ(sub.cfg.topics, std::vector<std::string>{"s/#"});
    EXPECT_EQ(sub.cfg.port, 80);
    EXPECT_TRUE(sub.cfg.websocket);
    EXPECT_FALSE(sub.cfg.username.has_value());
}

TEST_F(CliParse, UnixSocketZeroesThePortGivenBeforeIt) {
    EXPECT_EQ(parse(Tool::Pub, {"-t", "a", "-p", "1884", "--unix", "/s"}).cfg.port, 0);
    const Parsed later = parse(Tool::Pub, {"-t", "a", "--unix", "/s", "-p", "1884"});
    EXPECT_EQ(later.cfg.port, 1884);
    EXPECT_EQ(later.cfg.unix_path, "/s");
}

TEST_F(CliParse, WsPathImpliesWebSocket) {
    const Parsed p = parse(Tool::Pub, {"-t", "a", "--ws-path", "/ws"});
    EXPECT_TRUE(p.cfg.websocket);
    EXPECT_EQ(p.cfg.ws_path, "/ws");
    EXPECT_TRUE(parse(Tool::Pub, {"-t", "a", "--ws"}).cfg.websocket);
}

TEST_F(CliParse, ProtocolVersionSpellings) {
    using mqtt::ProtocolVersion;
    EXPECT_EQ(parse(Tool::Sub, {"-t", "a", "-V", "mqttv31"}).cfg.version, ProtocolVersion::V31);
    EXPECT_EQ(parse(Tool::Sub, {"-t", "a", "-V", "31"}).cfg.version, ProtocolVersion::V31);
    EXPECT_EQ(parse(Tool::Rr, {"-t", "a", "-V", "311"}).cfg.version, ProtocolVersion::V311);
    EXPECT_EQ(parse(Tool::Rr, {"-t", "a", "-V", "mqttv311"}).cfg.version, ProtocolVersion::V311);
    EXPECT_EQ(parse(Tool::Sub, {"-t", "a", "--protocol-version", "mqttv5"}).cfg.version,
              ProtocolVersion::V5);
    EXPECT_EQ(parse(Tool::Sub, {"-t", "a", "-V", "5"}).cfg.version, ProtocolVersion::V5);
}

TEST_F(CliParse, PropertyImpliesV5UnlessAVersionFollows) {
    const Parsed p = parse(Tool::Pub, {"-t", "a", "-m", "x", "-V", "311", "-D", "publish",
                                       "user-property", "k", "v", "-q", "1"});
    ASSERT_EQ(p.status, ParseStatus::Ok) << p.err;
    EXPECT_EQ(p.cfg.version, mqtt::ProtocolVersion::V5);
    EXPECT_EQ(p.cfg.qos, 1);  // -D consumed exactly its four words
    EXPECT_EQ(p.cfg.publish_props.user_properties.size(), 1U);
    const Parsed later = parse(Tool::Pub, {"-t", "a", "-m", "x", "--property", "connect",
                                           "session-expiry-interval", "5", "-V", "311"});
    ASSERT_EQ(later.status, ParseStatus::Ok) << later.err;
    EXPECT_EQ(later.cfg.version, mqtt::ProtocolVersion::V311);
}

TEST_F(CliParse, SessionExpiryAcceptsInfinityMinusOneAndCNumbers) {
    const long long kNever = 4294967295LL;
    EXPECT_EQ(parse(Tool::Pub, {"-t", "a", "-x", "\xE2\x88\x9E"}).cfg.session_expiry, kNever);
    EXPECT_EQ(parse(Tool::Pub, {"-t", "a", "-x", "-1"}).cfg.session_expiry, kNever);
    EXPECT_EQ(parse(Tool::Pub, {"-t", "a", "-x", "0x10"}).cfg.session_expiry, 16);
    EXPECT_EQ(parse(Tool::Pub, {"-t", "a", "-x", "010"}).cfg.session_expiry, 8);
    EXPECT_EQ(parse(Tool::Pub, {"-t", "a", "-x", "4294967295"}).cfg.session_expiry, kNever);
}

TEST_F(CliParse, V5SessionExpiryGoesIntoConnectProperties) {
    const Parsed p = parse(Tool::Sub, {"-t", "a", "-V", "5", "-x", "60"});
    ASSERT_EQ(p.status, ParseStatus::Ok) << p.err;
    EXPECT_EQ(p.cfg.connect_props.session_expiry_interval, 60U);
    const Parsed c = parse(Tool::Sub, {"-t", "a", "-V", "5", "-c", "-i", "me"});
    ASSERT_EQ(c.status, ParseStatus::Ok) << c.err;
    EXPECT_EQ(c.cfg.connect_props.session_expiry_interval, 4294967295U);
    const Parsed v3 = parse(Tool::Sub, {"-t", "a", "-x", "60"});
    ASSERT_EQ(v3.status, ParseStatus::Ok) << v3.err;
    EXPECT_FALSE(v3.cfg.connect_props.session_expiry_interval.has_value());
}

TEST_F(CliParse, ValueStartingWithDashIsTakenAsTheValue) {
    const Parsed p = parse(Tool::Pub, {"-t", "a", "-m", "-q"});
    ASSERT_EQ(p.status, ParseStatus::Ok) << p.err;
    EXPECT_EQ(p.cfg.message, "-q");
}

TEST_F(CliParse, HelpAndVersionStopTheParse) {
    const Parsed help = parse(Tool::Sub, {"--help", "--bogus", "-q", "9"});
    EXPECT_EQ(help.status, ParseStatus::Help);
    EXPECT_EQ(help.err, "");
    const Parsed version = parse(Tool::Pub, {"--version", "-t", "a/+"});
    EXPECT_EQ(version.status, ParseStatus::Version);
    EXPECT_EQ(version.err, "");
    // No check_config either: lampi-sub --help needs no topic.
    EXPECT_EQ(parse(Tool::Sub, {"--help"}).status, ParseStatus::Help);
    const Parsed late = parse(Tool::Sub, {"--bogus", "--help"});
    EXPECT_EQ(late.status, ParseStatus::Error);
    EXPECT_EQ(late.err, "Error: Unknown option '--bogus'.\n");
}

}  // namespace
}  // namespace lampi::cli
