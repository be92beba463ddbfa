"""MQTT 5.0 DISCONNECT sent by the server (3.14.2.1, 4.13): session taken over, keep alive
timeout, packet too large, server shutting down, retain and QoS not supported."""
import signal
import time

import pytest

from testing import raw5 as r
from testing.paho5 import c5, paho5  # noqa: F401  (fixtures)


def client(c5, port, cid, **kw):
    c = c5(port)
    assert c.connect5(cid, **kw).reason == 0
    return c


def disconnects(c, timeout=5.0):
    state, got = c.outcome(timeout)
    return state, [(p.type, p.reason) for p in got]


def test_session_takeover_closes_the_old_connection(broker, c5):
    old = client(c5, broker.port, "taken")
    new = client(c5, broker.port, "taken")
    state, got = disconnects(old)
    assert state == "closed"
    assert got in ([], [(r.DISCONNECT, r.SESSION_TAKEN_OVER)]), got
    new.send(r.m.pingreq())
    assert new.expect5(r.PINGRESP)


@pytest.mark.spec_only("Mosquitto 2.0.11 closes the old connection without DISCONNECT 0x8E")
def test_session_takeover_sends_disconnect_0x8e(broker, c5):
    old = client(c5, broker.port, "taken")
    client(c5, broker.port, "taken")
    assert disconnects(old) == ("closed", [(r.DISCONNECT, r.SESSION_TAKEN_OVER)])


@pytest.mark.spec_only("Mosquitto 2.0.11 closes an idle connection without DISCONNECT 0x8D "
                       "(and only checks keepalives every 5 s)")
def test_keep_alive_timeout_sends_disconnect_0x8d(broker, c5):
    c = client(c5, broker.port, "idle", keepalive=1)
    t0 = time.monotonic()
    # 3.1.2.10: within 1.5 keep alive periods; allow 1.5 s scheduling margin.
    assert disconnects(c, timeout=3.5) == ("closed", [(r.DISCONNECT, r.KEEP_ALIVE_TIMEOUT)])
    assert time.monotonic() - t0 < 3.0


def test_packet_larger_than_max_packet_size_gets_disconnect_0x95(make_broker, c5, paho5):
    b = make_broker(["max_packet_size 200"])
    watcher = paho5(b.port, "watcher")
    watcher.subscribe("big/#", 1)
    c = client(c5, b.port, "big")
    c.send(r.publish("big/t", b"x" * 300, 1))
    assert disconnects(c) == ("closed", [(r.DISCONNECT, r.PACKET_TOO_LARGE)])
    assert watcher.collect(1, timeout=0.5) == []
    ok = client(c5, b.port, "small")
    assert ok.publish5("big/t", b"y" * 100, 1).reason == r.SUCCESS
    assert [x.payload for x in watcher.collect(1)] == [b"y" * 100]


@pytest.mark.spec_only("Mosquitto 2.0.11 closes connections on SIGTERM without DISCONNECT 0x8B")
def test_sigterm_sends_disconnect_0x8b(broker, c5):
    c = client(c5, broker.port, "bye")
    broker.proc.send_signal(signal.SIGTERM)
    assert disconnects(c) == ("closed", [(r.DISCONNECT, r.SERVER_SHUTTING_DOWN)])


def test_sigterm_closes_v5_connections(broker, c5):
    c = client(c5, broker.port, "bye")
    broker.proc.send_signal(signal.SIGTERM)
    state, got = disconnects(c)
    assert state == "closed"
    assert got in ([], [(r.DISCONNECT, r.SERVER_SHUTTING_DOWN)]), got


def test_retained_publish_when_retain_unavailable_gets_disconnect_0x9a(make_broker, c5):
    b = make_broker(["retain_available false"])
    c = client(c5, b.port, "retainer")
    c.send(r.publish("ra/t", b"x", 1, retain=True))
    assert disconnects(c) == ("closed", [(r.DISCONNECT, 0x9A)])  # 3.3.1.3


def test_qos_above_maximum_qos_gets_disconnect_0x9b(make_broker, c5):
    b = make_broker(["max_qos 1"])
    c = client(c5, b.port, "greedy")
    c.send(r.publish("mq/t", b"x", 2))
    assert disconnects(c) == ("closed", [(r.DISCONNECT, 0x9B)])  # 3.2.2.3.4


def test_subscribe_above_maximum_qos_is_granted_the_maximum(make_broker, c5):
    b = make_broker(["max_qos 1"])
    c = client(c5, b.port, "sub2")
    assert c.subscribe5([("mq/t", 2)]).reasons == [1]
