"""Bridges end to end (issue: bridges): real broker processes bridged to each other with the
LAMPi bridge lines, watched from both sides with paho-mqtt.

The side under test is lampi-broker (the binary of the fixtures: LAMPI_BROKER / LAMPI_BIN /
build/release); the other side is Debian's Mosquitto (/usr/sbin/mosquitto) where interoperability is
the point, or a second lampi-broker. LAMPi lines (see /work/shared/reference/lampi.md):

    topic lamp/set_config in 1 "" devices/<id>/
    topic lamp/changed out 1 "" devices/<id>/
    topic lamp/connection/+/state out 1 "" devices/<id>/
    topic lamp/associated in 2 "" devices/<id>/

Every wait polls with a deadline (generous: a loaded 2-core machine); "nothing arrives" checks
listen for a short fixed window. `restart_timeout 1` keeps reconnects fast.
Run: /usr/bin/python3 -m pytest -v tests/e2e/test_bridge.py
"""
import os
import select
import shutil
import signal
import socket
import subprocess
import threading
import tempfile
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from testing.broker import free_port, wait_until
from testing.tls import env_capped_at_tls12

MOSQUITTO = "/usr/sbin/mosquitto"
DEADLINE = 15.0
QUIET = 1.5  # how long "nothing (more) arrives" is listened for
needs_mosquitto = pytest.mark.skipif(not os.path.exists(MOSQUITTO), reason="needs " + MOSQUITTO)


def new_dev():
    return "b827eb" + uuid.uuid4().hex[:6]


def note_topic(dev):
    return f"$SYS/broker/connection/{dev}_broker/state"


def lampi_bridge(dev, address, *extra, topics=True):
    """The LAMPi bridge stanza for device `dev` to `address` ("host:port", or several)."""
    lines = [f"connection {dev}_broker", f"address {address}", f"remote_clientid {dev}_broker",
             "restart_timeout 1", "keepalive_interval 5", "cleansession false"]
    if topics:
        lines += [f'topic lamp/set_config in 1 "" devices/{dev}/',
                  f'topic lamp/changed out 1 "" devices/{dev}/',
                  f'topic lamp/connection/+/state out 1 "" devices/{dev}/',
                  f'topic lamp/associated in 2 "" devices/{dev}/']
    return lines + list(extra)


class Watch:
    """A paho client subscribed (QoS 2 unless told) to some filters, recording every message as
    (topic, payload, qos, retain) with its arrival time."""

    def __init__(self, port, filters, qos=2, client_id=None, clean_session=True,
                 protocol=mqtt.MQTTv311):
        self.msgs, self.lock = [], threading.Lock()
        self.c = mqtt.Client(client_id=client_id or "w-" + uuid.uuid4().hex[:10],
                             clean_session=None if protocol == mqtt.MQTTv5 else clean_session,
                             protocol=protocol)
        self.c.on_message = self._on_message
        self.c.reconnect_delay_set(0.1, 0.5)  # short sleeps: close() is quick on a dead broker
        self.connack_flags = None
        ready = threading.Event()

        def on_connect(c, u, flags, *a):
            self.connack_flags = flags
            if filters:
                c.subscribe([(t, qos) for t in filters])
            else:
                ready.set()
        self.c.on_subscribe = lambda *a: ready.set()
        self.c.on_connect = on_connect
        self.c.connect("127.0.0.1", port, 30)
        self.c.loop_start()
        if not ready.wait(DEADLINE):
            self.close()
            raise AssertionError(f"watcher on {port} got no CONNACK/SUBACK for {filters}")

    def _on_message(self, c, u, m):
        with self.lock:
            self.msgs.append((m.topic, bytes(m.payload), m.qos, bool(m.retain)))

    def seen(self, pred=lambda m: True):
        with self.lock:
            return [m for m in self.msgs if pred(m)]

    def wait_for(self, pred, deadline=DEADLINE):
        """The first message matching pred, or None after `deadline` seconds."""
        found = []
        wait_until(lambda: found.extend(self.seen(pred)) or bool(found), deadline, 0.05)
        return found[0] if found else None

    def wait_count(self, pred, n, deadline=DEADLINE):
        wait_until(lambda: len(self.seen(pred)) >= n, deadline, 0.05)
        return self.seen(pred)

    def publish(self, topic, payload, qos=1, retain=False):
        info = self.c.publish(topic, payload, qos, retain)
        info.wait_for_publish(DEADLINE)
        assert info.is_published(), f"publish to {topic} not acknowledged"

    def close(self):
        try:
            self.c.disconnect()  # also ends paho's reconnect loop when the broker is gone
        except Exception:
            pass
        self.c.loop_stop()


@pytest.fixture
def watch():
    made = []

    def make(port, filters, **kw):
        w = Watch(port, [filters] if isinstance(filters, str) else filters, **kw)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


def is_msg(topic, payload=None, qos=None, retain=None):
    def pred(m):
        return (m[0] == topic and (payload is None or m[1] == payload)
                and (qos is None or m[2] == qos) and (retain is None or m[3] == retain))
    return pred


def wait_up(port, dev, watch, deadline=DEADLINE):
    """Waits for the bridge notification '1' on the broker at `port`; returns the watcher."""
    w = watch(port, note_topic(dev))
    assert w.wait_for(is_msg(note_topic(dev), b"1"), deadline), \
        f"no notification '1' for {dev}_broker on {port}: {w.seen()}"
    return w


def retained(port, topic, watch, deadline=5.0):
    """The retained message a new subscriber to `topic` gets first (or None)."""
    w = watch(port, topic)
    m = w.wait_for(lambda m: m[0] == topic, deadline)
    return m


def kill(b):
    b.proc.send_signal(signal.SIGKILL)
    b.proc.wait(DEADLINE)


def restart(b):
    """Starts a stopped/killed BrokerProcess again (same config, same port)."""
    if b._log:
        b._log.close()
        b._log = None
    b.start()


def publish_many(port, topic, n, tag, qos=1):
    """Publishes n QoS 1 messages '<tag>:<i>' and waits until all are acknowledged."""
    c = mqtt.Client(client_id="p-" + uuid.uuid4().hex[:10], protocol=mqtt.MQTTv311)
    c.max_inflight_messages_set(100)
    c.max_queued_messages_set(0)
    c.connect("127.0.0.1", port, 30)
    c.loop_start()
    try:
        infos = [c.publish(topic, f"{tag}:{i}".encode(), qos) for i in range(n)]
        end = time.monotonic() + 60
        for info in infos:
            info.wait_for_publish(max(0.1, end - time.monotonic()))
        assert all(i.is_published() for i in infos), \
            f"only {sum(i.is_published() for i in infos)}/{n} publishes acknowledged by {port}"
    finally:
        c.loop_stop()
        c.disconnect()


def seqs_of(w, topic, tag):
    prefix = f"{tag}:".encode()
    return [int(m[1][len(prefix):]) for m in w.seen(lambda m: m[0] == topic and m[1].startswith(prefix))]


def assert_exactly_once_in_order(seqs, n, what):
    dups = len(seqs) - len(set(seqs))
    missing = sorted(set(range(n)) - set(seqs))
    assert not missing, f"{what}: {len(missing)}/{n} missing (first {missing[:10]}), {dups} duplicates"
    assert dups == 0, f"{what}: {dups} duplicates"
    assert seqs == list(range(n)), f"{what}: out of order (first differences " \
        f"{[(i, s) for i, s in enumerate(seqs) if s != i][:5]})"


# --- the LAMPi bridge against Mosquitto, both ways round --------------------------------------

def check_lampi_lines(edge_port, cloud_port, dev, watch):
    """Messages cross only as the LAMPi lines say, with the right topics, QoS and retain."""
    R, NOTE = f"devices/{dev}/", note_topic(dev)
    cloud_note = wait_up(cloud_port, dev, watch)
    edge_note = wait_up(edge_port, dev, watch)
    # Notifications: '1', retained, unprefixed, on both sides.
    for port, side in ((cloud_port, "cloud"), (edge_port, "edge")):
        m = retained(port, NOTE, watch)
        assert m and m[1] == b"1" and m[3], f"retained notification on the {side}: {m}"
    assert cloud_note and edge_note

    edge = watch(edge_port, ["lamp/#", "devices/#"])
    cloud = watch(cloud_port, ["#"])
    tag = uuid.uuid4().hex[:8]

    # out, QoS 1 line: lamp/changed retained QoS 1 -> devices/<id>/lamp/changed retained QoS 1.
    state = ('{"color": {"h": 0.5, "s": 1.0}, "brightness": 0.8, "on": true, "client": "%s"}'
             % tag).encode()
    edge.publish("lamp/changed", state, 1, retain=True)
    m = cloud.wait_for(is_msg(R + "lamp/changed", state))
    assert m and m[2] == 1, f"lamp/changed on the cloud: {m}"
    m = retained(cloud_port, R + "lamp/changed", watch)
    assert m and m[1] == state and m[3] and m[2] == 1, f"retained lamp/changed on the cloud: {m}"
    # QoS is the lower of the line's and the message's: 2 -> 1, 0 -> 0.
    edge.publish("lamp/changed", b"q2-" + tag.encode(), 2)
    edge.publish("lamp/changed", b"q0-" + tag.encode(), 0)
    m2 = cloud.wait_for(is_msg(R + "lamp/changed", b"q2-" + tag.encode()))
    m0 = cloud.wait_for(is_msg(R + "lamp/changed", b"q0-" + tag.encode()))
    assert m2 and m2[2] == 1 and not m2[3], f"QoS 2 message on a QoS 1 line: {m2}"
    assert m0 and m0[2] == 0, f"QoS 0 message: {m0}"
    edge.publish("lamp/connection/lamp_service/state", b"1", 1, retain=True)
    m = cloud.wait_for(is_msg(R + "lamp/connection/lamp_service/state", b"1"))
    assert m and m[2] == 1, f"lamp/connection/+/state on the cloud: {m}"

    # in, QoS 1 line: devices/<id>/lamp/set_config -> lamp/set_config.
    cfg = ('{"on": false, "client": "%s"}' % tag).encode()
    cloud.publish(R + "lamp/set_config", cfg, 2)
    m = edge.wait_for(is_msg("lamp/set_config", cfg))
    assert m and m[2] == 1 and not m[3], f"lamp/set_config on the edge: {m}"
    # in, QoS 2 line, retained: lamp/associated keeps QoS 2 and the retain flag.
    assoc = ('{"associated": true, "code": "%s"}' % tag).encode()
    cloud.publish(R + "lamp/associated", assoc, 2, retain=True)
    m = edge.wait_for(is_msg("lamp/associated", assoc))
    assert m and m[2] == 2, f"lamp/associated on the edge: {m}"
    m = retained(edge_port, "lamp/associated", watch)
    assert m and m[1] == assoc and m[3], f"retained lamp/associated on the edge: {m}"

    # Nothing else crosses: other topics, and the configured ones in the wrong direction.
    secret = ("nope-" + tag).encode()
    edge.publish("lamp/other", secret, 1)
    edge.publish("lamp/set_config", secret, 1)          # in-only line, wrong direction
    edge.publish("lamp/associated", secret, 1)          # in-only line, wrong direction
    edge.publish(R + "lamp/changed", secret, 1)         # already prefixed: not an edge topic
    cloud.publish(R + "lamp/changed", secret, 1)        # out-only line, wrong direction
    cloud.publish(R + "lamp/connection/x/state", secret, 1)
    cloud.publish("lamp/set_config", secret, 1)         # unprefixed on the cloud
    cloud.publish(f"devices/other{dev}/lamp/set_config", secret, 1)
    time.sleep(QUIET)
    assert cloud.seen(lambda m: m[1] == secret) == [
        (t, secret, 1, False) for t in (R + "lamp/changed", R + "lamp/connection/x/state",
                                        "lamp/set_config", f"devices/other{dev}/lamp/set_config")], \
        f"edge-only messages crossed to the cloud: {cloud.seen(lambda m: m[1] == secret)}"
    assert sorted(edge.seen(lambda m: m[1] == secret)) == sorted(
        [("lamp/other", secret, 1, False), ("lamp/set_config", secret, 1, False),
         ("lamp/associated", secret, 1, False), (R + "lamp/changed", secret, 1, False)]), \
        f"cloud-only messages crossed to the edge: {edge.seen(lambda m: m[1] == secret)}"
    assert not cloud.seen(lambda m: m[0].startswith("lamp/") and m[1] != secret), \
        f"unprefixed topics on the cloud: {cloud.seen(lambda m: m[0].startswith('lamp/'))}"
    # Each message crossed once (no echo back through the bridge).
    assert len(cloud.seen(is_msg(R + "lamp/changed", state))) == 1
    assert len(edge.seen(is_msg("lamp/set_config", cfg))) == 1
    assert len(edge.seen(is_msg("lamp/changed", state))) == 1
    return cloud_note


def check_will_on_kill(edge, cloud_port, dev, cloud_note):
    """SIGKILL the edge: the cloud's will publishes '0' (retained) for the bridge."""
    NOTE = note_topic(dev)
    kill(edge)
    m = cloud_note.wait_for(is_msg(NOTE, b"0"))
    assert m, f"no '0' on the cloud after the edge was killed: {cloud_note.seen()}"
    w = Watch(cloud_port, [NOTE])
    try:
        m = w.wait_for(lambda m: m[0] == NOTE, 5)
        assert m and m[1] == b"0" and m[3], f"retained notification after the kill: {m}"
    finally:
        w.close()


@needs_mosquitto
def test_lampi_edge_to_mosquitto_cloud(make_broker, watch):
    dev = new_dev()
    cloud = make_broker(binary=MOSQUITTO)
    edge = make_broker(lampi_bridge(dev, f"127.0.0.1:{cloud.port}"))
    note = check_lampi_lines(edge.port, cloud.port, dev, watch)
    check_will_on_kill(edge, cloud.port, dev, note)


@needs_mosquitto
def test_mosquitto_edge_to_lampi_cloud(make_broker, watch):
    dev = new_dev()
    cloud = make_broker()
    edge = make_broker(lampi_bridge(dev, f"127.0.0.1:{cloud.port}"), binary=MOSQUITTO)
    note = check_lampi_lines(edge.port, cloud.port, dev, watch)
    check_will_on_kill(edge, cloud.port, dev, note)


def test_lampi_edge_to_lampi_cloud(make_broker, watch):
    dev = new_dev()
    cloud = make_broker()
    edge = make_broker(lampi_bridge(dev, f"127.0.0.1:{cloud.port}"))
    note = check_lampi_lines(edge.port, cloud.port, dev, watch)
    check_will_on_kill(edge, cloud.port, dev, note)


# --- outages ----------------------------------------------------------------------------------

N_OUTAGE = 5000
BIG_QUEUES = ["max_queued_messages 0", "max_queued_bytes 0"]  # 0: no limit


@pytest.mark.lampi_only("a cloud killed with SIGKILL keeps what it acknowledged (persistence)")
def test_outage_cloud_killed_edge_to_cloud(make_broker, tmp_path):
    """SIGKILL the cloud, publish 5,000 QoS 1 on the edge, restart the cloud: all arrive at the
    cloud's persistent subscriber once, in order."""
    dev = new_dev()
    R = f"devices/{dev}/"
    store = tmp_path / "cloudstore"
    store.mkdir()
    cloud = make_broker(["persistence true", f"persistence_location {store}/", *BIG_QUEUES])
    edge = make_broker([*BIG_QUEUES, *lampi_bridge(dev, f"127.0.0.1:{cloud.port}")])
    note = Watch(cloud.port, [note_topic(dev)])
    try:
        assert note.wait_for(is_msg(note_topic(dev), b"1")), "bridge never came up"
    finally:
        note.close()
    sub_id = "cloud-sub-" + dev
    sub = Watch(cloud.port, [R + "lamp/changed"], qos=1, client_id=sub_id, clean_session=False)
    sub.close()  # offline now: the restarted cloud must queue for it

    kill(cloud)
    edge_note = Watch(edge.port, [note_topic(dev)])
    try:
        assert edge_note.wait_for(is_msg(note_topic(dev), b"0")), "edge did not notice the outage"
    finally:
        edge_note.close()
    t0 = time.monotonic()
    publish_many(edge.port, "lamp/changed", N_OUTAGE, "out")
    t_pub = time.monotonic() - t0
    restart(cloud)
    # No new SUBSCRIBE: the restarted cloud must remember the subscriber's session.
    sub = Watch(cloud.port, [], client_id=sub_id, clean_session=False)
    try:
        assert sub.connack_flags.get("session present") == 1, sub.connack_flags
        sub.wait_count(lambda m: m[0] == R + "lamp/changed" and m[1].startswith(b"out:"),
                       N_OUTAGE, 60)
        time.sleep(0.5)  # any duplicates right behind the last one
        assert_exactly_once_in_order(seqs_of(sub, R + "lamp/changed", "out"), N_OUTAGE,
                                     "edge to cloud after a cloud kill")
    finally:
        sub.close()
    print(f"published {N_OUTAGE} on the edge in {t_pub:.1f}s; all on the cloud "
          f"{time.monotonic() - t0:.1f}s after the first publish")


@pytest.mark.lampi_only("the edge killed with SIGKILL keeps its subscriber's session (persistence)")
def test_outage_edge_killed_cloud_to_edge(make_broker, tmp_path):
    """SIGKILL the edge; the cloud keeps the bridge's session (cleansession false) and queues
    5,000 QoS 1 devices/<id>/lamp/set_config; the restarted edge gets them all, once, in order."""
    dev = new_dev()
    R = f"devices/{dev}/"
    store = tmp_path / "edgestore"
    store.mkdir()
    cloud = make_broker(BIG_QUEUES)
    edge = make_broker(["persistence true", f"persistence_location {store}/", *BIG_QUEUES,
                        *lampi_bridge(dev, f"127.0.0.1:{cloud.port}")])
    note = Watch(cloud.port, [note_topic(dev)])
    try:
        assert note.wait_for(is_msg(note_topic(dev), b"1")), "bridge never came up"
        sub_id = "edge-sub-" + dev
        Watch(edge.port, ["lamp/set_config"], qos=1, client_id=sub_id, clean_session=False).close()
        kill(edge)
        assert note.wait_for(is_msg(note_topic(dev), b"0")), "cloud did not notice the edge died"
        t0 = time.monotonic()
        publish_many(cloud.port, R + "lamp/set_config", N_OUTAGE, "in")
        t_pub = time.monotonic() - t0
        restart(edge)
        sub = Watch(edge.port, [], client_id=sub_id, clean_session=False)
        try:
            assert sub.connack_flags.get("session present") == 1, sub.connack_flags
            sub.wait_count(lambda m: m[0] == "lamp/set_config" and m[1].startswith(b"in:"),
                           N_OUTAGE, 60)
            time.sleep(0.5)
            assert_exactly_once_in_order(seqs_of(sub, "lamp/set_config", "in"), N_OUTAGE,
                                         "cloud to edge after an edge kill")
        finally:
            sub.close()
        assert len(note.wait_count(is_msg(note_topic(dev), b"1"), 2)) >= 2, \
            f"no '1' after the edge restart: {note.seen()}"
    finally:
        note.close()
    print(f"published {N_OUTAGE} on the cloud in {t_pub:.1f}s; all on the edge "
          f"{time.monotonic() - t0:.1f}s after the first publish")


# --- failover, start types --------------------------------------------------------------------

def test_failover_to_second_address(make_broker, watch):
    """`address P1 P2` with only P2 up: the bridge connects to P2 and works."""
    dev = new_dev()
    p1 = free_port()
    cloud2 = make_broker()
    edge = make_broker(lampi_bridge(dev, f"127.0.0.1:{p1} 127.0.0.1:{cloud2.port}"))
    wait_up(cloud2.port, dev, watch, 20)
    cloud = watch(cloud2.port, f"devices/{dev}/#")
    edge_w = watch(edge.port, "lamp/#")
    edge_w.publish("lamp/changed", b"via-secondary", 1)
    assert cloud.wait_for(is_msg(f"devices/{dev}/lamp/changed", b"via-secondary")), cloud.seen()
    cloud.publish(f"devices/{dev}/lamp/set_config", b"from-secondary", 1)
    assert edge_w.wait_for(is_msg("lamp/set_config", b"from-secondary")), edge_w.seen()


def test_failover_when_the_first_address_dies(make_broker, watch):
    """On P1; P1 dies (SIGKILL): the bridge moves to P2."""
    dev = new_dev()
    cloud1, cloud2 = make_broker(), make_broker()
    make_broker(lampi_bridge(dev, f"127.0.0.1:{cloud1.port} 127.0.0.1:{cloud2.port}"))
    wait_up(cloud1.port, dev, watch)
    kill(cloud1)
    wait_up(cloud2.port, dev, watch, 20)


def test_failover_returns_to_primary_without_round_robin(make_broker, watch):
    """On the secondary because the primary was down; the primary comes up: the bridge goes back
    to it (Mosquitto probes the primary about every 5 s)."""
    dev = new_dev()
    p1 = free_port()
    cloud2 = make_broker()
    make_broker(lampi_bridge(dev, f"127.0.0.1:{p1} 127.0.0.1:{cloud2.port}", "round_robin false"))
    on2 = wait_up(cloud2.port, dev, watch, 20)
    cloud1 = make_broker(port=p1)
    w1 = watch(cloud1.port, note_topic(dev))
    back = w1.wait_for(is_msg(note_topic(dev), b"1"), 15)
    assert back, f"bridge did not return to the primary within 15 s; secondary saw {on2.seen()}"
    assert on2.wait_for(is_msg(note_topic(dev), b"0")), \
        f"the secondary still says the bridge is up: {on2.seen()}"


def publish_alive(w, broker, topic, payload, qos=1):
    """Publishes through watcher w to `broker`; fails at once (not after a timeout) if the broker
    process dies meanwhile."""
    info = w.c.publish(topic, payload, qos)
    wait_until(lambda: info.is_published() or not broker.running(), DEADLINE)
    assert broker.running(), f"broker died (exit code {broker.proc.returncode}) on a publish " \
        f"to {topic}:\n{broker.log()}"
    assert info.is_published(), f"publish to {topic} not acknowledged"


def test_start_type_lazy(make_broker, watch):
    """`start_type lazy`, `threshold 3`: no connection until 3 messages are queued; then all 3
    cross, in order."""
    dev = new_dev()
    R = f"devices/{dev}/"
    cloud = make_broker()
    edge = make_broker(lampi_bridge(dev, f"127.0.0.1:{cloud.port}", "start_type lazy",
                                    "threshold 3"))
    cloud_w = watch(cloud.port, [note_topic(dev), R + "#"])
    edge_w = watch(edge.port, "lamp/#")
    time.sleep(QUIET)
    assert not cloud_w.seen(), f"lazy bridge connected with nothing queued: {cloud_w.seen()}"
    publish_alive(edge_w, edge, "lamp/changed", b"lazy:0")
    publish_alive(edge_w, edge, "lamp/changed", b"lazy:1")
    time.sleep(QUIET)
    assert not cloud_w.seen(), f"lazy bridge connected below the threshold: {cloud_w.seen()}"
    publish_alive(edge_w, edge, "lamp/changed", b"lazy:2")
    assert cloud_w.wait_for(is_msg(note_topic(dev), b"1")), \
        f"lazy bridge did not connect at the threshold: {cloud_w.seen()}"
    got = cloud_w.wait_count(lambda m: m[0] == R + "lamp/changed", 3)
    assert [m[1] for m in got] == [b"lazy:0", b"lazy:1", b"lazy:2"], got


@pytest.mark.spec_only("Mosquitto 2.0.11 never completes a `start_type once` connection: its log "
                       "stops at 'Connecting bridge (step 1)'")
def test_start_type_once(make_broker, watch):
    """`start_type once`: connects at start; after the remote goes away it is not restarted,
    even when the remote comes back."""
    dev = new_dev()
    cloud = make_broker()
    edge = make_broker(lampi_bridge(dev, f"127.0.0.1:{cloud.port}", "start_type once"))
    wait_up(cloud.port, dev, watch)
    edge_note = watch(edge.port, note_topic(dev))
    assert edge_note.wait_for(is_msg(note_topic(dev), b"1"))
    kill(cloud)
    assert edge_note.wait_for(is_msg(note_topic(dev), b"0")), \
        f"edge did not publish '0' when the remote died: {edge_note.seen()}"
    restart(cloud)
    w = watch(cloud.port, note_topic(dev))
    # With restart_timeout 1 an automatic bridge is back within ~1-2 s; `once` must stay down.
    time.sleep(4)
    assert not w.seen(is_msg(note_topic(dev), b"1")), f"`once` bridge reconnected: {w.seen()}"
    assert edge.running()


# --- TLS ---------------------------------------------------------------------------------------

def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr.decode(errors="replace")


@pytest.fixture(scope="module")
def pki():
    """A CA, a server certificate for 127.0.0.1/localhost, a client certificate, and an
    unrelated CA (the wrong one). Readable by all: started as root, the broker (like Mosquitto)
    drops to user mosquitto and the bridge reads its key at every connect, so neither pytest's
    0700 tmp dirs nor openssl's 0600 keys would do."""
    d = Path(tempfile.mkdtemp(prefix="lampi-pki-"))
    d.chmod(0o755)
    for ca in ("ca", "wrongca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key",
                "-out", f"{ca}.crt", "-days", "2", "-subj", f"/CN=lampi test {ca}", cwd=d)
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                  "extendedKeyUsage=serverAuth\n")
    (d / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name, cn in (("server", "127.0.0.1"), ("client", "b827ebtls000_broker")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
                f"{name}.csr", "-subj", f"/CN={cn}", cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile",
                f"{name}.ext", cwd=d)
    for f in d.iterdir():
        f.chmod(0o644)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def tls_cloud(make_broker, pki):
    tls_port = free_port()
    cloud = make_broker([f"listener {tls_port} 127.0.0.1", f"cafile {pki}/ca.crt",
                         f"certfile {pki}/server.crt", f"keyfile {pki}/server.key",
                         "require_certificate true", "tls_version tlsv1.2"])
    cloud.wait_ready(tls_port)
    return cloud, tls_port


def tls_bridge(dev, tls_port, pki, ca="ca.crt"):
    return lampi_bridge(dev, f"127.0.0.1:{tls_port}", f"bridge_cafile {pki}/{ca}",
                        f"bridge_certfile {pki}/client.crt", f"bridge_keyfile {pki}/client.key",
                        "bridge_tls_version tlsv1.2")


def test_tls_bridge(make_broker, watch, pki):
    dev = new_dev()
    R = f"devices/{dev}/"
    cloud, tls_port = tls_cloud(make_broker, pki)
    edge = make_broker(tls_bridge(dev, tls_port, pki))
    wait_up(cloud.port, dev, watch)
    wait_up(edge.port, dev, watch)
    cloud_w = watch(cloud.port, R + "#")
    edge_w = watch(edge.port, "lamp/#")
    edge_w.publish("lamp/changed", b"over-tls", 1, retain=True)
    m = cloud_w.wait_for(is_msg(R + "lamp/changed", b"over-tls"))
    assert m and m[2] == 1, m
    cloud_w.publish(R + "lamp/set_config", b"cfg-over-tls", 1)
    assert edge_w.wait_for(is_msg("lamp/set_config", b"cfg-over-tls", qos=1)), edge_w.seen()


def test_tls_bridge_wrong_ca_does_not_connect(make_broker, watch, pki):
    dev = new_dev()
    cloud, tls_port = tls_cloud(make_broker, pki)
    edge = make_broker(tls_bridge(dev, tls_port, pki, ca="wrongca.crt"))
    cloud_w = watch(cloud.port, [note_topic(dev), f"devices/{dev}/#"])
    edge_w = watch(edge.port, note_topic(dev))
    edge_w.publish("lamp/changed", b"must-not-cross", 1)
    time.sleep(3)  # three connection attempts at restart_timeout 1
    assert not cloud_w.seen(), f"bridge with the wrong CA got through: {cloud_w.seen()}"
    assert not edge_w.seen(is_msg(note_topic(dev), b"1")), f"edge says up: {edge_w.seen()}"
    assert edge.running()


# --- TLS-PSK: bridge_identity / bridge_psk against Mosquitto's psk_hint / psk_file -------------

@pytest.fixture
def psk_cloud(make_broker):
    """psk_cloud(identity, key) -> (Mosquitto cloud, its PSK listener's port). The psk_file is in
    a directory readable by all (Mosquitto drops to user mosquitto)."""
    d = Path(tempfile.mkdtemp(prefix="lampi-psk-"))
    d.chmod(0o755)

    def make(identity, key):
        (d / "psk").write_text(f"{identity}:{key}\n")
        (d / "psk").chmod(0o644)
        psk_port = free_port()
        cloud = make_broker([f"listener {psk_port} 127.0.0.1", "psk_hint lampi-cloud",
                             f"psk_file {d}/psk"], binary=MOSQUITTO)
        cloud.wait_ready(psk_port)
        return cloud, psk_port

    yield make
    shutil.rmtree(d, ignore_errors=True)


@needs_mosquitto
@pytest.mark.parametrize("tls_version", ["tlsv1.3", "tlsv1.2"])
def test_psk_bridge_to_mosquitto(make_broker, watch, psk_cloud, tls_version):
    """TLS 1.3 (Mosquitto's default), and TLS 1.2 with its PSK cipher suites: bridge_tls_version
    is a minimum, as in Mosquitto, so for 1.2 OpenSSL's configuration caps the edge at 1.2."""
    dev = new_dev()
    R = f"devices/{dev}/"
    key = "00" + uuid.uuid4().hex  # a leading zero byte: kept, as Mosquitto reads hex keys
    cloud, psk_port = psk_cloud(f"{dev}_broker", key)
    env = env_capped_at_tls12(cloud.tmpdir) if tls_version == "tlsv1.2" else None
    edge = make_broker(lampi_bridge(dev, f"127.0.0.1:{psk_port}", f"bridge_identity {dev}_broker",
                                    f"bridge_psk {key}", f"bridge_tls_version {tls_version}"),
                       env=env)
    wait_up(cloud.port, dev, watch)
    cloud_w = watch(cloud.port, R + "#")
    edge_w = watch(edge.port, "lamp/#")
    edge_w.publish("lamp/changed", b"over-psk", 1, retain=True)
    m = cloud_w.wait_for(is_msg(R + "lamp/changed", b"over-psk"))
    assert m and m[2] == 1, m
    cloud_w.publish(R + "lamp/set_config", b"cfg-over-psk", 1)
    assert edge_w.wait_for(is_msg("lamp/set_config", b"cfg-over-psk", qos=1)), edge_w.seen()


@needs_mosquitto
def test_psk_bridge_wrong_key_does_not_connect(make_broker, watch, psk_cloud):
    dev = new_dev()
    cloud, psk_port = psk_cloud(f"{dev}_broker", "00" + uuid.uuid4().hex)
    edge = make_broker(lampi_bridge(dev, f"127.0.0.1:{psk_port}", f"bridge_identity {dev}_broker",
                                    f"bridge_psk {uuid.uuid4().hex}"))
    cloud_w = watch(cloud.port, [note_topic(dev), f"devices/{dev}/#"])
    edge_w = watch(edge.port, note_topic(dev))
    edge_w.publish("lamp/changed", b"must-not-cross", 1)
    time.sleep(3)  # three connection attempts at restart_timeout 1
    assert not cloud_w.seen(), f"bridge with the wrong key got through: {cloud_w.seen()}"
    assert not edge_w.seen(is_msg(note_topic(dev), b"1")), f"edge says up: {edge_w.seen()}"
    assert "TLS handshake failed" in edge.log(), edge.log()
    assert edge.running()


# --- loops ---------------------------------------------------------------------------------------

def check_no_loop(a_port, b_port, topic="sync/x", protocol=mqtt.MQTTv311):
    """Publish once on each side of a `both` line: each side sees each message exactly once."""
    a = Watch(a_port, ["sync/#"], protocol=protocol)
    b = Watch(b_port, ["sync/#"], protocol=protocol)
    try:
        for src, name in ((a, "a"), (b, "b")):
            payload = f"once-from-{name}".encode()
            src.publish(topic, payload, 1)
            for w, side in ((a, "a"), (b, "b")):
                assert w.wait_for(is_msg(topic, payload)), f"{name}'s message not on {side}"
        time.sleep(QUIET)
        for w, side in ((a, "a"), (b, "b")):
            got = w.seen()
            assert sorted(m[1] for m in got) == [b"once-from-a", b"once-from-b"], \
                f"echo on {side}: {len(got)} messages, first {got[:6]}"
    finally:
        a.close()
        b.close()


def test_both_topic_does_not_loop(make_broker, watch):
    dev = new_dev()
    cloud = make_broker()
    edge = make_broker(lampi_bridge(dev, f"127.0.0.1:{cloud.port}", "topic sync/# both 1"))
    wait_up(cloud.port, dev, watch)
    check_no_loop(edge.port, cloud.port)


def test_v5_bridge(make_broker, watch):
    """`bridge_protocol_version mqttv50` lampi to lampi: the LAMPi lines work and a `both`
    topic does not loop (No Local on the remote subscription)."""
    dev = new_dev()
    cloud = make_broker()
    edge = make_broker(lampi_bridge(dev, f"127.0.0.1:{cloud.port}", "topic sync/# both 1",
                                    "bridge_protocol_version mqttv50"))
    check_lampi_lines(edge.port, cloud.port, dev, watch)
    check_no_loop(edge.port, cloud.port)
    check_no_loop(edge.port, cloud.port, "sync/v5", protocol=mqtt.MQTTv5)


# --- try_private against a remote that refuses the bridge bit -------------------------------------

class BridgeBitRefuser:
    """A TCP front for a real broker that refuses CONNECTs whose protocol level has 0x80 set
    (closing the connection, or answering CONNACK 1 when mode == "connack1"), and otherwise
    forwards everything both ways."""

    def __init__(self, target_port, mode="close"):
        self.target, self.mode = target_port, mode
        self.levels, self.lock, self.socks = [], threading.Lock(), []
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(16)
        self.port = self.ls.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                a, _ = self.ls.accept()
            except OSError:
                return
            with self.lock:
                self.socks.append(a)
            threading.Thread(target=self._serve, args=(a,), daemon=True).start()

    @staticmethod
    def _read(s, n, buf):
        while len(buf) < n:
            if not select.select([s], [], [], 10)[0]:
                raise OSError("timeout")
            d = s.recv(65536)
            if not d:
                raise OSError("eof")
            buf += d
        return buf

    def _serve(self, a):
        try:
            buf = self._read(a, 2, b"")
            i, rl, mult = 1, 0, 1
            while True:
                buf = self._read(a, i + 1, buf)
                rl += (buf[i] & 0x7F) * mult
                mult *= 128
                i += 1
                if not buf[i - 1] & 0x80:
                    break
            buf = self._read(a, i + rl, buf)
            name_len = int.from_bytes(buf[i:i + 2], "big")
            level = buf[i + 2 + name_len]
            with self.lock:
                self.levels.append(level)
            if level & 0x80:
                if self.mode == "connack1":
                    a.sendall(b"\x20\x02\x00\x01")
                a.close()
                return
            b = socket.create_connection(("127.0.0.1", self.target), 5)
            with self.lock:
                self.socks.append(b)
            b.sendall(buf)
            threading.Thread(target=self._pipe, args=(b, a), daemon=True).start()
            self._pipe(a, b)
        except OSError:
            a.close()

    @staticmethod
    def _pipe(s, d):
        try:
            while True:
                x = s.recv(65536)
                if not x:
                    break
                d.sendall(x)
        except OSError:
            pass
        for z in (s, d):
            try:
                z.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.closed = True
        self.ls.close()
        with self.lock:
            for s in self.socks:
                try:
                    s.close()
                except OSError:
                    pass


@pytest.mark.parametrize("mode", [
    pytest.param("close", marks=pytest.mark.lampi_only(
        "Mosquitto only drops the bridge bit on CONNACK 1, not on a closed connection")),
    "connack1"])
def test_try_private_refused_falls_back(make_broker, watch, mode):
    dev = new_dev()
    R = f"devices/{dev}/"
    cloud = make_broker()
    proxy = BridgeBitRefuser(cloud.port, mode)
    try:
        edge = make_broker(lampi_bridge(dev, f"127.0.0.1:{proxy.port}", "try_private true"))
        wait_up(cloud.port, dev, watch, 20)
        with proxy.lock:
            levels = list(proxy.levels)
        assert levels[0] == 0x84, f"first CONNECT without the bridge bit: {levels}"
        assert levels[-1] == 0x04, f"last CONNECT still with the bridge bit: {levels}"
        cloud_w = watch(cloud.port, R + "#")
        edge_w = watch(edge.port, "lamp/#")
        edge_w.publish("lamp/changed", b"no-bit", 1)
        assert cloud_w.wait_for(is_msg(R + "lamp/changed", b"no-bit")), cloud_w.seen()
        cloud_w.publish(R + "lamp/set_config", b"cfg-no-bit", 1)
        assert edge_w.wait_for(is_msg("lamp/set_config", b"cfg-no-bit")), edge_w.seen()
    finally:
        proxy.close()
