#!/bin/bash
# lampi_bench_vs_mqbench.sh [LAMPI_BROKER] [REPS] — checks that lampi-bench measures what mqbench
# (the independent load generator in ../shared/bench/mqbench) measures: same scenarios, same
# flags, same broker, on lampi-broker and on Debian's mosquitto. Every run gets a freshly started
# broker; the two tools alternate so both see the same machine load. Prints a markdown table of
# medians and the lampi-bench/mqbench ratio (the two should agree within 20%).
#
# env: REPS (default 3), SCENARIOS (default "fanin fanout pairs latency"),
#      MOSQUITTO (/usr/sbin/mosquitto), MQBENCH_BUILD (/tmp/mqbench-build),
#      LAMPI_BENCH (build/release/apps/bench/lampi-bench), KEEP_RAW=1 keeps the raw lines.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
LAMPI=${1:-$REPO/build/release/apps/broker/lampi-broker}
REPS=${2:-${REPS:-3}}
MOSQ=${MOSQUITTO:-/usr/sbin/mosquitto}
SCENARIOS=${SCENARIOS:-fanin fanout pairs latency}
MQB=${MQBENCH_BUILD:-/tmp/mqbench-build}/mqbench
LB=${LAMPI_BENCH:-$REPO/build/release/apps/bench/lampi-bench}

for x in "$LAMPI" "$MOSQ" "$LB"; do
  [ -x "$x" ] || { echo "$0: not found or not executable: $x" >&2; exit 2; }
done
if [ ! -x "$MQB" ]; then
  echo "$0: build mqbench first (see ../shared/bench/mqbench/README.md), or set MQBENCH_BUILD" >&2
  exit 2
fi

# The issue's four comparisons; both tools take the same flags.
declare -A ARGS=(
  [fanin]="fanin --pubs 4 --count 250000 --qos 0 --size 64 --duration 20 --drain 2"
  [fanout]="fanout --subs 50 --count 40000 --qos 0 --size 64 --duration 20 --drain 2"
  [pairs]="pairs --pairs 20 --count 1000000 --qos 1 --inflight 20 --size 64 --duration 8 --drain 2"
  [latency]="latency --rate 10000 --count 50000 --qos 0 --size 64 --duration 10 --drain 2"
)

# lampi-broker finishes the default fan-in/fan-out counts in under half a second, too short for
# a stable figure on a shared machine: it gets more messages (the same for both tools).
declare -A LAMPI_ARGS=(
  [fanin]="fanin --pubs 4 --count 1000000 --qos 0 --size 64 --duration 20 --drain 2"
  [fanout]="fanout --subs 50 --count 200000 --qos 0 --size 64 --duration 20 --drain 2"
)

W=$(mktemp -d /tmp/lampi-bench-vs.XXXXXX)
BPID=
cleanup() {
  [ -n "$BPID" ] && kill -9 "$BPID" 2>/dev/null
  if [ "${KEEP_RAW:-0}" = 1 ]; then echo "raw results in $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_broker() { # start_broker BIN PORT: sets BPID, waits up to 10 s for the port
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\nlog_type error\n' \
    "$2" > "$W/broker.conf"
  "$1" -c "$W/broker.conf" > "$W/broker.log" 2>&1 &
  BPID=$!
  wait_port "$2"
}
stop_broker() { stop_pid "$BPID"; BPID=; }

: > "$W/results"
for r in $(seq "$REPS"); do
  for sc in $SCENARIOS; do
    for broker in lampi mosquitto; do
      bin=$LAMPI; [ $broker = mosquitto ] && bin=$MOSQ
      for tool in mqbench lampi-bench; do
        exe=$MQB; extra=""; [ $tool = lampi-bench ] && { exe=$LB; extra="--quiet"; }
        args=${ARGS[$sc]}; [ $broker = lampi ] && [ -n "${LAMPI_ARGS[$sc]:-}" ] && args=${LAMPI_ARGS[$sc]}
        port=$(free_port)
        echo "rep $r/$REPS: $sc on $broker with $tool" >&2
        if start_broker "$bin" "$port"; then
          line=$(timeout 120 "$exe" $args $extra --port "$port" --broker-pid "$BPID" 2>>"$W/tool.err")
        else
          line="error=startfail"
        fi
        stop_broker
        echo "$sc $broker $tool ${line:-error=nooutput}" >> "$W/results"
      done
    done
  done
done

# Table: median per (scenario, broker, tool) of rate (or p50/p99 for latency), machine_cpu too.
/usr/bin/python3 "$HERE/results.py" tools "$W/results"
