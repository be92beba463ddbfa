"""QoS 0/1/2 flows in both directions, MQTT 3.1.1 section 4.3, with exact packets on a raw socket."""
import pytest

from testing import rawmqtt as m
from testing.clients import MQTTv31, MQTTv311


def subscriber(raw, port, client_id, topic, qos, clean=True):
    c = raw(port)
    c.connect(client_id, clean=clean)
    assert c.subscribe([(topic, qos)]).granted == [qos]
    return c


def test_qos0_publish_is_delivered_as_qos0(broker, raw):
    sub = subscriber(raw, broker.port, "s0", "q/0", 2)
    pub = raw(broker.port)
    pub.connect("p0")
    pub.send(m.publish("q/0", b"zero", qos=0))
    p = sub.expect(m.PUBLISH)
    assert p.raw == m.publish("q/0", b"zero", qos=0)


def test_qos1_publish_gets_puback_with_same_packet_id(broker, raw):
    pub = raw(broker.port)
    pub.connect("p1")
    pub.send(m.publish("q/1", b"one", qos=1, packet_id=0x1234))
    assert pub.expect(m.PUBACK).raw == bytes([0x40, 0x02, 0x12, 0x34])


def test_qos2_publish_gets_pubrec_and_pubrel_gets_pubcomp(broker, raw):
    pub = raw(broker.port)
    pub.connect("p2")
    pub.send(m.publish("q/2", b"two", qos=2, packet_id=0x0102))
    assert pub.expect(m.PUBREC).raw == bytes([0x50, 0x02, 0x01, 0x02])
    pub.send(m.pubrel(0x0102))
    assert pub.expect(m.PUBCOMP).raw == bytes([0x70, 0x02, 0x01, 0x02])


def test_broker_to_client_qos1_flow_ends_with_client_puback(broker, raw):
    sub = subscriber(raw, broker.port, "s1", "q/1", 1)
    pub = raw(broker.port)
    pub.connect("p1")
    pub.send(m.publish("q/1", b"one", qos=1, packet_id=7))
    pub.expect(m.PUBACK)
    p = sub.expect(m.PUBLISH)
    assert (p.qos, p.dup, p.retain, p.topic, p.payload) == (1, False, False, "q/1", b"one")
    assert p.packet_id != 0
    sub.send(m.puback(p.packet_id))
    assert sub.recv(timeout=0.5) is None  # nothing is resent once acknowledged


def test_broker_to_client_qos2_flow_is_publish_pubrec_pubrel_pubcomp(broker, raw):
    sub = subscriber(raw, broker.port, "s2", "q/2", 2)
    pub = raw(broker.port)
    pub.connect("p2")
    pub.send(m.publish("q/2", b"two", qos=2, packet_id=9))
    pub.expect(m.PUBREC)
    pub.send(m.pubrel(9))
    pub.expect(m.PUBCOMP)
    p = sub.expect(m.PUBLISH)
    assert (p.qos, p.topic, p.payload) == (2, "q/2", b"two")
    sub.send(m.pubrec(p.packet_id))
    rel = sub.expect(m.PUBREL)
    assert rel.raw == bytes([0x62, 0x02]) + p.packet_id.to_bytes(2, "big")
    sub.send(m.pubcomp(p.packet_id))
    assert sub.recv(timeout=0.5) is None


def test_qos2_publish_is_delivered_exactly_once_across_reconnect(broker, raw):
    sub = subscriber(raw, broker.port, "eo-sub", "eo/t", 2)
    pub = raw(broker.port)
    pub.connect("eo-pub", clean=False)
    pub.send(m.publish("eo/t", b"once", qos=2, packet_id=42))
    pub.expect(m.PUBREC)
    pub.send(m.disconnect())
    pub.close()

    pub = raw(broker.port)
    assert pub.connect("eo-pub", clean=False).session_present
    pub.send(m.publish("eo/t", b"once", qos=2, packet_id=42, dup=True))
    assert pub.expect(m.PUBREC).packet_id == 42
    pub.send(m.pubrel(42))
    assert pub.expect(m.PUBCOMP).packet_id == 42

    p = sub.expect(m.PUBLISH)
    assert (p.payload, p.qos) == (b"once", 2)
    sub.send(m.pubrec(p.packet_id))
    sub.expect(m.PUBREL)
    sub.send(m.pubcomp(p.packet_id))
    assert sub.recv_all(quiet=1.0) == []  # no second copy


def test_unacked_qos1_publish_is_resent_with_dup_on_session_resume(broker, raw):
    sub = subscriber(raw, broker.port, "dup-sub", "dup/t", 1, clean=False)
    pub = raw(broker.port)
    pub.connect("dup-pub")
    pub.send(m.publish("dup/t", b"again", qos=1, packet_id=1))
    pub.expect(m.PUBACK)
    first = sub.expect(m.PUBLISH)
    assert not first.dup
    sub.close()  # never acknowledged

    sub = raw(broker.port)
    assert sub.connect("dup-sub", clean=False).session_present
    again = sub.expect(m.PUBLISH)
    assert (again.dup, again.qos, again.packet_id, again.payload) == \
        (True, 1, first.packet_id, b"again")
    sub.send(m.puback(again.packet_id))


def publish_numbered(raw, port, topic, count, qos=1):
    pub = raw(port)
    pub.connect("numbered-pub")
    for i in range(1, count + 1):
        pub.send(m.publish(topic, b"%d" % i, qos=qos, packet_id=i))
        pub.expect(m.PUBACK)


def test_inflight_window_holds_back_qos1_publishes_until_acked(make_broker, raw):
    b = make_broker(["max_inflight_messages 2"])
    sub = subscriber(raw, b.port, "slow", "win/t", 1)
    publish_numbered(raw, b.port, "win/t", 6)
    pending = sub.recv_all(quiet=1.0, at_least=2)
    assert [p.payload for p in pending] == [b"1", b"2"]
    got = [p.payload for p in pending]
    while len(got) < 6:  # ack everything received; the rest must follow, in order
        for p in pending:
            sub.send(m.puback(p.packet_id))
        pending = sub.recv_all(quiet=0.5, at_least=1)
        assert pending, f"nothing more after acking {got}"
        got += [p.payload for p in pending]
    assert got == [b"%d" % i for i in range(1, 7)]


@pytest.mark.lampi_only("Mosquitto 2.0.11 sends two queued messages per PUBACK, overfilling the window")
def test_inflight_window_never_exceeds_max_inflight_messages(make_broker, raw):
    b = make_broker(["max_inflight_messages 2"])
    sub = subscriber(raw, b.port, "slow", "win/t", 1)
    publish_numbered(raw, b.port, "win/t", 8)
    unacked = sub.recv_all(quiet=1.0, at_least=2)
    assert [p.payload for p in unacked] == [b"1", b"2"]
    for i in range(3, 9):
        sub.send(m.puback(unacked.pop(0).packet_id))
        more = sub.recv_all(quiet=0.5, at_least=1)
        assert [p.payload for p in more] == [b"%d" % i]
        unacked += more


def test_max_queued_messages_drops_newest_beyond_limit_for_offline_subscriber(make_broker, raw):
    # Mosquitto counts max_queued_messages on top of the in-flight window; a window of 1 keeps
    # the expected count tight: N queued plus at most 1 in flight.
    n = 5
    b = make_broker([f"max_queued_messages {n}", "max_inflight_messages 1"])
    sub = subscriber(raw, b.port, "offline", "mq/t", 1, clean=False)
    sub.send(m.disconnect())
    sub.close()
    pub = raw(b.port)
    pub.connect("mq-pub")
    for i in range(1, 21):
        pub.send(m.publish("mq/t", b"%d" % i, qos=1, packet_id=i))
        pub.expect(m.PUBACK)

    sub = raw(b.port)
    assert sub.connect("offline", clean=False).session_present
    got = []
    while True:  # ack one by one, so a window of 1 does not hold anything back
        p = sub.recv(timeout=10.0 if len(got) < n else 1.0)
        if p is None:
            break
        got.append(p.payload)
        sub.send(m.puback(p.packet_id))
    assert n <= len(got) <= n + 1
    assert got == [b"%d" % i for i in range(1, len(got) + 1)]  # the oldest are kept, in order


def test_qos2_publish_to_qos0_subscription_arrives_as_qos0(broker, raw):
    sub = subscriber(raw, broker.port, "down", "dg/t", 0)
    pub = raw(broker.port)
    pub.connect("dg-pub")
    pub.send(m.publish("dg/t", b"x", qos=2, packet_id=3))
    pub.expect(m.PUBREC)
    pub.send(m.pubrel(3))
    pub.expect(m.PUBCOMP)
    p = sub.expect(m.PUBLISH)
    assert p.raw == m.publish("dg/t", b"x", qos=0)


def test_qos1_publish_to_qos2_subscription_stays_qos1(broker, raw):
    sub = subscriber(raw, broker.port, "noup", "nu/t", 2)
    pub = raw(broker.port)
    pub.connect("nu-pub")
    pub.send(m.publish("nu/t", b"x", qos=1, packet_id=3))
    pub.expect(m.PUBACK)
    assert sub.expect(m.PUBLISH).qos == 1


@pytest.mark.parametrize("protocol", [MQTTv31, MQTTv311], ids=["mqtt31", "mqtt311"])
@pytest.mark.parametrize("qos", [0, 1, 2])
def test_paho_client_round_trips_each_qos(broker, paho, protocol, qos):
    sub = paho(broker.port, "rt-sub", protocol=protocol)
    assert sub.subscribe("rt/#", qos) == [qos]
    pub = paho(broker.port, "rt-pub", protocol=protocol)
    for i in range(20):
        pub.publish(f"rt/{i}", f"m{i}".encode(), qos)
    got = sub.collect(20)
    assert [(x.topic, x.payload, x.qos) for x in got] == \
        [(f"rt/{i}", f"m{i}".encode(), qos) for i in range(20)]


def test_qos1_messages_from_one_publisher_arrive_in_order(broker, paho):
    sub = paho(broker.port, "order-sub")
    sub.subscribe("order/t", 1)
    pub = paho(broker.port, "order-pub")
    infos = [pub.client.publish("order/t", str(i), 1) for i in range(500)]
    for info in infos:
        info.wait_for_publish(10)
    got = sub.collect(500)
    assert [int(x.payload) for x in got] == list(range(500))
