"""The LAMPi web UI in a real browser against the broker under test.

Runs `web/tests/e2e.mjs` (headless Chromium via playwright-core; see web/README.md), which starts
its own brokers, serves the page from the broker's `http_dir` and drives it. Skipped when node or
Debian's chromium is missing; builds web/dist first (`web/build.sh`, npm ci when needed).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from testing.broker import broker_binary  # noqa: E402

WEB = Path(__file__).resolve().parents[2] / "web"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def test_web_ui_end_to_end(tmp_path):
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node/npm not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    build = subprocess.run([str(WEB / "build.sh")], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    env = dict(os.environ, BROKER=str(broker_binary()), CHROMIUM=CHROMIUM,
               ARTIFACTS=str(tmp_path / "web-artifacts"))
    run = subprocess.run(["node", str(WEB / "tests" / "e2e.mjs")], capture_output=True, text=True,
                         timeout=300, env=env)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "web-e2e:" in out and " 0 failed" in out.splitlines()[-1], out
