"""Malformed input closes only the offending connection; other clients keep working."""
import random

import pytest

from testing import rawmqtt as m


def half_close(c):
    try:
        c.sock.shutdown(1)
    except OSError:  # already closed by the broker
        pass


@pytest.fixture
def bystander(broker, paho):
    """A subscribed client whose round trip is checked after each bad connection."""
    sub = paho(broker.port, "bystander")
    sub.subscribe("alive/t", 1)
    pub = paho(broker.port, "bystander-pub")

    def still_works(tag: bytes):
        pub.publish("alive/t", tag, 1)
        got = sub.collect(1)
        assert [x.payload for x in got] == [tag]
    return still_works


def test_random_bytes_instead_of_connect_close_the_connection(broker, raw, bystander):
    rng = random.Random(1883)
    for i in range(20):
        c = raw(broker.port)
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        # Start with a byte that is not CONNECT, so the junk is never a valid handshake.
        c.try_send(bytes([rng.choice([0x00, 0x30, 0x82, 0xE0, 0xF0, 0xFF])]) + junk)
        # The broker may wait for more bytes of a long packet: close our side, then it must close.
        half_close(c)
        assert c.wait_closed(), f"junk #{i} left the connection open"
    bystander(b"after random bytes")


def test_random_bytes_after_connect_close_the_connection(broker, raw, bystander):
    rng = random.Random(2024)
    for i in range(10):
        c = raw(broker.port)
        c.connect(f"junk{i}")
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 100)))
        c.try_send(m.packet(0, 0, junk))  # a complete packet of reserved type 0
        assert c.wait_closed(), f"junk #{i} left the connection open"
    bystander(b"after junk")


def test_remaining_length_of_five_bytes_closes_the_connection(broker, raw, bystander):
    c = raw(broker.port)
    c.connect("rl5")
    c.send(bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]))  # 2.2.3: at most four bytes
    assert c.wait_closed()
    bystander(b"after bad remaining length")


def test_remaining_length_of_five_bytes_before_connect_closes_the_connection(broker, raw,
                                                                             bystander):
    c = raw(broker.port)
    c.send(bytes([0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]))
    assert c.wait_closed()
    bystander(b"after bad connect length")


def test_truncated_connect_then_half_close_closes_the_connection(broker, raw, bystander):
    c = raw(broker.port)
    full = m.connect("truncated")
    c.send(full[:len(full) - 4])
    half_close(c)
    state, got = c.close_outcome()
    assert (state, got) == ("closed", [])
    bystander(b"after truncated connect")


def test_publish_whose_topic_length_exceeds_the_packet_closes_the_connection(broker, raw,
                                                                            bystander):
    c = raw(broker.port)
    c.connect("short-topic")
    c.send(m.packet(m.PUBLISH, 0, b"\x00\x10abc"))  # topic says 16 bytes, packet has 3
    assert c.wait_closed()
    bystander(b"after short topic")


def test_publish_with_qos_3_closes_the_connection(broker, raw, bystander):
    c = raw(broker.port)
    c.connect("qos3")
    c.send(m.packet(m.PUBLISH, 0x06, m.utf8("a/b") + b"\x00\x01x"))
    assert c.wait_closed()
    bystander(b"after qos 3")


def test_publish_with_empty_topic_closes_the_connection(broker, raw, bystander):
    c = raw(broker.port)
    c.connect("empty-topic")
    c.send(m.publish("", b"x"))  # 4.7.3: topic names are at least one character long
    assert c.wait_closed()
    bystander(b"after empty topic")


def test_topic_with_invalid_utf8_closes_the_connection(broker, raw, bystander):
    c = raw(broker.port)
    c.connect("bad-utf8")
    c.send(m.packet(m.PUBLISH, 0, b"\x00\x02\xc3\x28x"))  # 1.5.3: ill-formed UTF-8
    assert c.wait_closed()
    bystander(b"after bad utf8")


def test_pubrel_with_wrong_fixed_header_flags_closes_the_connection(broker, raw, bystander):
    c = raw(broker.port)
    c.connect("pubrel-flags")
    c.send(m.packet(m.PUBREL, 0x00, b"\x00\x01"))  # 3.6.1: flags must be 0010
    assert c.wait_closed()
    bystander(b"after bad pubrel")


def test_packet_type_15_closes_the_connection(broker, raw, bystander):
    c = raw(broker.port)
    c.connect("type15")
    c.send(bytes([0xF0, 0x00]))  # reserved in 3.1.1 (AUTH only exists in MQTT 5)
    assert c.wait_closed()
    bystander(b"after type 15")


def test_connack_sent_by_a_client_closes_the_connection(broker, raw, bystander):
    c = raw(broker.port)
    c.connect("confused")
    c.send(bytes([0x20, 0x02, 0x00, 0x00]))
    assert c.wait_closed()
    bystander(b"after client connack")
