"""Independent MQTT clients for e2e tests: a paho-mqtt wrapper and Debian's mosquitto_pub/sub.

PahoClient runs paho's network loop in its own thread and turns callbacks into waits with
deadlines (connect, subscribe, publish completion) and a queue of received messages.
"""
import os
import queue
import subprocess
import threading
import time

import paho.mqtt.client as mqtt

from .rawmqtt import readable

MQTTv31, MQTTv311 = mqtt.MQTTv31, mqtt.MQTTv311
DEADLINE = 10.0


class PahoClient:
    def __init__(self, port: int, client_id: str = "", clean_session: bool = True,
                 protocol=MQTTv311, keepalive: int = 60, will=None, connect: bool = True):
        """will = (topic, payload, qos, retain). Connects (and waits for CONNACK) unless told not to."""
        self.port = port
        self.keepalive = keepalive
        self.client = mqtt.Client(client_id=client_id, clean_session=clean_session,
                                  protocol=protocol)
        self.messages: queue.Queue = queue.Queue()
        self.connack = None  # (flags, rc) of the last CONNACK
        self._connected = threading.Event()
        self._disconnected = threading.Event()
        self._subacks = {}
        self._cond = threading.Condition()
        if will is not None:
            self.client.will_set(will[0], will[1], will[2], will[3])
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self.client.on_subscribe = self._on_subscribe
        self.client.on_unsubscribe = self._on_unsubscribe
        if connect:
            self.connect()

    def _on_connect(self, client, userdata, flags, rc):
        self.connack = (flags, rc)
        self._disconnected.clear()
        self._connected.set()

    def _on_disconnect(self, client, userdata, rc):
        self._connected.clear()
        self._disconnected.set()

    def _on_subscribe(self, client, userdata, mid, granted):
        with self._cond:
            self._subacks[mid] = list(granted)
            self._cond.notify_all()

    def _on_unsubscribe(self, client, userdata, mid):
        with self._cond:
            self._subacks[mid] = True
            self._cond.notify_all()

    def connect(self, timeout: float = DEADLINE):
        self._connected.clear()
        self.client.connect("127.0.0.1", self.port, self.keepalive)
        self.client.loop_start()
        assert self._connected.wait(timeout), "no CONNACK"
        assert self.connack[1] == 0, f"CONNACK refused: {self.connack}"
        return self.connack

    def _wait_ack(self, mid, timeout):
        with self._cond:
            ok = self._cond.wait_for(lambda: mid in self._subacks, timeout)
            assert ok, f"no SUBACK/UNSUBACK for mid {mid}"
            return self._subacks.pop(mid)

    def subscribe(self, topic, qos: int = 0, timeout: float = DEADLINE):
        """Subscribe (topic may be a list of (filter, qos)) and return the granted QoS list."""
        rc, mid = self.client.subscribe(topic, qos) if isinstance(topic, str) else \
            self.client.subscribe(topic)
        assert rc == mqtt.MQTT_ERR_SUCCESS
        return self._wait_ack(mid, timeout)

    def unsubscribe(self, topic, timeout: float = DEADLINE):
        rc, mid = self.client.unsubscribe(topic)
        assert rc == mqtt.MQTT_ERR_SUCCESS
        return self._wait_ack(mid, timeout)

    def publish(self, topic, payload=b"", qos: int = 0, retain: bool = False,
                timeout: float = DEADLINE):
        """Publish and wait until paho considers it sent (QoS 0) or acknowledged (QoS 1/2)."""
        info = self.client.publish(topic, payload, qos, retain)
        info.wait_for_publish(timeout)
        assert info.is_published(), f"publish to {topic} not completed"
        return info

    def get(self, timeout: float = DEADLINE):
        """The next received message, or None after `timeout` seconds."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            return None

    def collect(self, n: int, timeout: float = DEADLINE, quiet: float = 0.0) -> list:
        """Wait for n messages (deadline), then keep listening `quiet` seconds for extras."""
        out, end = [], time.monotonic() + timeout
        while len(out) < n:
            m = self.get(max(0.0, end - time.monotonic()))
            if m is None:
                break
            out.append(m)
        if quiet:
            end = time.monotonic() + quiet
            while True:
                m = self.get(max(0.0, end - time.monotonic()))
                if m is None:
                    break
                out.append(m)
        return out

    def wait_disconnected(self, timeout: float = DEADLINE) -> bool:
        return self._disconnected.wait(timeout)

    def disconnect(self):
        """Clean DISCONNECT (no will)."""
        self.client.disconnect()
        self._disconnected.wait(DEADLINE)
        self.client.loop_stop()

    def close(self):
        try:
            self.client.disconnect()
        except Exception:  # already gone
            pass
        self.client.loop_stop()


def run_tool(args, timeout: float = 15.0) -> subprocess.CompletedProcess:
    """Run a Debian mosquitto client tool with a deadline."""
    return subprocess.run(args, capture_output=True, timeout=timeout)


def mosquitto_pub(port: int, topic: str, message: str | None = "", qos: int = 0,
                  retain: bool = False, extra=()) -> subprocess.CompletedProcess:
    args = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-t", topic, "-q", str(qos)]
    args += ["-n"] if message is None else ["-m", message]
    if retain:
        args.append("-r")
    r = run_tool(args + list(extra))
    assert r.returncode == 0, r.stderr
    return r


def start_mosquitto_sub(port: int, topics, extra=()) -> subprocess.Popen:
    args = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port)]
    for t in ([topics] if isinstance(topics, str) else topics):
        args += ["-t", t]
    return subprocess.Popen(args + list(extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


class LineReader:
    """Reads lines from a child's pipe with deadlines (select + os.read, no blocking readline)."""

    def __init__(self, pipe):
        self.fd = pipe.fileno()
        self.buf = b""
        self.eof = False

    def readline(self, timeout: float = DEADLINE) -> str | None:
        """The next line without its newline, or None on timeout or EOF."""
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or self.eof:
                return None
            if readable(self.fd, left):
                data = os.read(self.fd, 65536)
                if not data:
                    self.eof = True
                self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace")

    def lines(self, n: int, timeout: float = DEADLINE) -> list:
        out, end = [], time.monotonic() + timeout
        while len(out) < n:
            line = self.readline(max(0.0, end - time.monotonic()))
            if line is None:
                break
            out.append(line)
        return out
