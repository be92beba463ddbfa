"""lampi-pub / lampi-sub / lampi-rr against Mosquitto's own broker and tools.

Each test starts /usr/sbin/mosquitto on a free port (never the lampi broker), runs our tools and
Debian's mosquitto_sub / mosquitto_pub side by side, and compares output bytes and exit codes.
Binaries: $LAMPI_BIN/{pub,sub,rr}/lampi-*, else build/release/apps under the repository root.
"""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("LAMPI_BIN", REPO_ROOT / "build" / "release" / "apps"))
MOSQUITTO = "/usr/sbin/mosquitto"
DEADLINE = 10.0

pytestmark = pytest.mark.skipif(not shutil.which("mosquitto_sub") or not os.path.exists(MOSQUITTO),
                                reason="needs Debian's mosquitto and mosquitto-clients")


def tool(name):
    path = BIN / name / f"lampi-{name}"
    if not path.exists():
        pytest.skip(f"{path} not built")
    return str(path)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, deadline=DEADLINE):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


class Broker:
    """Mosquitto on a free port, logging subscriptions to stderr (a file we own) so tests can
    wait for a subscriber to be live instead of sleeping."""

    def __init__(self, tmp, extra=()):
        self.port = free_port()
        conf = Path(tmp) / f"mosquitto-{self.port}.conf"
        conf.write_text("\n".join([f"listener {self.port} 127.0.0.1", "allow_anonymous true",
                                   "log_dest stderr", "log_type subscribe", "log_type error",
                                   *extra]) + "\n")
        self.log = Path(tmp) / f"mosquitto-{self.port}.log"
        self._log = open(self.log, "wb")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=self._log,
                                     stderr=subprocess.STDOUT)
        assert wait_for(lambda: accepts(self.port)), "mosquitto did not start"

    def wait_subscribed(self, topic, count=1):
        """Waits until `count` SUBSCRIBEs to `topic` have been logged in total."""
        pattern = re.compile(rb" [012] " + re.escape(topic.encode()) + rb"$", re.M)
        ok = wait_for(lambda: len(pattern.findall(self.log.read_bytes())) >= count)
        assert ok, f"no subscriber on {topic}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@pytest.fixture
def tmp():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


@pytest.fixture
def env(tmp):
    """Environment with an empty HOME so no ~/.config/mosquitto_* file interferes."""
    e = dict(os.environ, HOME=str(tmp), XDG_CONFIG_HOME=str(tmp / "xdg"))
    return e


@pytest.fixture
def broker(tmp):
    b = Broker(tmp)
    yield b
    b.stop()


def run(args, env, input=None, timeout=DEADLINE):
    return subprocess.run(args, env=env, input=input, capture_output=True, timeout=timeout)


def spawn(args, env):
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def publish_all(port, env, msgs):
    for args in msgs:
        r = run(["mosquitto_pub", "-p", str(port), *args], env)
        assert r.returncode == 0, r.stderr


def both_subs(broker, env, sub_args, msgs, count):
    """Runs lampi-sub and mosquitto_sub with the same args (which subscribe to t/#), publishes
    msgs once both are subscribed, and returns both outputs."""
    port = broker.port
    common = ["-p", str(port), "-C", str(count), *sub_args]
    procs = [spawn([tool("sub"), *common], env), spawn(["mosquitto_sub", *common], env)]
    broker.wait_subscribed("t/#", 2)
    publish_all(port, env, msgs)
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=DEADLINE)
        assert p.returncode == 0, err
        outs.append(out)
    return outs


MESSAGES = [
    ["-t", "t/a", "-m", "hello"],
    ["-t", "t/b", "-m", "second message", "-q", "1"],
    ["-t", "t/c", "-n"],
    ["-t", "t/d", "-m", "x\ty\"z\\", "-q", "2"],
    ["-t", "t/e", "-m", "\u00e9\u00e8 utf8"],
]


@pytest.mark.parametrize("sub_args", [
    ["-v"],
    [],
    ["-v", "-N"],
    ["-F", "%t|%p|%q|%r|%l|%x|%X"],
    ["-F", "%10t|%-10t|%.2t|%5.1t|%05l|%-5l|%5l|%%|@@"],
    ["-F", "%8p|%-8p|%08p|%4x|%10X"],
    ["-F", "\\t%t\\n\\\\%p\\a\\e\\v\\r\\0"],
    ["-F", "%C|%E|%F|%A|%S|%R|%D|%P|%5C|%5E"],
    ["-F", "%m %q", "-q", "1"],
])
def test_sub_output_matches_mosquitto_sub(broker, env, sub_args):
    ours, theirs = both_subs(broker, env, sub_args + ["-t", "t/#"], MESSAGES, len(MESSAGES))
    assert ours == theirs


def test_sub_qos2_output_matches_mosquitto_sub(broker, env):
    # One QoS for all: mixing QoS 2 (delivered on PUBREL) with QoS 0 makes the order racy.
    msgs = [m + ["-q", "2"] for m in MESSAGES]
    ours, theirs = both_subs(broker, env, ["-v", "-q", "2", "-t", "t/#"], msgs, len(msgs))
    assert ours == theirs


def mask_time(data: bytes) -> bytes:
    return re.sub(rb"[0-9]", b"9", data)


@pytest.mark.parametrize("fmt", ["%j", "%I %U", "@Y-@m-@d @H:@M:@S.@N @@", "%J"])
def test_sub_time_and_json_formats_match_modulo_digits(broker, env, fmt):
    msgs = [["-t", "t/j", "-m", '{"a":[1,2.5,"s"],"b":{"c":null,"d":true}}'],
            ["-t", "t/k", "-m", "plain \x01 text"]]
    ours, theirs = both_subs(broker, env, ["-F", fmt, "-t", "t/#"], msgs, len(msgs))
    assert mask_time(ours) == mask_time(theirs)


def test_sub_pretty_json_matches(broker, env):
    msgs = [["-t", "t/j", "-m", '{"a":[1,2],"b":{"c":"d"},"e":[]}']]
    ours, theirs = both_subs(broker, env, ["-F", "%J", "--pretty", "-t", "t/#"], msgs, 1)
    assert mask_time(ours) == mask_time(theirs)


def test_v5_properties_are_printed_like_mosquitto_sub(broker, env):
    msgs = [["-t", "t/p", "-m", "body", "-V", "5", "-D", "publish", "content-type", "text/plain",
             "-D", "publish", "user-property", "k", "v", "-D", "publish", "response-topic", "r/t",
             "-D", "publish", "correlation-data", "cd", "-D", "publish",
             "payload-format-indicator", "1"]]
    ours, theirs = both_subs(broker, env,
                             ["-V", "5", "-F", "%C|%P|%R|%D|%F|%t|%p", "-t", "t/#"], msgs, 1)
    assert ours == theirs


def lampi_pub_received(broker, env, pub_args, sub_args=(), input=None, count=1):
    sub = spawn(["mosquitto_sub", "-p", str(broker.port), "-t", "p/#", "-v", "-C", str(count),
                 *sub_args], env)
    broker.wait_subscribed("p/#", lampi_pub_received.subscribers + 1)
    lampi_pub_received.subscribers += 1
    r = run([tool("pub"), "-p", str(broker.port), *pub_args], env, input=input)
    assert r.returncode == 0, r.stderr
    out, err = sub.communicate(timeout=DEADLINE)
    assert sub.returncode == 0, err
    return out


lampi_pub_received.subscribers = 0


@pytest.fixture(autouse=True)
def _reset_subscriber_count():
    lampi_pub_received.subscribers = 0


@pytest.mark.parametrize("qos", ["0", "1", "2"])
def test_pub_message_each_qos(broker, env, qos):
    out = lampi_pub_received(broker, env, ["-t", "p/m", "-m", "hi there", "-q", qos],
                             ["-q", "2"])
    assert out == b"p/m hi there\n"


def test_pub_file_stdin_null_and_lines(broker, env, tmp):
    f = tmp / "payload.bin"
    f.write_bytes(b"file\x00contents")
    assert lampi_pub_received(broker, env, ["-t", "p/f", "-f", str(f)]) == b"p/f file\x00contents\n"
    assert lampi_pub_received(broker, env, ["-t", "p/s", "-s"], input=b"all\nof it") == \
        b"p/s all\nof it\n"
    assert lampi_pub_received(broker, env, ["-t", "p/n", "-n"]) == b"p/n (null)\n"
    assert lampi_pub_received(broker, env, ["-t", "p/l", "-l", "-q", "1"],
                              input=b"one\ntwo\nthree\n", count=3) == \
        b"p/l one\np/l two\np/l three\n"


def test_pub_repeat(broker, env):
    out = lampi_pub_received(broker, env, ["-t", "p/r", "-m", "again", "--repeat", "3",
                                           "--repeat-delay", "0.05"], count=3)
    assert out == b"p/r again\n" * 3


def test_pub_retained_and_remove_retained(broker, env):
    r = run([tool("pub"), "-p", str(broker.port), "-t", "keep/1", "-m", "kept", "-r", "-q", "1"],
            env)
    assert r.returncode == 0, r.stderr
    r = run([tool("sub"), "-p", str(broker.port), "-t", "keep/#", "-v", "-C", "1"], env)
    assert (r.returncode, r.stdout) == (0, b"keep/1 kept\n")
    # --retained-only prints retained messages and exits at the first live one.
    sub = spawn([tool("sub"), "-p", str(broker.port), "-t", "keep/#", "-v", "--retained-only"], env)
    broker.wait_subscribed("keep/#", 2)
    run(["mosquitto_pub", "-p", str(broker.port), "-t", "keep/2", "-m", "live"], env)
    out, _ = sub.communicate(timeout=DEADLINE)
    assert (sub.returncode, out) == (0, b"keep/1 kept\n")
    r = run([tool("sub"), "-p", str(broker.port), "-t", "keep/#", "--remove-retained", "-W", "1"],
            env)
    assert r.returncode == 27
    r = run(["mosquitto_sub", "-p", str(broker.port), "-t", "keep/#", "-W", "1"], env)
    assert (r.returncode, r.stdout) == (27, b"")


def test_pub_v5_properties_reach_mosquitto_sub(broker, env):
    out = lampi_pub_received(broker, env,
                             ["-V", "5", "-t", "p/v5", "-m", "m", "-D", "publish", "user-property",
                              "a", "b", "-D", "publish", "content-type", "ct", "-q", "1"],
                             ["-V", "5", "-F", "%t %p %P %C"])
    assert out == b"p/v5 m a:b ct\n"


def test_rr_request_response(broker, env):
    # The responder is mosquitto_sub (reads the request) + mosquitto_pub (answers).
    req = spawn(["mosquitto_sub", "-p", str(broker.port), "-t", "req", "-V", "5", "-C", "1",
                 "-F", "%R %p"], env)
    broker.wait_subscribed("req")
    rr = spawn([tool("rr"), "-p", str(broker.port), "-t", "req", "-e", "resp", "-m", "ping",
                "-W", "5"], env)
    got, _ = req.communicate(timeout=DEADLINE)
    topic, payload = got.decode().split()
    assert (topic, payload) == ("resp", "ping")
    run(["mosquitto_pub", "-p", str(broker.port), "-t", topic, "-m", "pong"], env)
    out, err = rr.communicate(timeout=DEADLINE)
    assert (rr.returncode, out) == (0, b"pong\n"), err


def test_sub_count_and_timeout_exit_codes(broker, env):
    for cmd in (tool("sub"), "mosquitto_sub"):
        r = run([cmd, "-p", str(broker.port), "-t", "none/#", "-W", "1"], env)
        assert r.returncode == 27
        assert r.stdout == b""


def test_exit_after_subscribe(broker, env):
    r = run([tool("sub"), "-p", str(broker.port), "-t", "e/#", "-E"], env)
    assert r.returncode == 0


def test_unreachable_broker_matches_mosquitto(env):
    port = free_port()
    for name, theirs in (("sub", "mosquitto_sub"), ("pub", "mosquitto_pub")):
        args = ["-p", str(port), "-t", "a", *(["-m", "x"] if name == "pub" else [])]
        ours_r = run([tool(name), *args], env)
        their_r = run([theirs, *args], env)
        assert ours_r.returncode == their_r.returncode == 1
        assert ours_r.stderr == their_r.stderr == b"Error: Connection refused\n"


def test_refused_credentials_exit_code(tmp, env):
    b = Broker(tmp, ["allow_anonymous false"])
    try:
        for version, code in (("311", 5), ("5", 135)):
            args = ["-p", str(b.port), "-t", "a", "-V", version, "-W", "2"]
            ours = run([tool("sub"), *args], env)
            theirs = run(["mosquitto_sub", *args], env)
            assert ours.returncode == theirs.returncode == code
            assert ours.stderr == theirs.stderr
    finally:
        b.stop()


@pytest.mark.parametrize("name,args", [
    ("sub", []),
    ("sub", ["--bogus"]),
    ("sub", ["-t", "a", "-q", "3"]),
    ("sub", ["-t", "a/#/b"]),
    ("sub", ["-t", "a", "-V", "7"]),
    ("sub", ["-t", "a", "-C", "0"]),
    ("sub", ["-t", "a", "-F", "%Z"]),
    ("sub", ["-t", "a", "-c"]),
    ("sub", ["-t", "a", "-D", "connect", "bogus", "1"]),
    ("pub", ["-t", "a"]),
    ("pub", ["-t", "a", "-m", "x", "-f", "y"]),
    ("pub", ["-t", "a/+", "-m", "x"]),
    ("pub", ["-t", "a", "-m", "x", "-D", "puback", "user-property", "a", "b"]),
    ("rr", ["-t", "a"]),
])
def test_bad_flags_exit_like_mosquitto(env, name, args):
    ours = run([tool(name), *args], env)
    theirs = run([f"mosquitto_{name}", *args], env)
    assert ours.returncode == theirs.returncode
    # The first line of the error is the same text.
    assert ours.stderr.splitlines()[0] == theirs.stderr.splitlines()[0]


def test_options_file_from_xdg_config_home(broker, env, tmp):
    xdg = Path(env["XDG_CONFIG_HOME"])
    xdg.mkdir()
    (xdg / "mosquitto_sub").write_text(f"# comment\n-p {broker.port}\n-t o/#\n-v\n")
    sub = spawn([tool("sub"), "-C", "1"], env)
    broker.wait_subscribed("o/#")
    run(["mosquitto_pub", "-p", str(broker.port), "-t", "o/1", "-m", "from file"], env)
    out, err = sub.communicate(timeout=DEADLINE)
    assert (sub.returncode, out) == (0, b"o/1 from file\n"), err
