"""MQTT 5.0 Session Expiry Interval (3.1.2.11, 3.14.2.2.2) and Clean Start (3.1.2.4)."""

from testing import raw5 as r
from testing.paho5 import c5  # noqa: F401  (fixture)

NEVER = 0xFFFFFFFF


def start_session(c5, port, cid, expiry, topic="se/t"):
    """Connect with a Session Expiry Interval (None = property absent), subscribe QoS 1 to
    `topic`, disconnect normally."""
    c = c5(port)
    props = [] if expiry is None else [(r.SESSION_EXPIRY, expiry)]
    ack = c.connect5(cid, clean=True, props=props)
    assert ack.reason == 0 and not ack.session_present
    c.subscribe5(topic)
    c.send(r.disconnect())
    assert c.wait_closed()


def publish(c5, port, topic="se/t", payload=b"queued"):
    p = c5(port)
    p.connect5("")
    p.publish5(topic, payload, 1)
    p.send(r.disconnect())


def resume(c5, port, cid, expiry=60):
    c = c5(port)
    ack = c.connect5(cid, clean=False, props=[(r.SESSION_EXPIRY, expiry)])
    assert ack.reason == 0
    return c, ack


def test_session_expiry_0_ends_the_session_at_close(broker, c5):
    start_session(c5, broker.port, "se0", 0)
    publish(c5, broker.port)
    c, ack = resume(c5, broker.port, "se0")
    assert not ack.session_present
    assert c.publishes(1, timeout=0.5) == []


def test_absent_session_expiry_means_0(broker, c5):
    start_session(c5, broker.port, "se-absent", None)
    c, ack = resume(c5, broker.port, "se-absent")
    assert not ack.session_present


def test_session_with_expiry_is_kept_and_queues_messages(broker, c5):
    start_session(c5, broker.port, "se10", 10)
    publish(c5, broker.port, payload=b"kept")
    c, ack = resume(c5, broker.port, "se10")
    assert ack.session_present
    assert [p.payload for p in c.publishes(1)] == [b"kept"]


def test_kept_session_keeps_its_subscriptions(broker, c5):
    start_session(c5, broker.port, "se-subs", 10)
    c, ack = resume(c5, broker.port, "se-subs")
    assert ack.session_present
    publish(c5, broker.port, payload=b"live")
    assert [p.payload for p in c.publishes(1)] == [b"live"]


def test_session_expires_after_its_interval(broker, c5):
    start_session(c5, broker.port, "se1", 1)
    publish(c5, broker.port, payload=b"too late")
    r.sleep_past(2.5)  # the 1 s interval under test, plus the broker's expiry check granularity
    c, ack = resume(c5, broker.port, "se1")
    assert not ack.session_present
    assert c.publishes(1, timeout=0.5) == []


def test_session_expiry_ffffffff_never_expires(broker, c5):
    start_session(c5, broker.port, "se-max", NEVER)
    publish(c5, broker.port, payload=b"forever")
    r.sleep_past(1.5)
    c, ack = resume(c5, broker.port, "se-max")
    assert ack.session_present
    assert [p.payload for p in c.publishes(1)] == [b"forever"]


def test_clean_start_discards_the_existing_session(broker, c5):
    start_session(c5, broker.port, "se-clean", 60)
    publish(c5, broker.port, payload=b"discarded")
    c = c5(broker.port)
    ack = c.connect5("se-clean", clean=True, props=[(r.SESSION_EXPIRY, 60)])
    assert not ack.session_present
    assert c.publishes(1, timeout=0.5) == []
    publish(c5, broker.port, payload=b"unsubscribed now")
    assert c.publishes(1, timeout=0.5) == []


def test_disconnect_can_shorten_session_expiry_to_0(broker, c5):
    c = c5(broker.port)
    c.connect5("se-short", props=[(r.SESSION_EXPIRY, 60)])
    c.subscribe5("se/t")
    c.send(r.disconnect(0, [(r.SESSION_EXPIRY, 0)]))
    assert c.wait_closed()
    c, ack = resume(c5, broker.port, "se-short")
    assert not ack.session_present


def test_disconnect_with_session_expiry_on_a_0_expiry_session_is_a_protocol_error(broker, c5):
    c = c5(broker.port)
    c.connect5("se-bad", props=[(r.SESSION_EXPIRY, 0)])
    c.subscribe5("se/t")
    c.send(r.disconnect(0, [(r.SESSION_EXPIRY, 30)]))  # 3.14.2.2.2
    state, got = c.outcome(5)
    assert state == "closed"
    assert [(p.type, p.reason) for p in got] in ([], [(r.DISCONNECT, r.PROTOCOL_ERROR)]), got
    c, ack = resume(c5, broker.port, "se-bad")
    assert not ack.session_present, "the invalid DISCONNECT extended the session"


def test_session_present_on_takeover_of_a_live_session(broker, c5):
    first = c5(broker.port)
    first.connect5("se-live", props=[(r.SESSION_EXPIRY, 60)])
    first.subscribe5("se/t")
    second, ack = resume(c5, broker.port, "se-live")
    assert ack.session_present
    assert first.wait_closed()
    publish(c5, broker.port, payload=b"to the new connection")
    assert [p.payload for p in second.publishes(1)] == [b"to the new connection"]
