"""A paho-mqtt (1.6.1) MQTT 5.0 client wrapper for e2e tests, and pytest fixtures for v5 clients.

Paho5 mirrors testing.clients.PahoClient (network loop in a thread, waits with deadlines, a queue
of received messages) but speaks MQTT 5: CONNECT/PUBLISH/SUBSCRIBE properties, subscription
options, and the reason codes of CONNACK, PUBACK and a server DISCONNECT.

Fixtures (import them into a test module to use them):
  paho5(port, client_id="", **kw) -> a connected Paho5, closed at teardown
  c5(port) -> a raw5.Client5 socket, closed at teardown
"""
import queue
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from . import raw5

DEADLINE = 10.0


def props(packet_type, **fields) -> Properties:
    """Properties(packet_type) with attributes set, e.g. props(PacketTypes.PUBLISH,
    UserProperty=[("a", "1")], MessageExpiryInterval=10)."""
    p = Properties(packet_type)
    for k, v in fields.items():
        setattr(p, k, v)
    return p


def publish_props(**fields) -> Properties:
    return props(PacketTypes.PUBLISH, **fields)


class Paho5:
    def __init__(self, port: int, client_id: str = "", clean_start: bool = True,
                 keepalive: int = 60, connect_props: Properties | None = None,
                 will=None, will_props: Properties | None = None, connect: bool = True):
        """will = (topic, payload, qos, retain)."""
        self.port = port
        self.keepalive = keepalive
        self.clean_start = clean_start
        self.connect_props = connect_props
        self.client = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv5)
        self.messages: queue.Queue = queue.Queue()
        self.connack = None  # (flags, reason code, properties)
        self.disconnect_reason = None
        self._connected = threading.Event()
        self._disconnected = threading.Event()
        self._acks = {}
        self._cond = threading.Condition()
        if will is not None:
            self.client.will_set(will[0], will[1], will[2], will[3], properties=will_props)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = lambda c, u, msg: self.messages.put(msg)
        self.client.on_subscribe = self._on_subscribe
        self.client.on_unsubscribe = self._on_unsubscribe
        if connect:
            self.connect()

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.connack = (flags, rc, properties)
        self._disconnected.clear()
        self._connected.set()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        self.disconnect_reason = rc
        self._connected.clear()
        self._disconnected.set()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties=None):
        with self._cond:
            self._acks[mid] = [rc.value for rc in reason_codes]
            self._cond.notify_all()

    def _on_unsubscribe(self, client, userdata, mid, properties=None, reason_codes=None):
        with self._cond:
            self._acks[mid] = reason_codes
            self._cond.notify_all()

    def connect(self, timeout: float = DEADLINE):
        self._connected.clear()
        self.client.connect("127.0.0.1", self.port, self.keepalive, clean_start=self.clean_start,
                            properties=self.connect_props)
        self.client.loop_start()
        assert self._connected.wait(timeout), "no CONNACK"
        assert self.connack[1] == 0, f"CONNACK refused: {self.connack}"
        return self.connack

    def _wait_ack(self, mid, timeout):
        with self._cond:
            ok = self._cond.wait_for(lambda: mid in self._acks, timeout)
            assert ok, f"no SUBACK/UNSUBACK for mid {mid}"
            return self._acks.pop(mid)

    def subscribe(self, topic, qos: int = 1, no_local=False, retain_as_published=False,
                  retain_handling=0, sub_id: int | None = None, timeout: float = DEADLINE):
        """Subscribe one filter with options; returns the SUBACK reason codes."""
        opts = SubscribeOptions(qos=qos, noLocal=no_local, retainAsPublished=retain_as_published,
                                retainHandling=retain_handling)
        p = props(PacketTypes.SUBSCRIBE, SubscriptionIdentifier=sub_id) if sub_id else None
        rc, mid = self.client.subscribe(topic, options=opts, properties=p)
        assert rc == mqtt.MQTT_ERR_SUCCESS
        return self._wait_ack(mid, timeout)

    def unsubscribe(self, topic, timeout: float = DEADLINE):
        rc, mid = self.client.unsubscribe(topic)
        assert rc == mqtt.MQTT_ERR_SUCCESS
        return self._wait_ack(mid, timeout)

    def publish(self, topic, payload=b"", qos: int = 0, retain: bool = False,
                properties: Properties | None = None, timeout: float = DEADLINE):
        info = self.client.publish(topic, payload, qos, retain, properties=properties)
        info.wait_for_publish(timeout)
        assert info.is_published(), f"publish to {topic} not completed"
        return info

    def get(self, timeout: float = DEADLINE):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            return None

    def collect(self, n: int, timeout: float = DEADLINE, quiet: float = 0.0) -> list:
        """Wait for n messages (deadline), then keep listening `quiet` seconds for extras."""
        out, end = [], time.monotonic() + timeout
        while len(out) < n:
            msg = self.get(max(0.0, end - time.monotonic()))
            if msg is None:
                break
            out.append(msg)
        if quiet:
            end = time.monotonic() + quiet
            while True:
                msg = self.get(max(0.0, end - time.monotonic()))
                if msg is None:
                    break
                out.append(msg)
        return out

    def wait_disconnected(self, timeout: float = DEADLINE) -> bool:
        return self._disconnected.wait(timeout)

    def disconnect(self, reason: int = 0, properties: Properties | None = None):
        """DISCONNECT with a reason code (0 = normal, no will; 4 = with will)."""
        from paho.mqtt.reasoncodes import ReasonCodes
        rc = ReasonCodes(PacketTypes.DISCONNECT, identifier=reason)
        self.client.disconnect(reasoncode=rc, properties=properties)
        self._disconnected.wait(DEADLINE)
        self.client.loop_stop()

    def close(self):
        try:
            self.client.disconnect()
        except Exception:  # already gone
            pass
        self.client.loop_stop()


@pytest.fixture
def paho5():
    clients = []

    def make(port, *a, **kw):
        c = Paho5(port, *a, **kw)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def c5():
    clients = []

    def make(port, **kw):
        c = raw5.Client5(port, **kw)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()
