"""lampi-pub / lampi-sub over other transports: WebSocket (ws:// and wss://, lampi extensions,
against lampi-broker since Debian's mosquitto is built without websockets), a SOCKS5 proxy
(--proxy, compared with mosquitto_pub through the same proxy), TLS-PSK (--psk against Debian's
mosquitto), and the TLS engine flags lampi does not support (errors as mosquitto_pub's)."""
import os
import subprocess

import pytest

from test_tools import DEADLINE, Broker, env, run, spawn, tmp, tool  # noqa: F401
from testing.broker import BrokerProcess, free_port, is_mosquitto, port_listening, wait_until
from testing.socks5 import Socks5Proxy
from testing.tls import env_capped_at_tls12

RUN_AS = ["user root"] if os.geteuid() == 0 else []


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace")


@pytest.fixture
def certs(tmp):  # noqa: F811
    """A CA and a server certificate for localhost / 127.0.0.1."""
    o = lambda *a: openssl(*a, cwd=tmp)  # noqa: E731
    o("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
      "-keyout", "ca.key", "-out", "ca.crt")
    o("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key",
      "-out", "server.csr")
    (tmp / "server.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    o("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
      "-days", "2", "-extfile", "server.ext", "-out", "server.crt")
    for f in tmp.iterdir():
        os.chmod(f, 0o644)
    return {n: str(tmp / n) for n in ("ca.crt", "server.crt", "server.key")}


@pytest.fixture
def ws_broker(tmp, certs):  # noqa: F811
    """lampi-broker with a TCP listener, a WebSocket listener and a WebSocket-over-TLS one."""
    if is_mosquitto():
        pytest.skip("Debian's mosquitto has no websockets support")
    ws, wss = free_port(), free_port()
    d = tmp / "lampi"
    d.mkdir()
    b = BrokerProcess(d, [*RUN_AS, f"listener {ws} 127.0.0.1", "protocol websockets",
                          f"listener {wss} 127.0.0.1", "protocol websockets",
                          f"cafile {certs['ca.crt']}", f"certfile {certs['server.crt']}",
                          f"keyfile {certs['server.key']}"])
    b.start()
    b.wait_ready(ws)
    b.wait_ready(wss)
    b.ws, b.wss = ws, wss
    yield b
    b.stop()


def ok(r):
    assert r.returncode == 0, r.stderr
    return r


@pytest.mark.parametrize("qos", ["0", "1", "2"])
def test_pub_and_sub_over_websocket(ws_broker, env, qos):  # noqa: F811
    b = ws_broker
    # Publish a retained message over WebSocket, read it over TCP with mosquitto_sub ...
    ok(run([tool("pub"), "--ws", "-p", str(b.ws), "-t", "ws/t", "-m", "over ws", "-r", "-q", qos],
           env))
    r = ok(run(["mosquitto_sub", "-p", str(b.port), "-t", "ws/t", "-C", "1", "-v"], env))
    assert r.stdout == b"ws/t over ws\n"
    # ... and over WebSocket with lampi-sub, the broker and topic given as a ws:// URL.
    r = ok(run([tool("sub"), "-L", f"ws://127.0.0.1:{b.ws}/ws/t", "-C", "1", "-v", "-q", qos],
               env))
    assert r.stdout == b"ws/t over ws\n"


def test_live_messages_over_websocket(ws_broker, env):  # noqa: F811
    b = ws_broker
    sub = spawn([tool("sub"), "--ws-path", "/mqtt", "-p", str(b.ws), "-t", "live/#", "-C", "1",
                 "-v", "-d", "-i", "ws-sub", "-q", "1"], env)

    def delivered():  # publish until the subscriber is live and has exited with -C 1
        ok(run([tool("pub"), "-L", f"ws://127.0.0.1:{b.ws}/live/x", "-m", "m", "-q", "1"], env))
        return sub.poll() is not None

    assert wait_until(delivered, DEADLINE)
    out, err = sub.communicate(timeout=DEADLINE)
    assert sub.returncode == 0, err
    assert out.startswith(b"Client ws-sub sending CONNECT\nClient ws-sub received CONNACK (0)\n")
    assert b"Client ws-sub received PUBLISH (d0, q1, r0, m1, 'live/x', ... (1 bytes))\n" \
        b"Client ws-sub sending PUBACK (m1, rc0)\nlive/x m\n" in out


def test_pub_and_sub_over_secure_websocket(ws_broker, env, certs):  # noqa: F811
    b = ws_broker
    tls = ["--cafile", certs["ca.crt"]]
    ok(run([tool("pub"), "-L", f"wss://localhost:{b.wss}/wss/t", *tls, "-m", "secret", "-r",
            "-q", "1"], env))
    r = ok(run([tool("sub"), "-L", f"wss://localhost:{b.wss}/wss/t", *tls, "-C", "1", "-v"], env))
    assert r.stdout == b"wss/t secret\n"
    # The server certificate is checked: without the CA the handshake fails.
    r = run([tool("pub"), "-L", f"wss://localhost:{b.wss}/wss/t", "-m", "x"], env)
    assert r.returncode == 1 and r.stderr.startswith(b"Error: ")


def test_websocket_to_a_plain_mqtt_port_fails_cleanly(ws_broker, env):  # noqa: F811
    r = run([tool("pub"), "--ws", "-p", str(ws_broker.port), "-t", "t", "-m", "x"], env)
    assert r.returncode == 1
    assert b"WebSocket handshake failed" in r.stderr


@pytest.fixture
def broker(tmp):  # noqa: F811
    b = Broker(tmp)
    yield b
    b.stop()


@pytest.mark.parametrize("auth", [False, True])
def test_pub_through_socks5_proxy_like_mosquitto_pub(broker, env, auth):  # noqa: F811
    proxy = Socks5Proxy(*(("user", "pw") if auth else ()))
    try:
        url = f"socks5h://{'user:pw@' if auth else ''}127.0.0.1:{proxy.port}"
        for pub in (tool("pub"), "mosquitto_pub"):
            ok(run([pub, "--proxy", url, "-h", "localhost", "-p", str(broker.port), "-t",
                    f"px/{os.path.basename(pub)}", "-m", "via proxy", "-r", "-q", "1"], env))
        r = ok(run([tool("sub"), "--proxy", url, "-p", str(broker.port), "-t", "px/#", "-C", "2",
                    "-v"], env))
        assert sorted(r.stdout.splitlines()) == [b"px/lampi-pub via proxy",
                                                 b"px/mosquitto_pub via proxy"]
        # Both asked the proxy for the broker by name, lampi-sub for localhost by default.
        assert proxy.requests == [("localhost", broker.port, auth)] * 3
    finally:
        proxy.close()


def test_socks5_proxy_errors(broker, env):  # noqa: F811
    proxy = Socks5Proxy("user", "pw")
    try:
        r = run([tool("pub"), "--proxy", f"socks5h://user:bad@127.0.0.1:{proxy.port}", "-p",
                 str(broker.port), "-t", "t", "-m", "x"], env)
        assert (r.returncode, r.stderr) == (1, b"Error: Proxy error: authentication failed\n")
        r = run([tool("pub"), "--proxy", f"socks5h://127.0.0.1:{proxy.port}", "-p",
                 str(broker.port), "-t", "t", "-m", "x"], env)
        assert r.returncode == 1 and b"no acceptable authentication method" in r.stderr
    finally:
        proxy.close()
    for args in (["--proxy", "socks4://h"], ["--proxy", "socks5h://h:0"]):
        ours = run([tool("pub"), *args, "-t", "t", "-m", "x"], env)
        theirs = run(["mosquitto_pub", *args, "-t", "t", "-m", "x"], env)
        assert (ours.returncode, ours.stderr.splitlines()[0]) == \
            (theirs.returncode, theirs.stderr.splitlines()[0])


@pytest.fixture
def psk_broker(tmp):  # noqa: F811
    (tmp / "psk").write_text("lamp01:0123456789abcdef\n")
    # mosquitto drops root privileges before it reads the psk_file.
    os.chmod(tmp, 0o755)
    os.chmod(tmp / "psk", 0o644)
    port = free_port()
    b = Broker(tmp, [f"listener {port} 127.0.0.1", "psk_hint lampi", f"psk_file {tmp / 'psk'}",
                     "allow_anonymous true"])
    b.psk_port = port
    assert wait_until(lambda: port_listening(port)), b.log.read_text()
    yield b
    b.stop()


def test_psk_against_mosquitto(psk_broker, env):  # noqa: F811
    b = psk_broker
    psk = ["-p", str(b.psk_port), "--psk-identity", "lamp01"]
    ok(run([tool("pub"), *psk, "--psk", "0123456789abcdef", "-t", "psk/t", "-m", "shared", "-r"],
           env))
    r = ok(run(["mosquitto_sub", *psk, "--psk", "0123456789abcdef", "-t", "psk/t", "-C", "1"],
               env))
    assert r.stdout == b"shared\n"
    r = ok(run([tool("sub"), *psk, "--psk", "0123456789ABCDEF", "-t", "psk/t", "-C", "1"], env))
    assert r.stdout == b"shared\n"
    r = run([tool("pub"), *psk, "--psk", "00", "-t", "psk/t", "-m", "x"], env)
    assert r.returncode != 0 and r.stderr.startswith(b"Error: ")


@pytest.mark.parametrize("args", [
    ["--psk", "0102"],
    ["--psk", "xyz", "--psk-identity", "i"],
    ["--psk", "0102", "--psk-identity", "i", "--cafile", "/nonexistent"],
    ["--tls-engine", "foo"],
    ["--keyform", "xx", "--key", "k", "--cert", "c"],
    ["--tls-engine-kpass-sha1", "abc"],
])
def test_unsupported_or_invalid_tls_options_fail_like_mosquitto_pub(env, args):  # noqa: F811
    common = [*args, "-p", "1", "-t", "t", "-m", "x"]
    ours = run([tool("pub"), *common], env)
    theirs = run(["mosquitto_pub", *common], env)
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr.replace(b"lampi-pub", b"mosquitto_pub") == theirs.stderr


@pytest.fixture
def tls13_broker(tmp, certs):  # noqa: F811
    """Mosquitto with a certificate listener that takes TLS 1.3 only (tls_version tlsv1.3)."""
    os.chmod(tmp, 0o755)  # mosquitto drops root privileges before it reads the certificates
    port = free_port()
    b = Broker(tmp, [f"listener {port} 127.0.0.1", f"cafile {certs['ca.crt']}",
                     f"certfile {certs['server.crt']}", f"keyfile {certs['server.key']}",
                     "tls_version tlsv1.3", "allow_anonymous true"])
    b.tls_port = port
    assert wait_until(lambda: port_listening(port)), b.log.read_text()
    yield b
    b.stop()


@pytest.mark.parametrize("client", ["lampi-pub", "mosquitto_pub"])
def test_tls_version_is_a_minimum_like_mosquitto_pub(tls13_broker, env, certs, tmp, client):  # noqa: F811,E501
    exe = tool("pub") if client == "lampi-pub" else client
    common = [exe, "-h", "localhost", "-p", str(tls13_broker.tls_port), "--cafile",
              certs["ca.crt"], "-t", "tls/min", "-m", "x", "-q", "1"]
    # --tls-version tlsv1.2 allows 1.2 and newer: it meets a listener that takes only 1.3.
    ok(run([*common, "--tls-version", "tlsv1.2"], env))
    ok(run([*common, "--tls-version", "tlsv1.3"], env))
    # The listener really refuses 1.2: a client that OpenSSL caps at 1.2 cannot connect.
    r = run([*common, "--tls-version", "tlsv1.2"], env_capped_at_tls12(tmp, env))
    assert r.returncode != 0, r
