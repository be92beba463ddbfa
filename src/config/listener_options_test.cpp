#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_reader.h"
#include "config/test_util.h"

namespace lampi::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using testing::parse;

TEST(ListenerOptions, ListenerLineForms) {
    auto r = parse("listener 1883\nlistener 8883 127.0.0.1\nlistener 0 /run/lampi.sock\n");
    ASSERT_TRUE(r.ok()) << r.errors[0];
    const auto& l = r.config.listeners;
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[0].port, 1883);
    EXPECT_EQ(l[0].bind_address, "");
    EXPECT_EQ(l[0].origin, "t.conf:1");
    EXPECT_FALSE(l[0].is_default_listener);
    EXPECT_EQ(l[1].port, 8883);
    EXPECT_EQ(l[1].bind_address, "127.0.0.1");
    EXPECT_EQ(l[2].port, 0);
    EXPECT_EQ(l[2].unix_socket_path, "/run/lampi.sock");
    EXPECT_FALSE(r.config.local_only);
}

TEST(ListenerOptions, RejectsBadListenerLines) {
    EXPECT_THAT(parse("listener 0").errors,
                ElementsAre("t.conf:1: a listener with port 0 must give a unix socket path"));
    EXPECT_THAT(parse("listener 65536").errors,
                ElementsAre("t.conf:1: 'listener' value 65536 is out of range (0..65535)"));
    EXPECT_THAT(parse("listener").errors, ElementsAre("t.conf:1: missing argument for 'listener'"));
    EXPECT_THAT(parse("listener 1 a b").errors,
                ElementsAre("t.conf:1: too many arguments for 'listener'"));
    EXPECT_THAT(parse("listener 1883 # plain MQTT").errors, IsEmpty());
}

TEST(ListenerOptions, ParsesEveryListenerOption) {
    auto r = parse(R"(listener 8883 0.0.0.0
bind_interface eth0
cafile /ca.pem
capath /certs
certfile /server.pem
keyfile /server.key
crlfile /crl.pem
ciphers ECDHE-RSA-AES256-GCM-SHA384
ciphers_tls1.3 TLS_AES_256_GCM_SHA384
dhparamfile /dh.pem
tls_version tlsv1.2
tls_engine pkcs11
tls_engine_kpass_sha1 0123456789abcdef
tls_keyform engine
require_certificate true
use_identity_as_username true
use_subject_as_username true
use_username_as_clientid true
max_connections 100
max_qos 1
max_topic_alias 0
mount_point tenant/a/
http_dir /var/www
socket_domain ipv6
protocol mqtt
listener 8884
psk_hint lampi
)");
    ASSERT_TRUE(r.ok()) << r.errors[0];
    ASSERT_EQ(r.config.listeners.size(), 2u);
    const Listener& l = r.config.listeners[0];
    EXPECT_EQ(l.bind_interface, "eth0");
    EXPECT_EQ(l.cafile, "/ca.pem");
    EXPECT_EQ(l.capath, "/certs");
    EXPECT_EQ(l.certfile, "/server.pem");
    EXPECT_EQ(l.keyfile, "/server.key");
    EXPECT_EQ(l.crlfile, "/crl.pem");
    EXPECT_EQ(l.ciphers, "ECDHE-RSA-AES256-GCM-SHA384");
    EXPECT_EQ(l.ciphers_tls13, "TLS_AES_256_GCM_SHA384");
    EXPECT_EQ(l.dhparamfile, "/dh.pem");
    EXPECT_EQ(l.tls_version, "tlsv1.2");
    EXPECT_EQ(l.tls_engine, "pkcs11");
    EXPECT_EQ(l.tls_engine_kpass_sha1, "0123456789abcdef");
    EXPECT_EQ(l.tls_keyform, "engine");
    EXPECT_TRUE(l.require_certificate);
    EXPECT_TRUE(l.use_identity_as_username);
    EXPECT_TRUE(l.use_subject_as_username);
    EXPECT_TRUE(l.use_username_as_clientid);
    EXPECT_EQ(l.max_connections, 100);
    EXPECT_EQ(l.max_qos, 1);
    EXPECT_EQ(l.max_topic_alias, 0);
    EXPECT_EQ(l.mount_point, "tenant/a/");
    EXPECT_EQ(l.http_dir, "/var/www");
    EXPECT_EQ(l.socket_domain, SocketDomain::IPv6);
    EXPECT_EQ(l.protocol, ListenerProtocol::Mqtt);
    EXPECT_EQ(r.config.listeners[1].psk_hint, "lampi");
    EXPECT_EQ(r.config.listeners[1].certfile, "");
}

TEST(ListenerOptions, ApplyToTheMostRecentListener) {
    auto r = parse(
        "listener 1883\nmax_connections 5\nlistener 1884\nmax_connections -7\n"
        "socket_domain ipv4\n");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.config.listeners[0].max_connections, 5);
    EXPECT_EQ(r.config.listeners[0].socket_domain, SocketDomain::Any);
    EXPECT_EQ(r.config.listeners[1].max_connections, -1);
    EXPECT_EQ(r.config.listeners[1].socket_domain, SocketDomain::IPv4);
}

TEST(ListenerOptions, PortAndBindAddressConfigureTheDefaultListener) {
    auto r = parse("port 1884\nbind_address 127.0.0.1\nlistener 9001\n");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r.config.listeners.size(), 2u);
    const Listener& d = r.config.listeners[0];
    EXPECT_TRUE(d.is_default_listener);
    EXPECT_EQ(d.port, 1884);
    EXPECT_EQ(d.bind_address, "127.0.0.1");
    EXPECT_EQ(d.origin, "t.conf:1");
    EXPECT_EQ(r.config.listeners[1].port, 9001);
    EXPECT_THAT(r.warnings, IsEmpty());
    EXPECT_FALSE(parse("port 0").ok());
}

TEST(ListenerOptions, OptionBeforeAnyListenerCreatesTheDefaultListenerWithAWarning) {
    auto r = parse("max_connections 10\nlistener 8883\n");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r.config.listeners.size(), 2u);
    EXPECT_TRUE(r.config.listeners[0].is_default_listener);
    EXPECT_EQ(r.config.listeners[0].port, 1883);
    EXPECT_EQ(r.config.listeners[0].max_connections, 10);
    EXPECT_THAT(r.warnings, ElementsAre("t.conf:1: option 'max_connections' before any "
                                        "'listener' line creates a default listener on port "
                                        "1883"));
}

TEST(ListenerOptions, DefaultValuesBeforeAnyListenerDoNotCreateTheDefaultListener) {
    auto r = parse("max_connections -1\nprotocol mqtt\nlistener 1883\n");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r.config.listeners.size(), 1u);
    EXPECT_FALSE(r.config.listeners[0].is_default_listener);
}

TEST(ListenerOptions, WebsocketsIsAProtocol) {
    auto r = parse("listener 9001\nprotocol websockets\n");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.config.listeners[0].protocol, ListenerProtocol::Websockets);
    EXPECT_TRUE(r.warnings.empty());
    EXPECT_THAT(parse("listener 1\nprotocol mqttsn").errors,
                ElementsAre("t.conf:2: invalid 'protocol' value 'mqttsn' (expected mqtt or "
                            "websockets)"));
}

TEST(ListenerOptions, SocketDomainIsIpv4OrIpv6) {
    EXPECT_THAT(parse("listener 1\nsocket_domain any").errors,
                ElementsAre("t.conf:2: invalid 'socket_domain' value 'any' (expected ipv4 or "
                            "ipv6)"));
}

TEST(ListenerOptions, ListenerOnlyOptionsNeedAListener) {
    EXPECT_THAT(parse("listener_allow_anonymous true").errors,
                ElementsAre("t.conf:1: option 'listener_allow_anonymous' must follow a "
                            "'listener' line"));
    auto r = parse("listener 1\nlistener_allow_anonymous true\nlistener_auto_id_prefix p-\n");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.config.listeners[0].security.allow_anonymous, true);
    EXPECT_EQ(r.config.listeners[0].security.auto_id_prefix, "p-");
}

TEST(ListenerOptions, TlsNeedsCertfileAndKeyfileTogether) {
    EXPECT_THAT(parse("listener 8883\ncertfile /c.pem\n").errors,
                ElementsAre("t.conf:1: both certfile and keyfile must be given to enable TLS "
                            "on a listener"));
    EXPECT_THAT(parse("listener 8883\ncafile /ca.pem\n").errors,
                ElementsAre("t.conf:1: cafile/capath given without certfile and keyfile"));
    EXPECT_THAT(parse("listener 8883\ncertfile /c\nkeyfile /k\npsk_hint h\n").errors,
                ElementsAre("t.conf:1: cannot use both certificate and psk encryption on one "
                            "listener"));
}

TEST(ListenerOptions, PskOnWebsocketsIsIgnoredWithAWarning) {
    auto r = parse("listener 9001\nprotocol websockets\npsk_hint h\n");
    ASSERT_TRUE(r.ok());
    EXPECT_THAT(r.warnings, ElementsAre("t.conf:1: psk_hint is ignored on a websockets listener "
                                        "(as in Mosquitto)"));
}

TEST(ListenerOptions, SameListenerTwiceIsAnError) {
    EXPECT_THAT(parse("listener 1883\nlistener 1884\nlistener 1883\n").errors,
                ElementsAre("t.conf:3: listener defined twice (first at t.conf:1)"));
}

TEST(ListenerOptions, MountPointMustNotHaveWildcards) {
    EXPECT_THAT(parse("listener 1\nmount_point a/+/").errors,
                ElementsAre("t.conf:2: invalid 'mount_point' value 'a/+/' (wildcards are not "
                            "allowed)"));
}

TEST(ListenerOptions, TlsVersionIsOneOfMosquittos) {
    EXPECT_THAT(parse("listener 1\ntls_version tlsv1.0").errors,
                ElementsAre("t.conf:2: invalid 'tls_version' value 'tlsv1.0' (expected "
                            "tlsv1.3, tlsv1.2 or tlsv1.1)"));
}

TEST(Defaults, NoListenerMeansLocalhostOnlyWithAnonymousClients) {
    Config c = parse("sys_interval 5").config;
    apply_defaults(c);
    ASSERT_EQ(c.listeners.size(), 2u);
    EXPECT_EQ(c.listeners[0].bind_address, "127.0.0.1");
    EXPECT_EQ(c.listeners[0].socket_domain, SocketDomain::IPv4);
    EXPECT_EQ(c.listeners[1].bind_address, "::1");
    EXPECT_EQ(c.listeners[1].socket_domain, SocketDomain::IPv6);
    for (const Listener& l : c.listeners) {
        EXPECT_EQ(l.port, 1883);
        EXPECT_TRUE(l.is_default_listener);
    }
    EXPECT_EQ(c.security.allow_anonymous, true);
}

TEST(Defaults, ConfiguredListenerMeansNoAnonymousClients) {
    Config c = parse("listener 1883").config;
    apply_defaults(c);
    ASSERT_EQ(c.listeners.size(), 1u);
    EXPECT_EQ(c.security.allow_anonymous, false);
    EXPECT_EQ(c.listeners[0].security.allow_anonymous, false);

    Config port_only = parse("port 1883").config;
    apply_defaults(port_only);
    EXPECT_EQ(port_only.security.allow_anonymous, false);
    ASSERT_EQ(port_only.listeners.size(), 1u);
    EXPECT_EQ(port_only.listeners[0].bind_address, "");
}

TEST(Defaults, ExplicitAllowAnonymousIsKept) {
    Config c = parse("listener 1883\nallow_anonymous true\n").config;
    apply_defaults(c);
    EXPECT_EQ(c.security.allow_anonymous, true);
    Config local = parse("allow_anonymous false").config;
    apply_defaults(local);
    EXPECT_EQ(local.security.allow_anonymous, false);
    EXPECT_EQ(local.listeners.size(), 2u);
}

TEST(Defaults, PerListenerAllowAnonymousDefaultsToFalse) {
    Config c = parse(
                   "per_listener_settings true\nlistener 1\nallow_anonymous true\n"
                   "listener 2\n")
                   .config;
    apply_defaults(c);
    EXPECT_EQ(c.listeners[0].security.allow_anonymous, true);
    EXPECT_EQ(c.listeners[1].security.allow_anonymous, false);
}

TEST(Defaults, CommandLinePortsListenOnLoopbackOnly) {
    Config c = parse("").config;
    EXPECT_THAT(apply_command_line_ports(c, {1884, 1885}), IsEmpty());
    apply_defaults(c);
    ASSERT_EQ(c.listeners.size(), 4u);
    EXPECT_EQ(c.listeners[0].port, 1884);
    EXPECT_EQ(c.listeners[0].bind_address, "127.0.0.1");
    EXPECT_EQ(c.listeners[1].port, 1884);
    EXPECT_EQ(c.listeners[1].bind_address, "::1");
    EXPECT_EQ(c.listeners[3].port, 1885);
    EXPECT_EQ(c.security.allow_anonymous, true);
}

TEST(Defaults, CommandLinePortsAreIgnoredWhenTheFileHasListeners) {
    Config c = parse("listener 1883").config;
    EXPECT_THAT(apply_command_line_ports(c, {1884}),
                ElementsAre("-p is ignored because the configuration file defines listeners"));
    ASSERT_EQ(c.listeners.size(), 1u);
    EXPECT_EQ(c.listeners[0].port, 1883);
}

}  // namespace
}  // namespace lampi::config
