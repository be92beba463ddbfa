"""Retained messages, MQTT 3.1.1 section 3.3.1.3."""
from testing import rawmqtt as m


def fresh_subscriber(raw, port, topic, qos=0, expect=1, client_id="late"):
    """PUBLISHes a new subscriber gets: `expect` of them waited for, then 0.7 s for extras."""
    c = raw(port)
    c.connect(client_id)
    c.subscribe([(topic, qos)])
    return [p for p in c.recv_all(quiet=0.7, at_least=expect) if p.type == m.PUBLISH]


def test_retained_message_is_sent_to_a_new_subscriber_with_retain_flag(broker, raw, paho):
    paho(broker.port, "ret-pub").publish("ret/a", b"kept", 1, retain=True)
    got = fresh_subscriber(raw, broker.port, "ret/a")
    assert [p.raw for p in got] == [m.publish("ret/a", b"kept", qos=0, retain=True)]


def test_retained_message_is_replaced_by_a_newer_one(broker, raw, paho):
    pub = paho(broker.port, "ret-pub")
    pub.publish("ret/b", b"old", 1, retain=True)
    pub.publish("ret/b", b"new", 1, retain=True)
    got = fresh_subscriber(raw, broker.port, "ret/b")
    assert [(p.payload, p.retain) for p in got] == [(b"new", True)]


def test_empty_retained_payload_deletes_the_retained_message(broker, raw, paho):
    pub = paho(broker.port, "ret-pub")
    pub.publish("ret/c", b"soon gone", 1, retain=True)
    pub.publish("ret/c", b"", 1, retain=True)
    assert fresh_subscriber(raw, broker.port, "ret/c", expect=0) == []


def test_retained_messages_are_matched_by_wildcard_filters(broker, raw, paho):
    pub = paho(broker.port, "ret-pub")
    for t in ("rw/1", "rw/2/x", "other/1"):
        pub.publish(t, t.encode(), 1, retain=True)
    got = fresh_subscriber(raw, broker.port, "rw/#", expect=2)
    assert sorted((p.topic, p.retain) for p in got) == [("rw/1", True), ("rw/2/x", True)]


def test_retained_message_is_downgraded_to_the_subscription_qos(broker, raw, paho):
    paho(broker.port, "ret-pub").publish("ret/q", b"q2", 2, retain=True)
    got = fresh_subscriber(raw, broker.port, "ret/q", qos=1)
    assert [(p.payload, p.qos, p.retain) for p in got] == [(b"q2", 1, True)]


def test_live_delivery_of_a_retained_publish_has_retain_cleared(broker, raw, paho):
    sub = raw(broker.port)
    sub.connect("live")
    sub.subscribe([("ret/live", 0)])
    paho(broker.port, "ret-pub").publish("ret/live", b"now", 0, retain=True)
    p = sub.expect(m.PUBLISH)
    assert (p.payload, p.retain) == (b"now", False)


def test_publish_without_retain_does_not_replace_the_retained_message(broker, raw, paho):
    pub = paho(broker.port, "ret-pub")
    pub.publish("ret/d", b"retained", 1, retain=True)
    pub.publish("ret/d", b"transient", 1, retain=False)
    got = fresh_subscriber(raw, broker.port, "ret/d")
    assert [p.payload for p in got] == [b"retained"]


def test_resubscribing_sends_the_retained_message_again(broker, raw, paho):
    paho(broker.port, "ret-pub").publish("ret/e", b"again", 0, retain=True)
    c = raw(broker.port)
    c.connect("resub")
    c.subscribe([("ret/e", 0)], pid=1)
    assert c.expect(m.PUBLISH).retain
    c.subscribe([("ret/e", 0)], pid=2)  # 3.3.1.3: sent on every new or replaced subscription
    p = c.expect(m.PUBLISH)
    assert (p.payload, p.retain) == (b"again", True)
