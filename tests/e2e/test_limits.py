"""Broker limits from mosquitto.conf: packet and message size, connections, keepalive."""
from testing import rawmqtt as m
from testing.broker import wait_until
from testing.rawmqtt import Closed, RawClient


def test_publish_bigger_than_max_packet_size_closes_the_connection(make_broker, raw, paho):
    b = make_broker(["max_packet_size 1000"])
    c = raw(b.port)
    c.connect("big")
    c.send(m.publish("big/t", b"x" * 2000, qos=1, packet_id=1))
    state, got = c.close_outcome()
    assert state == "closed"
    assert all(p.type != m.PUBACK for p in got)


def test_publish_within_max_packet_size_is_delivered(make_broker, raw, paho):
    b = make_broker(["max_packet_size 1000"])
    sub = paho(b.port, "small-sub")
    sub.subscribe("small/t", 0)
    c = raw(b.port)
    c.connect("small")
    c.send(m.publish("small/t", b"x" * 900, qos=1, packet_id=1))
    assert c.expect(m.PUBACK).packet_id == 1
    assert [len(x.payload) for x in sub.collect(1)] == [900]


def test_payload_bigger_than_message_size_limit_is_dropped_and_connection_kept(make_broker, raw,
                                                                               paho):
    b = make_broker(["message_size_limit 100"])
    sub = paho(b.port, "msl-sub")
    sub.subscribe("msl/#", 1)
    c = raw(b.port)
    c.connect("msl")
    c.send(m.publish("msl/big", b"x" * 101, qos=1, packet_id=1))
    # Mosquitto acknowledges the dropped QoS 1 message; it must not reach anyone.
    assert c.expect(m.PUBACK).packet_id == 1
    c.send(m.publish("msl/ok", b"y" * 100, qos=1, packet_id=2))
    assert c.expect(m.PUBACK).packet_id == 2
    got = sub.collect(1, quiet=0.5)
    assert [(x.topic, len(x.payload)) for x in got] == [("msl/ok", 100)]


def connect_with_retry(raw, port, client_id, deadline=10.0):
    """CONNECT, retrying while the broker still counts a connection that just closed (such as
    the fixture's readiness probe) against max_connections."""
    result = []

    def attempt():
        try:
            c = raw(port)
            if c.connect(client_id, timeout=2).return_code == 0:
                result.append(c)
                return True
        except (Closed, OSError, AssertionError):
            pass
        return False
    assert wait_until(attempt, deadline=deadline, interval=0.2), f"{client_id} cannot connect"
    return result[0]


def test_max_connections_refuses_the_sixth_client(make_broker, raw):
    b = make_broker(["max_connections 5"])
    clients = [connect_with_retry(raw, b.port, f"mc{i}") for i in range(5)]
    try:
        sixth = RawClient(b.port)
    except OSError:
        sixth = None  # refused at TCP level
    if sixth is not None:
        try:
            if sixth.try_send(m.connect("mc5")):
                state, got = sixth.close_outcome()
                assert state == "closed"
                assert all(p.type != m.CONNACK or p.return_code != 0 for p in got)
        finally:
            sixth.close()
    for c in clients:  # the first five are unaffected
        c.send(m.pingreq())
        assert c.expect(m.PINGRESP)


def test_max_connections_frees_a_slot_when_a_client_leaves(make_broker, raw):
    b = make_broker(["max_connections 2"])
    a = connect_with_retry(raw, b.port, "a")
    connect_with_retry(raw, b.port, "c")
    a.send(m.disconnect())
    assert a.wait_closed()
    connect_with_retry(raw, b.port, "t")


def test_a_client_the_broker_closed_frees_its_slot_at_once(make_broker, raw):
    """The broker ends a protocol offender's connection (then reads on for up to 2 s so the
    peer's late packets do not reset the socket); the slot is free at once, as in Mosquitto, even
    while the peer keeps its side open."""
    b = make_broker(["max_connections 1"])
    offender = connect_with_retry(raw, b.port, "offender")
    offender.send(m.connect("twice"))  # a second CONNECT: protocol error, the broker closes
    assert offender.wait_closed(5.0)  # its FIN arrived; our side stays open
    c = raw(b.port)
    assert c.connect("next", timeout=1.5).return_code == 0
    c.send(m.pingreq())
    assert c.expect(m.PINGRESP)


def test_max_keepalive_does_not_refuse_a_311_client_asking_for_more(make_broker, raw):
    # Mosquitto 2.0.11 applies max_keepalive only to MQTT 5 clients (Server Keep Alive); a
    # 3.1.1 client cannot be told another keepalive, and it is accepted as it asked.
    b = make_broker(["max_keepalive 10"])
    c = raw(b.port)
    assert c.connect("ka60", keepalive=60).raw == bytes([0x20, 0x02, 0x00, 0x00])
    c.send(m.pingreq())
    assert c.expect(m.PINGRESP)


def test_max_keepalive_is_sent_to_an_mqtt5_client_as_server_keep_alive(make_broker, raw):
    b = make_broker(["max_keepalive 10"])
    c = raw(b.port)
    c.send(m.connect("ka5", keepalive=60, level=5))
    ack = c.expect(m.CONNACK)
    assert ack.body[:2] == b"\x00\x00"
    props = ack.body[3:3 + ack.body[2]]  # property length < 128 here: one byte
    assert b"\x13\x00\x0a" in props  # MQTT 5 3.2.2.3.14: Server Keep Alive = 10


def test_max_keepalive_accepts_client_within_the_limit(make_broker, raw):
    b = make_broker(["max_keepalive 10"])
    assert raw(b.port).connect("ka10", keepalive=10).return_code == 0
