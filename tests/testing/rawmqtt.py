"""A raw-socket MQTT 3.1/3.1.1 client for exact-bytes tests.

Packet builders return bytes built field by field (MQTT 3.1.1 section 3); RawClient sends them
and reads whole packets back with a deadline. Nothing validates what it sends, so tests can send
malformed packets on purpose. A RawClient belongs to one thread.
"""
import select
import socket
import struct
import time
from dataclasses import dataclass

# Control packet types, MQTT 3.1.1 section 2.2.1.
CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14

TYPE_NAMES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL",
              7: "PUBCOMP", 8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK",
              12: "PINGREQ", 13: "PINGRESP", 14: "DISCONNECT"}


def remaining_length(n: int) -> bytes:
    """Variable byte integer, MQTT 3.1.1 section 2.2.3."""
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(s) -> bytes:
    b = s.encode() if isinstance(s, str) else bytes(s)
    return struct.pack("!H", len(b)) + b


def packet(ptype: int, flags: int, body: bytes) -> bytes:
    return bytes([(ptype << 4) | flags]) + remaining_length(len(body)) + body


def connect(client_id="", clean=True, keepalive=60, proto_name="MQTT", level=4, will=None,
            username=None, password=None, reserved=False, flags=None) -> bytes:
    """CONNECT. will = (topic, payload, qos, retain). `flags` overrides the computed flags byte."""
    f = 0
    if clean:
        f |= 0x02
    if will is not None:
        f |= 0x04 | (will[2] << 3) | (0x20 if will[3] else 0)
    if password is not None:
        f |= 0x40
    if username is not None:
        f |= 0x80
    if reserved:
        f |= 0x01
    if flags is not None:
        f = flags
    v5_props = b"\x00" if level == 5 else b""  # MQTT 5 3.1.2.11: empty property list
    body = utf8(proto_name) + bytes([level, f]) + struct.pack("!H", keepalive) + v5_props
    body += utf8(client_id)
    if will is not None:
        body += v5_props + utf8(will[0]) + utf8(will[1])
    if username is not None:
        body += utf8(username)
    if password is not None:
        body += utf8(password)
    return packet(CONNECT, 0, body)


def publish(topic, payload=b"", qos=0, packet_id=None, retain=False, dup=False) -> bytes:
    flags = (0x08 if dup else 0) | (qos << 1) | (0x01 if retain else 0)
    body = utf8(topic)
    if qos:
        body += struct.pack("!H", packet_id if packet_id is not None else 1)
    body += payload.encode() if isinstance(payload, str) else payload
    return packet(PUBLISH, flags, body)


def puback(pid: int) -> bytes:
    return packet(PUBACK, 0, struct.pack("!H", pid))


def pubrec(pid: int) -> bytes:
    return packet(PUBREC, 0, struct.pack("!H", pid))


def pubrel(pid: int) -> bytes:
    return packet(PUBREL, 0x02, struct.pack("!H", pid))  # 3.6.1: flags must be 0010


def pubcomp(pid: int) -> bytes:
    return packet(PUBCOMP, 0, struct.pack("!H", pid))


def subscribe(pid: int, filters) -> bytes:
    """filters: [(topic_filter, qos), ...]"""
    body = struct.pack("!H", pid) + b"".join(utf8(t) + bytes([q]) for t, q in filters)
    return packet(SUBSCRIBE, 0x02, body)


def unsubscribe(pid: int, filters) -> bytes:
    body = struct.pack("!H", pid) + b"".join(utf8(t) for t in filters)
    return packet(UNSUBSCRIBE, 0x02, body)


def pingreq() -> bytes:
    return packet(PINGREQ, 0, b"")


def disconnect() -> bytes:
    return packet(DISCONNECT, 0, b"")


@dataclass
class Packet:
    """One received control packet: type, the 4 flag bits, and the body after the fixed header."""
    type: int
    flags: int
    body: bytes
    raw: bytes

    @property
    def name(self) -> str:
        return TYPE_NAMES.get(self.type, str(self.type))

    @property
    def qos(self) -> int:
        return (self.flags >> 1) & 3

    @property
    def retain(self) -> bool:
        return bool(self.flags & 1)

    @property
    def dup(self) -> bool:
        return bool(self.flags & 8)

    @property
    def topic(self) -> str:
        (n,) = struct.unpack_from("!H", self.body, 0)
        return self.body[2:2 + n].decode()

    @property
    def packet_id(self) -> int:
        """Packet identifier of PUBLISH (QoS > 0), PUBACK..PUBCOMP, SUBACK, UNSUBACK."""
        if self.type == PUBLISH:
            (n,) = struct.unpack_from("!H", self.body, 0)
            return struct.unpack_from("!H", self.body, 2 + n)[0]
        return struct.unpack_from("!H", self.body, 0)[0]

    @property
    def payload(self) -> bytes:
        (n,) = struct.unpack_from("!H", self.body, 0)
        return self.body[2 + n + (2 if self.qos else 0):]

    @property
    def session_present(self) -> bool:
        return bool(self.body[0] & 1)

    @property
    def return_code(self) -> int:
        """CONNACK return code."""
        return self.body[1]

    @property
    def granted(self) -> list:
        """SUBACK return codes."""
        return list(self.body[2:])

    def __repr__(self) -> str:
        return f"Packet({self.name} flags={self.flags:#x} body={self.body!r})"


def readable(fd: int, timeout: float) -> bool:
    """Wait up to `timeout` s for fd to be readable (poll, not select: fds may exceed 1023)."""
    p = select.poll()
    p.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(p.poll(max(0, int(timeout * 1000) + 1)))


class Closed(Exception):
    """The broker closed the connection (EOF or reset)."""


class RawClient:
    """A blocking TCP connection to the broker with deadline-bound packet reads."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 10.0):
        self.sock = socket.create_connection((host, port), timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.closed = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def try_send(self, data: bytes) -> bool:
        """Send, returning False instead of raising when the broker already closed us."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def _fill(self, deadline: float) -> bool:
        """Read more bytes until `deadline` (monotonic). False on timeout; raises Closed on EOF."""
        if self.closed:
            raise Closed()
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if not readable(self.sock.fileno(), left):
            return False
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
            data = b""
        if not data:
            self.closed = True
            raise Closed()
        self.buf += data
        return True

    def _parse(self):
        """One complete packet from the buffer, or None."""
        if len(self.buf) < 2:
            return None
        mult, length, i = 1, 0, 1
        while True:
            if i >= len(self.buf):
                return None
            b = self.buf[i]
            length += (b & 0x7F) * mult
            mult *= 128
            i += 1
            if not b & 0x80:
                break
            if i > 4:
                raise ValueError("malformed remaining length from broker")
        if len(self.buf) < i + length:
            return None
        raw = bytes(self.buf[:i + length])
        del self.buf[:i + length]
        return Packet(raw[0] >> 4, raw[0] & 0x0F, raw[i:], raw)

    def recv(self, timeout: float = 10.0) -> Packet | None:
        """The next packet, or None after `timeout` seconds. Raises Closed on EOF."""
        deadline = time.monotonic() + timeout
        while True:
            p = self._parse()
            if p is not None:
                return p
            if not self._fill(deadline):
                return None

    def expect(self, ptype: int, timeout: float = 10.0) -> Packet:
        p = self.recv(timeout)
        assert p is not None, f"timed out waiting for {TYPE_NAMES[ptype]}"
        assert p.type == ptype, f"expected {TYPE_NAMES[ptype]}, got {p!r}"
        return p

    def recv_all(self, quiet: float = 0.5, timeout: float = 10.0, at_least: int = 0) -> list:
        """Packets until none arrives for `quiet` seconds; the first `at_least` of them are
        waited for up to `timeout` seconds, so a slow broker does not end the wait early."""
        out, end = [], time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            p = self.recv(left if len(out) < at_least else min(quiet, left))
            if p is None:
                break
            out.append(p)
        return out

    def wait_closed(self, timeout: float = 10.0) -> bool:
        """True if the broker closes the connection within `timeout`; packets are discarded."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.recv(max(0.0, deadline - time.monotonic()))
        except Closed:
            return True
        return False

    def close_outcome(self, timeout: float = 10.0):
        """('closed', packets) if closed within timeout, else ('open', packets)."""
        got, deadline = [], time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                p = self.recv(max(0.0, deadline - time.monotonic()))
                if p is not None:
                    got.append(p)
        except Closed:
            return "closed", got
        return "open", got

    def connect(self, client_id="", timeout: float = 10.0, **kw) -> Packet:
        """Send CONNECT and return the CONNACK (asserting it arrived)."""
        self.send(connect(client_id, **kw))
        return self.expect(CONNACK, timeout)

    def subscribe(self, filters, pid: int = 1, timeout: float = 10.0) -> Packet:
        self.send(subscribe(pid, filters))
        p = self.expect(SUBACK, timeout)
        assert p.packet_id == pid
        return p

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self) -> None:
        """Close with RST (SO_LINGER 0): an abrupt network failure."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
