#include "config/config_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "config/option_table.h"
#include "config/test_util.h"

namespace lampi::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using testing::parse;

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
  public:
    TempDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = std::filesystem::temp_directory_path() /
                ("lampi-config-" + std::to_string(getpid()) + "-" + info->name());
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::string write(const std::string& name, const std::string& text) const {
        const auto p = path_ / name;
        std::ofstream(p) << text;
        return p.string();
    }
    std::string path() const { return path_.string(); }

  private:
    std::filesystem::path path_;
};

TEST(ConfigReader, EmptyTextGivesMosquittoDefaults) {
    auto r = parse("");
    ASSERT_TRUE(r.ok());
    EXPECT_THAT(r.warnings, IsEmpty());
    const Config& c = r.config;
    EXPECT_TRUE(c.listeners.empty());
    EXPECT_TRUE(c.local_only);
    EXPECT_FALSE(c.security.allow_anonymous.has_value());
    EXPECT_EQ(c.max_queued_messages, 1000);
    EXPECT_EQ(c.max_queued_bytes, 0u);
    EXPECT_EQ(c.max_inflight_messages, 20);
    EXPECT_EQ(c.max_packet_size, 0u);
    EXPECT_EQ(c.message_size_limit, 0u);
    EXPECT_EQ(c.max_keepalive, 65535);
    EXPECT_FALSE(c.persistence);
    EXPECT_EQ(c.persistence_file, "mosquitto.db");
    EXPECT_EQ(c.autosave_interval, 1800);
    EXPECT_EQ(c.persistent_client_expiration, 0);
    EXPECT_TRUE(c.retain_available);
    EXPECT_EQ(c.sys_interval, 10);
    EXPECT_EQ(c.user, "mosquitto");
    EXPECT_THAT(c.log_dest, ElementsAre(LogDest{LogDestination::Stderr, ""}));
    EXPECT_EQ(c.log_type, kLogDefaultTypes);
    EXPECT_TRUE(c.log_timestamp);
    EXPECT_TRUE(c.connection_messages);
    EXPECT_TRUE(c.security.allow_zero_length_clientid);
    EXPECT_EQ(c.security.auto_id_prefix, "auto-");
}

TEST(ConfigReader, SkipsCommentsBlankLinesAndTrailingWhitespace) {
    auto r = parse(
        "# comment\n\n   \n  # indented comment\r\nsys_interval 5  \t\r\n"
        "max_keepalive 30 # trailing comment\n");
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.sys_interval, 5);
    EXPECT_EQ(r.config.max_keepalive, 30);
}

TEST(ConfigReader, UnknownOptionIsAnErrorWithFileAndLine) {
    auto r = parse("sys_interval 5\nxyz 1\n");
    EXPECT_THAT(r.errors, ElementsAre("t.conf:2: unknown option 'xyz'"));
    EXPECT_FALSE(r.ok());
}

TEST(ConfigReader, CollectsEveryErrorNotJustTheFirst) {
    auto r = parse(
        "foo\nsys_interval x\nretain_available yes\nmax_keepalive 70000\nport\n"
        "user\nset_tcp_nodelay true false\n");
    EXPECT_THAT(r.errors,
                ElementsAre("t.conf:1: unknown option 'foo'",
                            "t.conf:2: 'sys_interval' value 'x' is not a number",
                            "t.conf:3: 'retain_available' value 'yes' is not true or false",
                            "t.conf:4: 'max_keepalive' value 70000 is out of range (0..65535)",
                            "t.conf:5: missing argument for 'port'",
                            "t.conf:6: missing argument for 'user'",
                            "t.conf:7: too many arguments for 'set_tcp_nodelay'"));
}

TEST(ConfigReader, RejectsNumbersWithTrailingJunk) {
    EXPECT_THAT(parse("sys_interval 12abc").errors,
                ElementsAre("t.conf:1: 'sys_interval' value '12abc' is not a number"));
    EXPECT_THAT(parse("sys_interval -1").errors,
                ElementsAre("t.conf:1: 'sys_interval' value -1 is out of range (0..65535)"));
    EXPECT_THAT(parse("max_packet_size 10").errors,
                ElementsAre("t.conf:1: 'max_packet_size' value 10 is out of range "
                            "(20..4294967295)"));
    EXPECT_THAT(parse("message_size_limit 99999999999999999999").errors,
                ElementsAre("t.conf:1: 'message_size_limit' value 99999999999999999999 is out "
                            "of range (0..268435455)"));
}

TEST(ConfigReader, BooleansAreTrueFalseOneOrZeroLikeMosquitto) {
    EXPECT_FALSE(parse("retain_available false").config.retain_available);
    EXPECT_FALSE(parse("retain_available 0").config.retain_available);
    EXPECT_TRUE(parse("upgrade_outgoing_qos true").config.upgrade_outgoing_qos);
    EXPECT_TRUE(parse("upgrade_outgoing_qos 1").config.upgrade_outgoing_qos);
    EXPECT_FALSE(parse("retain_available True").ok());
}

TEST(ConfigReader, ParsesEveryGlobalOption) {
    auto r = parse(R"(allow_anonymous true
allow_duplicate_messages false
allow_zero_length_clientid false
acl_file /etc/mosquitto/acl
auth_plugin /usr/lib/plugin.so
auth_opt_db_host localhost
plugin_opt_port 5432
auth_plugin_deny_special_chars false
auto_id_prefix gen-
autosave_interval 60
autosave_on_changes true
check_retain_source false
clientid_prefixes secure-
connection_messages false
log_dest stdout
log_facility 5
log_timestamp false
log_timestamp_format %Y-%m-%d %H:%M:%S
log_type debug
max_inflight_bytes 4096
max_inflight_messages 10
max_keepalive 120
max_packet_size 1024
max_queued_bytes 65536
max_queued_messages 500
memory_limit 1000000
message_size_limit 2048
metrics_listener 9100 127.0.0.1
password_file /etc/mosquitto/passwd
per_listener_settings false
persistence true
persistence_file lampi.db
persistence_location /var/lib/mosquitto/
persistent_client_expiration 2d
pid_file /run/mosquitto.pid
psk_file /etc/mosquitto/psk
queue_qos0_messages true
retain_available false
set_tcp_nodelay true
sys_interval 0
upgrade_outgoing_qos true
user lampi
websockets_headers_size 4096
websockets_log_level 255
)");
    ASSERT_TRUE(r.ok()) << r.errors[0];
    const Config& c = r.config;
    EXPECT_EQ(c.security.allow_anonymous, true);
    EXPECT_FALSE(c.allow_duplicate_messages);
    EXPECT_FALSE(c.security.allow_zero_length_clientid);
    EXPECT_EQ(c.security.acl_file, "/etc/mosquitto/acl");
    ASSERT_EQ(c.security.auth_plugins.size(), 1u);
    EXPECT_EQ(c.security.auth_plugins[0].path, "/usr/lib/plugin.so");
    EXPECT_THAT(c.security.auth_plugins[0].options,
                ElementsAre(std::pair<std::string, std::string>{"db_host", "localhost"},
                            std::pair<std::string, std::string>{"port", "5432"}));
    EXPECT_FALSE(c.security.auth_plugins[0].auth_plugin_deny_special_chars);
    EXPECT_EQ(c.security.auto_id_prefix, "gen-");
    EXPECT_EQ(c.autosave_interval, 60);
    EXPECT_TRUE(c.autosave_on_changes);
    EXPECT_FALSE(c.check_retain_source);
    EXPECT_EQ(c.clientid_prefixes, "secure-");
    EXPECT_FALSE(c.connection_messages);
    EXPECT_THAT(c.log_dest, ElementsAre(LogDest{LogDestination::Stdout, ""}));
    EXPECT_EQ(c.log_facility, 5);
    EXPECT_FALSE(c.log_timestamp);
    EXPECT_EQ(c.log_timestamp_format, "%Y-%m-%d %H:%M:%S");
    EXPECT_EQ(c.log_type, static_cast<std::uint32_t>(LogType::Debug));
    EXPECT_EQ(c.max_inflight_bytes, 4096u);
    EXPECT_EQ(c.max_inflight_messages, 10);
    EXPECT_EQ(c.max_keepalive, 120);
    EXPECT_EQ(c.max_packet_size, 1024u);
    EXPECT_EQ(c.max_queued_bytes, 65536u);
    EXPECT_EQ(c.max_queued_messages, 500);
    EXPECT_EQ(c.memory_limit, 1000000u);
    EXPECT_EQ(c.message_size_limit, 2048u);
    ASSERT_TRUE(c.metrics_listener.has_value());
    EXPECT_EQ(c.metrics_listener->port, 9100);
    EXPECT_EQ(c.metrics_listener->address, "127.0.0.1");
    EXPECT_EQ(c.security.password_file, "/etc/mosquitto/passwd");
    EXPECT_FALSE(c.per_listener_settings);
    EXPECT_TRUE(c.persistence);
    EXPECT_EQ(c.persistence_file, "lampi.db");
    EXPECT_EQ(c.persistence_location, "/var/lib/mosquitto/");
    EXPECT_EQ(c.persistent_client_expiration, 2 * 86400);
    EXPECT_EQ(c.pid_file, "/run/mosquitto.pid");
    EXPECT_EQ(c.security.psk_file, "/etc/mosquitto/psk");
    EXPECT_TRUE(c.queue_qos0_messages);
    EXPECT_FALSE(c.retain_available);
    EXPECT_TRUE(c.set_tcp_nodelay);
    EXPECT_EQ(c.sys_interval, 0);
    EXPECT_TRUE(c.upgrade_outgoing_qos);
    EXPECT_EQ(c.user, "lampi");
    EXPECT_EQ(c.websockets_headers_size, 4096);
    EXPECT_EQ(c.websockets_log_level, 255);
    EXPECT_TRUE(c.listeners.empty());
}

TEST(ConfigReader, WarnsForValidOptionsLampiDoesNotImplement) {
    auto r = parse(
        "max_inflight_bytes 5\nsys_interval 5\nclientid_prefixes x\nlistener 1883\n"
        "dhparamfile /d.pem\ntls_engine e\n");
    ASSERT_TRUE(r.ok());
    EXPECT_THAT(
        r.warnings,
        ElementsAre("t.conf:1: option 'max_inflight_bytes' is not supported by lampi yet and is "
                    "ignored",
                    "t.conf:3: option 'clientid_prefixes' is not supported by lampi yet and is "
                    "ignored",
                    "t.conf:5: option 'dhparamfile' is not supported by lampi yet and is ignored",
                    "t.conf:6: option 'tls_engine' is not supported by lampi yet and is ignored"));
}

TEST(ConfigReader, ImplementedOptionsDoNotWarn) {
    auto r = parse(R"(per_listener_settings false
allow_anonymous false
allow_zero_length_clientid true
auto_id_prefix x-
max_queued_messages 10
max_queued_bytes 10
max_inflight_messages 10
max_packet_size 100
message_size_limit 100
max_keepalive 60
memory_limit 1000000
max_publish_rate 100
response_information replies/%u/%c/
log_dest stderr
log_type all
log_timestamp true
log_timestamp_format %H
connection_messages true
pid_file /tmp/p
retain_available true
upgrade_outgoing_qos false
persistent_client_expiration 1h
user nobody
set_tcp_nodelay false
sys_interval 10
queue_qos0_messages false
psk_file /etc/lampi/psk
port 1884
bind_address 127.0.0.1
listener 1883
socket_domain ipv4
protocol mqtt
max_connections 10
max_topic_alias 5
listener 8884
psk_hint lampi
)");
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_THAT(r.warnings, IsEmpty());
}

TEST(ConfigReader, LampiFlowOptionsHaveTheirDefaultsAndValues) {
    const Config defaults = parse("").config;
    EXPECT_EQ(defaults.max_publish_rate, 0u);
    EXPECT_EQ(defaults.memory_limit, 0u);
    EXPECT_EQ(defaults.response_information, "response/%c/");
    auto r = parse("max_publish_rate 50\nresponse_information rr/%c\n");
    ASSERT_TRUE(r.ok()) << r.errors[0];
    EXPECT_EQ(r.config.max_publish_rate, 50u);
    EXPECT_EQ(r.config.response_information, "rr/%c");
    EXPECT_EQ(parse("response_information none").config.response_information, "");
    EXPECT_FALSE(parse("max_publish_rate -1").ok());
    EXPECT_THAT(parse("response_information a/+/b").errors,
                ElementsAre("t.conf:1: invalid 'response_information' 'a/+/b' (expected a topic "
                            "prefix, with %c and %u, or none)"));
}

TEST(ConfigReader, RetryIntervalIsNoLongerAvailable) {
    auto r = parse("retry_interval 20");
    EXPECT_TRUE(r.ok());
    EXPECT_THAT(r.warnings, ElementsAre("t.conf:1: option 'retry_interval' is no longer "
                                        "available in Mosquitto 2 and is ignored"));
}

TEST(ConfigReader, PersistentClientExpirationTakesMosquittoUnits) {
    const std::pair<const char*, std::int64_t> cases[] = {
        {"30s", 30},    {"1h", 3600},    {"2d", 172800},
        {"1w", 604800}, {"1m", 2592000}, {"1y", 31536000},
    };
    for (const auto& [text, seconds] : cases) {
        auto r = parse(std::string("persistent_client_expiration ") + text);
        ASSERT_TRUE(r.ok()) << text;
        EXPECT_EQ(r.config.persistent_client_expiration, seconds) << text;
    }
    for (const char* bad : {"10", "h", "1x", "-1d", "0d", "1.5h"}) {
        EXPECT_FALSE(parse(std::string("persistent_client_expiration ") + bad).ok()) << bad;
    }
    EXPECT_THAT(parse("persistent_client_expiration 5q").errors,
                ElementsAre("t.conf:1: invalid 'persistent_client_expiration' duration '5q' "
                            "(expected a number followed by s, h, d, w, m or y)"));
}

TEST(ConfigReader, LogDestLinesAddUpAndNoneClears) {
    auto r = parse("log_dest stdout\nlog_dest file /var/log/my logs/lampi.log\nlog_dest syslog\n");
    ASSERT_TRUE(r.ok());
    EXPECT_THAT(r.config.log_dest,
                ElementsAre(LogDest{LogDestination::Stdout, ""},
                            LogDest{LogDestination::File, "/var/log/my logs/lampi.log"},
                            LogDest{LogDestination::Syslog, ""}));
    EXPECT_THAT(parse("log_dest stdout\nlog_dest none\n").config.log_dest, IsEmpty());
    EXPECT_THAT(parse("log_dest file /a\nlog_dest file /b\n").errors,
                ElementsAre("t.conf:2: only one 'log_dest file' may be given"));
    EXPECT_THAT(parse("log_dest file").errors,
                ElementsAre("t.conf:1: missing file name for 'log_dest file'"));
    EXPECT_THAT(parse("log_dest paper").errors,
                ElementsAre("t.conf:1: invalid 'log_dest' value 'paper' (expected stdout, "
                            "stderr, syslog, topic, dlt, file or none)"));
    EXPECT_TRUE(parse("log_dest topic").warnings.empty());
    EXPECT_TRUE(log_settings(parse("log_dest topic").config).to_topic);
    EXPECT_THAT(parse("log_dest dlt").warnings,
                ElementsAre("t.conf:1: option 'log_dest dlt' is not supported by lampi yet "
                            "and is ignored"));
}

TEST(ConfigReader, LogTypeLinesReplaceTheDefaultsThenAddUp) {
    auto r = parse("log_type error\nlog_type subscribe unsubscribe\n");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.config.log_type, static_cast<std::uint32_t>(LogType::Error) |
                                     static_cast<std::uint32_t>(LogType::Subscribe) |
                                     static_cast<std::uint32_t>(LogType::Unsubscribe));
    EXPECT_EQ(parse("log_type all").config.log_type, kLogAllTypes);
    EXPECT_EQ(parse("log_type all\nlog_type none").config.log_type, 0u);
    EXPECT_THAT(parse("log_type loud").errors,
                ElementsAre("t.conf:1: invalid 'log_type' value 'loud'"));
}

TEST(ConfigReader, LogSettingsFollowTheConfig) {
    auto r = parse("log_dest stdout\nlog_dest file /tmp/x.log\nlog_timestamp_format %H:%M\n");
    LogSettings s = log_settings(r.config);
    EXPECT_TRUE(s.to_stdout);
    EXPECT_FALSE(s.to_stderr);
    EXPECT_THAT(s.files, ElementsAre("/tmp/x.log"));
    EXPECT_EQ(s.timestamp_format, "%H:%M");
    EXPECT_TRUE(log_settings(parse("").config).to_stderr);
}

TEST(ConfigReader, MaxInflightMessagesFollowsMosquittoQuirks) {
    EXPECT_EQ(parse("max_inflight_messages 65535").config.max_inflight_messages, 0);
    EXPECT_EQ(parse("max_inflight_messages -5").config.max_inflight_messages, 0);
    EXPECT_FALSE(parse("max_inflight_messages 65536").ok());
    EXPECT_EQ(parse("max_queued_messages -1").config.max_queued_messages, 0);
}

TEST(ConfigReader, RetainedPersistenceIsASynonymOfPersistence) {
    // mosquitto.conf example: "retained_persistence is a synonym for this option".
    EXPECT_TRUE(parse("retained_persistence true").config.persistence);
    EXPECT_FALSE(parse("persistence true\nretained_persistence false").config.persistence);
}

TEST(ConfigReader, PerListenerSettingsMustComeBeforeSecurityOptions) {
    EXPECT_THAT(parse("allow_anonymous true\nper_listener_settings true\n").errors,
                ElementsAre("t.conf:2: per_listener_settings must be set before any other "
                            "security settings"));
}

TEST(ConfigReader, SecurityOptionsGoToTheListenerWithPerListenerSettings) {
    auto r = parse(
        "per_listener_settings true\nlistener 1883\nallow_anonymous true\n"
        "listener 1884\npassword_file /p\nallow_anonymous false\n");
    ASSERT_TRUE(r.ok()) << r.errors[0];
    const Config& c = r.config;
    ASSERT_EQ(c.listeners.size(), 2u);
    EXPECT_EQ(c.listeners[0].security.allow_anonymous, true);
    EXPECT_EQ(c.listeners[1].security.allow_anonymous, false);
    EXPECT_EQ(c.listeners[1].security.password_file, "/p");
    EXPECT_FALSE(c.security.allow_anonymous.has_value());
    EXPECT_EQ(&effective_security(c, c.listeners[1]), &c.listeners[1].security);
    auto global = parse("listener 1883\nallow_anonymous true\n");
    EXPECT_EQ(global.config.security.allow_anonymous, true);
    EXPECT_EQ(&effective_security(global.config, global.config.listeners[0]),
              &global.config.security);
}

TEST(ConfigReader, AuthOptionsNeedAPlugin) {
    EXPECT_THAT(parse("auth_opt_host x").errors,
                ElementsAre("t.conf:1: option 'auth_opt_host' must follow an 'auth_plugin' "
                            "line"));
    EXPECT_FALSE(parse("auth_opt_ x").ok());  // no key: unknown option
}

TEST(ConfigReader, RejectsMalformedUtf8InStrings) {
    EXPECT_THAT(parse("user \xff\xfe").errors,
                ElementsAre("t.conf:1: 'user' value is not valid UTF-8"));
}

TEST(ConfigReader, KnowsEveryOptionOfTheManPage) {
    // Every option in mosquitto.conf(5) (Mosquitto 2.0), given without its argument.
    const char* names[] = {
        "acl_file",
        "allow_anonymous",
        "allow_duplicate_messages",
        "allow_zero_length_clientid",
        "auth_opt_x",
        "auth_plugin",
        "auth_plugin_deny_special_chars",
        "auto_id_prefix",
        "autosave_interval",
        "autosave_on_changes",
        "check_retain_source",
        "clientid_prefixes",
        "connection_messages",
        "include_dir",
        "log_dest",
        "log_facility",
        "log_timestamp",
        "log_timestamp_format",
        "log_type",
        "max_inflight_bytes",
        "max_inflight_messages",
        "max_keepalive",
        "max_packet_size",
        "max_queued_bytes",
        "max_queued_messages",
        "memory_limit",
        "message_size_limit",
        "password_file",
        "per_listener_settings",
        "persistence",
        "persistence_file",
        "persistence_location",
        "persistent_client_expiration",
        "pid_file",
        "psk_file",
        "queue_qos0_messages",
        "retain_available",
        "set_tcp_nodelay",
        "sys_interval",
        "upgrade_outgoing_qos",
        "user",
        "bind_address",
        "bind_interface",
        "http_dir",
        "listener",
        "max_connections",
        "max_qos",
        "max_topic_alias",
        "mount_point",
        "port",
        "protocol",
        "socket_domain",
        "use_username_as_clientid",
        "websockets_log_level",
        "websockets_headers_size",
        "cafile",
        "capath",
        "certfile",
        "ciphers",
        "ciphers_tls1.3",
        "crlfile",
        "dhparamfile",
        "keyfile",
        "require_certificate",
        "tls_engine",
        "tls_engine_kpass_sha1",
        "tls_keyform",
        "tls_version",
        "use_identity_as_username",
        "use_subject_as_username",
        "psk_hint",
        "address",
        "addresses",
        "bridge_attempt_unsubscribe",
        "bridge_bind_address",
        "bridge_max_packet_size",
        "bridge_outgoing_retain",
        "bridge_protocol_version",
        "cleansession",
        "local_cleansession",
        "connection",
        "keepalive_interval",
        "idle_timeout",
        "local_clientid",
        "local_password",
        "local_username",
        "notifications",
        "notifications_local_only",
        "notification_topic",
        "remote_clientid",
        "remote_password",
        "remote_username",
        "restart_timeout",
        "round_robin",
        "start_type",
        "threshold",
        "topic",
        "try_private",
        "bridge_alpn",
        "bridge_cafile",
        "bridge_capath",
        "bridge_certfile",
        "bridge_identity",
        "bridge_insecure",
        "bridge_keyfile",
        "bridge_psk",
        "bridge_require_ocsp",
        "bridge_tls_version",
    };
    for (const char* name : names) {
        auto r = parse(std::string("connection b\nlistener 1\n") + name);
        for (const std::string& e : r.errors) {
            EXPECT_EQ(e.find("unknown option"), std::string::npos) << e;
        }
    }
}

TEST(ConfigReader, OptionTableHasOneRowPerName) {
    std::set<std::string_view> names;
    for (auto table :
         {detail::global_options(), detail::listener_options(), detail::bridge_options()}) {
        for (const detail::Option& o : table) EXPECT_TRUE(names.insert(o.name).second) << o.name;
    }
    EXPECT_GT(names.size(), 120u);
}

TEST(ConfigFile, MissingFileIsAnError) {
    auto r = read_config_file("/nonexistent/lampi.conf");
    EXPECT_THAT(r.errors, ElementsAre("/nonexistent/lampi.conf: cannot open config file: No "
                                      "such file or directory"));
}

TEST(ConfigFile, IncludeDirReadsConfFilesInMosquittoOrder) {
    TempDir dir;
    // The man page's example order: 00.conf 01.conf A.conf a.conf B.conf b.conf
    std::filesystem::create_directories(dir.path() + "/d");
    for (const auto& [name, port] :
         {std::pair{"b.conf", 2005}, std::pair{"A.conf", 2002}, std::pair{"01.conf", 2001},
          std::pair{"a.conf", 2003}, std::pair{"B.conf", 2004}, std::pair{"00.conf", 2000}}) {
        dir.write(std::string("d/") + name, "listener " + std::to_string(port) + "\n");
    }
    dir.write("d/notes.txt", "garbage\n");
    dir.write("d/.conf", "garbage\n");
    const std::string main = dir.write("main.conf", "include_dir " + dir.path() + "/d\n");
    auto r = read_config_file(main);
    ASSERT_TRUE(r.ok()) << r.errors[0];
    ASSERT_EQ(r.config.listeners.size(), 6u);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(r.config.listeners[i].port, 2000 + i);
    EXPECT_EQ(r.config.listeners[2].origin, dir.path() + "/d/A.conf:1");
    EXPECT_THAT(r.config.include_dir, ElementsAre(dir.path() + "/d"));
}

TEST(ConfigFile, ErrorsInIncludedFilesNameThatFile) {
    TempDir dir;
    std::filesystem::create_directories(dir.path() + "/d");
    dir.write("d/x.conf", "# x\nbogus 1\n");
    dir.write("d/y.conf", "include_dir /tmp\ntopic a\n");
    const std::string main =
        dir.write("main.conf", "connection c\ninclude_dir " + dir.path() + "/d\nbad 2\n");
    auto r = read_config_file(main);
    EXPECT_THAT(
        r.errors,
        ElementsAre(dir.path() + "/d/x.conf:2: unknown option 'bogus'",
                    dir.path() + "/d/y.conf:1: include_dir is only valid in the main "
                                 "configuration file",
                    // Mosquitto starts each file with no current bridge.
                    dir.path() + "/d/y.conf:2: option 'topic' must follow a "
                                 "'connection' line",
                    main + ":3: unknown option 'bad'", main + ":1: bridge 'c': no 'address' given",
                    main + ":1: bridge 'c': no 'topic' lines given"));
}

TEST(ConfigFile, MissingIncludeDirIsAnError) {
    auto r = parse("include_dir /nonexistent/conf.d");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].rfind("t.conf:1: cannot open include_dir '/nonexistent/conf.d': ", 0),
              0u);
}

TEST(ConfigFile, SampleConfigsReadCleanly) {
    for (const char* name : {"mosquitto-default.conf", "lampi-edge.conf", "lampi-cloud.conf"}) {
        auto r = read_config_file(std::string(LAMPI_CONFIG_TEST_DATA) + "/" + name);
        EXPECT_TRUE(r.ok()) << name << ": " << (r.errors.empty() ? "" : r.errors[0]);
    }
}

}  // namespace
}  // namespace lampi::config
