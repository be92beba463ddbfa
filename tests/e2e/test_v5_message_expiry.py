"""MQTT 5.0 Message Expiry Interval (3.3.2.3.3): expired messages are dropped, the remaining
interval is sent on delivery, retained messages expire too."""
from testing import raw5 as r
from testing.paho5 import c5  # noqa: F401  (fixture)


def offline_subscriber(c5, port, cid="mx-sub", topic="mx/t"):
    c = c5(port)
    c.connect5(cid, props=[(r.SESSION_EXPIRY, 60)])
    c.subscribe5(topic)
    c.send(r.disconnect())
    assert c.wait_closed()


def publisher(c5, port):
    p = c5(port)
    p.connect5("mx-pub")
    return p


def reconnect(c5, port, cid="mx-sub"):
    c = c5(port)
    ack = c.connect5(cid, clean=False, props=[(r.SESSION_EXPIRY, 60)])
    assert ack.session_present
    return c


def test_queued_message_expires_for_an_offline_subscriber(broker, c5):
    offline_subscriber(c5, broker.port)
    p = publisher(c5, broker.port)
    p.publish5("mx/t", b"short-lived", 1, props=[(r.MESSAGE_EXPIRY, 1)])
    p.publish5("mx/t", b"durable", 1, pid=2)
    r.sleep_past(2.2)
    c = reconnect(c5, broker.port)
    assert [x.payload for x in c.publishes(1, quiet=0.5)] == [b"durable"]


def test_queued_message_carries_the_remaining_expiry_interval(broker, c5):
    offline_subscriber(c5, broker.port)
    p = publisher(c5, broker.port)
    p.publish5("mx/t", b"aging", 1, props=[(r.MESSAGE_EXPIRY, 30)])
    r.sleep_past(1.2)
    got = reconnect(c5, broker.port).publishes(1)
    assert [x.payload for x in got] == [b"aging"]
    left = got[0].props.get(r.MESSAGE_EXPIRY)
    assert left is not None, "Message Expiry Interval not forwarded"
    assert left < 30, f"remaining interval {left} not reduced after 1.2 s"
    assert left >= 27


def test_live_message_carries_its_expiry_interval(broker, c5):
    s = c5(broker.port)
    s.connect5("mx-live")
    s.subscribe5("mx/t")
    publisher(c5, broker.port).publish5("mx/t", b"fresh", 1, props=[(r.MESSAGE_EXPIRY, 30)])
    got = s.publishes(1)
    assert 28 <= got[0].props.get(r.MESSAGE_EXPIRY, -1) <= 30, got


def test_message_without_expiry_has_no_expiry_on_delivery(broker, c5):
    s = c5(broker.port)
    s.connect5("mx-none")
    s.subscribe5("mx/t")
    publisher(c5, broker.port).publish5("mx/t", b"plain", 1)
    got = s.publishes(1)
    assert r.MESSAGE_EXPIRY not in got[0].props, got


def test_retained_message_expires(broker, c5):
    p = publisher(c5, broker.port)
    p.publish5("mx/ret", b"stale", 1, retain=True, props=[(r.MESSAGE_EXPIRY, 1)])
    r.sleep_past(2.2)
    s = c5(broker.port)
    s.connect5("mx-late")
    s.subscribe5("mx/ret")
    assert s.publishes(1, timeout=0.7) == []


def test_retained_message_carries_the_remaining_expiry_interval(broker, c5):
    p = publisher(c5, broker.port)
    p.publish5("mx/ret", b"aging", 1, retain=True, props=[(r.MESSAGE_EXPIRY, 100)])
    r.sleep_past(1.2)
    s = c5(broker.port)
    s.connect5("mx-late")
    s.subscribe5("mx/ret")
    got = s.publishes(1)
    assert [(x.payload, x.retain) for x in got] == [(b"aging", True)]
    assert 95 <= got[0].props.get(r.MESSAGE_EXPIRY, -1) < 100, got
