"""Debian's mosquitto_pub and mosquitto_sub against the broker: the tools people already use."""
import subprocess

import pytest

from testing.broker import wait_until
from testing.clients import LineReader, mosquitto_pub, run_tool, start_mosquitto_sub


def sub_args(port, *extra):
    return ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-W", "10", *extra]


@pytest.fixture
def live_sub(broker):
    """start(topics, *extra) -> (process, LineReader); mosquitto_sub is ready when it returns."""
    procs = []

    def start(topics, *extra):
        proc = start_mosquitto_sub(broker.port, [*topics, "ready/interop"], ["-v", *extra])
        procs.append(proc)
        out = LineReader(proc.stdout)
        # Publish to its readiness topic until it prints it: then it is subscribed.
        assert wait_until(lambda: mosquitto_pub(broker.port, "ready/interop", "r") and
                          out.readline(timeout=0.3) == "ready/interop r", deadline=10)
        return proc, out

    yield start
    for p in procs:
        p.kill()
        p.wait(10)


def test_retained_message_from_mosquitto_pub_reaches_a_later_mosquitto_sub(broker):
    mosquitto_pub(broker.port, "interop/ret", "kept", qos=1, retain=True)
    r = run_tool(sub_args(broker.port, "-t", "interop/ret", "-C", "1", "-v"))
    assert (r.returncode, r.stdout) == (0, b"interop/ret kept\n")


def test_null_message_deletes_the_retained_message(broker):
    mosquitto_pub(broker.port, "interop/del", "soon gone", qos=1, retain=True)
    mosquitto_pub(broker.port, "interop/del", None, qos=1, retain=True)
    r = run_tool(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-t", "interop/del",
                  "-C", "1", "-W", "2"])
    assert r.stdout == b""
    assert r.returncode == 27  # mosquitto_sub: -W timeout expired with no message


def test_mosquitto_sub_v_prints_topic_and_payload_per_line(broker, live_sub):
    proc, out = live_sub(["interop/v/#"])
    for t, msg in (("interop/v/a", "one"), ("interop/v/b/c", "two words")):
        mosquitto_pub(broker.port, t, msg)
    assert out.lines(2) == ["interop/v/a one", "interop/v/b/c two words"]


@pytest.mark.parametrize("qos", [1, 2])
def test_mosquitto_pub_to_mosquitto_sub_at_qos(broker, live_sub, qos):
    proc, out = live_sub(["interop/q"], "-q", str(qos))
    for i in range(5):
        mosquitto_pub(broker.port, "interop/q", f"m{i}", qos=qos)
    assert out.lines(5) == [f"interop/q m{i}" for i in range(5)]


def test_mosquitto_pub_reads_lines_from_stdin(broker, live_sub):
    proc, out = live_sub(["interop/lines"])
    r = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), "-q", "1",
                        "-t", "interop/lines", "-l"], input=b"a\nb\nc\n", timeout=15)
    assert r.returncode == 0
    assert out.lines(3) == ["interop/lines a", "interop/lines b", "interop/lines c"]


def test_mosquitto_sub_C_counts_messages_and_exits_0(broker):
    mosquitto_pub(broker.port, "interop/c/1", "x", retain=True)
    mosquitto_pub(broker.port, "interop/c/2", "y", retain=True)
    r = run_tool(sub_args(broker.port, "-t", "interop/c/#", "-C", "2", "-v"))
    assert r.returncode == 0
    assert sorted(r.stdout.decode().splitlines()) == ["interop/c/1 x", "interop/c/2 y"]


def test_mosquitto_sub_with_persistent_session_gets_messages_sent_while_away(broker):
    base = sub_args(broker.port, "-t", "interop/away", "-q", "1", "-c", "-i", "away-sub")
    r = run_tool(base + ["-E"])  # -E: subscribe, then exit: registers the session
    assert r.returncode == 0
    mosquitto_pub(broker.port, "interop/away", "while away", qos=1)
    r = run_tool(base + ["-C", "1"])
    assert (r.returncode, r.stdout) == (0, b"while away\n")
