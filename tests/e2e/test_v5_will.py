"""MQTT 5.0 Will: Will Delay Interval (3.1.3.2.2), will properties, DISCONNECT reason 0x04."""
import time

import pytest

from testing import raw5 as r
from testing.paho5 import c5, paho5  # noqa: F401  (fixtures)

WILL_TOPIC = "will5/t"


def watcher(paho5, port):
    w = paho5(port, "watcher")
    w.subscribe("will5/#", 1)
    return w


def will(payload=b"gone", delay=None, props=()):
    wp = list(props) + ([(r.WILL_DELAY, delay)] if delay is not None else [])
    return (WILL_TOPIC, payload, 1, False, wp)


def test_will_is_delayed_by_will_delay_interval(broker, c5, paho5):
    w = watcher(paho5, broker.port)
    c = c5(broker.port)
    c.connect5("delayed", props=[(r.SESSION_EXPIRY, 30)], will=will(delay=2))
    c.abort()
    t0 = time.monotonic()
    assert w.collect(1, timeout=1.0) == [], "will published before its delay"
    got = w.collect(1, timeout=6)
    assert [x.payload for x in got] == [b"gone"]
    assert time.monotonic() - t0 >= 1.8


def test_reconnect_within_will_delay_cancels_the_will(broker, c5, paho5):
    w = watcher(paho5, broker.port)
    c = c5(broker.port)
    c.connect5("cancel", props=[(r.SESSION_EXPIRY, 30)], will=will(delay=1))
    c.abort()
    again = c5(broker.port)
    assert again.connect5("cancel", clean=False, props=[(r.SESSION_EXPIRY, 30)]).session_present
    assert w.collect(1, timeout=2.5) == [], "will published although the client came back"


@pytest.mark.spec_only("Mosquitto 2.0.11 waits for the Will Delay even when the session ends "
                       "at close (Session Expiry 0)")
def test_will_is_published_when_the_session_ends_before_the_delay(broker, c5, paho5):
    w = watcher(paho5, broker.port)
    c = c5(broker.port)
    # Session Expiry 0: the session ends at close, which comes before the 30 s delay.
    c.connect5("short-session", props=[(r.SESSION_EXPIRY, 0)], will=will(b"early", delay=30))
    c.abort()
    assert [x.payload for x in w.collect(1, timeout=3)] == [b"early"]


def test_will_without_delay_is_published_at_once(broker, c5, paho5):
    w = watcher(paho5, broker.port)
    c = c5(broker.port)
    c.connect5("nodelay", props=[(r.SESSION_EXPIRY, 30)], will=will(b"now"))
    c.abort()
    assert [x.payload for x in w.collect(1, timeout=3)] == [b"now"]


def test_will_properties_are_passed_on(broker, c5):
    s = c5(broker.port)
    s.connect5("will-sub")
    s.subscribe5("will5/#")
    c = c5(broker.port)
    c.connect5("with-props", will=will(b"{}", props=[
        (r.CONTENT_TYPE, "application/json"), (r.RESPONSE_TOPIC, "will5/reply"),
        (r.CORRELATION_DATA, b"\x00corr"), (r.PAYLOAD_FORMAT, 1),
        (r.USER_PROPERTY, ("a", "1")), (r.USER_PROPERTY, ("b", "2"))]))
    c.abort()
    got = s.publishes(1)
    assert [x.payload for x in got] == [b"{}"]
    p = got[0].props
    assert p.get(r.CONTENT_TYPE) == "application/json"
    assert p.get(r.RESPONSE_TOPIC) == "will5/reply"
    assert p.get(r.CORRELATION_DATA) == b"\x00corr"
    assert p.get(r.PAYLOAD_FORMAT) == 1
    assert p.user == [("a", "1"), ("b", "2")]
    assert r.WILL_DELAY not in p


def test_disconnect_with_reason_0x04_publishes_the_will(broker, c5, paho5):
    w = watcher(paho5, broker.port)
    c = c5(broker.port)
    c.connect5("with-will", will=will(b"asked for"))
    c.send(r.disconnect(r.DISCONNECT_WITH_WILL))
    assert c.wait_closed()
    assert [x.payload for x in w.collect(1, timeout=4)] == [b"asked for"]


def test_disconnect_with_reason_0x00_discards_the_will(broker, c5, paho5):
    w = watcher(paho5, broker.port)
    c = c5(broker.port)
    c.connect5("normal", will=will(b"must not"))
    c.send(r.disconnect(r.SUCCESS))
    assert c.wait_closed()
    assert w.collect(1, timeout=1.0) == []


def test_paho_v5_will_with_user_properties(broker, paho5):
    from paho.mqtt.packettypes import PacketTypes
    from testing.paho5 import props
    w = watcher(paho5, broker.port)
    c = paho5(broker.port, "paho-will", will=(WILL_TOPIC, b"paho", 1, False),
              will_props=props(PacketTypes.WILLMESSAGE, UserProperty=[("why", "test")]))
    c.client.loop_stop()  # stop paho's thread first, then drop the connection without DISCONNECT
    c.client.socket().close()
    got = w.collect(1, timeout=4)
    assert [x.payload for x in got] == [b"paho"]
    assert got[0].properties.UserProperty == [("why", "test")]
