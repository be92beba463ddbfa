"""CONNECT handling, MQTT 3.1.1 section 3.1 and 3.2: protocol checks, client ids, takeover, keepalive."""
import time

import pytest

from testing import rawmqtt as m


def test_connect_with_mqtt_311_is_accepted_without_session(broker, raw):
    ack = raw(broker.port).connect("c311", clean=True)
    assert ack.raw == bytes([0x20, 0x02, 0x00, 0x00])


def test_connect_with_protocol_level_5_is_accepted(broker, raw):
    c = raw(broker.port)
    c.send(m.connect("c5", level=5))
    ack = c.expect(m.CONNACK)
    assert ack.body[1] == 0x00  # MQTT 5 reason code Success


def test_connect_with_mqisdp_level_3_is_accepted(broker, raw):
    ack = raw(broker.port).connect("c31", proto_name="MQIsdp", level=3)
    assert ack.return_code == 0


def test_unsupported_protocol_level_6_gets_connack_0x01_then_close(broker, raw):
    c = raw(broker.port)
    c.send(m.connect("c6", level=6))
    state, got = c.close_outcome()
    assert state == "closed"
    assert [p.raw for p in got] == [bytes([0x20, 0x02, 0x00, 0x01])]


def test_protocol_name_mqtt_with_level_3_is_refused(broker, raw):
    c = raw(broker.port)
    c.send(m.connect("bad", proto_name="MQTT", level=3))
    state, got = c.close_outcome()
    assert state == "closed"
    # Either closed straight away, or told "unacceptable protocol version" first.
    assert [p.raw for p in got] in ([], [bytes([0x20, 0x02, 0x00, 0x01])])


def test_protocol_name_other_than_mqtt_closes_without_accepting(broker, raw):
    c = raw(broker.port)
    c.send(m.connect("bad", proto_name="MQTX", level=4))
    state, got = c.close_outcome()
    assert state == "closed"
    assert all(p.type != m.CONNACK or p.return_code != 0 for p in got)


def test_reserved_connect_flag_closes_without_connack(broker, raw):
    c = raw(broker.port)
    c.send(m.connect("rsv", reserved=True))
    state, got = c.close_outcome()
    assert (state, got) == ("closed", [])


def test_will_qos_without_will_flag_closes_without_connack(broker, raw):
    c = raw(broker.port)
    c.send(m.connect("wq", flags=0x02 | 0x08))  # clean session + will QoS 1, will flag 0
    state, got = c.close_outcome()
    assert (state, got) == ("closed", [])


def test_will_retain_without_will_flag_closes_without_connack(broker, raw):
    c = raw(broker.port)
    c.send(m.connect("wr", flags=0x02 | 0x20))  # clean session + will retain, will flag 0
    state, got = c.close_outcome()
    assert (state, got) == ("closed", [])


def test_password_flag_without_username_closes_connection(broker, raw):
    c = raw(broker.port)
    c.send(m.connect("pw", password="secret"))
    state, got = c.close_outcome()
    assert state == "closed"
    assert all(p.type != m.CONNACK or p.return_code != 0 for p in got)


def test_empty_client_id_with_clean_session_is_accepted(broker, raw, paho):
    c = raw(broker.port)
    assert c.connect("", clean=True).return_code == 0
    # The generated id works like any other: the client can subscribe and receive.
    c.subscribe([("gen/id", 0)])
    paho(broker.port).publish("gen/id", b"hi")
    p = c.expect(m.PUBLISH)
    assert (p.topic, p.payload) == ("gen/id", b"hi")


def test_two_empty_client_ids_get_distinct_sessions(broker, raw):
    a, b = raw(broker.port), raw(broker.port)
    assert a.connect("").return_code == 0
    assert b.connect("").return_code == 0
    a.send(m.pingreq())
    assert a.expect(m.PINGRESP)  # a was not taken over by b


def test_empty_client_id_without_clean_session_gets_connack_0x02(broker, raw):
    c = raw(broker.port)
    c.send(m.connect("", clean=False))
    state, got = c.close_outcome()
    assert state == "closed"
    assert [p.raw for p in got] == [bytes([0x20, 0x02, 0x00, 0x02])]


def test_second_connect_on_same_connection_closes(broker, raw):
    c = raw(broker.port)
    assert c.connect("twice").return_code == 0
    c.send(m.connect("twice"))
    assert c.wait_closed()


def test_first_packet_other_than_connect_closes(broker, raw):
    c = raw(broker.port)
    c.send(m.publish("a/b", b"x"))
    state, got = c.close_outcome()
    assert (state, got) == ("closed", [])


def test_pingreq_gets_pingresp(broker, raw):
    c = raw(broker.port)
    c.connect("pinger")
    c.send(m.pingreq())
    assert c.expect(m.PINGRESP).raw == bytes([0xD0, 0x00])


def test_same_client_id_takes_over_and_closes_first_connection(broker, raw):
    first = raw(broker.port)
    assert first.connect("dup-id").return_code == 0
    second = raw(broker.port)
    assert second.connect("dup-id").return_code == 0
    assert first.wait_closed()
    second.send(m.pingreq())
    assert second.expect(m.PINGRESP)


def test_idle_client_with_keepalive_1_is_disconnected(broker, raw):
    c = raw(broker.port)
    c.connect("idle", keepalive=1)
    assert c.wait_closed(timeout=10)


@pytest.mark.spec_only("Mosquitto 2.0 checks keepalives about every 5 s, not within 1.5 periods")
def test_idle_client_with_keepalive_1_is_disconnected_within_one_and_a_half_periods(broker, raw):
    c = raw(broker.port)
    c.connect("idle", keepalive=1)
    t0 = time.monotonic()
    assert c.wait_closed(timeout=10)
    # 3.1.1 section 3.1.2.10: disconnect after 1.5 x keepalive; allow 1.5 s scheduling margin.
    assert time.monotonic() - t0 < 1.5 + 1.5


def test_client_that_pings_within_keepalive_stays_connected(broker, raw):
    c = raw(broker.port)
    c.connect("busy", keepalive=1)
    end = time.monotonic() + 3.5
    while time.monotonic() < end:
        c.send(m.pingreq())
        assert c.expect(m.PINGRESP, timeout=5)
        time.sleep(0.4)
    c.send(m.pingreq())
    assert c.expect(m.PINGRESP)


def test_keepalive_0_client_is_not_disconnected_for_idleness(broker, raw):
    c = raw(broker.port)
    c.connect("nokeep", keepalive=0)
    assert not c.wait_closed(timeout=2.0)
    c.send(m.pingreq())
    assert c.expect(m.PINGRESP)
