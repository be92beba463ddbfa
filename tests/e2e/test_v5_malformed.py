"""MQTT 5.0 malformed packets and protocol errors in properties (2.2.2.2, 4.13): the offending
connection gets DISCONNECT (or CONNACK) with the right reason code, or is simply closed; other
clients are unaffected."""
import pytest

from testing import raw5 as r
from testing.paho5 import c5, paho5  # noqa: F401  (fixtures)

UNKNOWN_PROPERTY = b"\x02\x7f\x00"  # property list of 2 bytes: identifier 0x7F (unassigned)


@pytest.fixture
def bystander(broker, paho5):
    sub = paho5(broker.port, "bystander")
    sub.subscribe("alive/t", 1)
    pub = paho5(broker.port, "bystander-pub")

    def still_works(tag: bytes):
        pub.publish("alive/t", tag, 1)
        assert [x.payload for x in sub.collect(1)] == [tag]
    return still_works


def assert_disconnected(c, expected):
    """Closed, and any DISCONNECT sent first carries one of the `expected` reason codes."""
    state, got = c.outcome(3)
    assert state == "closed", f"connection left open; got {got}"
    discs = [p for p in got if p.type == r.DISCONNECT]
    assert all(p.reason in expected for p in discs), \
        f"expected DISCONNECT {[hex(e) for e in expected]} (or a plain close), got {discs}"


def assert_connect_refused(c, expected):
    state, got = c.outcome(5)
    assert state == "closed", f"connection left open; got {got}"
    assert all(p.type == r.CONNACK and p.reason in expected for p in got), \
        f"expected CONNACK {[hex(e) for e in expected]} (or a plain close), got {got}"


def connected(c5, port, cid):
    c = c5(port)
    assert c.connect5(cid).reason == 0
    return c


def test_unknown_property_in_publish_is_malformed(broker, c5, bystander):
    c = connected(c5, broker.port, "unknown")
    c.send(r.publish("alive/t", b"never", 1, raw_props=UNKNOWN_PROPERTY))
    assert_disconnected(c, (r.MALFORMED_PACKET,))
    bystander(b"after unknown property")


def test_unknown_property_in_connect_is_malformed(broker, c5, bystander):
    c = c5(broker.port)
    c.send(r.connect("unknown", raw_props=UNKNOWN_PROPERTY))
    assert_connect_refused(c, (r.MALFORMED_PACKET,))
    bystander(b"after unknown connect property")


def test_duplicated_property_in_publish_is_a_protocol_error(broker, c5, bystander):
    c = connected(c5, broker.port, "dup")
    c.send(r.publish("alive/t", b"never", 1,
                     props=[(r.MESSAGE_EXPIRY, 10), (r.MESSAGE_EXPIRY, 20)]))
    assert_disconnected(c, (r.PROTOCOL_ERROR,))
    bystander(b"after duplicated property")


def test_duplicated_content_type_in_publish_is_a_protocol_error(broker, c5, bystander):
    c = connected(c5, broker.port, "dupct")
    c.send(r.publish("alive/t", b"never", 0,
                     props=[(r.CONTENT_TYPE, "a"), (r.CONTENT_TYPE, "b")]))
    assert_disconnected(c, (r.PROTOCOL_ERROR,))
    bystander(b"after duplicated content type")


def test_duplicated_property_in_connect_is_a_protocol_error(broker, c5, bystander):
    c = c5(broker.port)
    c.send(r.connect("dup", props=[(r.SESSION_EXPIRY, 1), (r.SESSION_EXPIRY, 2)]))
    assert_connect_refused(c, (r.PROTOCOL_ERROR,))
    bystander(b"after duplicated connect property")


def test_repeated_user_property_is_allowed(broker, c5, paho5):
    sub = paho5(broker.port, "sub")
    sub.subscribe("up/t", 1)
    c = connected(c5, broker.port, "pub")
    ack = c.publish5("up/t", b"ok", 1, props=[(r.USER_PROPERTY, ("k", "1")),
                                               (r.USER_PROPERTY, ("k", "2"))])
    assert ack.reason == r.SUCCESS
    got = sub.collect(1)
    assert [x.payload for x in got] == [b"ok"]
    assert got[0].properties.UserProperty == [("k", "1"), ("k", "2")]


# 2.2.2.2: an identifier not valid for the packet type makes the packet Malformed; some brokers
# report it as a Protocol Error. Either reason code is accepted, nothing else.
def test_property_not_allowed_in_publish_closes_the_connection(broker, c5, bystander):
    c = connected(c5, broker.port, "misplaced")
    c.send(r.publish("alive/t", b"never", 1, props=[(r.SESSION_EXPIRY, 10)]))
    assert_disconnected(c, (r.MALFORMED_PACKET, r.PROTOCOL_ERROR))
    bystander(b"after session expiry in publish")


def test_property_not_allowed_in_connect_refuses_the_connection(broker, c5, bystander):
    c = c5(broker.port)
    c.send(r.connect("misplaced", props=[(r.TOPIC_ALIAS, 1)]))
    assert_connect_refused(c, (r.MALFORMED_PACKET, r.PROTOCOL_ERROR))
    bystander(b"after topic alias in connect")


def test_property_not_allowed_in_subscribe_closes_the_connection(broker, c5, bystander):
    c = connected(c5, broker.port, "misplaced-sub")
    c.send(r.subscribe(1, [("x/t", 1)], props=[(r.MESSAGE_EXPIRY, 5)]))
    assert_disconnected(c, (r.MALFORMED_PACKET, r.PROTOCOL_ERROR))
    bystander(b"after message expiry in subscribe")


@pytest.mark.spec_only("Mosquitto 2.0.11 accepts a Subscription Identifier in a client PUBLISH")
def test_subscription_identifier_in_client_publish_is_a_protocol_error(broker, c5, bystander):
    c = connected(c5, broker.port, "subid-pub")
    c.send(r.publish("alive/t", b"never", 1, props=[(r.SUBSCRIPTION_ID, 1)]))  # 3.3.4-6
    assert_disconnected(c, (r.PROTOCOL_ERROR, r.MALFORMED_PACKET))
    bystander(b"after subscription id in publish")


def test_property_length_beyond_the_packet_is_malformed(broker, c5, bystander):
    c = connected(c5, broker.port, "overlong")
    # Property length 50 in a PUBLISH whose remaining length leaves only 3 bytes after it.
    c.send(r.publish("alive/t", b"", 0, raw_props=b"\x32\x01\x01"))
    assert_disconnected(c, (r.MALFORMED_PACKET,))
    bystander(b"after overlong property length")


def test_reserved_subscription_option_bits_are_malformed(broker, c5, bystander):
    c = connected(c5, broker.port, "reserved")
    c.send(r.subscribe(1, [("x/t", 0xC1)]))  # 3.8.3.1: bits 6-7 reserved
    assert_disconnected(c, (r.MALFORMED_PACKET,))
    bystander(b"after reserved option bits")


def test_retain_handling_3_is_a_protocol_error(broker, c5, bystander):
    c = connected(c5, broker.port, "rh3")
    c.send(r.subscribe(1, [("x/t", 0x31)]))
    assert_disconnected(c, (r.PROTOCOL_ERROR, r.MALFORMED_PACKET))
    bystander(b"after retain handling 3")


def test_subscription_identifier_0_is_a_protocol_error(broker, c5, bystander):
    c = connected(c5, broker.port, "subid0")
    c.send(r.subscribe(1, [("x/t", 1)], props=[(r.SUBSCRIPTION_ID, 0)]))
    assert_disconnected(c, (r.PROTOCOL_ERROR, r.MALFORMED_PACKET))
    bystander(b"after subscription id 0")


@pytest.mark.spec_only("Mosquitto 2.0.11 grants No Local on a shared subscription")
def test_no_local_on_a_shared_subscription_is_a_protocol_error(broker, c5, bystander):
    c = connected(c5, broker.port, "shared-nl")
    c.send(r.subscribe(1, [("$share/g/x", r.sub_options(1, no_local=True))]))  # 3.8.3-4
    assert_disconnected(c, (r.PROTOCOL_ERROR,))
    bystander(b"after no local on shared")
