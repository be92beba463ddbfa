"""lampi-passwd against Debian's mosquitto_passwd 2.0.11, and its files against /usr/sbin/mosquitto.

Each comparison runs both tools with the same arguments and stdin in two fresh directories, then
compares exit status, stdout, stderr (the usage text differs only in the program name) and the
resulting files: same users in the same order, same hash type, iterations and salt/hash sizes,
and every password verifies (checked here with hashlib, independently of either tool).

The lampi-passwd binary: env LAMPI_PASSWD, else $LAMPI_BIN/passwd/lampi-passwd, else
build/release/apps/passwd/lampi-passwd under the repository root.
"""
import base64
import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from testing.broker import BrokerProcess, free_port  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
MOSQUITTO = "/usr/sbin/mosquitto"
DEADLINE = 20


def lampi_passwd() -> str:
    if os.environ.get("LAMPI_PASSWD"):
        return os.environ["LAMPI_PASSWD"]
    bindir = os.environ.get("LAMPI_BIN")
    if bindir:
        return str(Path(bindir) / "passwd" / "lampi-passwd")
    return str(REPO_ROOT / "build" / "release" / "apps" / "passwd" / "lampi-passwd")


pytestmark = pytest.mark.skipif(not os.path.exists(lampi_passwd()),
                                reason=f"{lampi_passwd()} not built")
need_mosquitto = pytest.mark.skipif(not os.path.exists(MOSQUITTO_PASSWD),
                                    reason="mosquitto_passwd not installed")


def run(tool, args, cwd, stdin=b""):
    p = subprocess.run([tool, *args], cwd=cwd, input=stdin, capture_output=True,
                       timeout=DEADLINE)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def parse(text):
    """[(user, type, iterations, salt bytes, hash bytes)] of a hashed password file."""
    entries = []
    for line in text.splitlines():
        user, stored = line.split(":", 1)
        f = stored.split("$")
        if f[1] == "7":
            entries.append((user, 7, int(f[2]), base64.b64decode(f[3]), base64.b64decode(f[4])))
        else:
            entries.append((user, 6, 0, base64.b64decode(f[2]), base64.b64decode(f[3])))
    return entries


def verifies(entry, password):
    _, kind, iterations, salt, digest = entry
    pw = password.encode()
    if kind == 7:
        return hashlib.pbkdf2_hmac("sha512", pw, salt, iterations) == digest
    return hashlib.sha512(pw + salt).digest() == digest


def shape(text):
    return [(u, k, i, len(s), len(h)) for u, k, i, s, h in parse(text)]


class Pair:
    """Runs the same steps with both tools in sibling directories."""

    def __init__(self, tmp_path):
        self.dirs = {"mosquitto": tmp_path / "mosquitto", "lampi": tmp_path / "lampi"}
        for d in self.dirs.values():
            d.mkdir()
        self.tools = {"mosquitto": MOSQUITTO_PASSWD, "lampi": lampi_passwd()}

    def write(self, name, text):
        for d in self.dirs.values():
            (d / name).write_text(text)

    def run(self, args, stdin=b""):
        """Runs both; asserts equal status and output; returns (status, stdout, stderr)."""
        results = {k: run(self.tools[k], args, self.dirs[k], stdin) for k in self.tools}
        m, lp = results["mosquitto"], results["lampi"]
        assert lp[0] == m[0], f"exit status {args}: lampi {lp} mosquitto {m}"
        assert lp[1] == m[1].replace("mosquitto_passwd", "lampi-passwd"), f"stdout {args}"
        assert lp[2] == m[2], f"stderr {args}"
        return lp

    def files(self, name):
        return {k: (d / name).read_text() if (d / name).exists() else None
                for k, d in self.dirs.items()}

    def same_file(self, name, passwords=None):
        f = self.files(name)
        assert (f["lampi"] is None) == (f["mosquitto"] is None)
        if f["lampi"] is None:
            return None
        if passwords is None:  # not hashed by this step: byte for byte
            assert f["lampi"] == f["mosquitto"]
            return f["lampi"]
        assert shape(f["lampi"]) == shape(f["mosquitto"])
        for text in f.values():
            for entry in parse(text):
                assert verifies(entry, passwords[entry[0]]), entry[0]
        return f["lampi"]


@pytest.fixture
def pair(tmp_path):
    if not os.path.exists(MOSQUITTO_PASSWD):
        pytest.skip("mosquitto_passwd not installed")
    return Pair(tmp_path)


def test_create_batch_update_and_delete(pair):
    pair.run(["-c", "-b", "pw", "alice", "a1"])
    pair.same_file("pw", {"alice": "a1"})
    pair.run(["-b", "pw", "bob", "b:1 x"])
    pair.run(["-b", "pw", "carol", "c1"])
    pair.run(["-b", "pw", "alice", "a2"])  # update in place
    pair.same_file("pw", {"alice": "a2", "bob": "b:1 x", "carol": "c1"})
    pair.run(["-D", "pw", "bob"])
    pair.same_file("pw", {"alice": "a2", "carol": "c1"})
    assert pair.run(["-D", "pw", "bob"])[0] == 1  # Warning: User bob not found
    pair.run(["-c", "-b", "pw", "dave", "d"])  # -c overwrites
    pair.same_file("pw", {"dave": "d"})


def test_hash_types_and_iterations(pair):
    pair.run(["-c", "-H", "sha512", "-b", "pw", "old", "o"])
    pair.run(["-I", "1000", "-b", "pw", "slow", "s"])
    pair.run(["-H", "sha512-pbkdf2", "-I", "7", "-b", "pw", "fast", "f"])
    text = pair.same_file("pw", {"old": "o", "slow": "s", "fast": "f"})
    assert [(u, k, i) for u, k, i, _, _ in shape(text)] == [
        ("old", 6, 0), ("slow", 7, 1000), ("fast", 7, 7)]


def test_interactive_prompts_read_stdin_when_not_a_terminal(pair):
    status, out, _ = pair.run(["-c", "pw", "u"], b"secret\nsecret\n")
    assert (status, out) == (0, "Password: \nReenter password: \n")
    pair.run(["pw", "v"], b" sp ace \r\n sp ace \r\n")  # blanks kept, CR dropped
    pair.same_file("pw", {"u": "secret", "v": " sp ace "})
    for stdin in [b"a\nb\n", b"a\n", b"", b"\n\n", b"a\n\n"]:
        pair.run(["pw", "w"], stdin)  # mismatch 2, empty/missing 1; file untouched
        pair.same_file("pw", {"u": "secret", "v": " sp ace "})
    pair.run(["-c", "new", "u"], b"x\ny\n")
    assert pair.files("new") == {"mosquitto": None, "lampi": None}


def test_upgrade_plain_text_file(pair):
    pair.write("pw", "alice:one\n bob : two :ignored\n")
    pair.run(["-U", "pw"])
    pair.same_file("pw", {"alice": "one", "bob": "two"})
    pair.write("empty", "")
    assert pair.run(["-U", "empty"])[0] == 1  # Mosquitto fails silently on an empty file


def test_corrupt_files(pair):
    for text in ["a:b\n\nc:d\n", "# comment\na:b\n", "a:b\nnocolon\n", "a:\n"]:
        pair.write("pw", text)
        pair.run(["-D", "pw", "a"])
        pair.run(["-D", "pw", "zz"])
        pair.run(["-U", "pw"])
        pair.same_file("pw")


@pytest.mark.parametrize("args", [
    [], ["-c"], ["-c", "f"], ["-c", "-b", "f", "u"], ["-c", "-D", "f", "u"], ["-c", "-U", "f"],
    ["-D", "-U", "f"], ["-b", "-D", "f", "u"], ["-D", "f"], ["-U"], ["-U", "f", "u"],
    ["-H"], ["-H", "md5", "f", "u"], ["-I"], ["-I", "0", "f", "u"], ["-I", "x", "f", "u"],
    ["f"], ["-b", "f", "u"], ["f", "u", "p"], ["-x", "f", "u"], ["-b", "f", "u:x", "p"],
    ["-b", "f", "u\tx", "p"], ["-b", "f", "u" * 65536, "p"], ["-b", "f", "u", "p" * 65536],
    ["-b", "missing", "u", "p"], ["-D", "missing", "u"], ["-U", "missing"],
    ["-b", "notdir/f", "u", "p"], ["-c", "-b", "nodir/f", "u", "p"], ["-b", "f/x", "u", "p"],
    ["-c", "-b", "f", "u", "p", "extra"], ["f", "-b", "u", "p"],
])
def test_argument_errors_match(pair, args):
    pair.write("f", "u:$6$Z2GI7jmtNbww6lwH$8xf6GL2RIDSnM3cd9lNuMW5LkKE5buY+jzXfOrNIIAvx+XxDWbv"
                    "rH40mZauX5okWK4qB77aVpk7XzjCpjbBueQ==\n")
    pair.write("notdir", "")
    status, _, _ = pair.run(args)
    if status != 0:
        pair.same_file("f")


@need_mosquitto
def test_new_files_follow_the_umask_and_modes_are_kept(tmp_path):
    # As mosquitto_passwd 2.0.11: 0666 minus the umask (the broker must be able to read the file
    # after dropping root privileges).
    tool = lampi_passwd()
    old = os.umask(0o027)
    try:
        assert run(tool, ["-c", "-b", "pw", "u", "p"], tmp_path)[0] == 0
        assert run(MOSQUITTO_PASSWD, ["-c", "-b", "mpw", "u", "p"], tmp_path)[0] == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "pw").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "mpw").stat().st_mode) == 0o640
    (tmp_path / "mpw").unlink()
    os.chmod(tmp_path / "pw", 0o600)
    assert run(tool, ["-b", "pw", "v", "q"], tmp_path)[0] == 0
    assert stat.S_IMODE((tmp_path / "pw").stat().st_mode) == 0o600
    assert [e[0] for e in parse((tmp_path / "pw").read_text())] == ["u", "v"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pw"]  # no temporary left behind


def test_symlinked_file_is_updated_through_the_link(tmp_path):
    tool = lampi_passwd()
    (tmp_path / "real").write_text("")
    (tmp_path / "link").symlink_to("real")
    assert run(tool, ["-b", "link", "u", "p"], tmp_path)[0] == 0
    assert (tmp_path / "link").is_symlink()
    assert [e[0] for e in parse((tmp_path / "real").read_text())] == ["u"]


def test_corrupt_line_leaves_file_untouched_on_update(tmp_path):
    # mosquitto_passwd 2.0.11 drops everything from the corrupt line on and exits 0.
    (tmp_path / "pw").write_text("a:b\n\nc:d\n")
    status, _, err = run(lampi_passwd(), ["-b", "pw", "x", "y"], tmp_path)
    assert (status, err) == (1, "Error: Corrupt password file at line 2.\n")
    assert (tmp_path / "pw").read_text() == "a:b\n\nc:d\n"


def mosquitto_pub(port, user, password):
    p = subprocess.run(["mosquitto_pub", "-p", str(port), "-t", "t", "-m", "m", "-u", user,
                        "-P", password], capture_output=True, timeout=DEADLINE)
    return p.returncode


@pytest.mark.skipif(not os.path.exists(MOSQUITTO), reason="mosquitto not installed")
def test_mosquitto_accepts_files_written_by_lampi_passwd(tmp_path):
    tool = lampi_passwd()
    assert run(tool, ["-c", "-b", "pw", "pbkdf2", "secret one"], tmp_path)[0] == 0
    assert run(tool, ["-I", "1000", "-b", "pw", "slow", "secret:two"], tmp_path)[0] == 0
    assert run(tool, ["-H", "sha512", "-b", "pw", "old", "three"], tmp_path)[0] == 0
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    # As root Mosquitto switches to user "mosquitto", which cannot enter pytest's tmp dir.
    run_as = "user root\n" if os.geteuid() == 0 else ""
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous false\n"
                    f"password_file {tmp_path / 'pw'}\n{run_as}")
    broker = BrokerProcess(tmp_path, binary=MOSQUITTO, port=port, args=["-c", str(conf)],
                           write_config=False).start()
    try:
        assert mosquitto_pub(port, "pbkdf2", "secret one") == 0, broker.log()
        assert mosquitto_pub(port, "slow", "secret:two") == 0, broker.log()
        assert mosquitto_pub(port, "old", "three") == 0, broker.log()
        assert mosquitto_pub(port, "pbkdf2", "secret") == 5  # not authorised
        assert mosquitto_pub(port, "nobody", "secret one") == 5
    finally:
        broker.stop()
