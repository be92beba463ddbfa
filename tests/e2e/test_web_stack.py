"""The web UI against the whole LAMPi stack (`scripts/run-stack`) in a real browser.

Runs `web/tests/stack-e2e.mjs` (headless Chromium via playwright-core): it starts the stack on
free ports with a temp STATE_DIR, loads the page from the cloud broker, steers the real
lampi-lampd with the slider and with lampi-lampctl, SIGKILLs lampd and stops the stack like
Ctrl-C. Skipped only when node or Debian's chromium is missing. Binaries: $LAMPI_BIN, else
build/release/apps; the page: web/dist (web/build.sh).
Run: /usr/bin/python3 -m pytest -v tests/e2e/test_web_stack.py      (about 5-15 s)
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
CHROMIUM = "/usr/bin/chromium"


def test_web_ui_against_the_stack():
    if not shutil.which("node"):
        pytest.skip("node not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    if not (WEB / "dist" / "index.html").exists():
        build = subprocess.run([str(WEB / "build.sh")], capture_output=True, text=True, timeout=300)
        assert build.returncode == 0, build.stdout + build.stderr
    env = dict(os.environ, CHROMIUM=CHROMIUM)  # screenshots: web/test-artifacts/stack-*.png
    run = subprocess.run(["node", str(WEB / "tests" / "stack-e2e.mjs")], capture_output=True,
                         text=True, timeout=180, env=env, cwd=ROOT)
    out = run.stdout + run.stderr
    print(out)
    lines = out.strip().splitlines()
    assert run.returncode == 0, out
    assert lines and lines[-1].startswith("web-stack-e2e:") and lines[-1].endswith(" 0 failed"), out
