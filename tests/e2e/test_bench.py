"""lampi-bench against the real broker: short runs (a few thousand messages) of every scenario.

Checks the summary (text and JSON), that QoS 1/2 runs lose nothing, and the exit codes (0 ok,
2 setup failure such as a refused connection). The bench binary is $LAMPI_BENCH, else
$LAMPI_BIN/bench/lampi-bench, else build/release/apps/bench/lampi-bench.
"""
import json
import os
import subprocess
from pathlib import Path

import pytest

from testing.broker import REPO_ROOT, free_port


DEADLINE = 20.0  # per bench process
TRAFFIC_KEYS = {"scenario", "label", "qos", "size", "pubs", "subs", "count", "sent", "expected",
                "msgs", "secs", "rate", "pub_rate", "lost", "dup", "ooo", "foreign", "errors",
                "complete", "p50_us", "p99_us", "p999_us", "max_us", "mean_us", "tool_cpu",
                "broker_cpu", "broker_rss_kb"}


def bench_binary() -> str:
    if os.environ.get("LAMPI_BENCH"):
        return os.environ["LAMPI_BENCH"]
    bindir = os.environ.get("LAMPI_BIN")
    base = Path(bindir) if bindir else REPO_ROOT / "build" / "release" / "apps"
    return str(base / "bench" / "lampi-bench")


def run_bench(*args, timeout=DEADLINE):
    exe = bench_binary()
    if not os.path.exists(exe):
        pytest.skip(f"lampi-bench not built: {exe}")
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def run_json(broker, *args):
    r = run_bench(*args, "--port", broker.port, "--broker-pid", broker.proc.pid, "--json",
                  "--duration", 8, "--drain", 2)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture
def bench_broker(make_broker):
    return make_broker(["max_queued_messages 1000000"])


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_fanin_delivers_every_message(bench_broker, qos):
    s = run_json(bench_broker, "fanin", "--pubs", 4, "--count", 1000, "--qos", qos)
    assert TRAFFIC_KEYS <= s.keys()
    assert s["scenario"] == "fanin" and s["qos"] == qos
    assert s["sent"] == 4000 and s["expected"] == 4000
    if qos > 0:
        assert s["lost"] == 0 and s["msgs"] == 4000 and s["complete"] is True
    assert s["dup"] == 0 and s["foreign"] == 0 and s["errors"] == 0


def test_fanout_counts_deliveries_over_subscribers(bench_broker):
    s = run_json(bench_broker, "fanout", "--subs", 10, "--count", 500, "--qos", 1)
    assert s["subs"] == 10 and s["pubs"] == 1
    assert s["expected"] == 5000 and s["msgs"] == 5000 and s["lost"] == 0


def test_pairs_qos2_over_mqtt5(bench_broker):
    s = run_json(bench_broker, "pairs", "--pairs", 5, "--count", 600, "--qos", 2, "-V", 5,
                 "--label", "pairs-v5")
    assert s["label"] == "pairs-v5"
    assert s["msgs"] == 3000 and s["lost"] == 0 and s["dup"] == 0 and s["ooo"] == 0


def test_latency_is_paced_and_reports_percentiles(bench_broker):
    s = run_json(bench_broker, "latency", "--rate", 2000, "--count", 2000, "--qos", 1)
    assert s["lost"] == 0 and s["msgs"] == 2000
    assert 0 < s["p50_us"] <= s["p99_us"] <= s["p999_us"] <= s["max_us"] * 1.01
    assert s["secs"] >= 0.9  # 2000 messages at 2000/s take about a second


def test_text_summary_is_one_key_value_line(bench_broker):
    r = run_bench("pairs", "--pairs", 2, "--count", 500, "--qos", 1, "--port", bench_broker.port,
                  "--quiet")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    fields = dict(kv.split("=", 1) for kv in lines[0].split())
    assert fields["scenario"] == "pairs" and fields["lost"] == "0" and fields["complete"] == "1"


def test_conns_reports_memory_per_connection(bench_broker):
    r = run_bench("conns", "--conns", 200, "--hold", 0.5, "--port", bench_broker.port,
                  "--broker-pid", bench_broker.proc.pid, "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["ok"] == 200 and s["failed"] == 0 and s["dropped_during_hold"] == 0
    assert s["connect_rate"] > 0 and s["rss_after_kb"] >= s["rss_before_kb"] > 0
    assert "bytes_per_conn" in s


@pytest.mark.parametrize("scenario", ["fanin", "conns"])
def test_refused_connection_exits_2(scenario):
    port = free_port()  # nothing listens there
    r = run_bench(scenario, "--port", port, "--conns", 5, "--count", 10, "--quiet")
    assert r.returncode == 2
    assert "refused" in r.stderr.lower()


def test_connack_refusal_exits_2(make_broker):
    b = make_broker(["allow_anonymous false"])  # the later line wins: every CONNECT is refused
    r = run_bench("pairs", "--pairs", 2, "--port", b.port, "-u", "nobody", "-P", "wrong", "--quiet")
    assert r.returncode == 2
    assert "CONNACK refused" in r.stderr


def test_bad_flag_exits_2():
    r = run_bench("fanin", "--qos", 3)
    assert r.returncode == 2


def test_help_documents_every_scenario_and_flag():
    r = run_bench("--help")
    assert r.returncode == 0
    for word in ["fanin", "fanout", "pairs", "latency", "conns", "--broker-pid", "--inflight",
                 "--cafile", "--json", "--drain", "--connect-concurrency", "Exit status"]:
        assert word in r.stdout
