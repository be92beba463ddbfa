"""Persistence when the store cannot be written (issue: durable persistence): with the disk full
or the store file made read-only at runtime, the broker logs it, stops acknowledging new QoS 1/2
messages (MQTT 5: reason 0x83; 3.1.1: no acknowledgement, the client resends), keeps QoS 0
flowing, and recovers once the store is writable again; what it acknowledges after that survives
kill -9. Needs root (mount, chattr): skipped otherwise. lampi_only: Mosquitto writes its store
only every autosave_interval."""
import os
import signal
import struct
import subprocess

import pytest

from testing.broker import wait_until
from testing.rawmqtt import (PUBACK, PUBLISH, PUBREC, RawClient, disconnect, packet,
                             publish, puback, utf8)

pytestmark = pytest.mark.lampi_only

UNSPECIFIED_ERROR = 0x83  # MQTT 5 reason code "Implementation specific error"
FAILING = "persist: cannot write to the store"
RECOVERED = "persist: the store is writable again"


def persist_lines(d):
    return ["persistence true", f"persistence_location {d}/", "max_queued_messages 0",
            "max_queued_bytes 0"]


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MiB tmpfs, unmounted at teardown."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    d = tmp_path / "disk"
    d.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8M", "tmpfs", str(d)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    yield d
    subprocess.run(["umount", "-l", str(d)], check=False)


def fill(path):
    """Writes `path` until the file system is full (ENOSPC); down to single pages."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (1 << 20, 1 << 16, 1 << 12):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError:
                pass
    finally:
        os.close(fd)


class Publisher:
    """A raw publisher of version 4 (3.1.1) or 5 with its own packet ids."""

    def __init__(self, port, client_id, level):
        self.raw = RawClient(port)
        self.level = level
        assert self.raw.connect(client_id, level=level).return_code == 0
        self.next_id = 0

    def send(self, topic, payload, qos, dup=False, pid=None):
        if pid is None:
            self.next_id += 1
            pid = self.next_id
        if self.level == 5:
            flags = (0x08 if dup else 0) | (qos << 1)
            body = utf8(topic) + (struct.pack("!H", pid) if qos else b"") + b"\x00" + payload
            self.raw.send(packet(PUBLISH, flags, body))
        else:
            self.raw.send(publish(topic, payload, qos, pid, dup=dup))
        return pid

    def ack(self, pid, timeout):
        """The reason code of the PUBACK/PUBREC for `pid` (0 for 3.1.1), or None if none came."""
        p = self.raw.recv(timeout)
        if p is None:
            return None
        assert p.type in (PUBACK, PUBREC) and p.packet_id == pid, p
        return p.body[2] if len(p.body) > 2 else 0


def offline_subscriber(port, client_id, topic_filter):
    with RawClient(port) as c:
        assert c.connect(client_id, clean=False).return_code == 0
        c.subscribe([(topic_filter, 1)])
        c.send(disconnect())


def drain_queue(port, client_id, expected):
    """Reconnects the persistent session; returns the payloads it receives (acking them)."""
    got = []
    with RawClient(port) as c:
        assert c.connect(client_id, clean=False).session_present
        while not expected <= set(got):
            p = c.recv(10)
            if p is None:
                break
            if p.type == PUBLISH:
                got.append(p.payload)
                if p.qos:
                    c.send(puback(p.packet_id))
    return got


def refuse_then_recover(b, break_store, repair_store):
    """The shared scenario. Returns (acked payloads, refused payloads)."""
    offline_subscriber(b.port, "keeper", "f/#")
    live = RawClient(b.port)
    assert live.connect("live").return_code == 0
    live.subscribe([("f/#", 0)])
    p5, p3 = Publisher(b.port, "p5", 5), Publisher(b.port, "p3", 4)
    acked, refused = set(), set()

    pid = p5.send("f/x", b"before", 1)
    assert p5.ack(pid, 5) == 0
    acked.add(b"before")

    break_store()
    # The first message after the fault may be taken (its commit fails: no acknowledgement);
    # from then on the broker knows and refuses.
    for i in range(20):
        payload = b"during-%d" % i
        pid = p5.send("f/x", payload + b"." * 2000, 1)
        code = p5.ack(pid, 2)
        if code == 0:
            acked.add(payload + b"." * 2000)
        if code == UNSPECIFIED_ERROR:
            refused.add(payload + b"." * 2000)
            break
    assert refused, f"no PUBACK 0x83 while the store is broken:\n{b.log()}"
    assert wait_until(lambda: FAILING in b.log(), 5), b.log()

    pid = p5.send("f/x", b"refused-qos2", 2)
    assert p5.ack(pid, 5) == UNSPECIFIED_ERROR, "MQTT 5 QoS 2 must get PUBREC 0x83"
    refused.add(b"refused-qos2")
    pid3 = p3.send("f/x", b"v3-qos1", 1)
    assert p3.ack(pid3, 1.5) is None, "a 3.1.1 QoS 1 message was acknowledged but not stored"
    pid3b = p3.send("f/x", b"v3-qos2", 2)
    assert p3.ack(pid3b, 1.0) is None, "a 3.1.1 QoS 2 message was acknowledged but not stored"

    p3.send("f/x", b"qos0-flows", 0)
    seen = [p.payload for p in live.recv_all(quiet=1.0, at_least=1) if p.type == PUBLISH]
    assert b"qos0-flows" in seen, "QoS 0 must keep flowing while the store is broken"
    assert not refused & set(seen), "a refused message was delivered"

    repair_store()
    recovered = False
    for i in range(30):
        pid = p5.send("f/x", b"probe-%d" % i, 1)
        code = p5.ack(pid, 1.0)
        if code == 0:
            acked.add(b"probe-%d" % i)
            recovered = True
            break
        assert code in (None, UNSPECIFIED_ERROR)
    assert recovered, f"the broker did not recover once the store was writable:\n{b.log()}"
    assert RECOVERED in b.log()
    # The 3.1.1 client resends what was never acknowledged (MQTT 3.1.1 4.4): now it is taken.
    p3.send("f/x", b"v3-qos1", 1, dup=True, pid=pid3)
    assert p3.ack(pid3, 5) == 0
    acked.add(b"v3-qos1")
    for i in range(20):
        pid = p5.send("f/x", b"after-%d" % i, 1)
        assert p5.ack(pid, 5) == 0
        acked.add(b"after-%d" % i)
    for c in (live, p5.raw, p3.raw):
        c.close()
    return acked, refused


def restart_after_kill_9(b):
    b.proc.send_signal(signal.SIGKILL)
    b.proc.wait(10)
    b.stop()
    b.start()


def test_disk_full_refuses_new_qos1_qos2_keeps_qos0_and_recovers(small_disk, make_broker):
    b = make_broker(persist_lines(small_disk))
    filler = small_disk / "filler"
    acked, refused = refuse_then_recover(b, lambda: fill(filler), lambda: filler.unlink())
    restart_after_kill_9(b)
    got = drain_queue(b.port, "keeper", acked)
    assert acked - set(got) == set(), f"lost acknowledged messages: {acked - set(got)}"
    assert not refused & set(got)


@pytest.fixture
def immutable(tmp_path):
    """chattr +i / -i on files (a read-only store at runtime; root bypasses chmod)."""
    if os.geteuid() != 0:
        pytest.skip("chattr +i needs root")
    done = []

    def set_flag(paths, on):
        for p in paths:
            r = subprocess.run(["chattr", "+i" if on else "-i", str(p)], capture_output=True,
                               text=True)
            if on and r.returncode != 0:
                pytest.skip(f"chattr +i not supported here: {r.stderr.strip()}")
            if on:
                done.append(p)

    yield set_flag
    for p in done:
        subprocess.run(["chattr", "-i", str(p)], check=False)


def test_a_store_made_read_only_at_runtime_refuses_then_recovers(immutable, make_broker,
                                                                 tmp_path):
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    b = make_broker(persist_lines(store_dir))
    files = [store_dir / "lampi.db", store_dir / "lampi.db-wal"]
    acked, refused = refuse_then_recover(b, lambda: immutable(files, True),
                                         lambda: immutable(files, False))
    restart_after_kill_9(b)
    got = drain_queue(b.port, "keeper", acked)
    assert acked - set(got) == set(), f"lost acknowledged messages: {acked - set(got)}"
    assert not refused & set(got)
