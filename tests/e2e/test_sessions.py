"""Persistent sessions (clean session 0), MQTT 3.1.1 sections 3.1.2.4 and 3.2.2.2."""
from testing import rawmqtt as m


def connect(raw, port, client_id, clean):
    c = raw(port)
    ack = c.connect(client_id, clean=clean)
    assert ack.return_code == 0
    return c, ack


def leave(c):
    c.send(m.disconnect())
    c.wait_closed()


def test_session_present_is_0_first_then_1_on_resume_then_0_after_clean_session(broker, raw):
    c, ack = connect(raw, broker.port, "sp", clean=False)
    assert ack.raw == bytes([0x20, 0x02, 0x00, 0x00])
    leave(c)
    c, ack = connect(raw, broker.port, "sp", clean=False)
    assert ack.raw == bytes([0x20, 0x02, 0x01, 0x00])
    leave(c)
    c, ack = connect(raw, broker.port, "sp", clean=True)
    assert ack.raw == bytes([0x20, 0x02, 0x00, 0x00])
    leave(c)
    c, ack = connect(raw, broker.port, "sp", clean=False)
    assert not ack.session_present  # the clean session discarded the old one


def test_subscriptions_are_kept_across_reconnect(broker, raw, paho):
    c, _ = connect(raw, broker.port, "keep-subs", clean=False)
    c.subscribe([("ks/t", 0)])
    leave(c)
    c, ack = connect(raw, broker.port, "keep-subs", clean=False)
    assert ack.session_present
    paho(broker.port, "ks-pub").publish("ks/t", b"still here", 0)
    assert c.expect(m.PUBLISH).payload == b"still here"


def test_qos1_and_qos2_messages_are_queued_while_offline(broker, raw, paho):
    c, _ = connect(raw, broker.port, "offline-q", clean=False)
    c.subscribe([("oq/1", 1), ("oq/2", 2)])
    leave(c)
    pub = paho(broker.port, "oq-pub")
    pub.publish("oq/1", b"a", 1)
    pub.publish("oq/2", b"b", 2)
    pub.publish("oq/1", b"c", 1)
    c, ack = connect(raw, broker.port, "offline-q", clean=False)
    assert ack.session_present
    got = []
    for p in c.recv_all(quiet=0.5, at_least=3):  # sent at once: the in-flight window is wider
        assert p.type == m.PUBLISH
        got.append((p.topic, p.payload, p.qos))
        c.send(m.puback(p.packet_id) if p.qos == 1 else m.pubrec(p.packet_id))
    assert got == [("oq/1", b"a", 1), ("oq/2", b"b", 2), ("oq/1", b"c", 1)]
    rel = c.expect(m.PUBREL)
    c.send(m.pubcomp(rel.packet_id))


def test_clean_session_does_not_receive_messages_sent_while_offline(broker, raw, paho):
    c, _ = connect(raw, broker.port, "cs", clean=True)
    c.subscribe([("cs/t", 1)])
    leave(c)
    paho(broker.port, "cs-pub").publish("cs/t", b"lost", 1)
    c, ack = connect(raw, broker.port, "cs", clean=True)
    assert not ack.session_present
    assert c.recv_all(quiet=0.7) == []


def test_clean_session_reconnect_discards_stored_subscriptions(broker, raw, paho):
    c, _ = connect(raw, broker.port, "drop-subs", clean=False)
    c.subscribe([("ds/t", 1)])
    leave(c)
    c, _ = connect(raw, broker.port, "drop-subs", clean=True)
    leave(c)
    c, ack = connect(raw, broker.port, "drop-subs", clean=False)
    assert not ack.session_present
    paho(broker.port, "ds-pub").publish("ds/t", b"x", 1)
    assert c.recv_all(quiet=0.7) == []


def test_paho_persistent_session_receives_queued_messages(broker, paho):
    sub = paho(broker.port, "paho-persist", clean_session=False)
    sub.subscribe("pp/#", 1)
    sub.disconnect()
    pub = paho(broker.port, "pp-pub")
    for i in range(10):
        pub.publish(f"pp/{i}", str(i), 1)
    sub.connect()
    assert sub.connack[0]["session present"] == 1
    assert [int(x.payload) for x in sub.collect(10)] == list(range(10))
