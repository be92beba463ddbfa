"""TLS-PSK listeners: psk_hint + psk_file, as in Mosquitto 2.0.11 (mosquitto.conf(5)).

A listener with psk_hint offers pre-shared-key TLS (TLS 1.2 PSK cipher suites and TLS 1.3
external PSKs); psk_file holds `identity:hexkey` lines, the keys read as Mosquitto reads hex
(mosquitto__hex2bin). With use_identity_as_username the PSK identity is the MQTT username (for
ACLs; the password file is not asked); without it the usual username/password rules apply.
SIGHUP re-reads psk_file for new connections. A listener has certificates or PSK, not both.

Clients: Debian's mosquitto_pub / mosquitto_sub (--psk, --psk-identity), `openssl s_client` to
see the negotiated protocol, lampi-pub / lampi-sub, and a lampi bridge (bridge_identity /
bridge_psk). Every test also passes against Mosquitto (LAMPI_BROKER=/usr/sbin/mosquitto) except
those marked lampi_only (lampi's `file:line` error texts). Every wait has a deadline; "not
delivered" checks wait for a count of messages that a wrongly accepted message would complete.
"""
import os
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from testing.broker import free_port, is_mosquitto, wait_until
from testing.tls import env_capped_at_tls12

TOOL_DEADLINE = 15.0
RUN_AS = ["user root"] if os.geteuid() == 0 else []
KEY1 = "0123456789abcdef0123456789abcdef"
KEY2 = "fedcba9876543210fedcba9876543210"


def lampi_tool(name):
    bindir = os.environ.get("LAMPI_BIN")
    root = Path(bindir) if bindir else Path(__file__).resolve().parents[2] / "build/release/apps"
    path = root / name / f"lampi-{name}"
    if not path.exists():
        pytest.skip(f"{path} not built")
    return str(path)


def run(args, timeout=TOOL_DEADLINE, env=None):
    return subprocess.run(args, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
                          env=env)


@pytest.fixture
def versions(tmp_path):
    """{"tlsv1.2": env capping OpenSSL clients at TLS 1.2, "tlsv1.3": env with 1.3 the minimum
    via --tls-version}: (extra client args, env)."""
    return {"tlsv1.2": ([], env_capped_at_tls12(tmp_path)),
            "tlsv1.3": (["--tls-version", "tlsv1.3"], None)}


def psk(port, identity, key):
    return ["-h", "127.0.0.1", "-p", str(port), "--psk-identity", identity, "--psk", key]


def pub(port, identity, key, topic, msg, *extra, tool="mosquitto_pub", env=None):
    return run([tool, *psk(port, identity, key), "-t", topic, "-m", msg, "-r", "-q", "1",
                *extra], env=env)


def sub(port, identity, key, topic, *extra, count=1, wait=5, tool="mosquitto_sub", env=None):
    """Up to `count` messages (-v lines) within `wait` seconds."""
    return run([tool, *psk(port, identity, key), "-t", topic, "-C", str(count),
                "-W", str(wait), "-v", *extra], env=env)


def write_psk_file(path, text):
    path.write_text(text)
    os.chmod(path, 0o644)  # Mosquitto reads it after dropping privileges


@pytest.fixture
def psk_broker(make_broker):
    """psk_broker(psk_text, *lines) -> broker whose main listener has psk_hint and psk_file."""
    def make(psk_text=f"lamp01:{KEY1}\n", *lines, start=True):
        b = make_broker(start=False)
        os.chmod(b.tmpdir, 0o755)
        b.psk = b.tmpdir / "psk"
        write_psk_file(b.psk, psk_text)
        b.conf.write_text(b.conf.read_text() + "\n".join(
            [*RUN_AS, "psk_hint lampi-test", f"psk_file {b.psk}", *lines]) + "\n")
        if start:
            b.start()
        return b
    return make


# ---------------------------------------------------------------------------------------------
# the handshake

def s_client(port, identity, key, *opts):
    return run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-brief",
                "-psk_identity", identity, "-psk", key, *opts])


@pytest.mark.parametrize("version,opts", [("TLSv1.2", ["-tls1_2", "-cipher", "PSK"]),
                                          ("TLSv1.3", ["-tls1_3"])])
def test_psk_handshake_in_tls_1_2_and_1_3(psk_broker, version, opts):
    b = psk_broker()
    r = s_client(b.port, "lamp01", KEY1, *opts)
    out = r.stdout + r.stderr
    assert f"Protocol version: {version}".encode() in out, out
    if version == "TLSv1.2":
        assert b"PSK" in out.split(b"Ciphersuite:")[1].split(b"\n")[0], out


def test_tls_version_and_ciphers_apply_to_psk(psk_broker, versions):
    b = psk_broker("lamp01:00" + KEY1 + "\n", "tls_version tlsv1.3")
    args, env = versions["tlsv1.2"]
    assert pub(b.port, "lamp01", "00" + KEY1, "v/t", "1.2", *args, env=env).returncode != 0
    out = s_client(b.port, "lamp01", "00" + KEY1, "-tls1_2", "-cipher", "PSK")
    assert b"Protocol version" not in out.stdout + out.stderr, out
    args, env = versions["tlsv1.3"]
    assert pub(b.port, "lamp01", "00" + KEY1, "v/t", "1.3", *args, env=env).returncode == 0
    b.stop()
    b = psk_broker(f"lamp01:{KEY1}\n", "ciphers PSK-AES256-CBC-SHA384")
    out = s_client(b.port, "lamp01", KEY1, "-tls1_2", "-cipher", "PSK")
    assert b"Ciphersuite: PSK-AES256-CBC-SHA384" in out.stdout + out.stderr, out
    out = s_client(b.port, "lamp01", KEY1, "-tls1_2", "-cipher", "PSK-AES128-CBC-SHA256")
    assert b"Protocol version" not in out.stdout + out.stderr, out
    b.stop()
    # a TLS 1.3 external PSK needs a SHA-256 suite (OpenSSL, for Mosquitto as for lampi)
    b = psk_broker(f"lamp01:{KEY1}\n", "ciphers_tls1.3 TLS_AES_128_GCM_SHA256")
    out = s_client(b.port, "lamp01", KEY1, "-tls1_3")
    assert b"Ciphersuite: TLS_AES_128_GCM_SHA256" in out.stdout + out.stderr, out
    b.stop()
    b = psk_broker(f"lamp01:{KEY1}\n", "ciphers_tls1.3 TLS_AES_256_GCM_SHA384")
    out = s_client(b.port, "lamp01", KEY1, "-tls1_3")
    assert b"Protocol version" not in out.stdout + out.stderr, out


@pytest.mark.parametrize("tls_version", ["tlsv1.2", "tlsv1.3"])
def test_mosquitto_clients_over_psk(psk_broker, versions, tls_version):
    b = psk_broker()
    args, env = versions[tls_version]
    r = pub(b.port, "lamp01", KEY1, "psk/t", f"over {tls_version}", *args, env=env)
    assert r.returncode == 0, r
    r = sub(b.port, "lamp01", KEY1, "psk/t", *args, env=env)
    assert r.returncode == 0 and r.stdout == f"psk/t over {tls_version}\n".encode(), r


def test_wrong_key_and_unknown_identity_are_refused(psk_broker, versions):
    b = psk_broker()
    for identity, key in [("lamp01", KEY2), ("lamp02", KEY1), ("lamp01", KEY1[:-2])]:
        for v, (args, env) in versions.items():
            r = pub(b.port, identity, key, "psk/bad", f"{identity} {key}", *args, env=env)
            assert r.returncode != 0, (identity, key, v, r)
    # nothing got through: the one good message is the only retained one
    assert pub(b.port, "lamp01", KEY1, "psk/good", "ok").returncode == 0
    r = sub(b.port, "lamp01", KEY1, "psk/#", count=2, wait=2)
    assert r.stdout == b"psk/good ok\n", r
    assert b.running()


def test_keys_are_read_as_mosquitto_reads_hex(psk_broker):
    """"00abc" is 00 0a bc (mosquitto__hex2bin): "000abc" is the same key, "abc" is not."""
    b = psk_broker("odd:00abc\nupper:DEADBEEF\n")
    assert pub(b.port, "odd", "000abc", "k/odd", "same bytes").returncode == 0
    assert pub(b.port, "odd", "abc", "k/odd", "other bytes").returncode != 0
    assert pub(b.port, "upper", "deadbeef", "k/upper", "any case").returncode == 0
    r = sub(b.port, "odd", "00abc", "k/#", count=2)
    assert sorted(r.stdout.splitlines()) == [b"k/odd same bytes", b"k/upper any case"], r


def test_lampi_tools_over_psk(psk_broker):
    b = psk_broker()
    pub_tool, sub_tool = lampi_tool("pub"), lampi_tool("sub")
    for v in ["tlsv1.2", "tlsv1.3"]:
        r = pub(b.port, "lamp01", KEY1, "lampi/t", f"lampi {v}", "--tls-version", v,
                tool=pub_tool)
        assert r.returncode == 0, r
        r = sub(b.port, "lamp01", KEY1.upper(), "lampi/t", "--tls-version", v, tool=sub_tool)
        assert r.returncode == 0 and r.stdout == f"lampi/t lampi {v}\n".encode(), r
    r = pub(b.port, "lamp01", KEY2, "lampi/t", "wrong key", tool=pub_tool)
    assert r.returncode != 0 and r.stderr.startswith(b"Error: "), r


# ---------------------------------------------------------------------------------------------
# identity, password file and ACL

ACL = """user lamp01
topic readwrite lamp/01/#
user lamp02
topic readwrite lamp/02/#
topic write all/#
pattern read all/%u
"""


def mosquitto_passwd_file(path, user, password):
    run(["mosquitto_passwd", "-b", "-c", str(path), user, password]).check_returncode()
    os.chmod(path, 0o644)


def test_identity_as_username_for_acl_and_no_password_asked(psk_broker):
    b = psk_broker(f"lamp01:{KEY1}\nlamp02:{KEY2}\n", start=False)
    acl = b.tmpdir / "acl"
    acl.write_text(ACL)
    os.chmod(acl, 0o644)
    pw = b.tmpdir / "pw"
    mosquitto_passwd_file(pw, "someone", "secret")
    b.conf.write_text(b.conf.read_text().replace("allow_anonymous true", "allow_anonymous false")
                      + f"use_identity_as_username true\npassword_file {pw}\nacl_file {acl}\n")
    b.start()
    # no MQTT username and no password: the identity is the username
    assert pub(b.port, "lamp01", KEY1, "lamp/01/a", "mine").returncode == 0
    # lamp02 may not write lamp/01/#, even when it claims to be lamp01 in CONNECT
    pub(b.port, "lamp02", KEY2, "lamp/01/b", "not yours", "-u", "lamp01")
    assert pub(b.port, "lamp02", KEY2, "lamp/02/a", "theirs").returncode == 0
    r = sub(b.port, "lamp01", KEY1, "lamp/#", count=2, wait=2)
    assert r.stdout == b"lamp/01/a mine\n", r
    # %u is the identity, not the username in CONNECT
    assert pub(b.port, "lamp02", KEY2, "all/lamp01", "to lamp01").returncode == 0
    r = sub(b.port, "lamp01", KEY1, "all/lamp01", "-u", "lamp02")
    assert r.stdout == b"all/lamp01 to lamp01\n", r


def test_without_identity_as_username_the_password_file_decides(psk_broker):
    b = psk_broker(start=False)
    pw = b.tmpdir / "pw"
    mosquitto_passwd_file(pw, "alice", "secret")
    b.conf.write_text(b.conf.read_text().replace("allow_anonymous true", "allow_anonymous false")
                      + f"password_file {pw}\n")
    b.start()
    assert pub(b.port, "lamp01", KEY1, "pw/t", "anonymous").returncode != 0
    assert pub(b.port, "lamp01", KEY1, "pw/t", "bad", "-u", "alice", "-P", "x").returncode != 0
    assert pub(b.port, "lamp01", KEY1, "pw/t", "ok", "-u", "alice", "-P", "secret").returncode == 0
    r = sub(b.port, "lamp01", KEY1, "pw/t", "-u", "alice", "-P", "secret")
    assert r.stdout == b"pw/t ok\n", r


def test_certificates_and_psk_on_one_listener_is_refused(psk_broker):
    """Mosquitto 2.0.11: "Cannot use both certificate and psk encryption in a single listener"."""
    b = psk_broker("lamp01:00\n", "certfile /nonexistent/c.pem", "keyfile /nonexistent/k.pem",
                   start=False)
    b.start(wait=False)
    assert b.proc.wait(10) != 0
    assert "cannot use both certificate and psk encryption" in b.log().lower(), b.log()


# ---------------------------------------------------------------------------------------------
# reload and errors

def test_sighup_rereads_psk_file(psk_broker):
    b = psk_broker()
    assert pub(b.port, "lamp01", KEY1, "r/t", "before").returncode == 0
    write_psk_file(b.psk, f"lamp01:{KEY2}\nlamp02:{KEY1}\n")
    b.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: pub(b.port, "lamp01", KEY2, "r/t", "after").returncode == 0, 10,
                      0.2), b.log()
    assert pub(b.port, "lamp01", KEY1, "r/t", "old key").returncode != 0
    assert pub(b.port, "lamp02", KEY1, "r/u", "new identity").returncode == 0
    r = sub(b.port, "lamp02", KEY1, "r/#", count=2)
    assert sorted(r.stdout.splitlines()) == [b"r/t after", b"r/u new identity"], r


@pytest.mark.lampi_only("lampi reports file:line; Mosquitto names the identity only")
def test_non_hex_key_fails_start_up_with_file_and_line(psk_broker):
    b = psk_broker(f"# keys\nlamp01:{KEY1}\nlamp02:not-hex\n", start=False)
    b.start(wait=False)
    assert b.proc.wait(10) != 0
    assert f"{b.psk}:3: psk for identity \"lamp02\" contains non-hexadecimal characters" \
        in b.log(), b.log()
    assert "not-hex" not in b.log().split(f"{b.psk}:3:")[1].split("\n")[0]


@pytest.mark.lampi_only("Mosquitto exits on a bad file at reload; lampi keeps its config")
def test_bad_psk_file_at_sighup_keeps_the_running_keys(psk_broker):
    b = psk_broker()
    write_psk_file(b.psk, "lamp01:zz\n")
    b.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: f"{b.psk}:1:" in b.log(), 10), b.log()
    assert b.running()
    assert pub(b.port, "lamp01", KEY1, "keep/t", "still").returncode == 0


def test_psk_hint_without_psk_file_refuses_everyone(make_broker):
    b = make_broker([*RUN_AS, "psk_hint lampi-test"])
    assert pub(b.port, "lamp01", KEY1, "t", "x").returncode != 0
    assert b.running()


# ---------------------------------------------------------------------------------------------
# a lampi bridge to a lampi PSK listener

@pytest.mark.skipif(is_mosquitto(), reason="the edge is a lampi bridge")
@pytest.mark.parametrize("tls_version", ["tlsv1.2", "tlsv1.3"])
def test_lampi_bridge_to_lampi_psk_listener(psk_broker, make_broker, tls_version):
    dev = "b827eb" + uuid.uuid4().hex[:6]
    key = "00" + uuid.uuid4().hex
    cloud = psk_broker(f"{dev}_broker:{key}\n", "use_identity_as_username true", start=False)
    plain = free_port()
    with open(cloud.conf, "a") as f:
        f.write(f"listener {plain} 127.0.0.1\n")
    cloud.start()
    cloud.wait_ready(plain)

    def edge_with(bridge_key):
        return make_broker([*RUN_AS, f"connection {dev}_broker",
                            f"address 127.0.0.1:{cloud.port}", "restart_timeout 1",
                            f'topic lamp/# out 1 "" devices/{dev}/',
                            f"bridge_identity {dev}_broker", f"bridge_psk {bridge_key}",
                            f"bridge_tls_version {tls_version}"])

    edge = edge_with(key)
    r = run(["mosquitto_pub", "-p", str(edge.port), "-t", "lamp/changed", "-m", "over-psk",
             "-r", "-q", "1"])
    assert r.returncode == 0, r
    r = run(["mosquitto_sub", "-p", str(plain), "-t", f"devices/{dev}/lamp/changed", "-C", "1",
             "-W", "10"])
    assert r.stdout == b"over-psk\n", (r, edge.log(), cloud.log())

    wrong = edge_with(uuid.uuid4().hex)
    r = run(["mosquitto_pub", "-p", str(wrong.port), "-t", "lamp/changed", "-m", "wrong-key",
             "-r", "-q", "1"])
    assert r.returncode == 0, r
    r = run(["mosquitto_sub", "-p", str(plain), "-t", f"devices/{dev}/lamp/changed", "-C", "2",
             "-W", "3"])
    assert r.stdout == b"over-psk\n", r  # the second edge's message never crossed
    assert "TLS handshake failed" in wrong.log(), wrong.log()
