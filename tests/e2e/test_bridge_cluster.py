"""The LAMPi bridge against clustered MQTT services (issue: bridges, "beyond one cloud machine"):
the same bridge stanza as against Mosquitto, unchanged, to a 2-node nats-server cluster and to a
RabbitMQ node with its MQTT plugin, both from Debian.

Everything is started by the example itself, examples/bridge-cluster/run.sh (its configs are the
ones under test), with free ports and a temporary state directory. Checked on each service:
messages cross in both directions with the right topics, only as the topic lines say; the
bridge's notifications ("1" on connect, "0" from the will when the lamp's broker dies); and the
refused bridge bit (try_private): nats-server answers CONNACK 1, RabbitMQ closes the connection,
and in both cases the bridge reconnects once without the bit instead of retrying forever.

Skipped when nats-server / rabbitmq-server is not installed (apt-get install nats-server
rabbitmq-server). Run: /usr/bin/python3 -m pytest -v tests/e2e/test_bridge_cluster.py
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

from testing.broker import REPO_ROOT, broker_binary, free_port, is_mosquitto
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


class Stack:
    """examples/bridge-cluster/run.sh MODE in the background, until stop()."""

    def __init__(self, mode, ready_within):
        self.dev = "b827eb" + uuid.uuid4().hex[:6]
        self.edge, self.cloud, self.cloud2 = free_port(), free_port(), free_port()
        self.state = tempfile.mkdtemp(prefix=f"lampi-bridge-{mode}-")
        env = dict(os.environ, LAMPI_BROKER=broker_binary(), DEVICE_ID=self.dev,
                   EDGE_PORT=str(self.edge), CLOUD_PORT=str(self.cloud),
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
        self.edge_pid = int(re.search(r"\(pid (\d+)\)", self.output[-1]).group(1))

    def edge_log(self):
        with open(os.path.join(self.state, "edge.log")) as f:
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


def check_crossing(s, edge_port, cloud_pub_port, cloud_sub_port, watch):
    """The LAMPi topic lines, both ways, against the cloud service; returns the cloud watcher."""
    dev = s.dev
    # QoS 1: both services grant QoS 1 for a QoS 2 subscription (neither does QoS 2).
    cloud = watch(cloud_sub_port, [f"devices/{dev}/#", note_topic(dev)], qos=1)
    edge = watch(edge_port, ["lamp/#"], qos=1)
    assert cloud.wait_for(is_msg(note_topic(dev), b"1"), DEADLINE), \
        f"no notification '1' on the cloud: {cloud.seen()}; edge log:\n{s.edge_log()}"

    # Out: lamp/changed and lamp/connection/+/state, under devices/<id>/.
    edge.publish("lamp/changed", b'{"on": true}', qos=1, retain=True)
    edge.publish("lamp/connection/lamp_service/state", b"1", qos=1, retain=True)
    edge.publish("lamp/other", b"stays", qos=1)
    assert cloud.wait_for(is_msg(f"devices/{dev}/lamp/changed", b'{"on": true}'), DEADLINE), \
        f"lamp/changed did not cross: {cloud.seen()}"
    assert cloud.wait_for(is_msg(f"devices/{dev}/lamp/connection/lamp_service/state", b"1"),
                          DEADLINE), f"the service state did not cross: {cloud.seen()}"

    # In: lamp/set_config and lamp/associated, published on the cloud.
    cloud.publish(f"devices/{dev}/lamp/set_config", b'{"on": false}', qos=1)
    cloud.publish(f"devices/{dev}/lamp/associated", b'{"associated": true, "code": "abc"}',
                  qos=1)
    assert edge.wait_for(is_msg("lamp/set_config", b'{"on": false}'), DEADLINE), \
        f"set_config did not come in: {edge.seen()}"
    assert edge.wait_for(is_msg("lamp/associated"), DEADLINE), \
        f"associated did not come in: {edge.seen()}"

    # Only what the lines say: no other topic out, no out topic back in, no echo.
    cloud.publish(f"devices/{dev}/lamp/changed", b"from the cloud", qos=1)
    time.sleep(QUIET)
    assert not cloud.seen(lambda m: m[0].endswith("lamp/other")), cloud.seen()
    assert not edge.seen(is_msg("lamp/changed", b"from the cloud")), edge.seen()
    assert len(edge.seen(is_msg("lamp/changed", b'{"on": true}'))) == 1, edge.seen()
    assert len(edge.seen(is_msg("lamp/set_config"))) == 1, edge.seen()
    return cloud


def check_will(s, cloud):
    """The lamp's broker dies: the service publishes the bridge's will, '0'."""
    os.kill(s.edge_pid, signal.SIGKILL)
    # keepalive_interval 10 in the example: the service notices the closed socket at once.
    assert cloud.wait_for(is_msg(note_topic(s.dev), b"0"), DEADLINE), \
        f"no '0' notification after the lamp's broker died: {cloud.seen()}"


@needs_nats
def test_lamp_bridged_to_a_nats_cluster(watch):
    s = Stack("nats", ready_within=60)
    try:
        # The bridge is on node 1; the cloud's clients use node 2 and node 1.
        cloud = check_crossing(s, s.edge, s.cloud, s.cloud2, watch)
        log = s.edge_log()
        # nats-server refuses the bridge bit with CONNACK 1: one refusal, then connected without.
        assert log.count("connection refused by") == 1 and "(reason 1)" in log, log
        assert re.search(r"\(reason 1\)[\s\S]*refused the bridge bit \(try_private\); reconnecting "
                         r"without it[\s\S]*connected to 127\.0\.0\.1:%d" % s.cloud, log), log
        # A new cloud client on the other node gets the retained state and notification.
        late = watch(s.cloud, [f"devices/{s.dev}/lamp/changed", note_topic(s.dev)], qos=1)
        assert late.wait_for(is_msg(f"devices/{s.dev}/lamp/changed", retain=True), DEADLINE), \
            late.seen()
        assert late.wait_for(is_msg(note_topic(s.dev), b"1", retain=True), DEADLINE), late.seen()
        check_will(s, cloud)
    finally:
        s.stop()


@needs_rabbitmq
@lampi_only
def test_lamp_bridged_to_rabbitmq(watch):
    s = Stack("rabbitmq", ready_within=120)
    try:
        cloud = check_crossing(s, s.edge, s.cloud, s.cloud, watch)
        log = s.edge_log()
        # RabbitMQ closes the connection on the bridge bit; the next attempt goes without it.
        failures = re.findall(r"cannot connect to [^\n]*", log)
        assert failures == [f"cannot connect to 127.0.0.1:{s.cloud}: Connection closed."], log
        assert log.count(f"connected to 127.0.0.1:{s.cloud}") == 1, log
        assert "refused the bridge bit (try_private); reconnecting without it" in log, log
        # RabbitMQ keeps retained messages per exact topic (a wildcard subscription gets none).
        late = watch(s.cloud, [note_topic(s.dev)], qos=1)
        assert late.wait_for(is_msg(note_topic(s.dev), b"1", retain=True), DEADLINE), late.seen()
        check_will(s, cloud)
    finally:
        s.stop()
