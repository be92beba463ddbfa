"""A lamp fleet bridged to clustered MQTT services (issue: bridges, "beyond one cloud machine"):
two lamps' lampi-brokers, each with the course's bridge stanza unchanged (as against Mosquitto),
bridged to a 2-node nats-server cluster and to a RabbitMQ node with its MQTT plugin, both from
Debian.

Everything is started by the example itself, examples/bridge-cluster/run.sh (its configs are the
ones under test), with free ports and a temporary state directory. Checked on each service, for
each lamp: messages cross in both directions with the right topics, only as the topic lines say
and only to that lamp; the bridge's notifications ("1" on connect, retained for new cloud
clients; "0" from the will when a lamp's broker dies, while the other lamp stays up); and the
refused bridge bit (try_private): nats-server answers CONNACK 1, RabbitMQ closes the connection,
and in both cases the bridge reconnects once without the bit instead of retrying forever.

Skipped when nats-server / rabbitmq-server is not installed (apt-get install nats-server
rabbitmq-server). Run: /usr/bin/python3 -m pytest -v tests/e2e/test_bridge_cluster.py
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

from testing.broker import REPO_ROOT, broker_binary, free_port, is_mosquitto, wait_until
from test_bridge import QUIET, Watch, is_msg, note_topic

RUN = REPO_ROOT / "examples" / "bridge-cluster" / "run.sh"
RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
DEADLINE = 20.0  # JetStream and Erlang are slower to settle than a broker process

needs_nats = pytest.mark.skipif(shutil.which("nats-server") is None,
                                reason="nats-server is not installed (apt-get install nats-server)")
needs_rabbitmq = pytest.mark.skipif(
    not os.path.exists(RABBITMQ_SERVER),
    reason="rabbitmq-server is not installed (apt-get install rabbitmq-server)")
lampi_only = pytest.mark.skipif(
    is_mosquitto(), reason="Mosquitto retries forever with the bridge bit against RabbitMQ")


def two_free_ports():
    """A port p with p and p + 1 both free a moment ago (run.sh counts lamp ports up)."""
    for _ in range(50):
        p = free_port()
        if p < 65535 and port_free(p + 1):
            return p
    raise AssertionError("no two consecutive free ports")


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class Lamp:
    def __init__(self, dev, pid, port, remote):
        self.dev, self.pid, self.port, self.remote = dev, pid, port, remote


class Stack:
    """examples/bridge-cluster/run.sh MODE with two lamps, in the background until stop()."""

    def __init__(self, mode, ready_within):
        devs = ["b827eb" + uuid.uuid4().hex[:6] for _ in range(2)]
        self.cloud, self.cloud2 = free_port(), free_port()
        self.state = tempfile.mkdtemp(prefix=f"lampi-bridge-{mode}-")
        env = dict(os.environ, LAMPI_BROKER=broker_binary(), DEVICE_IDS=" ".join(devs),
                   EDGE_PORT=str(two_free_ports()), CLOUD_PORT=str(self.cloud),
                   CLOUD_PORT2=str(self.cloud2), STATE_DIR=self.state)
        self.proc = subprocess.Popen(["bash", str(RUN), mode], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.output = []
        ready = threading.Event()

        def read():
            for line in self.proc.stdout:
                self.output.append(line)
                if line.startswith("ready:"):
                    ready.set()
        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(ready_within):
            self.stop()
            raise AssertionError(f"run.sh {mode} not ready in {ready_within} s: {self.output}")
        self.lamps = []
        for line in self.output:
            m = re.match(r"lamp (\w+): pid (\d+), port (\d+), bridged to (.*)$", line)
            if m:
                self.lamps.append(Lamp(m[1], int(m[2]), int(m[3]), m[4].split()))
        assert [lamp.dev for lamp in self.lamps] == devs, self.output

    def edge_log(self, lamp):
        with open(os.path.join(self.state, lamp.dev, "edge.log")) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.state, ignore_errors=True)


@pytest.fixture
def watch():
    made = []

    def make(port, filters, **kw):
        w = Watch(port, filters, **kw)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


def check_fleet(s, cloud_port, watch):
    """Each lamp's LAMPi topic lines, both ways, seen from the cloud service at `cloud_port`;
    returns the cloud watcher."""
    devs = [lamp.dev for lamp in s.lamps]
    # QoS 1: both services grant QoS 1 for a QoS 2 subscription (neither does QoS 2). The
    # notification topics exactly: RabbitMQ sends retained messages to exact subscriptions only.
    cloud = watch(cloud_port, ["devices/#"] + [note_topic(d) for d in devs], qos=1)
    edges = [watch(lamp.port, ["lamp/#"], qos=1) for lamp in s.lamps]
    for lamp in s.lamps:
        assert cloud.wait_for(is_msg(note_topic(lamp.dev), b"1"), DEADLINE), \
            f"no notification '1' for {lamp.dev}: {cloud.seen()}; log:\n{s.edge_log(lamp)}"

    for dev, edge in zip(devs, edges):
        # Out: lamp/changed and lamp/connection/+/state, under devices/<id>/.
        state = ('{"on": true, "client": "%s"}' % dev).encode()
        edge.publish("lamp/changed", state, qos=1, retain=True)
        edge.publish("lamp/connection/lamp_service/state", b"1", qos=1, retain=True)
        edge.publish("lamp/other", b"stays", qos=1)
        assert cloud.wait_for(is_msg(f"devices/{dev}/lamp/changed", state), DEADLINE), \
            f"lamp/changed of {dev} did not cross: {cloud.seen()}"
        assert cloud.wait_for(is_msg(f"devices/{dev}/lamp/connection/lamp_service/state", b"1"),
                              DEADLINE), f"the service state of {dev} did not cross: {cloud.seen()}"
        # In: lamp/set_config and lamp/associated, published on the cloud for this lamp.
        cfg = ('{"on": false, "client": "%s"}' % dev).encode()
        cloud.publish(f"devices/{dev}/lamp/set_config", cfg, qos=1)
        cloud.publish(f"devices/{dev}/lamp/associated", b'{"associated": true}', qos=1)
        assert edge.wait_for(is_msg("lamp/set_config", cfg), DEADLINE), \
            f"set_config did not come in to {dev}: {edge.seen()}"
        assert edge.wait_for(is_msg("lamp/associated"), DEADLINE), \
            f"associated did not come in to {dev}: {edge.seen()}"
        # An out-only topic published on the cloud does not come in.
        cloud.publish(f"devices/{dev}/lamp/changed", b"from the cloud", qos=1)

    time.sleep(QUIET)
    assert not cloud.seen(lambda m: m[0].endswith("lamp/other")), cloud.seen()
    for dev, edge in zip(devs, edges):
        # Each lamp got its own command once, and nothing else: no echo, no other lamp's.
        assert [m[1] for m in edge.seen(lambda m: m[0] == "lamp/set_config")] == \
            [('{"on": false, "client": "%s"}' % dev).encode()], edge.seen()
        assert len(edge.seen(lambda m: m[0] == "lamp/changed")) == 1, edge.seen()
        assert len(edge.seen(lambda m: m[0] == "lamp/associated")) == 1, edge.seen()
    return cloud


def check_will(s, cloud, watch):
    """The first lamp's broker dies: the service publishes that bridge's will, '0'; the other
    lamp stays up and steerable."""
    gone, other = s.lamps
    before = len(cloud.seen())
    os.kill(gone.pid, signal.SIGKILL)
    died = is_msg(note_topic(gone.dev), b"0")
    assert wait_until(lambda: any(died(m) for m in cloud.seen()[before:]), DEADLINE), \
        f"no '0' notification after {gone.dev}'s broker died: {cloud.seen()}"
    assert not [m for m in cloud.seen()[before:] if m[0] == note_topic(other.dev)], cloud.seen()
    edge = watch(other.port, ["lamp/set_config"], qos=1)
    cloud.publish(f"devices/{other.dev}/lamp/set_config", b"still here", qos=1)
    assert edge.wait_for(is_msg("lamp/set_config", b"still here"), DEADLINE), edge.seen()


@needs_nats
def test_lamp_fleet_bridged_to_a_nats_cluster(watch):
    s = Stack("nats", ready_within=60)
    try:
        # Lamp 1 is bridged to node 1 first, lamp 2 to node 2: the cloud's client on node 2 sees
        # both, so messages cross between nodes.
        assert [lamp.remote[0] for lamp in s.lamps] == \
            [f"127.0.0.1:{s.cloud}", f"127.0.0.1:{s.cloud2}"], s.output
        cloud = check_fleet(s, s.cloud2, watch)
        for lamp in s.lamps:
            log = s.edge_log(lamp)
            # nats-server refuses the bridge bit with CONNACK 1: one refusal, then connected
            # without it.
            assert log.count("connection refused by") == 1 and "(reason 1)" in log, log
            assert re.search(r"\(reason 1\)[\s\S]*refused the bridge bit \(try_private\); "
                             r"reconnecting without it[\s\S]*connected to %s"
                             % re.escape(lamp.remote[0]), log), log
        # A new cloud client on node 1 gets the retained state and notifications (JetStream
        # keeps retained messages for wildcard subscriptions too).
        late = watch(s.cloud, ["devices/+/lamp/changed", "$SYS/broker/connection/+/state"], qos=1)
        for lamp in s.lamps:
            assert late.wait_for(is_msg(f"devices/{lamp.dev}/lamp/changed", retain=True),
                                 DEADLINE), late.seen()
            assert late.wait_for(is_msg(note_topic(lamp.dev), b"1", retain=True), DEADLINE), \
                late.seen()
        check_will(s, cloud, watch)
    finally:
        s.stop()


@needs_rabbitmq
@lampi_only
def test_lamp_fleet_bridged_to_rabbitmq(watch):
    s = Stack("rabbitmq", ready_within=120)
    try:
        cloud = check_fleet(s, s.cloud, watch)
        for lamp in s.lamps:
            log = s.edge_log(lamp)
            # RabbitMQ closes the connection on the bridge bit; the next attempt goes without it.
            failures = re.findall(r"cannot connect to [^\n]*", log)
            assert failures == [f"cannot connect to 127.0.0.1:{s.cloud}: Connection closed."], log
            assert "refused the bridge bit (try_private); reconnecting without it" in log, log
            assert log.count(f"connected to 127.0.0.1:{s.cloud}") == 1, log
        # RabbitMQ keeps retained messages per exact topic (a wildcard subscription gets none).
        late = watch(s.cloud, [note_topic(lamp.dev) for lamp in s.lamps], qos=1)
        for lamp in s.lamps:
            assert late.wait_for(is_msg(note_topic(lamp.dev), b"1", retain=True), DEADLINE), \
                late.seen()
        check_will(s, cloud, watch)
    finally:
        s.stop()
