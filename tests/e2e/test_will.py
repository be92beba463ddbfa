"""Last Will and Testament, MQTT 3.1.1 section 3.1.2.5: when it fires, and when it must not."""
import os
import signal
import subprocess
import sys

import pytest

from testing import rawmqtt as m
from testing.broker import wait_until
from testing.clients import LineReader

WILL = ("will/t", b"gone", 1, False)


def watcher(paho, port, topic="will/#"):
    w = paho(port, "watcher")
    w.subscribe(topic, 1)
    return w


def test_will_fires_on_keepalive_timeout(broker, raw, paho):
    w = watcher(paho, broker.port)
    c = raw(broker.port)
    c.connect("ka", keepalive=1, will=WILL)
    got = w.collect(1, timeout=10)
    assert [(x.topic, x.payload) for x in got] == [("will/t", b"gone")]


def test_will_fires_when_socket_closes_without_disconnect(broker, raw, paho):
    w = watcher(paho, broker.port)
    c = raw(broker.port)
    c.connect("closer", will=WILL)
    c.close()
    assert [x.payload for x in w.collect(1)] == [b"gone"]


def test_will_fires_when_connection_is_reset(broker, raw, paho):
    w = watcher(paho, broker.port)
    c = raw(broker.port)
    c.connect("resetter", will=WILL)
    c.abort()
    assert [x.payload for x in w.collect(1)] == [b"gone"]


def test_will_fires_when_mosquitto_sub_process_is_killed(broker, paho):
    w = watcher(paho, broker.port)
    sub = subprocess.Popen(
        ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-i", "victim",
         "-t", "ready/victim", "--will-topic", "will/t", "--will-payload", "killed",
         "--will-qos", "1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        # Ping until mosquitto_sub prints a message: then it is connected and subscribed.
        out, pub = LineReader(sub.stdout), paho(broker.port, "pinger")
        assert wait_until(lambda: pub.publish("ready/victim", b"ping") and
                          out.readline(timeout=0.3) == "ping")
        os.kill(sub.pid, signal.SIGKILL)
        assert [x.payload for x in w.collect(1)] == [b"killed"]
    finally:
        sub.kill()
        sub.wait(10)


def test_will_fires_when_python_client_process_is_killed(broker, paho):
    w = watcher(paho, broker.port)
    script = (
        "import paho.mqtt.client as mqtt\n"
        "c = mqtt.Client('pykill')\n"
        "c.will_set('will/t', b'py-killed', 1)\n"
        "c.on_connect = lambda *a: print('up', flush=True)\n"
        f"c.connect('127.0.0.1', {broker.port}, 60)\n"
        "c.loop_forever()\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    try:
        assert LineReader(proc.stdout).readline() == "up"
        proc.send_signal(signal.SIGKILL)
        assert [x.payload for x in w.collect(1)] == [b"py-killed"]
    finally:
        proc.kill()
        proc.wait(10)


@pytest.mark.parametrize("violation", [m.publish("a/#", b"x"), m.packet(m.PUBLISH, 0x06, m.utf8("a"))],
                         ids=["wildcard-topic", "qos-3"])
def test_will_fires_on_protocol_error(broker, raw, paho, violation):
    w = watcher(paho, broker.port)
    c = raw(broker.port)
    c.connect("violator", will=WILL)
    c.send(violation)
    assert c.wait_closed()
    assert [x.payload for x in w.collect(1)] == [b"gone"]


@pytest.mark.spec_only("Mosquitto 2.0.11 drops the will when it rejects a second CONNECT")
def test_will_fires_when_a_second_connect_is_rejected(broker, raw, paho):
    # 3.1.0-2: a second CONNECT is a protocol violation; 3.1.2.5: protocol errors send the will.
    w = watcher(paho, broker.port)
    c = raw(broker.port)
    c.connect("violator", will=WILL)
    c.send(m.connect("violator"))
    assert c.wait_closed()
    assert [x.payload for x in w.collect(1)] == [b"gone"]


def test_will_fires_on_session_takeover(broker, raw, paho):
    w = watcher(paho, broker.port)
    first = raw(broker.port)
    first.connect("taken", will=WILL)
    second = raw(broker.port)
    second.connect("taken")
    assert first.wait_closed()
    assert [x.payload for x in w.collect(1)] == [b"gone"]


def test_will_is_not_sent_after_disconnect(broker, raw, paho):
    w = watcher(paho, broker.port)
    c = raw(broker.port)
    c.connect("polite", will=WILL)
    c.send(m.disconnect())
    assert c.wait_closed()
    assert w.collect(1, timeout=1.5) == []


def test_will_is_not_sent_by_a_client_without_will(broker, raw, paho):
    w = watcher(paho, broker.port)
    c = raw(broker.port)
    c.connect("nowill")
    c.abort()
    assert w.collect(1, timeout=1.0) == []


def test_will_qos_and_retain_are_honoured_for_a_late_subscriber(broker, raw, paho):
    c = raw(broker.port)
    c.connect("retwill", will=("will/r", b"last words", 2, True))
    c.close()
    # Poll: the will is published asynchronously once the broker sees the close.
    got = []

    def late_subscriber_gets_it():
        s = raw(broker.port)
        s.connect("")
        s.subscribe([("will/r", 2)])
        got[:] = [p for p in s.recv_all(quiet=0.3) if p.type == m.PUBLISH]
        s.close()
        # A poll that subscribed just before the will fired gets it live (retain 0, as it
        # should); only a subscription made after it shows what was retained.
        return any(p.retain for p in got)

    assert wait_until(late_subscriber_gets_it, deadline=10)
    assert [(p.payload, p.qos, p.retain) for p in got] == [(b"last words", 2, True)]


def test_will_is_delivered_at_the_will_qos_to_a_qos2_subscriber(broker, raw):
    s = raw(broker.port)
    s.connect("wq-sub")
    s.subscribe([("will/q", 2)])
    c = raw(broker.port)
    c.connect("wq", will=("will/q", b"q1", 1, False))
    c.close()
    p = s.expect(m.PUBLISH)
    assert (p.payload, p.qos, p.retain) == (b"q1", 1, False)
