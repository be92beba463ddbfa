"""Start a broker binary on a free port with a temp config, and stop it again.

The binary comes from env LAMPI_BROKER, else $LAMPI_BIN/broker/lampi-broker, else
build/release/apps/broker/lampi-broker under the repository root. BrokerProcess owns the child
process and its log file; it is not thread-safe (one test drives it).
"""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DEADLINE = 10.0


def broker_binary() -> str:
    env = os.environ.get("LAMPI_BROKER")
    if env:
        return env
    bindir = os.environ.get("LAMPI_BIN")
    if bindir:
        return str(Path(bindir) / "broker" / "lampi-broker")
    return str(REPO_ROOT / "build" / "release" / "apps" / "broker" / "lampi-broker")


def is_mosquitto(binary: str | None = None) -> bool:
    """True when the broker under test is Mosquitto (the reference), not lampi."""
    return "mosquitto" in os.path.basename(binary or broker_binary())


def free_port() -> int:
    """A TCP port that was free a moment ago (bind to port 0, read it back, release it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_accepts(port: int, timeout: float = 0.2) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout).close()
        return True
    except OSError:
        return False


def port_listening(port: int) -> bool:
    """True if some socket listens on `port`, read from /proc/net/tcp{,6} without connecting.

    Connecting to probe readiness would be a client of its own: a broker that counts
    connections (max_connections) or logs them would see it."""
    found_proc = False
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                found_proc = True
                for line in f.readlines()[1:]:
                    fields = line.split()
                    if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            continue
    return False if found_proc else port_accepts(port)


def wait_until(predicate, deadline: float = DEFAULT_DEADLINE, interval: float = 0.02) -> bool:
    """Poll predicate() until it is true or `deadline` seconds pass; returns the last result."""
    end = time.monotonic() + deadline
    while True:
        if predicate():
            return True
        if time.monotonic() >= end:
            return bool(predicate())
        time.sleep(interval)


class BrokerProcess:
    """One broker child process: `-c <tmpdir>/broker.conf`, log in <tmpdir>/broker.log."""

    def __init__(self, tmpdir: Path, extra_lines=(), binary: str | None = None,
                 port: int | None = None, args=None, write_config: bool = True,
                 env: dict | None = None):
        self.tmpdir = Path(tmpdir)
        self.binary = binary or broker_binary()
        self.port = port or free_port()
        self.conf = self.tmpdir / "broker.conf"
        self.log_path = self.tmpdir / "broker.log"
        self.proc: subprocess.Popen | None = None
        self._log = None
        if write_config:
            lines = [f"listener {self.port} 127.0.0.1", "allow_anonymous true", *extra_lines]
            self.conf.write_text("\n".join(lines) + "\n")
        self.args = args if args is not None else ["-c", str(self.conf)]
        self.env = env  # None: the test's environment

    def start(self, wait: bool = True) -> "BrokerProcess":
        if not os.path.exists(self.binary):
            raise FileNotFoundError(f"broker binary not found: {self.binary} "
                                    "(set LAMPI_BROKER or LAMPI_BIN)")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary, *self.args], stdout=self._log,
                                     stderr=subprocess.STDOUT, cwd=self.tmpdir, env=self.env)
        if wait:
            self.wait_ready(self.port)
        return self

    def wait_ready(self, port: int, deadline: float = DEFAULT_DEADLINE) -> None:
        ok = wait_until(lambda: self.proc.poll() is not None or port_listening(port), deadline)
        if self.proc.poll() is not None:
            raise RuntimeError(f"broker exited with {self.proc.returncode} before listening on "
                               f"{port}:\n{self.log()}")
        if not ok:
            raise RuntimeError(f"broker not listening on {port} after {deadline}s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, deadline: float = DEFAULT_DEADLINE) -> int | None:
        """SIGTERM, then SIGKILL after `deadline`; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(deadline)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(deadline)
        if self._log:
            self._log.close()
            self._log = None
        return self.proc.returncode
