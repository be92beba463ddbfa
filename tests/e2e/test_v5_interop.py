"""MQTT 5.0 and 3.1.1 clients on one broker: messages cross protocol levels with QoS and retain
kept and v5 properties dropped for 3.1.1; PUBACK reason 0x10 (No matching subscribers)."""
import struct

from testing import raw5 as r
from testing import rawmqtt as m
from testing.clients import mosquitto_pub
from testing.paho5 import c5, paho5  # noqa: F401  (fixtures)

PROPS = [(r.USER_PROPERTY, ("k", "v")), (r.CONTENT_TYPE, "text/plain"),
         (r.RESPONSE_TOPIC, "io/reply"), (r.CORRELATION_DATA, b"cd"), (r.PAYLOAD_FORMAT, 1),
         (r.MESSAGE_EXPIRY, 60)]


def v311_sub(raw, port, topic="io/#", qos=1):
    s = raw(port)
    assert s.connect("old-sub").return_code == 0
    s.subscribe([(topic, qos)])
    return s


def v5_client(c5, port, cid):
    c = c5(port)
    assert c.connect5(cid).reason == 0
    return c


def test_311_subscriber_gets_a_v5_publish_without_properties(broker, raw, c5):
    s = v311_sub(raw, broker.port)
    v5_client(c5, broker.port, "new-pub").publish5("io/t", b"payload", 1, props=PROPS)
    p = s.expect(m.PUBLISH)
    assert p.qos == 1 and not p.retain
    # The exact 3.1.1 body: topic, packet id, payload: nothing else.
    assert p.body == m.utf8("io/t") + struct.pack("!H", p.packet_id) + b"payload"


def test_311_subscriber_gets_a_v5_retained_message(broker, raw, c5):
    v5_client(c5, broker.port, "new-pub").publish5("io/ret", b"kept", 1, retain=True,
                                                   props=PROPS)
    s = v311_sub(raw, broker.port, "io/ret")
    p = s.expect(m.PUBLISH)
    assert p.retain and p.qos == 1 and p.payload == b"kept" and p.topic == "io/ret"


def test_311_subscriber_gets_a_v5_qos2_publish(broker, raw, c5):
    s = v311_sub(raw, broker.port, qos=2)
    v5_client(c5, broker.port, "new-pub").publish5("io/q2", b"two", 2, props=PROPS)
    p = s.expect(m.PUBLISH)
    assert p.qos == 2 and p.payload == b"two"


def test_311_subscriber_gets_messages_sent_with_a_topic_alias(broker, raw, c5):
    s = v311_sub(raw, broker.port)
    p = v5_client(c5, broker.port, "aliaser")
    p.publish5("io/alias", b"1", 1, props=[(r.TOPIC_ALIAS, 1)])
    p.publish5("", b"2", 1, pid=2, props=[(r.TOPIC_ALIAS, 1)])
    got = [s.expect(m.PUBLISH) for _ in range(2)]
    assert [(x.topic, x.payload) for x in got] == [("io/alias", b"1"), ("io/alias", b"2")]


def test_v5_subscriber_gets_a_311_publish(broker, raw, c5):
    s = v5_client(c5, broker.port, "new-sub")
    s.subscribe5([("io/#", r.sub_options(2, retain_as_published=True))])
    old = raw(broker.port)
    old.connect("old-pub")
    old.send(m.publish("io/t", b"from 3.1.1", 1, 5, retain=True))
    assert old.expect(m.PUBACK).packet_id == 5
    got = s.publishes(1)
    assert [(x.topic, x.payload, x.qos, x.retain) for x in got] == \
        [("io/t", b"from 3.1.1", 1, True)]
    assert r.USER_PROPERTY not in got[0].props and r.MESSAGE_EXPIRY not in got[0].props


def test_v5_subscriber_gets_a_311_retained_message_on_subscribe(broker, c5):
    mosquitto_pub(broker.port, "io/ret", "legacy", qos=1, retain=True)
    s = v5_client(c5, broker.port, "new-sub")
    s.subscribe5("io/ret")
    got = s.publishes(1)
    assert [(x.payload, x.retain, x.qos) for x in got] == [(b"legacy", True, 1)]


def test_v5_subscriber_gets_a_311_will(broker, raw, c5):
    s = v5_client(c5, broker.port, "new-sub")
    s.subscribe5("io/will")
    old = raw(broker.port)
    old.connect("old-will", will=("io/will", b"bye", 1, False))
    old.abort()
    assert [x.payload for x in s.publishes(1)] == [b"bye"]


def test_puback_0x10_when_nobody_subscribes(broker, c5):
    p = v5_client(c5, broker.port, "lonely")
    ack = p.publish5("io/nobody", b"x", 1)
    assert (ack.packet_id, ack.reason) == (1, r.NO_MATCHING_SUBSCRIBERS)


def test_puback_0x00_when_someone_subscribes(broker, c5, raw):
    v311_sub(raw, broker.port)
    p = v5_client(c5, broker.port, "heard")
    assert p.publish5("io/t", b"x", 1).reason == r.SUCCESS


def test_v5_publish_reaches_mosquitto_sub_v311_and_v5(broker, paho5):
    from testing.clients import start_mosquitto_sub, LineReader
    from testing.broker import wait_until
    from testing.paho5 import publish_props
    subs = [start_mosquitto_sub(broker.port, ["io/cli", "io/ready"], extra=v)
            for v in (["-V", "311"], ["-V", "5"])]
    try:
        outs = [LineReader(s.stdout) for s in subs]
        p = paho5(broker.port, "pub5")
        for out in outs:
            assert wait_until(lambda: p.publish("io/ready", b"r", 1) and
                              out.readline(0.3) == "r", deadline=10)
        p.publish("io/cli", b"to both", 1, properties=publish_props(UserProperty=[("a", "b")]))
        for out in outs:
            line = out.readline(5)
            while line == "r":
                line = out.readline(5)
            assert line == "to both"
    finally:
        for s in subs:
            s.kill()
            s.wait(10)
