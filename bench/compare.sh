#!/bin/bash
# compare.sh [LAMPI_BROKER] [REPS] — lampi-broker against Debian's mosquitto with mqbench, in the same
# run, alternating broker by broker for every scenario and repetition, each run on a fresh broker.
# Prints a markdown table of medians, lampi/mosquitto ratios and lost counts (paste it into a README).
#
# env: REPS (default 3), SCENARIOS (default "fanin fanout pairs latency conns"),
#      MOSQUITTO (default /usr/sbin/mosquitto), MQBENCH_BUILD (default /tmp/mqbench-build),
#      KEEP_RAW=1 keeps the raw result lines (their path is printed).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
SHARED=$(cd "$REPO/../shared" 2>/dev/null && pwd) || { echo "compare.sh: $REPO/../shared not found" >&2; exit 2; }
LAMPI=${1:-$REPO/build/release/apps/broker/lampi-broker}
REPS=${2:-${REPS:-3}}
MOSQ=${MOSQUITTO:-/usr/sbin/mosquitto}
SCENARIOS=${SCENARIOS:-fanin fanout pairs latency conns}
BUILD=${MQBENCH_BUILD:-/tmp/mqbench-build}
MQB=$BUILD/mqbench

for b in "$LAMPI" "$MOSQ"; do
  [ -x "$b" ] || { echo "compare.sh: broker not found or not executable: $b" >&2; exit 2; }
done
if [ ! -x "$MQB" ]; then
  echo "building mqbench in $BUILD ..." >&2
  cmake -S "$SHARED/bench/mqbench" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null &&
    ninja -C "$BUILD" >/dev/null || { echo "compare.sh: cannot build mqbench" >&2; exit 2; }
fi

declare -A ARGS=(
  [fanin]="fanin --pubs 4 --count 250000 --qos 0 --size 64 --duration 20 --drain 2"
  [fanout]="fanout --subs 50 --count 40000 --qos 0 --size 64 --duration 20 --drain 2"
  [pairs]="pairs --pairs 20 --count 1000000 --qos 1 --inflight 20 --size 64 --duration 8 --drain 2"
  [latency]="latency --rate 10000 --count 50000 --qos 0 --size 64 --duration 10 --drain 2"
  [conns]="conns --conns 10000 --hold 5"
)

W=$(mktemp -d /tmp/lampi-compare.XXXXXX)
BPID=
cleanup() {
  [ -n "$BPID" ] && kill -9 "$BPID" 2>/dev/null
  [ "${KEEP_RAW:-0}" = 1 ] && echo "raw results kept in $W" >&2 || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_broker() { stop_pid "$BPID"; BPID=; }

run_one() { # run_one BROKER_BIN SCENARIO -> mqbench's result line (or "error=...")
  local bin=$1 sc=$2 port line; port=$(free_port)
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\nset_tcp_nodelay true\nlog_type error\nconnection_messages false\n' \
    "$port" > "$W/broker.conf"
  # 10,000 idle connections need file descriptors on the broker side too.
  (ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$bin" -c "$W/broker.conf") > "$W/broker.log" 2>&1 &
  BPID=$!
  if ! wait_port "$port"; then echo "error=startfail"; stop_broker; return; fi
  line=$(timeout 120 "$MQB" ${ARGS[$sc]} --port "$port" --broker-pid "$BPID" 2>>"$W/mqbench.err")
  stop_broker
  echo "${line:-error=nooutput}"
}

: > "$W/results"
for r in $(seq "$REPS"); do
  for sc in $SCENARIOS; do
    for who in mosquitto lampi; do
      bin=$MOSQ; [ "$who" = lampi ] && bin=$LAMPI
      echo "rep $r/$REPS: $sc on $who" >&2
      echo "$who $sc $(run_one "$bin" "$sc")" >> "$W/results"
    done
  done
done

/usr/bin/python3 - "$W/results" "$REPS" "$LAMPI" "$MOSQ" <<'PY'
import statistics, sys

path, reps, lampi, mosq = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
runs = {}
for line in open(path):
    who, sc, *rest = line.split()
    runs.setdefault((who, sc), []).append(dict(kv.split("=", 1) for kv in rest if "=" in kv))

def med(who, sc, key):
    vals = [float(r[key]) for r in runs.get((who, sc), []) if key in r]
    return statistics.median(vals) if vals else None

def total(who, sc, *keys):
    """Summed over runs; a run that produced no result line counts as one loss."""
    n = 0
    for r in runs.get((who, sc), []):
        if "error" in r:
            n += 1
        n += sum(int(float(r.get(k, 0))) for k in keys)
    return n

def fmt(v, unit=""):
    if v is None:
        return "-"
    if abs(v) >= 1e6:
        return f"{v / 1e6:.2f}M{unit}"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.1f}k{unit}"
    return f"{v:,.1f}{unit}" if v < 100 else f"{v:,.0f}{unit}"

ROWS = [  # scenario, key, label, higher is better, loss keys
    ("fanin", "rate", "fan-in QoS 0, 4 pubs -> 1 sub (msgs/s)", True, ("lost",)),
    ("fanout", "rate", "fan-out QoS 0, 1 pub -> 50 subs (deliveries/s)", True, ("lost",)),
    ("pairs", "rate", "pairs QoS 1, 20 pairs (msgs/s)", True, ("lost",)),
    ("latency", "p50_us", "latency at 10k msgs/s, p50 (us)", False, ("lost",)),
    ("latency", "p99_us", "latency at 10k msgs/s, p99 (us)", False, ()),
    ("conns", "connect_rate", "10k idle connections: connects/s", True,
     ("failed", "dropped_during_hold")),
    ("conns", "bytes_per_conn", "10k idle connections: broker bytes per connection", False, ()),
]
print(f"lampi: `{lampi}` vs mosquitto: `{mosq}`; median of {reps} run(s) each, alternating, fresh broker "
      "per run. Ratio = lampi / mosquitto (higher is better for rates, lower for latency and "
      "memory). Lost = messages lost (or connections failed/dropped) summed over all runs.\n")
print("| scenario | mosquitto | lampi | lampi/mosquitto | lost (mosquitto / lampi) |")
print("|---|---:|---:|---:|---:|")
bad = 0
for sc, key, label, _higher, loss_keys in ROWS:
    if not runs.get(("mosquitto", sc)) and not runs.get(("lampi", sc)):
        continue
    m, l = med("mosquitto", sc, key), med("lampi", sc, key)
    ratio = f"{l / m:.2f}x" if m and l is not None else "-"
    if loss_keys:
        lm, ll = total("mosquitto", sc, *loss_keys), total("lampi", sc, *loss_keys)
        lost = f"{lm} / {ll}"
        bad += ll
    else:
        lost = ""
    print(f"| {label} | {fmt(m)} | {fmt(l)} | {ratio} | {lost} |")
sys.exit(1 if bad else 0)
PY
