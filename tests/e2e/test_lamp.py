"""lampi-lampd and lampi-lampctl end to end: the LAMPi topics against a real broker.

Each test starts a broker (LAMPI_BROKER, else $LAMPI_BIN/broker/lampi-broker, else the release
build, else Debian's Mosquitto) and lampi-lampd on a free port with a state file in tmp_path.
Binaries: $LAMPI_BIN/lampd/lampi-lampd and $LAMPI_BIN/lampctl/lampi-lampctl, else the release
build. Every wait has a deadline.
"""
import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from testing.broker import REPO_ROOT, broker_binary, wait_until
from testing.clients import PahoClient

CONN = "lamp/connection/lamp_service/state"
DEADLINE = 10.0


def app_binary(app: str, name: str) -> str:
    bindir = os.environ.get("LAMPI_BIN")
    root = Path(bindir) if bindir else REPO_ROOT / "build" / "release" / "apps"
    return str(root / app / name)


LAMPD = app_binary("lampd", "lampi-lampd")
LAMPCTL = app_binary("lampctl", "lampi-lampctl")

pytestmark = pytest.mark.skipif(not (os.path.exists(LAMPD) and os.path.exists(LAMPCTL)),
                                reason="lampi-lampd / lampi-lampctl not built")


def chosen_broker() -> str:
    b = broker_binary()
    return b if os.path.exists(b) else "/usr/sbin/mosquitto"


class Lampd:
    """One lampi-lampd child; its log goes to tmp_path/lampd.log."""

    def __init__(self, tmp_path: Path, port: int, *extra: str):
        self.state_file = tmp_path / "lamp.state"
        self.log_path = tmp_path / "lampd.log"
        self.args = [LAMPD, "-h", "127.0.0.1", "-p", str(port), "--state-file",
                     str(self.state_file), *extra]
        self.cwd = tmp_path
        self.proc = None
        self.start()

    def start(self):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT,
                                         cwd=self.cwd)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(DEADLINE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(DEADLINE)


class Watcher(PahoClient):
    """Subscribes to lamp/# and finds messages by predicate, with deadlines."""

    def __init__(self, port: int, filt: str = "lamp/#"):
        super().__init__(port, client_id="")
        self.seen = []
        self.subscribe(filt, 1)

    def _drain(self):
        while not self.messages.empty():
            self.seen.append(self.messages.get())

    def find(self, pred, deadline=DEADLINE, start=0):
        """The first message from index `start` matching pred(topic, payload, retain)."""
        found = []

        def look():
            self._drain()
            for m in self.seen[start:]:
                if pred(m.topic, m.payload, m.retain):
                    found.append(m)
                    return True
            return False

        wait_until(look, deadline)
        return found[0] if found else None

    def mark(self) -> int:
        self._drain()
        return len(self.seen)

    def state(self, pred=lambda s: True, deadline=DEADLINE, start=0):
        def is_state(topic, payload, retain):
            if topic != "lamp/changed":
                return False
            try:
                return pred(json.loads(payload))
            except (ValueError, KeyError, TypeError):
                return False

        m = self.find(is_state, deadline, start)
        return json.loads(m.payload) if m else None


@pytest.fixture
def broker(make_broker):
    return make_broker(binary=chosen_broker())


@pytest.fixture
def watcher(broker):
    w = Watcher(broker.port)
    yield w
    w.disconnect()


@pytest.fixture
def lampd(tmp_path, broker, watcher):
    d = Lampd(tmp_path, broker.port)
    assert watcher.find(lambda t, p, r: t == CONN and p == b"1"), d.log()
    assert watcher.state(), d.log()
    yield d
    d.stop()


def set_config(port, payload, client="e2e"):
    c = PahoClient(port, client_id=client)
    c.publish("lamp/set_config", payload if isinstance(payload, (bytes, str)) else
              json.dumps(payload), 1)
    c.disconnect()


def ctl(port, *args, timeout=DEADLINE):
    return subprocess.run([LAMPCTL, "-h", "127.0.0.1", "-p", str(port), *args],
                          capture_output=True, text=True, timeout=timeout)


def near(a, b):
    return abs(a - b) < 1e-6


def test_startup_announces_one_and_publishes_retained_state(tmp_path, broker, watcher):
    d = Lampd(tmp_path, broker.port)
    try:
        m = watcher.find(lambda t, p, r: t == CONN and p == b"1")
        assert m is not None, d.log()
        s = watcher.state()
        assert s == {"color": {"h": 1.0, "s": 1.0}, "brightness": 1.0, "on": True,
                     "client": "lamp_service"}
    finally:
        d.stop()


def test_partial_updates_keep_the_other_fields_and_round(broker, watcher, lampd):
    i = watcher.mark()
    set_config(broker.port, {"color": {"h": 0.333, "s": 0.5}, "client": "ui"})
    s = watcher.state(lambda s: near(s["color"]["h"], 0.33), start=i)
    assert s == {"color": {"h": 0.33, "s": 0.5}, "brightness": 1.0, "on": True, "client": "ui"}
    i = watcher.mark()
    set_config(broker.port, {"on": False, "client": "ui2"})
    s = watcher.state(lambda s: s["on"] is False, start=i)
    assert s == {"color": {"h": 0.33, "s": 0.5}, "brightness": 1.0, "on": False, "client": "ui2"}
    i = watcher.mark()
    set_config(broker.port, {"brightness": 0.256, "client": "ui"})
    s = watcher.state(lambda s: near(s["brightness"], 0.26), start=i)
    assert s["on"] is False and near(s["color"]["s"], 0.5)


def test_late_subscriber_gets_the_retained_state(broker, watcher, lampd):
    set_config(broker.port, {"brightness": 0.4, "client": "ui"})
    assert watcher.state(lambda s: near(s["brightness"], 0.4))
    late = Watcher(broker.port, "lamp/changed")
    try:
        m = late.find(lambda t, p, r: r and near(json.loads(p)["brightness"], 0.4))
        assert m is not None
    finally:
        late.disconnect()


@pytest.mark.parametrize("bad", [
    b"not json", b"", b"[1,2]",
    json.dumps({"brightness": 0.9}).encode(),                       # no client
    json.dumps({"brightness": 7, "client": "x"}).encode(),          # out of range
    json.dumps({"color": {"h": -1}, "client": "x"}).encode(),
    json.dumps({"on": "yes", "client": "x"}).encode(),              # wrong type
    json.dumps({"brightness": "0.5", "client": "x"}).encode(),
    json.dumps({"brightness": 0.1, "on": 1, "client": "x"}).encode(),  # one bad field
])
def test_bad_messages_are_ignored_as_a_whole(broker, watcher, lampd, bad):
    i = watcher.mark()
    set_config(broker.port, bad)
    set_config(broker.port, {"color": {"s": 0.75}, "client": "marker"})
    # Messages from one client arrive in order: the marker's state shows the bad one did nothing.
    s = watcher.state(lambda s: s["client"] == "marker", start=i)
    assert s == {"color": {"h": 1.0, "s": 0.75}, "brightness": 1.0, "on": True, "client": "marker"}
    assert len([m for m in watcher.seen[i:] if m.topic == "lamp/changed"]) == 1
    assert lampd.proc.poll() is None
    assert "ignoring lamp/set_config" in lampd.log()


def test_sigkill_publishes_zero_and_a_restart_restores_the_state(broker, watcher, lampd):
    set_config(broker.port, {"color": {"h": 0.5, "s": 0.25}, "brightness": 0.3, "on": True,
                             "client": "ui"})
    assert watcher.state(lambda s: near(s["brightness"], 0.3))
    i = watcher.mark()
    lampd.proc.send_signal(signal.SIGKILL)
    lampd.proc.wait(DEADLINE)
    assert watcher.find(lambda t, p, r: t == CONN and p == b"0", start=i)
    i = watcher.mark()
    lampd.start()
    assert watcher.find(lambda t, p, r: t == CONN and p == b"1", start=i), lampd.log()
    s = watcher.state(start=i)
    assert s == {"color": {"h": 0.5, "s": 0.25}, "brightness": 0.3, "on": True,
                 "client": "lamp_service"}


def test_sigterm_says_zero_itself(broker, watcher, lampd):
    i = watcher.mark()
    lampd.proc.terminate()
    assert lampd.proc.wait(DEADLINE) == 0
    assert watcher.find(lambda t, p, r: t == CONN and p == b"0", start=i)


def test_reconnects_after_a_broker_restart(broker, lampd):
    set_config(broker.port, {"brightness": 0.6, "client": "ui"})
    broker.stop()
    broker.start()
    w = Watcher(broker.port)
    try:
        # A fresh broker has no retained messages: these come from lampd reconnecting.
        assert w.find(lambda t, p, r: t == CONN and p == b"1", deadline=20), lampd.log()
        assert w.state(lambda s: near(s["brightness"], 0.6)), lampd.log()
    finally:
        w.disconnect()


def test_state_file_holds_the_state_and_the_simulated_duty_cycles(broker, watcher, lampd):
    set_config(broker.port, {"color": {"h": 1 / 3, "s": 1.0}, "brightness": 0.5, "on": True,
                             "client": "ui"})
    assert watcher.state(lambda s: near(s["brightness"], 0.5))

    def saved():
        try:
            return json.loads(lampd.state_file.read_text())
        except (OSError, ValueError):
            return None

    assert wait_until(lambda: (saved() or {}).get("brightness") == 0.5, DEADLINE)
    out = saved()["output"]
    assert out["backend"] == "sim"
    assert out["red"] == pytest.approx(0.01, abs=1e-3)   # h rounds to 0.33, not 1/3
    assert out["green"] == pytest.approx(0.5)
    assert out["blue"] == pytest.approx(0.0)
    assert "output red=" in lampd.log()


def test_sysfs_pwm_backend_writes_duty_cycles(tmp_path, broker, watcher):
    root = tmp_path / "pwm"
    for ch in range(3):
        (root / "pwmchip0" / f"pwm{ch}").mkdir(parents=True)
    ini = tmp_path / "lampd.ini"
    ini.write_text(f"[hardware]\nbackend = sysfs-pwm\nsysfs_root = {root}\nperiod_ns = 10000\n")
    d = Lampd(tmp_path, broker.port, "-c", str(ini))
    try:
        assert watcher.find(lambda t, p, r: t == CONN and p == b"1"), d.log()
        set_config(broker.port, {"color": {"h": 0.0, "s": 1.0}, "brightness": 0.25,
                                 "client": "ui"})
        chip = root / "pwmchip0"

        def duties():  # the fake tree is not atomic like sysfs: poll until all settle
            return [(chip / f"pwm{ch}" / "duty_cycle").read_text() for ch in range(3)]

        assert wait_until(lambda: duties() == ["2500", "0", "0"], DEADLINE), (duties(), d.log())
        assert (root / "pwmchip0" / "pwm0" / "period").read_text() == "10000"
        assert (root / "pwmchip0" / "pwm2" / "enable").read_text() == "1"
    finally:
        d.stop()


def test_config_errors_are_all_reported(tmp_path):
    ini = tmp_path / "bad.ini"
    ini.write_text("[broker]\nport = nope\n[hardware]\nbackend = gpio\n")
    r = subprocess.run([LAMPD, "-c", str(ini)], capture_output=True, text=True, timeout=DEADLINE)
    assert r.returncode != 0
    assert "[broker] port" in r.stderr and "[hardware] backend" in r.stderr


def test_lampctl_set_get_and_json(broker, watcher, lampd):
    i = watcher.mark()
    r = ctl(broker.port, "set", "--hue", "0.66", "--saturation", "0.5", "--brightness", "0.8",
            "--off")
    assert r.returncode == 0, r.stderr
    s = watcher.state(lambda s: s["client"] == "lamp_cmd", start=i)
    assert s == {"color": {"h": 0.66, "s": 0.5}, "brightness": 0.8, "on": False,
                 "client": "lamp_cmd"}
    r = ctl(broker.port, "get", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == s
    r = ctl(broker.port, "get")
    assert r.returncode == 0 and "off" in r.stdout and "brightness=0.80" in r.stdout
    assert "\x1b[" not in r.stdout  # no swatch when not a terminal


def test_lampctl_watch_prints_a_line_per_change(broker, lampd):
    p = subprocess.Popen([LAMPCTL, "-h", "127.0.0.1", "-p", str(broker.port), "watch", "--json"],
                         stdout=subprocess.PIPE, text=True)
    try:
        first = json.loads(p.stdout.readline())  # the retained state
        assert first["client"] == "lamp_service"
        set_config(broker.port, {"brightness": 0.2, "client": "ui"})
        assert json.loads(p.stdout.readline())["brightness"] == 0.2
    finally:
        p.terminate()
        assert p.wait(DEADLINE) == 0


def test_lampctl_checks_values_before_sending(broker, watcher):
    for args in (["set", "--brightness", "1.5"], ["set", "--hue", "-0.1"],
                 ["set", "--on", "--off"], ["set"], ["set", "--saturation", "x"]):
        i = watcher.mark()
        r = ctl(broker.port, *args)
        assert r.returncode != 0, args
        assert watcher.find(lambda t, p, r: t == "lamp/set_config", deadline=0.3, start=i) is None


def test_lampctl_device_addresses_the_lamp_through_the_cloud(broker):
    w = Watcher(broker.port, "devices/#")
    try:
        r = ctl(broker.port, "--device", "b827eb08451e", "set", "--on")
        assert r.returncode == 0, r.stderr
        m = w.find(lambda t, p, r: t == "devices/b827eb08451e/lamp/set_config")
        assert m and json.loads(m.payload) == {"on": True, "client": "lamp_cmd"}
    finally:
        w.disconnect()


def test_lampctl_fails_without_a_broker(tmp_path):
    from testing.broker import free_port
    r = ctl(free_port(), "get", "--timeout", "2")
    assert r.returncode != 0
