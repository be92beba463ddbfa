"""Reliability under hostile or broken peers (fast versions of bench/soak; docs/reliability.md).

- garbage: hundreds of connections sending random bytes, half a CONNECT, or resetting, while a
  well-behaved client keeps publishing and receiving QoS 1 without loss;
- a subscriber that stops reading: a QoS 0 flood to it must not grow the broker without limit
  (lampi drops QoS 0 for a reader whose output buffer is past 16 MiB);
- a connection that never sends CONNECT is closed after the connect timeout (20 s in lampi).

The broker's memory is read from /proc/<pid>/status (VmRSS), so these run on Linux only.
"""
import random
import select
import socket
import time

import pytest

from testing import rawmqtt as m

MB = 1024 * 1024


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def open_socket(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def qos1_round_trip(client, topic: str, payload: bytes, pid: int) -> None:
    """Publishes at QoS 1 to a topic the client subscribed to; expects PUBACK and the message."""
    client.send(m.publish(topic, payload, qos=1, packet_id=pid))
    got_ack = got_msg = False
    deadline = time.monotonic() + 10
    while not (got_ack and got_msg):
        p = client.recv(max(0.0, deadline - time.monotonic()))
        assert p is not None, f"QoS 1 round trip {pid} timed out (ack={got_ack} msg={got_msg})"
        if p.type == m.PUBACK and p.packet_id == pid:
            got_ack = True
        elif p.type == m.PUBLISH and p.payload == payload:
            got_msg = True
            if p.qos == 1:
                client.send(m.puback(p.packet_id))


def test_garbage_connections_do_not_disturb_a_well_behaved_client(broker, raw):
    rng = random.Random(1)
    good = raw(broker.port)
    good.connect("good-client", keepalive=30)
    good.subscribe([("rel/good", 1)])

    half_connect = m.connect("half-open", keepalive=30)
    garbage = []
    pid = 1
    for i in range(200):
        try:
            s = open_socket(broker.port)
        except OSError as e:
            pytest.fail(f"connection {i} refused while the broker should accept: {e}")
        kind = i % 4
        try:
            if kind == 0:
                s.sendall(rng.randbytes(rng.randrange(1, 2048)))
            elif kind == 1:
                s.sendall(half_connect[: rng.randrange(1, len(half_connect))])
            elif kind == 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                s.close()
                continue
            # kind 3: connects and sends nothing.
        except OSError:
            pass  # the broker may already have closed a garbage connection
        garbage.append(s)
        if i % 20 == 0:
            qos1_round_trip(good, "rel/good", b"during %d" % i, pid)
            pid += 1

    for n in range(20):
        qos1_round_trip(good, "rel/good", b"after %d" % n, pid)
        pid += 1
    assert broker.running()
    for s in garbage:
        s.close()
    qos1_round_trip(good, "rel/good", b"last", pid)


def test_stalled_qos0_subscriber_does_not_grow_the_broker(broker, raw):
    """~50 MB of QoS 0 to a subscriber that never reads: RSS must stay bounded.

    lampi slows each publishing connection (up to 1 s per read) while a target's buffer is above
    2 MiB and drops QoS 0 for it past 16 MiB, so the flood is spread over many publisher
    connections to get through in a few seconds."""
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect(("127.0.0.1", broker.port))
    stalled.sendall(m.connect("stalled", keepalive=0))
    stalled.sendall(m.subscribe(1, [("rel/flood/#", 0)]))
    time.sleep(0.2)
    stalled.recv(64)  # CONNACK + SUBACK; from now on it never reads

    bystander = raw(broker.port)
    bystander.connect("bystander")
    bystander.subscribe([("rel/other", 1)])

    rss_before = rss_bytes(broker.proc.pid)
    message = m.publish("rel/flood/x", b"x" * 16384)
    chunk = message * 8
    publishers = []
    for i in range(64):
        s = open_socket(broker.port)
        s.sendall(m.connect(f"flood-{i}", keepalive=0))
        publishers.append(s)
    for s in publishers:
        s.setblocking(False)

    target, pushed, peak = 50 * MB, 0, 0
    deadline = time.monotonic() + 40
    pending = {s: memoryview(chunk) for s in publishers}
    while pushed < target and time.monotonic() < deadline:
        _, writable, _ = select.select([], publishers, [], 0.5)
        for s in writable:
            try:
                n = s.send(pending[s])
            except BlockingIOError:
                continue
            pushed += n
            rest = pending[s][n:]
            pending[s] = rest if len(rest) else memoryview(chunk)
        peak = max(peak, rss_bytes(broker.proc.pid))
        assert broker.running()

    growth = peak - rss_before
    print(f"pushed {pushed / MB:.1f} MB, RSS {rss_before / MB:.1f} -> peak {peak / MB:.1f} MB")
    assert pushed >= 30 * MB, f"only {pushed / MB:.1f} MB got through in 40 s"
    # 16 MiB output cap for the stalled reader + the publishers' 64 KiB read buffers + slack.
    assert growth < 64 * MB, f"RSS grew by {growth / MB:.1f} MB"

    qos1_round_trip(bystander, "rel/other", b"still here", 7)
    for s in publishers:
        s.close()
    stalled.close()


def test_connection_that_never_sends_connect_is_closed(broker, raw):
    silent = raw(broker.port)
    start = time.monotonic()
    assert silent.wait_closed(timeout=30), "silent connection still open after 30 s"
    took = time.monotonic() - start
    assert took >= 5, f"closed after {took:.1f} s: the timeout should give a client time"
    print(f"silent connection closed after {took:.1f} s")
