"""MQTT 5.0 topic aliases from the client (3.3.2.3.4), Receive Maximum flow control (4.9) and
the client's Maximum Packet Size (3.1.2.11.4)."""
import pytest

from testing import raw5 as r
from testing.paho5 import c5  # noqa: F401  (fixture)


def client(c5, port, cid, **kw):
    c = c5(port)
    ack = c.connect5(cid, **kw)
    assert ack.reason == 0
    return c


def subscriber(c5, port, cid="sub", topic="fl/#", qos=1, **kw):
    s = client(c5, port, cid, **kw)
    s.subscribe5([(topic, qos)])
    return s


def test_topic_alias_set_then_used_with_an_empty_topic(broker, c5):
    s = subscriber(c5, broker.port)
    p = client(c5, broker.port, "aliaser")
    p.publish5("fl/alias", b"first", 1, props=[(r.TOPIC_ALIAS, 1)])
    p.publish5("", b"second", 1, pid=2, props=[(r.TOPIC_ALIAS, 1)])
    got = s.publishes(2)
    assert [(x.topic, x.payload) for x in got] == [("fl/alias", b"first"), ("fl/alias", b"second")]


def test_topic_alias_can_be_remapped(broker, c5):
    s = subscriber(c5, broker.port)
    p = client(c5, broker.port, "remapper")
    p.publish5("fl/one", b"1", 1, props=[(r.TOPIC_ALIAS, 2)])
    p.publish5("fl/two", b"2", 1, pid=2, props=[(r.TOPIC_ALIAS, 2)])
    p.publish5("", b"3", 1, pid=3, props=[(r.TOPIC_ALIAS, 2)])
    got = s.publishes(3)
    assert [(x.topic, x.payload) for x in got] == [("fl/one", b"1"), ("fl/two", b"2"),
                                                   ("fl/two", b"3")]


def test_subscriber_without_topic_alias_maximum_gets_full_topics(broker, c5):
    s = subscriber(c5, broker.port)  # no Topic Alias Maximum: the server must not use aliases
    p = client(c5, broker.port, "aliaser")
    p.publish5("fl/full", b"a", 1, props=[(r.TOPIC_ALIAS, 1)])
    p.publish5("", b"b", 1, pid=2, props=[(r.TOPIC_ALIAS, 1)])
    for x in s.publishes(2):
        assert x.topic == "fl/full" and r.TOPIC_ALIAS not in x.props, x


def test_topic_alias_above_the_maximum_gets_disconnect_0x94(make_broker, c5):
    b = make_broker(["max_topic_alias 3"])
    p = client(c5, b.port, "too-high")
    p.send(r.publish("fl/t", b"x", 1, props=[(r.TOPIC_ALIAS, 4)]))
    state, got = p.outcome(5)
    assert state == "closed" and [(x.type, x.reason) for x in got] == \
        [(r.DISCONNECT, r.TOPIC_ALIAS_INVALID)], got


def test_topic_alias_above_default_maximum_gets_disconnect_0x94(broker, c5):
    p = c5(broker.port)
    tam = p.connect5("too-high").props.get(r.TOPIC_ALIAS_MAXIMUM, 0)
    p.send(r.publish("fl/t", b"x", 1, props=[(r.TOPIC_ALIAS, tam + 1)]))
    state, got = p.outcome(5)
    assert state == "closed" and [(x.type, x.reason) for x in got] == \
        [(r.DISCONNECT, r.TOPIC_ALIAS_INVALID)], got


@pytest.mark.spec_only("Mosquitto 2.0.11 answers Topic Alias 0 with DISCONNECT 0x81, not 0x94")
def test_topic_alias_0_gets_disconnect_0x94(broker, c5):
    p = client(c5, broker.port, "zero")
    p.send(r.publish("fl/t", b"x", 1, props=[(r.TOPIC_ALIAS, 0)]))
    state, got = p.outcome(5)
    assert state == "closed" and [(x.type, x.reason) for x in got] == \
        [(r.DISCONNECT, r.TOPIC_ALIAS_INVALID)], got


def test_empty_topic_with_an_unknown_alias_is_a_protocol_error(broker, c5):
    p = client(c5, broker.port, "unknown-alias")
    p.send(r.publish("", b"x", 1, props=[(r.TOPIC_ALIAS, 2)]))
    state, got = p.outcome(5)
    assert state == "closed"
    assert all(x.type == r.DISCONNECT and x.reason == r.PROTOCOL_ERROR for x in got), got


def test_aliases_are_per_connection(broker, c5):
    s = subscriber(c5, broker.port)
    a = client(c5, broker.port, "a")
    a.publish5("fl/a", b"1", 1, props=[(r.TOPIC_ALIAS, 1)])
    b = client(c5, broker.port, "b")
    b.send(r.publish("", b"2", 1, props=[(r.TOPIC_ALIAS, 1)]))  # alias 1 unknown on b
    state, _ = b.outcome(3)
    assert state == "closed"
    assert [x.payload for x in s.publishes(1, quiet=0.3)] == [b"1"]


def slow_subscriber_with_backlog(c5, port, receive_maximum=2, n=5):
    s = subscriber(c5, port, "slow", "fl/q", props=[(r.RECEIVE_MAXIMUM, receive_maximum)])
    p = client(c5, port, "fast")
    for i in range(n):
        p.publish5("fl/q", str(i).encode(), 1, pid=i + 1)
    return s


def test_receive_maximum_limits_unacknowledged_qos1_messages(broker, c5):
    s = slow_subscriber_with_backlog(c5, broker.port)
    first = s.publishes(5, timeout=1.0, ack=False)
    assert [x.payload for x in first] == [b"0", b"1"], first
    for x in first:
        s.send(r.puback(x.packet_id))
    assert [x.payload for x in s.publishes(3)] == [b"2", b"3", b"4"]


@pytest.mark.spec_only("Mosquitto 2.0.11 sends two more messages when one of two in flight is "
                       "acknowledged (3 unacknowledged with Receive Maximum 2)")
def test_acknowledging_one_message_releases_exactly_one_more(broker, c5):
    s = slow_subscriber_with_backlog(c5, broker.port)
    first = s.publishes(2, ack=False)
    assert [x.payload for x in first] == [b"0", b"1"], first
    s.send(r.puback(first[0].packet_id))
    nxt = s.publishes(5, timeout=1.0, ack=False)
    assert [x.payload for x in nxt] == [b"2"], nxt


def test_receive_maximum_applies_to_qos2_until_pubcomp(broker, c5):
    s = subscriber(c5, broker.port, "slow2", "fl/q2", 2, props=[(r.RECEIVE_MAXIMUM, 1)])
    p = client(c5, broker.port, "fast2")
    for i in range(3):
        p.publish5("fl/q2", str(i).encode(), 2, pid=i + 1)
    first = s.publishes(3, timeout=1.0, ack=False)
    assert [(x.payload, x.qos) for x in first] == [(b"0", 2)], first
    s.send(r.pubrec(first[0].packet_id))
    rel = s.expect5(r.PUBREL)
    assert s.publishes(1, timeout=0.5, ack=False) == [], "sent before PUBCOMP"
    s.send(r.pubcomp(rel.packet_id))
    assert [x.payload for x in s.publishes(1, ack=False)] == [b"1"]


def test_qos0_messages_are_not_limited_by_receive_maximum(broker, c5):
    s = subscriber(c5, broker.port, "qos0", "fl/z", 0, props=[(r.RECEIVE_MAXIMUM, 1)])
    p = client(c5, broker.port, "fast0")
    for i in range(5):
        p.publish5("fl/z", str(i).encode(), 0)
    assert len(s.publishes(5, ack=False)) == 5


def test_clients_maximum_packet_size_is_respected(broker, c5):
    s = subscriber(c5, broker.port, "small", props=[(r.MAXIMUM_PACKET_SIZE, 128)])
    p = client(c5, broker.port, "big-pub")
    p.publish5("fl/m", b"x" * 500, 1)
    p.publish5("fl/m", b"small", 1, pid=2)
    got = s.publishes(1, quiet=0.5)
    assert [x.payload for x in got] == [b"small"]
    assert all(len(x.raw) <= 128 for x in got)


@pytest.mark.spec_only("Mosquitto 2.0.11 sends a packet 1 byte larger than the client's Maximum "
                       "Packet Size (it leaves the fixed header byte out of the size)")
def test_packet_size_limit_counts_the_whole_packet(broker, c5):
    s = subscriber(c5, broker.port, "exact", topic="fl/e", props=[(r.MAXIMUM_PACKET_SIZE, 64)])
    p = client(c5, broker.port, "exact-pub")
    # PUBLISH QoS1 to the subscriber: 1 + 1 + (2+4) + 2 + 1 (no props) + payload = 11 + payload.
    p.publish5("fl/e", b"y" * 53, 1)
    p.publish5("fl/e", b"z" * 54, 1, pid=2)
    got = s.publishes(1, quiet=0.5)
    assert [len(x.raw) for x in got] == [64], got  # 3.1.2.11.4: the total packet size
