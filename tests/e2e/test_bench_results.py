"""bench/results.py: the tables bench/compare.sh, bench/bridge.sh and
bench/lampi_bench_vs_mqbench.sh print from their raw result lines (medians, ratios, losses)."""
import subprocess
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results.py"


def table(tmp_path, command, lines, *args):
    raw = tmp_path / "results"
    raw.write_text("\n".join(lines) + "\n")
    r = subprocess.run(["/usr/bin/python3", str(RESULTS), command, str(raw), *args],
                       capture_output=True, text=True, timeout=30)
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in r.stdout.splitlines() if line.startswith("| ") and "---" not in line}
    return r.returncode, rows


def test_compare_medians_ratios_and_losses(tmp_path):
    rc, rows = table(tmp_path, "compare", [
        "mosquitto fanin rate=100000 lost=0", "mosquitto fanin rate=300000 lost=0",
        "mosquitto fanin rate=200000 lost=0",
        "lampi fanin rate=2000000 lost=0", "lampi fanin error=nooutput",
        "lampi fanin rate=4000000 lost=0",
        "mosquitto latency p50_us=50 p99_us=100 lost=0", "lampi latency p50_us=40 p99_us=80 lost=0",
    ], "3", "L", "M")
    assert rows["fan-in QoS 0, 4 pubs -> 1 sub (msgs/s)"] == \
        ["200.0k", "3.00M", "15.00x", "0 / 1"]  # the run with no result counts as one loss
    assert rows["latency at 10k msgs/s, p99 (us)"] == ["100", "80.0", "0.80x", ""]
    assert "pairs QoS 1, 20 pairs (msgs/s)" not in rows  # not run: no row
    assert rc == 1  # lampi lost something


def test_compare_exit_0_without_losses(tmp_path):
    rc, rows = table(tmp_path, "compare", ["mosquitto pairs rate=20000 lost=3",
                                           "lampi pairs rate=240000 lost=0"], "1", "L", "M")
    assert rows["pairs QoS 1, 20 pairs (msgs/s)"] == ["20.0k", "240.0k", "12.00x", "3 / 0"]
    assert rc == 0  # only lampi's losses fail the run


def test_bridge_counts_duplicates_and_cpu(tmp_path):
    rc, rows = table(tmp_path, "bridge", [
        "mosquitto pairs rate=10000 lost=0 dup=0 edge_cpu=80 cloud_cpu=40",
        "lampi pairs rate=45000 lost=0 dup=2 edge_cpu=50.4 cloud_cpu=30",
    ], "1", "L", "M", "100000")
    assert rows["20 publisher/subscriber pairs"] == \
        ["10.0k", "45.0k", "**4.50x**", "0 / 0", "0 / 2", "80%+40% / 50%+30%"]
    assert rc == 1


def test_tools_agreement_table(tmp_path):
    rc, rows = table(tmp_path, "tools", [
        "fanin lampi mqbench rate=1000 lost=0 machine_cpu=90%",
        "fanin lampi lampi-bench rate=1100 lost=2 machine_cpu=95%",
        "pairs lampi mqbench rate=500 lost=0",  # no lampi-bench run: no row
    ])
    assert rows["fanin"] == ["lampi", "rate", "1,000.0", "1,100.0", "1.10", "0/2", "90%/95%"]
    assert "pairs" not in rows and rc == 0


def test_usage_errors_exit_2(tmp_path):
    r = subprocess.run(["/usr/bin/python3", str(RESULTS), "compare"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 2 and "results.py compare" in r.stderr
