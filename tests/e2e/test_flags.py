"""Command line and process behaviour shared with Mosquitto 2: -c, -p, -v, config errors, signals."""
import re
import signal
import subprocess
import time

import pytest

from testing import rawmqtt as m
from testing.broker import broker_binary, free_port, port_listening, wait_until


def run_broker(args, cwd, timeout=10.0):
    return subprocess.run([broker_binary(), *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def test_p_flag_without_config_listens_on_that_port(make_broker, raw):
    port = free_port()
    b = make_broker(args=["-p", str(port)], port=port, write_config=False)
    assert raw(b.port).connect("on-p").return_code == 0


@pytest.mark.spec_only("Mosquitto 2.0.11 documents -p as repeatable but segfaults on a second -p")
def test_repeated_p_flags_without_config_listen_on_each_port(make_broker, raw):
    p1, p2 = free_port(), free_port()
    b = make_broker(args=["-p", str(p1), "-p", str(p2)], port=p1, write_config=False)
    b.wait_ready(p2)
    for port in (p1, p2):
        assert raw(port).connect(f"on-{port}").return_code == 0


def test_c_flag_reads_every_listener_of_the_config_file(make_broker, raw):
    second = free_port()
    b = make_broker([f"listener {second} 127.0.0.1"])
    b.wait_ready(second)
    for port in (b.port, second):
        assert raw(port).connect(f"on-{port}").return_code == 0


def test_listener_bound_to_loopback_is_reachable_on_loopback_only(make_broker):
    b = make_broker()
    assert port_listening(b.port)
    with open("/proc/net/tcp") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    local = [r[1] for r in rows if r[3] == "0A" and int(r[1].split(":")[1], 16) == b.port]
    assert set(local) == {f"0100007F:{b.port:04X}"}  # several sockets if SO_REUSEPORT is used


def test_v_flag_logs_client_connections(make_broker, raw):
    b = make_broker(start=False)
    b.args = ["-c", str(b.conf), "-v"]
    b.start()
    raw(b.port).connect("verbose-client-id")
    assert wait_until(lambda: "verbose-client-id" in b.log(), deadline=10)


def test_unknown_config_option_fails_with_nonzero_exit(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text(f"listener {free_port()} 127.0.0.1\nallow_anonymous true\nno_such_option 1\n")
    r = run_broker(["-c", str(conf)], tmp_path)
    assert r.returncode != 0
    assert r.stderr.strip() or r.stdout.strip()


@pytest.mark.lampi_only("Mosquitto reads a non-numeric max_inflight_messages as 0 and starts")
def test_invalid_value_for_a_known_option_fails_with_nonzero_exit(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text(f"listener {free_port()} 127.0.0.1\nmax_inflight_messages lots\n")
    assert run_broker(["-c", str(conf)], tmp_path).returncode != 0


def test_missing_config_file_fails_with_nonzero_exit(tmp_path):
    assert run_broker(["-c", str(tmp_path / "absent.conf")], tmp_path).returncode != 0


def test_unknown_command_line_flag_fails_with_nonzero_exit(tmp_path):
    assert run_broker(["--no-such-flag"], tmp_path).returncode != 0


@pytest.mark.lampi_only("Mosquitto prints 'Error found at FILE:LINE.' apart from the message")
def test_bad_config_line_is_reported_as_file_colon_line(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text(f"# comment\nlistener {free_port()} 127.0.0.1\nallow_anonymous true\n"
                    "no_such_option 1\n")
    r = run_broker(["-c", str(conf)], tmp_path)
    assert r.returncode != 0
    assert re.search(re.escape(str(conf)) + r":4:", r.stderr), r.stderr


@pytest.mark.lampi_only("Mosquitto stops at the first config error")
def test_every_bad_config_line_is_reported_at_once(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text(f"listener {free_port()} 127.0.0.1\nbogus_one 1\nallow_anonymous true\n"
                    "max_inflight_messages lots\n")
    r = run_broker(["-c", str(conf)], tmp_path)
    assert r.returncode != 0
    assert f"{conf}:2:" in r.stderr and f"{conf}:4:" in r.stderr, r.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_the_broker_quickly_with_exit_code_0(make_broker, raw, sig):
    b = make_broker()
    clients = [raw(b.port) for _ in range(3)]
    for i, c in enumerate(clients):
        c.connect(f"stay-{i}")
    t0 = time.monotonic()
    b.proc.send_signal(sig)
    assert b.proc.wait(10) == 0
    assert time.monotonic() - t0 < 5
    for c in clients:
        assert c.wait_closed(timeout=5)
    assert not port_listening(b.port)


def test_sigterm_with_pending_persistent_sessions_exits_0(make_broker, raw, paho):
    b = make_broker()
    c = raw(b.port)
    c.connect("persist", clean=False)
    c.subscribe([("p/t", 1)])
    c.close()
    paho(b.port, "p-pub").publish("p/t", b"queued", 1)
    b.proc.send_signal(signal.SIGTERM)
    assert b.proc.wait(10) == 0


def test_broker_keeps_running_while_clients_come_and_go(make_broker):
    b = make_broker()
    for i in range(50):
        with m.RawClient(b.port) as c:
            c.connect(f"churn-{i % 5}")
            if i % 2:
                c.send(m.disconnect())
    assert b.running()
