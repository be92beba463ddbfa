#!/usr/bin/python3
"""Turns the benchmark scripts' raw result lines into the markdown tables they print.

A result line is `<key fields> k=v k=v ...` (mqbench's / lampi-bench's output after the fields the
script prepends). Medians are over repetitions; losses are summed, a run that printed no result
(`error=...`) counting as one loss.

    results.py compare RESULTS REPS LAMPI MOSQ         bench/compare.sh (lines: who scenario kv...)
    results.py bridge RESULTS REPS LAMPI MOSQ TOTAL    bench/bridge.sh (lines: who scenario kv...)
    results.py tools RESULTS                           bench/lampi_bench_vs_mqbench.sh
                                                       (lines: scenario broker tool kv...)

compare and bridge exit 1 when lampi lost (or duplicated) a message, else 0.
"""
import statistics
import sys


def load(path, key_fields):
    """{(first key_fields words): [{k: v} per line]}."""
    runs = {}
    for line in open(path):
        words = line.split()
        key, rest = tuple(words[:key_fields]), words[key_fields:]
        runs.setdefault(key, []).append(dict(kv.split("=", 1) for kv in rest if "=" in kv))
    return runs


def median(results, key):
    """Median of `key` over result dicts (a trailing % is ignored); None when no run has it."""
    values = [float(r[key].rstrip("%")) for r in results if key in r]
    return statistics.median(values) if values else None


def total(results, *keys):
    """Sum of `keys` over runs; a run that produced no result line counts as one."""
    n = 0
    for r in results:
        if "error" in r:
            n += 1
        n += sum(int(float(r.get(k, 0))) for k in keys)
    return n


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 1e6:
        return f"{v / 1e6:.2f}M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.1f}k"
    return f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


COMPARE_ROWS = [  # scenario, key, label, loss keys
    ("fanin", "rate", "fan-in QoS 0, 4 pubs -> 1 sub (msgs/s)", ("lost",)),
    ("fanout", "rate", "fan-out QoS 0, 1 pub -> 50 subs (deliveries/s)", ("lost",)),
    ("pairs", "rate", "pairs QoS 1, 20 pairs (msgs/s)", ("lost",)),
    ("latency", "p50_us", "latency at 10k msgs/s, p50 (us)", ("lost",)),
    ("latency", "p99_us", "latency at 10k msgs/s, p99 (us)", ()),
    ("conns", "connect_rate", "10k idle connections: connects/s", ("failed", "dropped_during_hold")),
    ("conns", "bytes_per_conn", "10k idle connections: broker bytes per connection", ()),
]


def compare(path, reps, lampi, mosq):
    runs = load(path, 2)
    print(f"lampi: `{lampi}` vs mosquitto: `{mosq}`; median of {reps} run(s) each, alternating, "
          "fresh broker per run. Ratio = lampi / mosquitto (higher is better for rates, lower for "
          "latency and memory). Lost = messages lost (or connections failed/dropped) summed over "
          "all runs.\n")
    print("| scenario | mosquitto | lampi | lampi/mosquitto | lost (mosquitto / lampi) |")
    print("|---|---:|---:|---:|---:|")
    bad = 0
    for sc, key, label, loss_keys in COMPARE_ROWS:
        m_runs, l_runs = runs.get(("mosquitto", sc), []), runs.get(("lampi", sc), [])
        if not m_runs and not l_runs:
            continue
        m, l = median(m_runs, key), median(l_runs, key)
        ratio = f"{l / m:.2f}x" if m and l is not None else "-"
        lost = ""
        if loss_keys:
            lm, ll = total(m_runs, *loss_keys), total(l_runs, *loss_keys)
            lost = f"{lm} / {ll}"
            bad += ll
        print(f"| {label} | {fmt(m)} | {fmt(l)} | {ratio} | {lost} |")
    return 1 if bad else 0


BRIDGE_LABELS = {"fanin": "4 publishers -> 1 subscriber", "pairs": "20 publisher/subscriber pairs"}


def bridge(path, reps, lampi, mosq, total_msgs):
    runs = load(path, 2)
    print(f"Bridged QoS 1 edge -> cloud, {int(total_msgs):,} messages of 64 bytes per run; lampi: "
          f"`{lampi}`, mosquitto: `{mosq}`; median of {reps} run(s), alternating, fresh brokers "
          "per run. Rate = distinct messages delivered at the cloud per second. Lost/dup summed "
          "over runs. CPU: % of one core during the run (edge, cloud).\n")
    print("| load | mosquitto msgs/s | lampi msgs/s | lampi/mosquitto | lost (m / l) | dup (m / l) "
          "| CPU edge+cloud (m / l) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    bad = 0
    for sc, label in BRIDGE_LABELS.items():
        m_runs, l_runs = runs.get(("mosquitto", sc), []), runs.get(("lampi", sc), [])
        if not m_runs and not l_runs:
            continue
        m, l = median(m_runs, "rate"), median(l_runs, "rate")
        ratio = f"**{l / m:.2f}x**" if m and l is not None else "-"
        lost = (total(m_runs, "lost"), total(l_runs, "lost"))
        dup = (total(m_runs, "dup"), total(l_runs, "dup"))
        bad += lost[1] + dup[1]
        cpu = [f"{median(r, 'edge_cpu') or 0:.0f}%+{median(r, 'cloud_cpu') or 0:.0f}%"
               for r in (m_runs, l_runs)]
        print(f"| {label} | {fmt(m)} | {fmt(l)} | {ratio} | {lost[0]} / {lost[1]} "
              f"| {dup[0]} / {dup[1]} | {cpu[0]} / {cpu[1]} |")
    return 1 if bad else 0


def tools(path):
    runs = load(path, 3)
    nan = float("nan")

    def med(results, key):
        v = median(results, key)
        return nan if v is None else v

    print("| scenario | broker | metric | mqbench | lampi-bench | ratio | lost (mqb/lb) "
          "| machine_cpu (mqb/lb) |")
    print("|---|---|---|---:|---:|---:|---|---|")
    for sc in ["fanin", "fanout", "pairs", "latency"]:
        for broker in ["lampi", "mosquitto"]:
            a, b = runs.get((sc, broker, "mqbench")), runs.get((sc, broker, "lampi-bench"))
            if not a or not b:
                continue
            lost = f"{int(sum(float(d.get('lost', 0)) for d in a))}/" \
                   f"{int(sum(float(d.get('lost', 0)) for d in b))}"
            cpu = f"{med(a, 'machine_cpu'):.0f}%/{med(b, 'machine_cpu'):.0f}%"
            for k in (["p50_us", "p99_us"] if sc == "latency" else ["rate"]):
                x, y = med(a, k), med(b, k)
                ratio = y / x if x else nan
                print(f"| {sc} | {broker} | {k} | {x:,.1f} | {y:,.1f} | {ratio:.2f} | {lost} "
                      f"| {cpu} |")
    return 0


def main(argv):
    commands = {"compare": (compare, 4), "bridge": (bridge, 5), "tools": (tools, 1)}
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    fn, _ = commands[argv[1]]
    return fn(*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
