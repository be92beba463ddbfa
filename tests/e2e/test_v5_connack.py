"""MQTT 5.0 CONNACK: properties that reflect the broker's configuration (3.2.2.3), assigned client
identifiers, and CONNECT values the server must refuse (enhanced auth, protocol errors)."""

from testing import raw5 as r
from testing.paho5 import c5  # noqa: F401  (fixture)


def connack(c5, port, client_id="cid", **kw):
    ack = c5(port).connect5(client_id, **kw)
    assert ack.reason == r.SUCCESS, ack
    return ack


def test_connack_topic_alias_maximum_reflects_max_topic_alias(make_broker, c5):
    b = make_broker(["max_topic_alias 3"])
    assert connack(c5, b.port).props.get(r.TOPIC_ALIAS_MAXIMUM) == 3


def test_connack_receive_maximum_reflects_max_inflight_messages(make_broker, c5):
    b = make_broker(["max_inflight_messages 7"])
    assert connack(c5, b.port).props.get(r.RECEIVE_MAXIMUM) == 7


def test_connack_retain_available_is_0_when_retain_available_false(make_broker, c5):
    b = make_broker(["retain_available false"])
    assert connack(c5, b.port).props.get(r.RETAIN_AVAILABLE) == 0


def test_connack_maximum_packet_size_reflects_max_packet_size(make_broker, c5):
    b = make_broker(["max_packet_size 1000"])
    assert connack(c5, b.port).props.get(r.MAXIMUM_PACKET_SIZE) == 1000


def test_connack_maximum_qos_reflects_max_qos(make_broker, c5):
    b = make_broker(["max_qos 1"])
    assert connack(c5, b.port).props.get(r.MAXIMUM_QOS) == 1


def test_connack_server_keep_alive_when_max_keepalive_is_lower_than_the_clients(make_broker, c5):
    b = make_broker(["max_keepalive 10"])
    assert connack(c5, b.port, keepalive=60).props.get(r.SERVER_KEEP_ALIVE) == 10


def test_connack_keep_alive_within_max_keepalive_is_accepted_as_is(make_broker, c5):
    b = make_broker(["max_keepalive 10"])
    # 3.2.2.3.14: absent means the client's own Keep Alive applies.
    assert connack(c5, b.port, keepalive=5).props.get(r.SERVER_KEEP_ALIVE, 5) == 5


def test_connack_default_config_announces_no_restrictions(broker, c5):
    p = connack(c5, broker.port).props
    # Absent means available (3.2.2.3.5, 3.2.2.3.11-13); when present the value must be 1.
    for pid in (r.RETAIN_AVAILABLE, r.WILDCARD_SUB_AVAILABLE, r.SUB_ID_AVAILABLE,
                r.SHARED_SUB_AVAILABLE):
        assert p.get(pid, 1) == 1, (hex(pid), p)
    assert r.MAXIMUM_QOS not in p  # absent = QoS 2 supported
    assert r.MAXIMUM_PACKET_SIZE not in p
    assert p.get(r.RECEIVE_MAXIMUM, 65535) > 0
    assert r.ASSIGNED_CLIENT_ID not in p  # the client chose its id


def test_connack_assigns_a_client_identifier_for_an_empty_one(broker, c5):
    a = connack(c5, broker.port, "").props.get(r.ASSIGNED_CLIENT_ID)
    b = connack(c5, broker.port, "").props.get(r.ASSIGNED_CLIENT_ID)
    assert a and b and a != b


def test_assigned_client_identifier_names_a_working_session(broker, c5):
    c = c5(broker.port)
    ack = c.connect5("", clean=True, props=[(r.SESSION_EXPIRY, 60)])
    cid = ack.props.get(r.ASSIGNED_CLIENT_ID)
    assert cid
    c.subscribe5("assigned/t")
    c.send(r.disconnect())
    assert c.wait_closed()
    again = c5(broker.port)
    ack = again.connect5(cid, clean=False)
    assert ack.session_present, "session of the assigned client id was not kept"


def test_connect_with_unsupported_authentication_method_gets_connack_0x8c(broker, c5):
    c = c5(broker.port)
    c.send(r.connect("auth", props=[(r.AUTH_METHOD, "SCRAM-SHA-1"), (r.AUTH_DATA, b"n,,n=u")]))
    state, got = c.outcome(5)
    assert [(p.type, p.reason) for p in got] == [(r.CONNACK, r.BAD_AUTH_METHOD)]
    assert state == "closed"


def refused_connect(c5, port, expected, **kw):
    """3.1.4: on a malformed or protocol-error CONNECT the server MAY send a CONNACK with a reason
    code >= 0x80, then MUST close the connection."""
    c = c5(port)
    c.send(r.connect("bad", **kw))
    state, got = c.outcome(5)
    assert state == "closed", got
    assert all(p.type == r.CONNACK and p.reason in expected for p in got), got


def test_connect_with_receive_maximum_0_is_a_protocol_error(broker, c5):
    refused_connect(c5, broker.port, (r.PROTOCOL_ERROR,), props=[(r.RECEIVE_MAXIMUM, 0)])


def test_connect_with_maximum_packet_size_0_is_a_protocol_error(broker, c5):
    refused_connect(c5, broker.port, (r.PROTOCOL_ERROR,), props=[(r.MAXIMUM_PACKET_SIZE, 0)])
