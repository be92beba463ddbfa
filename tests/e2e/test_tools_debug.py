"""-d output of lampi-pub / lampi-sub / lampi-rr compared line for line with Mosquitto's tools.

Both tools run the same invocation (client ids fixed with -i) against Debian's mosquitto broker;
their stdout (where the mosquitto tools print debug lines) must be identical. Where the broker
assigns the client id, the id is masked."""
import re
import subprocess

import pytest

from test_tools import DEADLINE, Broker, env, run, spawn, tmp, tool  # noqa: F401


@pytest.fixture
def broker(tmp):  # noqa: F811
    b = Broker(tmp)
    yield b
    b.stop()


def both(broker, env, name, args, input=None):  # noqa: F811
    """Runs lampi-NAME and mosquitto_NAME with the same args; returns both results."""
    common = ["-p", str(broker.port), "-d", *args]
    ours = run([tool(name), *common], env, input=input)
    theirs = run([f"mosquitto_{name}", *common], env, input=input)
    return ours, theirs


def same(ours, theirs):
    assert ours.stdout.decode() == theirs.stdout.decode()
    assert ours.returncode == theirs.returncode


@pytest.mark.parametrize("qos", ["0", "1", "2"])
@pytest.mark.parametrize("version", ["31", "311", "5"])
def test_pub_debug_lines_match(broker, env, qos, version):  # noqa: F811
    ours, theirs = both(broker, env, "pub",
                        ["-i", "dbg-pub", "-V", version, "-q", qos, "-t", "d/t", "-m", "hello",
                         "--repeat", "2"])
    assert b"sending PUBLISH" in ours.stdout
    same(ours, theirs)


def test_pub_debug_lines_without_client_id(broker, env):  # noqa: F811
    # 3.1.1: the id stays unknown, "(null)"; v5: the broker's assigned id, which differs per run.
    same(*both(broker, env, "pub", ["-t", "d/n", "-m", "x", "-q", "1", "-r"]))
    ours, theirs = both(broker, env, "pub", ["-V", "5", "-t", "d/n", "-m", "x"])
    mask = lambda b: re.sub(rb"auto-[0-9A-F-]+", b"auto-ID", b)  # noqa: E731
    assert b"Client (null) sending CONNECT" in ours.stdout
    assert mask(ours.stdout) == mask(theirs.stdout)


@pytest.mark.parametrize("qos", ["1", "2"])
def test_sub_debug_lines_match(broker, env, qos):  # noqa: F811
    # Two retained messages arrive back to back; with -C 1 mosquitto_sub handles (and
    # acknowledges) only the first before it disconnects, and so must lampi-sub.
    for topic in ("d/r", "d/x/1"):
        r = run(["mosquitto_pub", "-p", str(broker.port), "-t", topic, "-m", "kept", "-r", "-q",
                 "1"], env)
        assert r.returncode == 0
    ours, theirs = both(broker, env, "sub",
                        ["-i", "dbg-sub", "-q", qos, "-t", "d/r", "-t", "d/x/#", "-U", "d/old",
                         "-C", "1", "-v"])
    assert b"Subscribed (mid: 1): " in ours.stdout
    same(ours, theirs)


def test_sub_debug_lines_v5_match(broker, env):  # noqa: F811
    r = run(["mosquitto_pub", "-p", str(broker.port), "-t", "d/5", "-m", "v5", "-r", "-q", "2"],
            env)
    assert r.returncode == 0
    same(*both(broker, env, "sub", ["-V", "5", "-i", "dbg-5", "-q", "2", "-t", "d/5", "-C", "1"]))


def test_rr_debug_lines_match_on_timeout(broker, env):  # noqa: F811
    ours, theirs = both(broker, env, "rr",
                        ["-i", "dbg-rr", "-t", "d/req", "-e", "d/resp", "-m", "q", "-W", "1"])
    assert ours.returncode == 27
    same(ours, theirs)


def test_refused_connack_is_traced(tmp, env):  # noqa: F811
    b = Broker(tmp, ["allow_anonymous false"])
    try:
        for version in ("311", "5"):
            ours, theirs = both(b, env, "pub",
                                ["-i", "dbg-no", "-V", version, "-t", "t", "-m", "x"])
            assert b"received CONNACK (" in ours.stdout
            same(ours, theirs)
    finally:
        b.stop()


def test_pub_debug_lines_for_stdin_lines_match(broker, env):  # noqa: F811
    lines = b"one\ntwo\nthree\n"
    same(*both(broker, env, "pub", ["-i", "dbg-l", "-t", "d/l", "-l"], input=lines))
    # QoS 1: when each PUBACK arrives relative to the next line read is racy in both tools.
    ours, theirs = both(broker, env, "pub", ["-i", "dbg-l", "-t", "d/l", "-l", "-q", "1"],
                        input=lines)
    assert sorted(ours.stdout.splitlines()) == sorted(theirs.stdout.splitlines())
    assert ours.stdout.splitlines()[-1] == b"Client dbg-l sending DISCONNECT"


def test_v31_generated_client_id_has_mosquittos_form(broker, env):  # noqa: F811
    ours, theirs = both(broker, env, "pub", ["-V", "31", "-t", "d/31", "-m", "x"])
    generated = re.compile(rb"mosq-[0-9A-Za-z]{18}")
    assert generated.search(ours.stdout)
    assert generated.sub(b"ID", ours.stdout) == generated.sub(b"ID", theirs.stdout)
