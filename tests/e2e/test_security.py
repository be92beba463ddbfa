"""Security: TLS listeners, client certificates as identity, WebSockets and http_dir, password
files, ACLs, per-listener settings, mount points, and hostile input on the listeners.

Behaviour follows Mosquitto 2.0.11 and mosquitto.conf(5) (tls_version, require_certificate,
use_identity_as_username, protocol websockets, http_dir, password_file, acl_file with `user`,
`topic` and `pattern` with %u/%c, per_listener_settings, mount_point). Refusing a SUBSCRIBE to a
wildcard-free filter the client can never read is lampi's own contract (lampi_only): Mosquitto
grants it and filters on delivery.

Certificates are made once per session with the openssl CLI. Clients: Debian's mosquitto_pub /
mosquitto_sub / mosquitto_passwd, paho-mqtt 1.6 (TCP, TLS, WebSockets), Python's ssl module and
the raw-socket clients from tests/testing. Every wait has a deadline. A negative check ("this
message is not delivered") publishes the forbidden message first and an allowed marker last on the
same connection, so the marker arriving first proves the forbidden one was dropped.
"""
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

import testing.raw5 as r5
import testing.rawmqtt as m
from testing.broker import free_port, is_mosquitto, port_listening, wait_until

DEADLINE = 10.0
TOOL_DEADLINE = 15.0
REPO_ROOT = Path(__file__).resolve().parents[2]
# paho's tls_set uses ssl.PROTOCOL_TLS, deprecated in Python 3.10+
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
# As root the broker switches to user "mosquitto", which cannot enter pytest's tmp dirs.
RUN_AS = ["user root"] if os.geteuid() == 0 else []


def lampi_passwd() -> str:
    if os.environ.get("LAMPI_PASSWD"):
        return os.environ["LAMPI_PASSWD"]
    bindir = os.environ.get("LAMPI_BIN")
    if bindir:
        return str(Path(bindir) / "passwd" / "lampi-passwd")
    return str(REPO_ROOT / "build" / "release" / "apps" / "passwd" / "lampi-passwd")


@pytest.fixture
def make_broker(make_broker):
    """conftest's make_broker, with RUN_AS in every config."""
    return lambda extra_lines=(), **kw: make_broker([*RUN_AS, *extra_lines], **kw)


# ---------------------------------------------------------------------------------------------
# certificates

def _openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace")


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """CA, server cert (SAN localhost/127.0.0.1), client cert CN lamp01, an unrelated CA and a
    client cert from it. Returns {name: path}; all world-readable."""
    d = tmp_path_factory.mktemp("certs")
    os.chmod(d, 0o755)
    o = lambda *a: _openssl(*a, cwd=d)  # noqa: E731
    o("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=lampi-test-ca",
      "-keyout", "ca.key", "-out", "ca.crt")
    o("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
      "-keyout", "server.key", "-out", "server.csr")
    (d / "server.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    o("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
      "-days", "2", "-extfile", "server.ext", "-out", "server.crt")
    o("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=lamp01",
      "-keyout", "client.key", "-out", "client.csr")
    (d / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    o("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
      "-days", "2", "-extfile", "client.ext", "-out", "client.crt")
    o("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=other-ca",
      "-keyout", "other.key", "-out", "other.crt")
    o("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=lamp01",
      "-keyout", "rogue.key", "-out", "rogue.csr")
    o("x509", "-req", "-in", "rogue.csr", "-CA", "other.crt", "-CAkey", "other.key",
      "-CAcreateserial", "-days", "2", "-extfile", "client.ext", "-out", "rogue.crt")
    for f in d.iterdir():
        os.chmod(f, 0o644)
    names = ["ca.crt", "server.crt", "server.key", "client.crt", "client.key", "other.crt",
             "rogue.crt", "rogue.key"]
    return {n.replace(".", "_"): str(d / n) for n in names}


def tls_lines(certs, version=None, extra=()):
    lines = [f"cafile {certs['ca_crt']}", f"certfile {certs['server_crt']}",
             f"keyfile {certs['server_key']}"]
    if version:
        lines.append(f"tls_version {version}")
    return [*lines, *extra]


def add_listener(b, lines):
    """Append `listener <free port> 127.0.0.1` + lines to a not yet started broker's config."""
    port = free_port()
    with open(b.conf, "a") as f:
        f.write("\n".join([f"listener {port} 127.0.0.1", *lines]) + "\n")
    return port


def start(b, *ports):
    b.start()
    for p in ports:
        b.wait_ready(p)
    return b


# ---------------------------------------------------------------------------------------------
# client helpers

def run(args, timeout=TOOL_DEADLINE):
    return subprocess.run(args, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)


def pub(port, topic, msg, *extra, host="127.0.0.1"):
    return run(["mosquitto_pub", "-h", host, "-p", str(port), "-t", topic, "-m", msg, *extra])


def sub_one(port, topic, *extra, host="127.0.0.1", wait=5):
    """mosquitto_sub for one message (-C 1) with a deadline (-W)."""
    return run(["mosquitto_sub", "-h", host, "-p", str(port), "-t", topic, "-C", "1",
                "-W", str(wait), *extra])


class Paho:
    """A minimal paho 3.1.1/5 client with deadlines, for TLS and WebSockets transports."""

    def __init__(self, port, transport="tcp", tls=None, protocol=mqtt.MQTTv311, client_id="",
                 username=None, password=None):
        import queue
        self.q = queue.Queue()
        self.c = mqtt.Client(client_id=client_id, protocol=protocol, transport=transport)
        if tls:
            self.c.tls_set(**tls)
        if username is not None:
            self.c.username_pw_set(username, password)
        self.connected = threading.Event()
        self.rc = None
        self.subacks = {}
        self.cond = threading.Condition()

        def on_connect(c, u, flags, rc, props=None):
            self.rc = rc
            self.connected.set()

        def on_subscribe(c, u, mid, granted, props=None):
            with self.cond:
                self.subacks[mid] = granted
                self.cond.notify_all()

        self.c.on_connect = on_connect
        self.c.on_subscribe = on_subscribe
        self.c.on_message = lambda c, u, msg: self.q.put(msg)
        self.port = port

    def connect(self, timeout=DEADLINE):
        self.c.connect("localhost" if self.c._ssl else "127.0.0.1", self.port, 30)
        self.c.loop_start()
        assert self.connected.wait(timeout), "no CONNACK"
        return self.rc

    def subscribe(self, topic, qos=1, timeout=DEADLINE):
        rc, mid = self.c.subscribe(topic, qos)
        assert rc == mqtt.MQTT_ERR_SUCCESS
        with self.cond:
            assert self.cond.wait_for(lambda: mid in self.subacks, timeout), "no SUBACK"
            return list(self.subacks.pop(mid))

    def publish(self, topic, payload, qos=1, retain=False, timeout=DEADLINE):
        info = self.c.publish(topic, payload, qos, retain)
        info.wait_for_publish(timeout)
        assert info.is_published(), f"publish to {topic} not acknowledged"

    def get(self, timeout=DEADLINE):
        import queue
        try:
            return self.q.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self):
        try:
            self.c.disconnect()
        except Exception:
            pass
        self.c.loop_stop()


@pytest.fixture
def pahos():
    made = []

    def make(*a, connect=True, **kw):
        p = Paho(*a, **kw)
        made.append(p)
        if connect:
            assert p.connect() == 0, f"CONNACK refused: {p.rc}"
        return p

    yield make
    for p in made:
        p.close()


@pytest.fixture
def raws():
    made = []

    def make(port, v5=False):
        c = r5.Client5(port) if v5 else m.RawClient(port)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def first_publish(c, timeout=DEADLINE):
    """The next PUBLISH on a raw 3.1.1 client (acking QoS 1); None on timeout."""
    end = time.monotonic() + timeout
    while True:
        p = c.recv(max(0.0, end - time.monotonic()))
        if p is None:
            return None
        if p.type == m.PUBLISH:
            if p.qos == 1:
                c.send(m.puback(p.packet_id))
            return p


def publishes_until(c, marker_topic, timeout=DEADLINE):
    """Topics of the PUBLISHes a raw client receives up to and including `marker_topic`."""
    got, end = [], time.monotonic() + timeout
    while time.monotonic() < end:
        p = first_publish(c, max(0.0, end - time.monotonic()))
        if p is None:
            break
        got.append((p.topic, p.payload))
        if p.topic == marker_topic:
            return got
    raise AssertionError(f"marker {marker_topic} not received; got {got}")


def tls_client_context(cafile, version=None, cert=None):
    ctx = ssl.create_default_context(cafile=cafile)
    if version == "tlsv1.2":
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    elif version == "tlsv1.3":
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    if cert:
        ctx.load_cert_chain(*cert)
    return ctx


def tls_connect(port, ctx, timeout=DEADLINE):
    s = socket.create_connection(("127.0.0.1", port), timeout)
    try:
        return ctx.wrap_socket(s, server_hostname="localhost")
    except Exception:
        s.close()
        raise


def tls_mqtt_connack(port, ctx, timeout=5.0, connect=m.connect("tls-probe")):
    """CONNECT (3.1.1 unless `connect` is given) over TLS; the CONNACK return / reason code, or
    None if the broker refused the session (handshake error, reset or EOF before a CONNACK)."""
    try:
        s = tls_connect(port, ctx, timeout)
    except (ssl.SSLError, OSError):
        return None
    try:
        s.settimeout(timeout)
        s.sendall(connect)
        data = b""
        while len(data) < 4:
            chunk = s.recv(4 - len(data))
            if not chunk:
                return None
            data += chunk
        return data[3] if data[0] == 0x20 else None
    except (ssl.SSLError, OSError):
        return None
    finally:
        s.close()


# ---------------------------------------------------------------------------------------------
# TLS listeners

OTHER = {"tlsv1.2": "tlsv1.3", "tlsv1.3": "tlsv1.2"}


@pytest.mark.parametrize("version", ["tlsv1.2", "tlsv1.3"])
def test_tls_listener_version(make_broker, certs, version):
    b = make_broker(start=False)
    tp = add_listener(b, tls_lines(certs, version))
    start(b, tp)
    ca = ["--cafile", certs["ca_crt"]]

    # mosquitto_pub / mosquitto_sub with the test CA: a retained message round trip over TLS
    r = pub(tp, "tls/ret", f"over-{version}", "-r", "-q", "1", *ca, host="localhost")
    assert r.returncode == 0, r.stderr
    r = sub_one(tp, "tls/ret", *ca, host="localhost")
    assert r.returncode == 0 and r.stdout.decode().strip() == f"over-{version}", r
    # the same message reaches a plain-TCP subscriber
    assert sub_one(b.port, "tls/ret").stdout.decode().strip() == f"over-{version}"

    # TLS 1.3 listener: a client forcing TLS 1.2 fails (openssl s_client and Python's ssl).
    # (mosquitto_pub --tls-version tlsv1.2 only sets a minimum, so it cannot force 1.2.)
    # The TLS 1.2 listener refusing a TLS 1.3 client: test_tls12_listener_refuses_tls13.
    if version == "tlsv1.3":
        with tls_connect(tp, tls_client_context(certs["ca_crt"])) as s:
            assert s.version() == "TLSv1.3"
        assert s_client(tp, certs, "-tls1_2").returncode != 0
        with pytest.raises((ssl.SSLError, OSError)):
            tls_connect(tp, tls_client_context(certs["ca_crt"], "tlsv1.2")).close()
    r = s_client(tp, certs, {"tlsv1.2": "-tls1_2", "tlsv1.3": "-tls1_3"}[version])
    assert r.returncode == 0, r
    # a client forcing the right version works
    r = pub(tp, "tls/x", "x", "--tls-version", version, *ca, host="localhost")
    assert r.returncode == 0, r.stderr

    # the wrong CA: the server certificate does not verify
    r = pub(tp, "tls/x", "x", "--cafile", certs["other_crt"], host="localhost")
    assert r.returncode != 0, r
    with pytest.raises(ssl.SSLCertVerificationError):
        tls_connect(tp, tls_client_context(certs["other_crt"])).close()
    assert b.running()


def s_client(port, certs, *opts):
    """openssl s_client handshake (verifying the server) then EOF on stdin; exit 0 = success."""
    return run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername",
                "localhost", "-CAfile", certs["ca_crt"], "-verify_return_error", *opts],
               timeout=10)


def test_tls_version_is_a_minimum_as_in_mosquitto(make_broker, certs):
    # mosquitto.conf(5): tls_version is the minimum version: a tlsv1.2 listener also takes 1.3.
    b = make_broker(start=False)
    tp = add_listener(b, tls_lines(certs, "tlsv1.2"))
    start(b, tp)
    with tls_connect(tp, tls_client_context(certs["ca_crt"], "tlsv1.3")) as s:
        assert s.version() == "TLSv1.3"
    assert s_client(tp, certs, "-tls1_2").returncode == 0
    assert s_client(tp, certs, "-tls1_1").returncode != 0
    assert b.running()


def test_paho_over_tls(make_broker, certs, pahos):
    b = make_broker(start=False)
    tp = add_listener(b, tls_lines(certs))
    start(b, tp)
    c = pahos(tp, tls={"ca_certs": certs["ca_crt"]})
    assert c.subscribe("paho/tls") == [1]
    c.publish("paho/tls", b"hello-tls", qos=1)
    msg = c.get()
    assert msg is not None and msg.topic == "paho/tls" and msg.payload == b"hello-tls"
    # cross-transport: a plain TCP publisher reaches the TLS subscriber
    assert pub(b.port, "paho/tls", "from-tcp").returncode == 0
    msg = c.get()
    assert msg is not None and msg.payload == b"from-tcp"
    # paho with the wrong CA cannot connect
    bad = Paho(tp, tls={"ca_certs": certs["other_crt"]})
    with pytest.raises(ssl.SSLError):
        bad.c.connect("localhost", tp, 30)
    bad.close()


# ---------------------------------------------------------------------------------------------
# client certificates: require_certificate + use_identity_as_username

def test_client_certificate_identity_is_username(make_broker, certs, pahos, raws):
    b = make_broker(start=False)
    acl = b.tmpdir / "acl"
    acl.write_text("topic readwrite free/#\n\nuser lamp01\ntopic readwrite only/lamp01/#\n")
    with open(b.conf, "a") as f:
        f.write(f"acl_file {acl}\n")
    tp = add_listener(b, tls_lines(certs, extra=["require_certificate true",
                                                 "use_identity_as_username true"]))
    start(b, tp)
    tls_cert = {"ca_certs": certs["ca_crt"], "certfile": certs["client_crt"],
                "keyfile": certs["client_key"]}

    # an anonymous plain-TCP client may neither read nor write only/lamp01/#
    anon = raws(b.port)
    assert anon.connect("anon").return_code == 0
    anon.subscribe([("#", 1)])

    # the certificate client is user lamp01: it writes and reads only/lamp01/#
    c = pahos(tp, tls=tls_cert, client_id="certclient")
    c.subscribe("only/lamp01/#")
    c.publish("only/lamp01/a", b"mine", qos=1)
    msg = c.get()
    assert msg is not None and (msg.topic, msg.payload) == ("only/lamp01/a", b"mine")

    # the anonymous client cannot read it (its '#' grant filters on delivery) ...
    anon.send(m.publish("free/marker", b"m", qos=1, packet_id=7))
    assert [t for t, _ in publishes_until(anon, "free/marker")] == ["free/marker"]
    # ... nor write it: lamp01 never receives the anonymous publish
    anon.send(m.publish("only/lamp01/a", b"from-anon", qos=1, packet_id=8))
    assert c.get(1.0) is None
    # a mosquitto_sub with the certificate reads what lamp01 may read
    assert pub(tp, "only/lamp01/r", "kept", "-r", "-q", "1", "--cafile", certs["ca_crt"],
               "--cert", certs["client_crt"], "--key", certs["client_key"],
               host="localhost").returncode == 0
    r = sub_one(tp, "only/lamp01/r", "--cafile", certs["ca_crt"], "--cert", certs["client_crt"],
                "--key", certs["client_key"], host="localhost")
    assert r.returncode == 0 and r.stdout.decode().strip() == "kept", r

    # no certificate: refused
    r = pub(tp, "only/lamp01/x", "x", "--cafile", certs["ca_crt"], host="localhost")
    assert r.returncode != 0, r
    assert tls_mqtt_connack(tp, tls_client_context(certs["ca_crt"])) is None
    # a certificate with CN lamp01 from an unrelated CA: refused
    rogue = tls_client_context(certs["ca_crt"], cert=(certs["rogue_crt"], certs["rogue_key"]))
    assert tls_mqtt_connack(tp, rogue) is None
    # the real certificate over the raw path gets CONNACK 0
    good = tls_client_context(certs["ca_crt"], cert=(certs["client_crt"], certs["client_key"]))
    assert tls_mqtt_connack(tp, good) == 0
    assert b.running()


def test_identity_as_username_without_an_identity(make_broker, certs, raws):
    """Mosquitto 2: a TLS client without a certificate on a use_identity_as_username listener is
    refused as a bad user name or password (3.1.1: 4, v5: 0x86); on a plain listener the option
    does nothing."""
    b = make_broker(start=False)
    with open(b.conf, "a") as f:
        f.write("use_identity_as_username true\n")  # on the plain default listener
    tp = add_listener(b, tls_lines(certs, extra=["use_identity_as_username true"]))
    start(b, tp)
    assert raws(b.port).connect("plain").return_code == 0
    no_cert = tls_client_context(certs["ca_crt"])
    assert tls_mqtt_connack(tp, no_cert) == 4
    assert tls_mqtt_connack(tp, no_cert, connect=r5.connect("tls-probe-v5")) == 0x86
    # Without require_certificate Mosquitto never asks for a certificate, so it refuses this
    # client too; lampi asks (and verifies it) whenever the listener needs the identity.
    with_cert = tls_client_context(certs["ca_crt"], cert=(certs["client_crt"], certs["client_key"]))
    assert tls_mqtt_connack(tp, with_cert) == (4 if is_mosquitto(b.binary) else 0)
    assert b.running()


# ---------------------------------------------------------------------------------------------
# WebSockets and http_dir

def http_get(port, path, timeout=5.0):
    """(status, headers dict, body) of one raw HTTP/1.1 GET (path sent exactly as given)."""
    with socket.create_connection(("127.0.0.1", port), timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  "Connection: close\r\n\r\n".encode())
        data, end = b"", time.monotonic() + timeout
        while time.monotonic() < end:
            if b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                hdrs = {}
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.decode(errors="replace").partition(":")
                    hdrs[k.strip().lower()] = v.strip()
                if "content-length" in hdrs and len(body) >= int(hdrs["content-length"]):
                    break
            if not m.readable(s.fileno(), max(0.0, end - time.monotonic())):
                break
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines and lines[0].startswith(b"HTTP/1."), f"not an HTTP response: {data[:200]!r}"
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.decode(errors="replace").partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), hdrs, body


def test_websockets_paho_and_http_dir(make_broker, pahos, raws):
    b = make_broker(start=False)
    www = b.tmpdir / "www"
    www.mkdir()
    (www / "index.html").write_text("<html>lampi web root</html>\n")
    (www / "app.js").write_text("console.log('lampi');\n")
    (b.tmpdir / "x").write_text("SECRET-OUTSIDE-HTTP-DIR\n")
    for p in (b.tmpdir, www):
        os.chmod(p, 0o755)
    wp = add_listener(b, ["protocol websockets", f"http_dir {www}"])
    start(b, wp)

    # MQTT over WebSockets with paho: a round trip, and cross-transport to a TCP client
    ws = pahos(wp, transport="websockets", client_id="ws1")
    assert ws.subscribe("ws/#") == [1]
    ws.publish("ws/self", b"over-ws", qos=1)
    msg = ws.get()
    assert msg is not None and (msg.topic, msg.payload) == ("ws/self", b"over-ws")
    tcp = raws(b.port)
    assert tcp.connect("tcp1").return_code == 0
    tcp.subscribe([("ws/#", 1)])
    ws.publish("ws/cross", b"to-tcp", qos=1)
    p = first_publish(tcp)
    assert p is not None and (p.topic, p.payload) == ("ws/cross", b"to-tcp")
    tcp.send(m.publish("ws/back", b"to-ws", qos=1, packet_id=3))
    got = [ws.get() for _ in range(2)]
    assert [(x.topic, x.payload) for x in got if x] == [("ws/cross", b"to-tcp"), ("ws/back", b"to-ws")]

    # plain HTTP GET on the same listener serves files from http_dir
    status, hdrs, body = http_get(wp, "/app.js")
    assert status == 200 and body == b"console.log('lampi');\n", (status, hdrs, body)
    status, _, body = http_get(wp, "/index.html")
    assert status == 200 and b"lampi web root" in body
    status, _, _ = http_get(wp, "/missing.txt")
    assert status == 404

    # nothing outside http_dir
    for path in ("//etc/passwd", "/../x", "/..%2fx", "/%2e%2e/x", "/../../../../etc/passwd"):
        status, _, body = http_get(wp, path)
        assert status in (403, 404), (path, status, body[:200])
        assert b"root:" not in body and b"SECRET-OUTSIDE" not in body, (path, body[:200])
    assert b.running()
    assert ws.connected.is_set()


# ---------------------------------------------------------------------------------------------
# password files

def mosquitto_passwd_file(path, users):
    first = True
    for user, pw in users:
        r = run(["mosquitto_passwd", *(["-c"] if first else []), "-b", str(path), user, pw])
        assert r.returncode == 0, r.stderr
        first = False
    os.chmod(path, 0o644)


def test_password_file_from_mosquitto_passwd(make_broker, raws):
    b = make_broker(start=False)
    pw = b.tmpdir / "pw"
    mosquitto_passwd_file(pw, [("alice", "s3cret"), ("bob", "hunter2")])
    b.conf.write_text(b.conf.read_text().replace("allow_anonymous true", "allow_anonymous false")
                      + f"password_file {pw}\n")
    start(b)
    port = b.port

    # right password: mosquitto_pub exits 0, a retained message reads back
    r = pub(port, "pw/ok", "hi", "-u", "alice", "-P", "s3cret", "-r")
    assert r.returncode == 0, r.stderr
    r = sub_one(port, "pw/ok", "-u", "bob", "-P", "hunter2")
    assert r.returncode == 0 and r.stdout.decode().strip() == "hi", r
    # wrong password: mosquitto_pub exits 5 (CONNACK "not authorised")
    r = pub(port, "pw/x", "x", "-u", "alice", "-P", "wrong")
    assert r.returncode == 5, r
    # unknown user and anonymous are refused too
    assert pub(port, "pw/x", "x", "-u", "mallory", "-P", "s3cret").returncode == 5
    assert pub(port, "pw/x", "x").returncode == 5

    # raw: 3.1.1 CONNACK 5, v5 CONNACK 0x87; then the connection is closed
    c = raws(port)
    assert c.connect("a1", username="alice", password="wrong").return_code == 5
    assert c.wait_closed(5)
    c = raws(port)
    assert c.connect("a2").return_code == 5
    c = raws(port)
    assert c.connect("a3", username="alice", password="s3cret").return_code == 0
    c5 = raws(port, v5=True)
    assert c5.connect5("a4", username="alice", password="wrong").reason == 0x87
    assert c5.wait_closed(5)
    c5 = raws(port, v5=True)
    assert c5.connect5("a5").reason == 0x87
    c5 = raws(port, v5=True)
    assert c5.connect5("a6", username="bob", password="hunter2").reason == 0
    # username without a password is refused as well
    c = raws(port)
    assert c.connect("a7", username="alice").return_code == 5
    assert b.running()


@pytest.mark.skipif(not os.path.exists(lampi_passwd()), reason="lampi-passwd not built")
def test_password_file_from_lampi_passwd(make_broker, raws):
    b = make_broker(start=False)
    pw = b.tmpdir / "pw"
    for i, (user, pwd) in enumerate([("carol", "pa55 word"), ("dave", "d4ve")]):
        r = run([lampi_passwd(), *(["-c"] if i == 0 else []), "-b", str(pw), user, pwd])
        assert r.returncode == 0, r.stderr
    # and a sha512 (Mosquitto 1.6 style) entry
    r = run([lampi_passwd(), "-H", "sha512", "-b", str(pw), "erin", "e"])
    assert r.returncode == 0, r.stderr
    os.chmod(pw, 0o644)
    b.conf.write_text(b.conf.read_text().replace("allow_anonymous true", "allow_anonymous false")
                      + f"password_file {pw}\n")
    start(b)
    for user, pwd in [("carol", "pa55 word"), ("dave", "d4ve"), ("erin", "e")]:
        r = pub(b.port, "lp/x", "x", "-u", user, "-P", pwd)
        assert r.returncode == 0, (user, r.stderr)
    assert pub(b.port, "lp/x", "x", "-u", "carol", "-P", "d4ve").returncode == 5
    c = raws(b.port)
    assert c.connect("lp1", username="dave", password="nope").return_code == 5


# ---------------------------------------------------------------------------------------------
# ACLs

ACL = """\
# patterns apply to every client
pattern readwrite users/%u/#
pattern read clients/%c/#

user alice
topic readwrite lamp/#
topic read public/#
topic write inbox/#

user bob
topic readwrite #
"""


@pytest.fixture
def acl_broker(make_broker):
    b = make_broker(start=False)
    pw = b.tmpdir / "pw"
    mosquitto_passwd_file(pw, [("alice", "a"), ("bob", "b")])
    acl = b.tmpdir / "acl"
    acl.write_text(ACL)
    os.chmod(acl, 0o644)
    b.conf.write_text(b.conf.read_text().replace("allow_anonymous true", "allow_anonymous false")
                      + f"password_file {pw}\nacl_file {acl}\n")
    b.acl = acl
    return start(b)


def login(raws, port, user, client_id=None, v5=False, subs=(), **kw):
    c = raws(port, v5=v5)
    cid = client_id or f"{user}-{random.randrange(1 << 30)}"
    if v5:
        assert c.connect5(cid, username=user, password=user[0], **kw).reason == 0
        if subs:
            c.subscribe5([(s, 1) for s in subs])
    else:
        assert c.connect(cid, username=user, password=user[0], **kw).return_code == 0
        if subs:
            c.subscribe([(s, 1) for s in subs])
    return c


def test_acl_publish_denied_v311_is_acked_and_dropped(acl_broker, raws):
    bob = login(raws, acl_broker.port, "bob", subs=["#"])
    alice = login(raws, acl_broker.port, "alice")
    for pid, topic in enumerate(["secret/x", "public/x", "users/bob/x", "clients/x/y",
                                 "lamp/ok"], start=1):
        alice.send(m.publish(topic, b"from-alice", qos=1, packet_id=pid))
        ack = alice.expect(m.PUBACK)  # denied or not, the publisher gets its PUBACK
        assert ack.packet_id == pid
    alice.send(m.publish("inbox/1", b"w", qos=1, packet_id=9))    # write-only grant
    alice.expect(m.PUBACK)
    alice.send(m.publish("users/alice/1", b"u", qos=1, packet_id=10))  # pattern %u
    alice.expect(m.PUBACK)
    got = publishes_until(bob, "users/alice/1")
    assert [t for t, _ in got] == ["lamp/ok", "inbox/1", "users/alice/1"], got
    # alice is still connected
    alice.send(m.pingreq())
    alice.expect(m.PINGRESP)


def test_acl_publish_denied_v5_puback_0x87(acl_broker, raws):
    bob = login(raws, acl_broker.port, "bob", subs=["#"])
    alice = login(raws, acl_broker.port, "alice", v5=True)
    for pid, topic in enumerate(["secret/x", "public/x", "users/bob/x"], start=1):
        ack = alice.publish5(topic, b"no", qos=1, pid=pid)
        assert (ack.packet_id, ack.reason) == (pid, 0x87), (topic, ack)
    ack = alice.publish5("lamp/ok", b"yes", qos=1, pid=5)
    assert ack.reason == 0, ack
    assert [t for t, _ in publishes_until(bob, "lamp/ok")] == ["lamp/ok"]
    # QoS 2 denied: PUBREC 0x87, no message
    alice.send(r5.publish("secret/q2", b"no", qos=2, packet_id=6))
    rec = alice.expect5(r5.PUBREC)
    assert rec.reason == 0x87, rec


def test_acl_read_filtering_on_wildcard_subscription(acl_broker, raws):
    alice = login(raws, acl_broker.port, "alice", client_id="dev7", subs=["#"])
    bob = login(raws, acl_broker.port, "bob")
    topics = ["secret/1", "inbox/1", "users/bob/1", "clients/other/1",
              "public/1", "lamp/1", "users/alice/1", "clients/dev7/1"]
    for pid, t in enumerate(topics, start=1):
        bob.send(m.publish(t, b"b", qos=1, packet_id=pid))
        bob.expect(m.PUBACK)
    got = publishes_until(alice, "clients/dev7/1")
    assert [t for t, _ in got] == ["public/1", "lamp/1", "users/alice/1", "clients/dev7/1"], got
    # read-only: alice's own publish to public/ is not delivered (not even to herself)
    alice.send(m.publish("public/2", b"a", qos=1, packet_id=20))
    alice.send(m.publish("lamp/2", b"a", qos=1, packet_id=21))
    got = []
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end and not any(t == "lamp/2" for t in got):
        p = alice.recv(max(0.0, end - time.monotonic()))
        assert p is not None, got
        if p.type == m.PUBLISH:
            got.append(p.topic)
            alice.send(m.puback(p.packet_id))
    assert got == ["lamp/2"], got


@pytest.mark.lampi_only("Mosquitto 2.0.11 grants a SUBSCRIBE it can never deliver on and "
                        "filters on delivery")
def test_acl_subscribe_forbidden_plain_topic_refused(acl_broker, raws):
    alice = login(raws, acl_broker.port, "alice", client_id="dev7")
    p = alice.subscribe([("secret/x", 1), ("lamp/x", 1), ("inbox/x", 0), ("users/bob/x", 1),
                         ("users/alice/x", 1), ("clients/dev7/x", 1), ("public/#", 1)])
    assert p.granted == [0x80, 1, 0x80, 0x80, 1, 1, 1], p
    a5 = login(raws, acl_broker.port, "alice", v5=True, client_id="dev8")
    p = a5.subscribe5([("secret/x", 1), ("lamp/x", 1), ("clients/dev8/y", 0)])
    assert p.reasons == [0x87, 1, 0], p


def test_acl_retained_delivery_filtered_by_read(acl_broker, raws):
    bob = login(raws, acl_broker.port, "bob")
    for pid, t in enumerate(["secret/r", "lamp/r", "public/r", "inbox/r", "users/bob/r"], 1):
        bob.send(m.publish(t, b"kept-" + t.encode(), qos=1, packet_id=pid, retain=True))
        bob.expect(m.PUBACK)
    alice = login(raws, acl_broker.port, "alice")
    alice.send(m.subscribe(1, [("#", 1)]))
    pkts = alice.recv_all(quiet=0.7, timeout=DEADLINE, at_least=3)
    assert pkts and pkts[0].type == m.SUBACK and pkts[0].granted == [1], pkts
    got = sorted(p.topic for p in pkts if p.type == m.PUBLISH)
    assert got == ["lamp/r", "public/r"], pkts
    # an exact subscription to a readable retained topic gets it
    alice.send(m.subscribe(2, [("public/r", 0)]))
    pkts = alice.recv_all(quiet=0.3, timeout=DEADLINE, at_least=2)
    assert [p.topic for p in pkts if p.type == m.PUBLISH] == ["public/r"], pkts
    # bob still sees everything retained
    bob.send(m.subscribe(3, [("#", 1)]))
    pkts = bob.recv_all(quiet=0.7, timeout=DEADLINE, at_least=6)
    assert len([p for p in pkts if p.type == m.PUBLISH]) == 5, pkts


def test_acl_will_delivery_filtered_by_read(acl_broker, raws):
    alice = login(raws, acl_broker.port, "alice", subs=["#"])
    watcher = login(raws, acl_broker.port, "bob", subs=["#"])
    w1 = login(raws, acl_broker.port, "bob", client_id="will-secret",
               will=("secret/will", "gone-secret", 1, False))
    w2 = login(raws, acl_broker.port, "bob", client_id="will-lamp",
               will=("lamp/will", "gone-lamp", 1, False))
    w1.abort()
    w2.abort()
    seen = set()
    end = time.monotonic() + DEADLINE
    while len(seen) < 2 and time.monotonic() < end:
        p = first_publish(watcher, max(0.0, end - time.monotonic()))
        assert p is not None, f"wills not delivered to bob, saw {seen}"
        seen.add(p.topic)
    assert seen == {"secret/will", "lamp/will"}
    pkts = alice.recv_all(quiet=0.7, timeout=DEADLINE, at_least=1)
    assert [(p.topic, p.payload) for p in pkts if p.type == m.PUBLISH] == \
        [("lamp/will", b"gone-lamp")], pkts


def test_acl_sighup_reload_applies_to_connected_client(acl_broker, raws):
    alice = login(raws, acl_broker.port, "alice", subs=["#"])
    bob = login(raws, acl_broker.port, "bob")
    bob.send(m.publish("newtopic/1", b"before", qos=1, packet_id=1))
    bob.send(m.publish("lamp/1", b"before", qos=1, packet_id=2))
    assert [t for t, _ in publishes_until(alice, "lamp/1")] == ["lamp/1"]

    # grant newtopic/#, revoke lamp/#; SIGHUP
    acl_broker.acl.write_text(ACL.replace("topic readwrite lamp/#", "topic read newtopic/#"))
    acl_broker.proc.send_signal(signal.SIGHUP)
    pid = [10]

    def delivered():
        pid[0] += 1
        bob.send(m.publish("newtopic/2", b"after", qos=1, packet_id=pid[0]))
        p = first_publish(alice, 0.2)
        return p is not None and p.topic == "newtopic/2"

    assert wait_until(delivered, DEADLINE, 0.05), "new ACL grant not applied after SIGHUP"
    # drain any further newtopic/2 copies, then check the revocation with a marker
    alice.recv_all(quiet=0.3, timeout=DEADLINE)
    alice.send(m.publish("lamp/mine", b"x", qos=1, packet_id=30))  # her write was revoked too
    pkts = []
    while not any(p.type == m.PUBACK and p.packet_id == 30 for p in pkts):
        p = alice.recv(DEADLINE)
        assert p is not None, pkts
        pkts.append(p)
    assert not [p for p in pkts if p.type == m.PUBLISH], pkts
    bob.send(m.publish("lamp/2", b"after", qos=1, packet_id=31))
    bob.send(m.publish("newtopic/marker", b"m", qos=1, packet_id=32))
    assert [t for t, _ in publishes_until(alice, "newtopic/marker")] == ["newtopic/marker"]
    # alice was never disconnected: same connection, keeps working
    alice.send(m.pingreq())
    pkts = alice.recv_all(quiet=0.3, timeout=DEADLINE, at_least=1)
    assert any(p.type == m.PINGRESP for p in pkts), pkts
    assert acl_broker.running()


# ---------------------------------------------------------------------------------------------
# per_listener_settings, mount_point

def test_per_listener_settings_anonymous(make_broker, raws):
    b = make_broker(start=False)
    pw = b.tmpdir / "pw"
    mosquitto_passwd_file(pw, [("alice", "a")])
    closed = free_port()
    b.conf.write_text("\n".join([
        *RUN_AS,
        "per_listener_settings true",
        f"listener {b.port} 127.0.0.1",
        "allow_anonymous true",
        f"listener {closed} 127.0.0.1",
        "allow_anonymous false",
        f"password_file {pw}",
    ]) + "\n")
    start(b, closed)
    c = raws(b.port)
    assert c.connect("open-anon").return_code == 0
    c = raws(closed)
    assert c.connect("closed-anon").return_code == 5
    c5 = raws(closed, v5=True)
    assert c5.connect5("closed-anon5").reason == 0x87
    c = raws(closed)
    assert c.connect("closed-alice", username="alice", password="a").return_code == 0
    assert pub(b.port, "pl/x", "x").returncode == 0
    assert pub(closed, "pl/x", "x").returncode == 5
    assert pub(closed, "pl/x", "x", "-u", "alice", "-P", "a").returncode == 0


def mounted(make_broker, raws):
    """A broker with a `mount_point site1/` listener; (outside, inside) raw clients both
    subscribed to '#' (inside's '#' is site1/# in the broker)."""
    b = make_broker(start=False)
    mp = add_listener(b, ["mount_point site1/"])
    start(b, mp)
    outside = raws(b.port)
    assert outside.connect("outside").return_code == 0
    outside.subscribe([("#", 1)])
    inside = raws(mp)
    assert inside.connect("inside").return_code == 0
    inside.subscribe([("#", 1)])
    return outside, inside


def test_mount_point(make_broker, raws):
    outside, inside = mounted(make_broker, raws)
    # a client on the mounted listener publishing `x` is seen as `site1/x` outside
    inside.send(m.publish("x", b"from-inside", qos=1, packet_id=1))
    p = first_publish(outside)
    assert p is not None and (p.topic, p.payload) == ("site1/x", b"from-inside"), p
    p = first_publish(inside)  # its own message (topic form: test_mount_point_stripped...)
    assert p is not None and p.payload == b"from-inside", p

    # the mounted client sees only its mount: other/y and site2/y never reach it
    for pid, t in enumerate(["other/y", "site2/y", "site1/z"], start=1):
        outside.send(m.publish(t, t.encode(), qos=1, packet_id=pid))
    p = first_publish(inside)
    assert p is not None and p.payload == b"site1/z" and p.topic in ("z", "site1/z"), p
    # the mounted client is still connected
    inside.send(m.pingreq())
    assert any(p.type == m.PINGRESP for p in inside.recv_all(quiet=0.2, at_least=1))


@pytest.mark.spec_only("Mosquitto 2.0.11 keeps the mount point in delivered topics (its bug "
                       "#2244, fixed in 2.0.12)")
def test_mount_point_stripped_on_delivery_to_mounted_client(make_broker, raws):
    outside, inside = mounted(make_broker, raws)
    inside.send(m.publish("x", b"own", qos=1, packet_id=1))
    p = first_publish(inside)
    assert p is not None and (p.topic, p.payload) == ("x", b"own"), p
    outside.send(m.publish("site1/z", b"o", qos=1, packet_id=1))
    p = first_publish(inside)
    assert p is not None and (p.topic, p.payload) == ("z", b"o"), p


# ---------------------------------------------------------------------------------------------
# hostile input

def client_hello() -> bytes:
    """The bytes of one TLS ClientHello (from Python's ssl, without a network)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    return out.read()


def test_bad_input_flood_broker_stays_up(make_broker, certs, raws):
    b = make_broker(start=False)
    tp = add_listener(b, tls_lines(certs))
    start(b, tp)
    hello = client_hello()
    rng = random.Random(1234)
    total, batch = 1000, 100
    stats = {"opened": 0, "errors": 0}
    done = threading.Event()

    def one(i):
        kind = i % 4
        port = b.port if kind == 0 else tp
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        return s, kind

    def payload(kind):
        if kind in (0, 1):             # random bytes (plain / TLS listener)
            return bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 300)))
        if kind == 2:                  # half a ClientHello, then silence
            return hello[:rng.randrange(1, len(hello))]
        return hello                   # a full ClientHello, then never answer

    def flood():
        import selectors
        try:
            held = []
            for start_i in range(0, total, batch):
                socks = [one(i) for i in range(start_i, start_i + batch)]
                sel = selectors.DefaultSelector()
                for s, kind in socks:
                    sel.register(s, selectors.EVENT_WRITE, kind)
                pending, end = len(socks), time.monotonic() + 5
                while pending and time.monotonic() < end:
                    for key, _ in sel.select(max(0.0, end - time.monotonic())):
                        try:
                            key.fileobj.send(payload(key.data))
                        except OSError:
                            stats["errors"] += 1
                        sel.unregister(key.fileobj)
                        pending -= 1
                sel.close()
                stats["opened"] += len(socks)
                held.append(socks)
                if len(held) > 3:          # keep up to ~400 hanging connections open
                    for s, _ in held.pop(0):
                        s.close()
            for socks in held:
                for s, _ in socks:
                    s.close()
        finally:
            done.set()

    c = raws(b.port)
    assert c.connect("bystander").return_code == 0
    c.subscribe([("by/stander", 1)])
    t = threading.Thread(target=flood, daemon=True)
    t0 = time.monotonic()
    t.start()
    rtts, pid = [], 0
    while not done.is_set() or len(rtts) < 5:
        assert time.monotonic() - t0 < 30, "flood took too long"
        pid = pid % 65000 + 1
        s0 = time.monotonic()
        c.send(m.publish("by/stander", f"rt{pid}", qos=1, packet_id=pid))
        got_ack = got_msg = False
        while not (got_ack and got_msg):
            p = c.recv(max(0.0, s0 + 3.0 - time.monotonic()))
            assert p is not None, f"round trip {pid} not completed within 3 s " \
                                  f"(flood opened {stats['opened']})"
            if p.type == m.PUBACK and p.packet_id == pid:
                got_ack = True
            elif p.type == m.PUBLISH:
                c.send(m.puback(p.packet_id))
                got_msg = got_msg or p.payload == f"rt{pid}".encode()
        rtts.append(time.monotonic() - s0)
    t.join(10)
    assert stats["opened"] == total
    assert b.running(), b.log()[-2000:]
    # still serving both listeners
    assert pub(b.port, "after/flood", "ok").returncode == 0
    assert pub(tp, "after/flood", "ok", "--cafile", certs["ca_crt"], host="localhost").returncode == 0
    assert max(rtts) < 3.0


# ---------------------------------------------------------------------------------------------
# listener kinds: unix sockets, bind_interface

def test_unix_socket_listener(make_broker, tmp_path):
    sock = tmp_path / "mqtt.sock"
    b = make_broker([f"listener 0 {sock}", "allow_anonymous true"])
    assert wait_until(sock.exists, 5)
    # Retained, so the subscriber gets it whenever it subscribes.
    assert subprocess.run(["mosquitto_pub", "--unix", str(sock), "-t", "u/x", "-m", "via-unix",
                           "-r"], timeout=5).returncode == 0
    got = subprocess.run(["mosquitto_sub", "--unix", str(sock), "-t", "u/#", "-C", "1", "-W", "5"],
                         capture_output=True, text=True, timeout=8)
    assert got.stdout.strip() == "via-unix"


def test_bind_interface_limits_the_listener_to_that_interface(make_broker):
    port = free_port()
    b = make_broker([f"listener {port}", "bind_interface lo", "allow_anonymous true"])
    b.wait_ready(port)
    assert subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-t", "i",
                           "-m", "x"], timeout=5).returncode == 0
    bad = make_broker([f"listener {free_port()}", "bind_interface no-such-if0"], start=False)
    bad.start(wait=False)
    assert bad.proc.wait(10) != 0
    assert "no-such-if0" in bad.log()
