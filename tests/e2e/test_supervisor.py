"""lampi-supervisord against Debian's supervisord 4.2.5: the SAME ini file under both.

Both supervisors run side by side (module fixture, one temp dir each) so the file stays fast;
every wait polls with a deadline. Binaries: $LAMPI_BIN/supervisord/lampi-supervisord and
$LAMPI_BIN/supervisorctl/lampi-supervisorctl, else /work/main/build/release/apps/...
Run: /usr/bin/python3 -m pytest tests/e2e/test_supervisor.py
"""
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

LAMPI_BIN = Path(os.environ.get("LAMPI_BIN", "/work/main/build/release/apps"))
IMPLS = {
    "debian": ("/usr/bin/supervisord", "/usr/bin/supervisorctl"),
    "lampi": (str(LAMPI_BIN / "supervisord/lampi-supervisord"),
              str(LAMPI_BIN / "supervisorctl/lampi-supervisorctl")),
}

INI = """\
[unix_http_server]
file={w}/s.sock

[supervisord]
logfile={w}/supervisord.log
pidfile={w}/supervisord.pid
childlogdir={w}
nodaemon=true

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{w}/s.sock

[program:quickfail]
command=/bin/sh -c "exit 1"
startsecs=1
startretries=2
autorestart=true

[program:sleeper]
command=/bin/sleep 1000
startsecs=1
autorestart=true

[program:expected]
command=/bin/sh -c "echo started; sleep 1.2; exit 3"
startsecs=1
autorestart=unexpected
exitcodes=3
stdout_logfile=%(here)s/expected.out

[program:unexpected]
command=/bin/sh -c "echo started; sleep 1.2; exit 4"
startsecs=1
autorestart=unexpected
exitcodes=0
stdout_logfile=%(here)s/unexpected.out

[program:family]
command=/bin/sh -c "/bin/sleep 1001 & /bin/sleep 1002 & wait"
startsecs=0
stopasgroup=true
stopwaitsecs=2
"""


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Supervisor:
    def __init__(self, impl, workdir):
        self.impl = impl
        self.supervisord, self.supervisorctl = IMPLS[impl]
        self.dir = workdir
        self.ini = workdir / "s.ini"
        self.ini.write_text(INI.format(w=workdir))
        self.out = open(workdir / "stdout.txt", "wb")
        self.proc = subprocess.Popen([self.supervisord, "-c", str(self.ini)],
                                     stdout=self.out, stderr=subprocess.STDOUT)

    def ctl(self, *args):
        r = subprocess.run([self.supervisorctl, "-c", str(self.ini), *args],
                           capture_output=True, text=True, timeout=20)
        return r.returncode, r.stdout

    def state(self, name):
        _, out = self.ctl("status", name)
        fields = out.split()
        return fields[1] if len(fields) > 1 else None

    def pid(self, name):
        _, out = self.ctl("pid", name)
        try:
            return int(out.strip())
        except ValueError:
            return 0

    def stop(self):
        # SIGTERM first: a supervisor stops its programs on it (SIGKILL would orphan them).
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.out.close()


def group_members(pgid):
    """Live processes in process group `pgid` (from /proc)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


@pytest.fixture(scope="module")
def sups(tmp_path_factory):
    for impl, (sd, sc) in IMPLS.items():
        if not (shutil.which(sd) and shutil.which(sc)):
            pytest.skip(f"{impl} supervisor not found at {sd}")
    started = {impl: Supervisor(impl, tmp_path_factory.mktemp(impl)) for impl in IMPLS}
    for s in started.values():
        wait_for(lambda s=s: (s.dir / "s.sock").exists(), 10, f"{s.impl} control socket")
    yield started
    for s in started.values():
        s.stop()


@pytest.fixture(params=list(IMPLS))
def sup(request, sups):
    return sups[request.param]


def test_program_that_exits_at_once_ends_fatal_after_startretries(sup):
    # 3 attempts (1 + startretries=2), waiting 1 s then 2 s between them.
    wait_for(lambda: sup.state("quickfail") == "FATAL", 12, "quickfail FATAL")
    code, out = sup.ctl("status", "quickfail")
    assert code == 3  # LSB "not running"
    assert "Exited too quickly" in out


def test_killed_program_is_restarted(sup):
    old = wait_for(lambda: sup.state("sleeper") == "RUNNING" and sup.pid("sleeper"), 10,
                   "sleeper RUNNING")
    os.kill(old, signal.SIGKILL)
    new = wait_for(lambda: sup.state("sleeper") == "RUNNING" and sup.pid("sleeper") not in (0, old)
                   and sup.pid("sleeper"), 10, "sleeper restarted")
    assert new != old


def test_autorestart_unexpected_follows_exitcodes(sup):
    wait_for(lambda: sup.state("expected") == "EXITED", 10, "expected EXITED")
    wait_for(lambda: (sup.dir / "unexpected.out").exists()
             and (sup.dir / "unexpected.out").read_text().count("started") >= 2, 10,
             "unexpected restarted")
    time.sleep(0.5)  # an expected exit must not be followed by a restart
    assert sup.state("expected") == "EXITED"
    assert (sup.dir / "expected.out").read_text().count("started") == 1


def test_ctl_stop_and_start(sup):
    wait_for(lambda: sup.state("sleeper") == "RUNNING", 10, "sleeper RUNNING")
    code, out = sup.ctl("stop", "sleeper")
    assert (code, out) == (0, "sleeper: stopped\n")
    assert sup.state("sleeper") == "STOPPED"
    code, out = sup.ctl("stop", "sleeper")
    assert out == "sleeper: ERROR (not running)\n"
    code, out = sup.ctl("start", "sleeper")
    assert (code, out) == (0, "sleeper: started\n")
    code, out = sup.ctl("status", "nosuch")
    assert (code, out.strip()) == (4, "nosuch: ERROR (no such process)")


def test_sigterm_stops_everything_and_leaves_no_process(sups):
    # Last test: both supervisors are shut down here.
    kids = {}
    for impl, s in sups.items():
        wait_for(lambda s=s: s.state("family") == "RUNNING", 10, f"{impl} family RUNNING")
        pids = [s.pid(n) for n in ("sleeper", "family", "unexpected")]
        family = s.pid("family")
        kids[impl] = set(p for p in pids if p) | set(group_members(family))
        assert len(group_members(family)) >= 3, "the shell and its two sleeps"
    for s in sups.values():
        s.proc.send_signal(signal.SIGTERM)
    for impl, s in sups.items():
        s.proc.wait(timeout=15)
        left = [p for p in kids[impl] if Path(f"/proc/{p}").exists()
                and "Z" not in Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]]
        for p in left:
            os.kill(p, signal.SIGKILL)
        assert left == [], f"{impl} left {left} behind"


def test_bad_config_names_file_line_section_and_key(tmp_path):
    sd, _ = IMPLS["lampi"]
    ini = tmp_path / "bad.ini"
    marker = tmp_path / "started"
    ini.write_text(f"[supervisord]\nnodaemon=true\nlogfile={tmp_path}/l.log\n\n"
                   f"[program:ok]\ncommand=/bin/touch {marker}\n\n"
                   "[program:bad]\ncommand=/bin/true\nstartsecs=soon\n")
    r = subprocess.run([sd, "-c", str(ini)], capture_output=True, text=True, timeout=10)
    assert r.returncode != 0
    assert f"{ini}:10: [program:bad] startsecs:" in r.stderr
    assert not marker.exists()
