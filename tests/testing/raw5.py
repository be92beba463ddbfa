"""A raw-socket MQTT 5.0 client for exact-bytes tests: packets with properties and reason codes.

Builds on rawmqtt (same fixed header, RawClient reading whole packets with deadlines). Properties
are given as a list of (identifier, value) pairs, encoded in that order (so tests can duplicate
or misplace a property on purpose); received properties are parsed into a `Props` object.
Nothing validates what is sent. A Client5 belongs to one thread.
"""
import struct
import time
from dataclasses import dataclass, field

from . import rawmqtt as m
from .rawmqtt import (CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP,  # noqa: F401
                      SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT,
                      Closed, packet, remaining_length as varint, utf8)

AUTH = 15

# Property identifiers, MQTT 5.0 section 2.2.2.2.
PAYLOAD_FORMAT = 0x01
MESSAGE_EXPIRY = 0x02
CONTENT_TYPE = 0x03
RESPONSE_TOPIC = 0x08
CORRELATION_DATA = 0x09
SUBSCRIPTION_ID = 0x0B
SESSION_EXPIRY = 0x11
ASSIGNED_CLIENT_ID = 0x12
SERVER_KEEP_ALIVE = 0x13
AUTH_METHOD = 0x15
AUTH_DATA = 0x16
REQUEST_PROBLEM_INFO = 0x17
WILL_DELAY = 0x18
REQUEST_RESPONSE_INFO = 0x19
RESPONSE_INFO = 0x1A
SERVER_REFERENCE = 0x1C
REASON_STRING = 0x1F
RECEIVE_MAXIMUM = 0x21
TOPIC_ALIAS_MAXIMUM = 0x22
TOPIC_ALIAS = 0x23
MAXIMUM_QOS = 0x24
RETAIN_AVAILABLE = 0x25
USER_PROPERTY = 0x26
MAXIMUM_PACKET_SIZE = 0x27
WILDCARD_SUB_AVAILABLE = 0x28
SUB_ID_AVAILABLE = 0x29
SHARED_SUB_AVAILABLE = 0x2A

BYTE, U16, U32, VARINT, STR, BIN, PAIR = "byte", "u16", "u32", "varint", "str", "bin", "pair"
PROP_TYPES = {
    PAYLOAD_FORMAT: BYTE, MESSAGE_EXPIRY: U32, CONTENT_TYPE: STR, RESPONSE_TOPIC: STR,
    CORRELATION_DATA: BIN, SUBSCRIPTION_ID: VARINT, SESSION_EXPIRY: U32,
    ASSIGNED_CLIENT_ID: STR, SERVER_KEEP_ALIVE: U16, AUTH_METHOD: STR, AUTH_DATA: BIN,
    REQUEST_PROBLEM_INFO: BYTE, WILL_DELAY: U32, REQUEST_RESPONSE_INFO: BYTE,
    RESPONSE_INFO: STR, SERVER_REFERENCE: STR, REASON_STRING: STR, RECEIVE_MAXIMUM: U16,
    TOPIC_ALIAS_MAXIMUM: U16, TOPIC_ALIAS: U16, MAXIMUM_QOS: BYTE, RETAIN_AVAILABLE: BYTE,
    USER_PROPERTY: PAIR, MAXIMUM_PACKET_SIZE: U32, WILDCARD_SUB_AVAILABLE: BYTE,
    SUB_ID_AVAILABLE: BYTE, SHARED_SUB_AVAILABLE: BYTE,
}

# Reason codes used by the tests, MQTT 5.0 section 2.4.
SUCCESS = 0x00
DISCONNECT_WITH_WILL = 0x04
NO_MATCHING_SUBSCRIBERS = 0x10
NO_SUBSCRIPTION_EXISTED = 0x11
UNSPECIFIED_ERROR = 0x80
MALFORMED_PACKET = 0x81
PROTOCOL_ERROR = 0x82
BAD_AUTH_METHOD = 0x8C
SERVER_SHUTTING_DOWN = 0x8B
KEEP_ALIVE_TIMEOUT = 0x8D
SESSION_TAKEN_OVER = 0x8E
TOPIC_ALIAS_INVALID = 0x94
PACKET_TOO_LARGE = 0x95
PAYLOAD_FORMAT_INVALID = 0x99


def encode_props(props=()) -> bytes:
    """Property list (length + properties) from [(id, value), ...] in the given order."""
    out = bytearray()
    for pid, val in props:
        out += varint(pid)
        t = PROP_TYPES.get(pid)
        if t == BYTE:
            out.append(val)
        elif t == U16:
            out += struct.pack("!H", val)
        elif t == U32:
            out += struct.pack("!I", val)
        elif t == VARINT:
            out += varint(val)
        elif t in (STR, BIN):
            out += utf8(val)
        elif t == PAIR:
            out += utf8(val[0]) + utf8(val[1])
        else:  # unknown identifier: value given as raw bytes
            out += bytes(val)
    return varint(len(out)) + bytes(out)


def read_varint(buf: bytes, i: int):
    mult, val = 1, 0
    while True:
        b = buf[i]
        i += 1
        val += (b & 0x7F) * mult
        mult *= 128
        if not b & 0x80:
            return val, i


def _read_str(buf, i):
    (n,) = struct.unpack_from("!H", buf, i)
    return bytes(buf[i + 2:i + 2 + n]), i + 2 + n


@dataclass
class Props:
    """Parsed properties: `values` maps id -> value (last one wins), `items` keeps the order."""
    items: list = field(default_factory=list)

    @property
    def values(self) -> dict:
        return dict(self.items)

    def get(self, pid, default=None):
        return self.values.get(pid, default)

    def __contains__(self, pid) -> bool:
        return any(k == pid for k, _ in self.items)

    def all(self, pid) -> list:
        return [v for k, v in self.items if k == pid]

    @property
    def user(self) -> list:
        """User properties as [(name, value), ...] of str, in order."""
        return [(k.decode(), v.decode()) for k, v in self.all(USER_PROPERTY)]

    @property
    def ids(self) -> list:
        return [k for k, _ in self.items]


def decode_props(buf: bytes, i: int):
    """(Props, index after the property list)."""
    n, i = read_varint(buf, i)
    end, items = i + n, []
    while i < end:
        pid, i = read_varint(buf, i)
        t = PROP_TYPES.get(pid)
        if t == BYTE:
            val, i = buf[i], i + 1
        elif t == U16:
            (val,), i = struct.unpack_from("!H", buf, i), i + 2
        elif t == U32:
            (val,), i = struct.unpack_from("!I", buf, i), i + 4
        elif t == VARINT:
            val, i = read_varint(buf, i)
        elif t == STR:
            val, i = _read_str(buf, i)
            val = val.decode()
        elif t == BIN:
            val, i = _read_str(buf, i)
        elif t == PAIR:
            k, i = _read_str(buf, i)
            v, i = _read_str(buf, i)
            val = (k, v)
        else:
            raise ValueError(f"unknown property {pid:#x} from broker")
        items.append((pid, val))
    return Props(items), end


# ---------------------------------------------------------------- builders (client -> server)

def sub_options(qos=0, no_local=False, retain_as_published=False, retain_handling=0) -> int:
    """Subscription options byte, 3.8.3.1."""
    return qos | (0x04 if no_local else 0) | (0x08 if retain_as_published else 0) | \
        (retain_handling << 4)


def connect(client_id="", clean=True, keepalive=60, props=(), will=None, username=None,
            password=None, flags=None, raw_props=None) -> bytes:
    """CONNECT v5. will = (topic, payload, qos, retain[, will_props]). `raw_props` replaces the
    encoded property list with exact bytes (for malformed lists)."""
    f = 0x02 if clean else 0
    if will is not None:
        f |= 0x04 | (will[2] << 3) | (0x20 if will[3] else 0)
    if password is not None:
        f |= 0x40
    if username is not None:
        f |= 0x80
    if flags is not None:
        f = flags
    body = utf8("MQTT") + bytes([5, f]) + struct.pack("!H", keepalive)
    body += raw_props if raw_props is not None else encode_props(props)
    body += utf8(client_id)
    if will is not None:
        wprops = will[4] if len(will) > 4 else ()
        payload = will[1].encode() if isinstance(will[1], str) else will[1]
        body += encode_props(wprops) + utf8(will[0]) + utf8(payload)
    if username is not None:
        body += utf8(username)
    if password is not None:
        body += utf8(password)
    return packet(CONNECT, 0, body)


def publish(topic, payload=b"", qos=0, packet_id=1, retain=False, dup=False, props=(),
            raw_props=None) -> bytes:
    flags = (0x08 if dup else 0) | (qos << 1) | (0x01 if retain else 0)
    body = utf8(topic)
    if qos:
        body += struct.pack("!H", packet_id)
    body += raw_props if raw_props is not None else encode_props(props)
    body += payload.encode() if isinstance(payload, str) else payload
    return packet(PUBLISH, flags, body)


def _ack(ptype, flags, pid, reason, props):
    body = struct.pack("!H", pid)
    if reason != 0 or props:
        body += bytes([reason]) + encode_props(props)
    return packet(ptype, flags, body)


def puback(pid, reason=0, props=()) -> bytes:
    return _ack(PUBACK, 0, pid, reason, props)


def pubrec(pid, reason=0, props=()) -> bytes:
    return _ack(PUBREC, 0, pid, reason, props)


def pubrel(pid, reason=0, props=()) -> bytes:
    return _ack(PUBREL, 2, pid, reason, props)


def pubcomp(pid, reason=0, props=()) -> bytes:
    return _ack(PUBCOMP, 0, pid, reason, props)


def subscribe(pid, filters, props=()) -> bytes:
    """filters: [(filter, options_byte), ...] (see sub_options)."""
    body = struct.pack("!H", pid) + encode_props(props)
    body += b"".join(utf8(t) + bytes([o]) for t, o in filters)
    return packet(SUBSCRIBE, 2, body)


def unsubscribe(pid, filters, props=()) -> bytes:
    body = struct.pack("!H", pid) + encode_props(props) + b"".join(utf8(t) for t in filters)
    return packet(UNSUBSCRIBE, 2, body)


def disconnect(reason=0, props=()) -> bytes:
    if reason == 0 and not props:
        return packet(DISCONNECT, 0, b"")
    return packet(DISCONNECT, 0, bytes([reason]) + encode_props(props))


def auth(reason=0, props=()) -> bytes:
    return packet(AUTH, 0, bytes([reason]) + encode_props(props))


# ---------------------------------------------------------------- parsed packets (server -> client)

@dataclass
class P5:
    """A received v5 packet with its fields decoded by type."""
    type: int
    flags: int
    body: bytes
    raw: bytes
    reason: int = 0
    props: Props = field(default_factory=Props)
    session_present: bool = False
    topic: str = ""
    packet_id: int = 0
    payload: bytes = b""
    reasons: list = field(default_factory=list)  # SUBACK / UNSUBACK

    @property
    def name(self) -> str:
        return m.TYPE_NAMES.get(self.type, "AUTH" if self.type == AUTH else str(self.type))

    @property
    def qos(self) -> int:
        return (self.flags >> 1) & 3

    @property
    def retain(self) -> bool:
        return bool(self.flags & 1)

    @property
    def dup(self) -> bool:
        return bool(self.flags & 8)

    def __repr__(self) -> str:
        extra = ""
        if self.type == PUBLISH:
            extra = f" topic={self.topic!r} qos={self.qos} retain={self.retain} " \
                    f"payload={self.payload[:40]!r}"
        elif self.type in (CONNACK, DISCONNECT, PUBACK, PUBREC, PUBREL, PUBCOMP, AUTH):
            extra = f" reason={self.reason:#04x}"
        elif self.type in (SUBACK, UNSUBACK):
            extra = f" reasons={[hex(r) for r in self.reasons]}"
        return f"P5({self.name}{extra} props={self.props.items})"


def parse(p: m.Packet) -> P5:
    b = p.body
    r = P5(p.type, p.flags, b, p.raw)
    if p.type == CONNACK:
        r.session_present = bool(b[0] & 1)
        r.reason = b[1]
        if len(b) > 2:
            r.props, _ = decode_props(b, 2)
    elif p.type == PUBLISH:
        (n,) = struct.unpack_from("!H", b, 0)
        r.topic = b[2:2 + n].decode()
        i = 2 + n
        if r.qos:
            (r.packet_id,) = struct.unpack_from("!H", b, i)
            i += 2
        r.props, i = decode_props(b, i)
        r.payload = bytes(b[i:])
    elif p.type in (PUBACK, PUBREC, PUBREL, PUBCOMP):
        (r.packet_id,) = struct.unpack_from("!H", b, 0)
        if len(b) > 2:
            r.reason = b[2]
        if len(b) > 3:
            r.props, _ = decode_props(b, 3)
    elif p.type in (SUBACK, UNSUBACK):
        (r.packet_id,) = struct.unpack_from("!H", b, 0)
        r.props, i = decode_props(b, 2)
        r.reasons = list(b[i:])
    elif p.type in (DISCONNECT, AUTH):
        if len(b) > 0:
            r.reason = b[0]
        if len(b) > 1:
            r.props, _ = decode_props(b, 1)
    return r


class Client5(m.RawClient):
    """RawClient speaking v5: recv5/expect5 return parsed P5 packets."""

    def recv5(self, timeout: float = 10.0) -> P5 | None:
        p = self.recv(timeout)
        return None if p is None else parse(p)

    def expect5(self, ptype: int, timeout: float = 10.0) -> P5:
        p = self.recv5(timeout)
        assert p is not None, f"timed out waiting for {m.TYPE_NAMES.get(ptype, ptype)}"
        assert p.type == ptype, f"expected {m.TYPE_NAMES.get(ptype, ptype)}, got {p!r}"
        return p

    def connect5(self, client_id="", timeout: float = 10.0, **kw) -> P5:
        """Send a v5 CONNECT and return the parsed CONNACK."""
        self.send(connect(client_id, **kw))
        return self.expect5(CONNACK, timeout)

    def subscribe5(self, filters, pid: int = 1, props=(), timeout: float = 10.0) -> P5:
        """filters: [(filter, options)] or one filter string (options = QoS 1)."""
        if isinstance(filters, str):
            filters = [(filters, 1)]
        self.send(subscribe(pid, filters, props))
        p = self.expect5(SUBACK, timeout)
        assert p.packet_id == pid
        return p

    def publish5(self, topic, payload=b"", qos=0, pid=1, timeout: float = 10.0, **kw):
        """Publish; for QoS 1 return the PUBACK, for QoS 2 complete the flow and return PUBREC."""
        self.send(publish(topic, payload, qos, pid, **kw))
        if qos == 1:
            return self.expect5(PUBACK, timeout)
        if qos == 2:
            rec = self.expect5(PUBREC, timeout)
            self.send(pubrel(pid))
            self.expect5(PUBCOMP, timeout)
            return rec
        return None

    def publishes(self, n: int, timeout: float = 10.0, quiet: float = 0.0, ack: bool = True):
        """Collect n PUBLISH packets (acking QoS 1/2 unless ack=False), then listen `quiet`
        seconds more for extras. Other packets are ignored."""
        out, end = [], time.monotonic() + timeout
        while len(out) < n and time.monotonic() < end:
            p = self.recv5(max(0.0, end - time.monotonic()))
            if p is None:
                break
            if p.type == PUBLISH:
                out.append(p)
                if ack:
                    self._ack(p)
            elif p.type == PUBREL and ack:
                self.send(pubcomp(p.packet_id))
        if quiet:
            end = time.monotonic() + quiet
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    break
                p = self.recv5(left)
                if p is None:
                    break
                if p.type == PUBLISH:
                    out.append(p)
                    if ack:
                        self._ack(p)
                elif p.type == PUBREL and ack:
                    self.send(pubcomp(p.packet_id))
        return out

    def _ack(self, p: P5):
        if p.qos == 1:
            self.send(puback(p.packet_id))
        elif p.qos == 2:
            self.send(pubrec(p.packet_id))

    def outcome(self, timeout: float = 10.0):
        """('closed'|'open', [P5...]) — what the broker sent before closing (or the deadline)."""
        state, got = self.close_outcome(timeout)
        return state, [parse(p) for p in got]


def sleep_past(seconds: float) -> None:
    """Let time under test (an expiry or delay interval) elapse. Only for intervals the test
    itself set, a few seconds at most."""
    assert seconds <= 5, "sleep_past is for short protocol intervals"
    time.sleep(seconds)
