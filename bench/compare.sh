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

/usr/bin/python3 "$HERE/results.py" compare "$W/results" "$REPS" "$LAMPI" "$MOSQ"
