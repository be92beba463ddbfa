#!/usr/bin/env python3
"""Fills and checks the store for bench/persistence.sh's restart measurement, over plain MQTT 3.1.1.

  persistence_fill.py fill PORT RETAINED SESSIONS QUEUED
      SESSIONS persistent sessions s<i> subscribed to q/<i> at QoS 1 (then offline), RETAINED
      retained QoS 1 messages r/<i // 1000>/<i>, then QUEUED QoS 1 messages "queued-<n>" on every
      q/<i>. Publishes with a window of unacknowledged messages and returns once every PUBLISH
      has its PUBACK, so the broker has them all on disk.
  persistence_fill.py check PORT SESSIONS QUEUED SAMPLE
      Reconnects SAMPLE of the sessions (spread over the range) and checks that each receives its
      QUEUED messages, in order, exactly once; checks one retained branch. Prints the time the
      sessions took to deliver. Exit status 1 on any mismatch.

A raw socket client rather than paho: paho's outgoing queue and packet-id reuse (ERR_QUEUE_SIZE)
break down at 200,000 unacknowledged-then-acknowledged messages.
"""
import socket
import struct
import sys
import time

WINDOW = 2000  # unacknowledged QoS 1 PUBLISHes per connection


def encode_length(n):
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(b)) + b


def packet(first, body):
    return bytes([first]) + encode_length(len(body)) + body


class Conn:
    def __init__(self, port, client_id, clean):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        flags = 0x02 if clean else 0x00
        self.sock.sendall(packet(0x10, utf8("MQTT") + bytes([4, flags]) + struct.pack("!H", 60) + utf8(client_id)))
        kind, body = self.read()
        if kind != 0x20 or body[1] != 0:
            raise SystemExit(f"{client_id}: CONNACK refused: {body.hex()}")
        self.session_present = body[0] & 1

    def read(self):
        """Next packet: (first byte, body)."""
        while True:
            if len(self.buf) >= 2:
                length, mult, pos = 0, 1, 1
                while pos < len(self.buf):
                    b = self.buf[pos]
                    length += (b & 0x7F) * mult
                    mult *= 128
                    pos += 1
                    if not b & 0x80:
                        if len(self.buf) >= pos + length:
                            first, body = self.buf[0], bytes(self.buf[pos:pos + length])
                            del self.buf[:pos + length]
                            return first, body
                        break
            data = self.sock.recv(1 << 16)
            if not data:
                raise SystemExit("connection closed by the broker")
            self.buf += data

    def subscribe(self, topic_filter, qos):
        self.sock.sendall(packet(0x82, struct.pack("!H", 1) + utf8(topic_filter) + bytes([qos])))
        kind, body = self.read()
        if kind != 0x90 or body[2] > 2:
            raise SystemExit(f"SUBACK refused: {body.hex()}")

    def publish_all(self, messages):
        """QoS 1 PUBLISH of each (topic, payload, retain), at most WINDOW unacknowledged."""
        unacked = set()
        next_id = 1
        pending = []
        for topic, payload, retain in messages:
            while len(unacked) >= WINDOW:
                self.flush(pending)
                self.take_ack(unacked)
            while next_id in unacked:
                next_id = next_id % 65535 + 1
            unacked.add(next_id)
            pending.append(packet(0x32 | (1 if retain else 0), utf8(topic) + struct.pack("!H", next_id) + payload))
            next_id = next_id % 65535 + 1
            if len(pending) >= 200:
                self.flush(pending)
        self.flush(pending)
        while unacked:
            self.take_ack(unacked)

    def flush(self, pending):
        if pending:
            self.sock.sendall(b"".join(pending))
            pending.clear()

    def take_ack(self, unacked):
        kind, body = self.read()
        if kind != 0x40:
            raise SystemExit(f"expected PUBACK, got {kind:#x}")
        unacked.discard(struct.unpack("!H", body[:2])[0])

    def close(self):
        self.sock.sendall(b"\xe0\x00")
        self.sock.close()


def fill(port, retained, sessions, queued):
    t0 = time.time()
    for i in range(sessions):
        c = Conn(port, f"s{i}", clean=False)
        c.subscribe(f"q/{i}", 1)
        c.close()
    pub = Conn(port, "filler", clean=True)
    pub.publish_all((f"r/{i // 1000}/{i}", b"retained-%d" % i, True) for i in range(retained))
    pub.publish_all((f"q/{i}", b"queued-%d" % n, False) for n in range(queued) for i in range(sessions))
    pub.close()
    print(f"  filled in {time.time() - t0:.1f} s ({retained} retained, {sessions} sessions x {queued} queued)")


def receive_queue(port, i, queued):
    """Reconnects s<i>; returns the seconds until its QUEUED messages arrived; checks them."""
    t0 = time.time()
    c = Conn(port, f"s{i}", clean=False)
    if not c.session_present:
        raise SystemExit(f"s{i}: session present is 0 after the restart")
    got = []
    while len(got) < queued:
        kind, body = c.read()
        if kind >> 4 != 3:
            continue
        tlen = struct.unpack("!H", body[:2])[0]
        topic = body[2:2 + tlen].decode()
        qos = (kind >> 1) & 3
        pos = 2 + tlen
        if qos:
            c.sock.sendall(packet(0x40, body[pos:pos + 2]))
            pos += 2
        if topic != f"q/{i}":
            raise SystemExit(f"s{i}: unexpected topic {topic}")
        got.append(body[pos:])
    elapsed = time.time() - t0
    expected = [b"queued-%d" % n for n in range(queued)]
    if got != expected:
        raise SystemExit(f"s{i}: wrong queued messages: first {got[:3]}, expected {expected[:3]}")
    # Nothing more may follow (each message exactly once).
    c.sock.settimeout(0.2)
    try:
        while True:
            kind, body = c.read()
            if kind >> 4 == 3:
                raise SystemExit(f"s{i}: extra message after the {queued} queued ones")
    except (socket.timeout, TimeoutError):
        pass
    c.close()
    return elapsed


def check(port, sessions, queued, sample):
    picks = sorted({(k * sessions) // sample for k in range(sample)} | {sessions - 1})
    times = [receive_queue(port, i, queued) for i in picks]
    print(f"  {len(picks)} restored sessions each got their {queued} queued messages in order, "
          f"once: {min(times) * 1000:.0f}-{max(times) * 1000:.0f} ms per session from CONNECT")
    # One retained branch: r/7/# holds r/7/7000 .. r/7/7999.
    c = Conn(port, "retained-check", clean=True)
    c.subscribe("r/7/#", 0)
    c.sock.settimeout(5)
    seen = set()
    while len(seen) < 1000:
        kind, body = c.read()
        if kind >> 4 == 3:
            tlen = struct.unpack("!H", body[:2])[0]
            seen.add(body[2:2 + tlen].decode())
    c.close()
    if seen != {f"r/7/{i}" for i in range(7000, 8000)}:
        raise SystemExit("retained messages under r/7/# are not the 1000 expected")
    print("  retained: r/7/# holds its 1000 retained messages")


if __name__ == "__main__":
    cmd, args = sys.argv[1], [int(a) for a in sys.argv[2:]]
    if cmd == "fill":
        fill(*args)
    elif cmd == "check":
        check(*args)
    else:
        raise SystemExit(__doc__)
