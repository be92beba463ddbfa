"""Faults the broker must ride out (issue: reliability): the file-descriptor limit reached, and a
bridge peer that accepts TCP and then says nothing. Each: a clear log line, refusal or retry
instead of a crash or a busy loop, recovery when the fault goes away.
(Disk full and a read-only store: test_persistence_faults.py.)
"""
import os
import shutil
import socket
import subprocess
import threading
import time

import paho.mqtt.client as mqtt
import pytest

from testing.broker import free_port, wait_until

MOSQUITTO = "/usr/sbin/mosquitto"
DEADLINE = 15.0


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def connected_client(port, client_id, on_message=None):
    c = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv311)
    done = threading.Event()
    c.on_connect = lambda *a: done.set()
    if on_message:
        c.on_message = on_message
    c.connect("127.0.0.1", port, keepalive=30)
    c.loop_start()
    assert done.wait(DEADLINE), f"{client_id} did not connect"
    return c


def round_trip(client, got, topic, payload):
    got.clear()
    client.publish(topic, payload, qos=1)
    return wait_until(lambda: payload in got, DEADLINE)


@pytest.mark.lampi_only("lampi's log lines for the fd limit")
@pytest.mark.skipif(shutil.which("prlimit") is None, reason="needs prlimit (util-linux)")
def test_fd_limit_refuses_new_connections_serves_old_ones_and_recovers(make_broker):
    # Run as the test's user: changing another user's limits needs CAP_SYS_RESOURCE, which a
    # container may not grant even to root.
    b = make_broker(["user root"] if os.geteuid() == 0 else [])
    got = []
    old = connected_client(b.port, "fd-old", lambda c, u, m: got.append(m.payload))
    old.subscribe("fd/t", qos=1)
    assert round_trip(old, got, "fd/t", b"before")

    limit = open_fds(b.proc.pid) + 6
    subprocess.run(["prlimit", f"--pid={b.proc.pid}", f"--nofile={limit}:{limit}"], check=True)
    hogs = []
    try:
        for _ in range(20):
            hogs.append(socket.create_connection(("127.0.0.1", b.port), timeout=5))
        assert wait_until(lambda: "Unable to accept new connections" in b.log(), DEADLINE), b.log()
        # Accepting fails, retried every 100 ms: still logged once, and the broker keeps serving.
        time.sleep(1.0)
        assert b.log().count("Unable to accept new connections") == 1, b.log()
        assert round_trip(old, got, "fd/t", b"during")
        assert b.running()
    finally:
        for h in hogs:
            h.close()

    assert wait_until(lambda: "Accepting new connections" in b.log(), DEADLINE), b.log()
    new = connected_client(b.port, "fd-new")
    new.publish("fd/t", b"after", qos=1)
    assert wait_until(lambda: b"after" in got, DEADLINE)
    for c in (old, new):
        c.loop_stop()
        c.disconnect()


class SilentPeer:
    """Accepts TCP connections, reads and never writes a byte."""

    def __init__(self, port):
        self.server = socket.create_server(("127.0.0.1", port))
        self.server.settimeout(0.1)  # so the thread notices close() and frees the port
        self.accepted = 0
        self.conns = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.server.accept()
            except socket.timeout:
                continue
            self.accepted += 1
            self.conns.append(conn)
        self.server.close()

    def close(self):
        self.stopped.set()
        self.thread.join(5)
        for c in self.conns:
            c.close()


@pytest.mark.lampi_only("lampi's bridge log lines")
@pytest.mark.skipif(not os.path.exists(MOSQUITTO), reason="needs " + MOSQUITTO)
def test_bridge_to_a_peer_that_never_answers_retries_with_backoff_and_recovers(make_broker, tmp_path):
    port = free_port()
    peer = SilentPeer(port)
    edge = make_broker([
        "connection silent", f"address 127.0.0.1:{port}", "remote_clientid silent-edge",
        "keepalive_interval 5", "restart_timeout 1", "topic fault/# out 1",
    ])
    got = []
    local = connected_client(edge.port, "local", lambda c, u, m: got.append(m.payload))
    local.subscribe("fault/#", qos=1)
    try:
        # No CONNACK within the keep alive: give up, wait restart_timeout, try again.
        assert wait_until(lambda: peer.accepted >= 2, 20), peer.accepted
        t0, n0 = time.monotonic(), peer.accepted
        time.sleep(6)
        per_second = (peer.accepted - n0) / (time.monotonic() - t0)
        assert per_second <= 1.0, f"{per_second:.1f} attempts/s: not backing off"
        # Logged once per state change, not once per attempt.
        assert edge.log().count("Bridge silent: cannot connect to") == 1, edge.log()
        # The edge keeps serving its own clients meanwhile.
        assert round_trip(local, got, "fault/local", b"local")
    finally:
        peer.close()

    cloud_log = open(tmp_path / "mosquitto.log", "w")
    cloud = subprocess.Popen([MOSQUITTO, "-p", str(port)], stdout=cloud_log, stderr=cloud_log)
    try:
        assert wait_until(lambda: "Bridge silent connected to" in edge.log(), 30), edge.log()
        remote = []
        watcher = connected_client(port, "watcher", lambda c, u, m: remote.append(m.payload))
        watcher.subscribe("fault/#", qos=1)
        time.sleep(0.5)
        local.publish("fault/x", b"crossed", qos=1)
        assert wait_until(lambda: b"crossed" in remote, DEADLINE)
        watcher.loop_stop()
        watcher.disconnect()
    finally:
        local.loop_stop()
        cloud.terminate()
        cloud.wait(10)
        cloud_log.close()
