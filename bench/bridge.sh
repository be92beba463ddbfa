#!/bin/bash
# bridge.sh [LAMPI_BROKER] [REPS] — bridged QoS 1 throughput, edge to cloud: two lampi-brokers
# bridged to each other against two Debian mosquittos bridged the same way, in the same run,
# alternating pair by pair for every scenario and repetition, each run on fresh brokers.
#
# The edge broker has one bridge stanza (`topic bench/# out 1 "" edge1/`, the LAMPi shape: a
# remote prefix per device); lampi-bench's publishers publish QoS 1 on the edge, its subscribers
# subscribe QoS 1 to `edge1/bench/...` on the cloud. The same load for both: TOTAL messages
# (default 500,000) as fast as the edge takes them (QoS 1, 20 in flight per publisher). The edge
# acknowledges faster than any bridge forwards, so a backlog builds on the edge and drains through
# the bridge; the figure is distinct messages delivered at the cloud / (clock start to the last
# delivery), with lost and duplicated counts and each broker's CPU. Prints a markdown table of
# medians and lampi/mosquitto ratios.
#
# env: REPS (default 3), SCENARIOS (default "fanin pairs"), TOTAL (messages per run, default
#      500000), CAP (max seconds of a run, default 120), MOSQUITTO (default /usr/sbin/mosquitto),
#      BENCH (default build/release/apps/bench/lampi-bench), WINDOW (max_inflight_messages of
#      every broker, so the bridges' window; default: the brokers' default, 20), KEEP_RAW=1 keeps the result lines
#      and broker logs (their path is printed).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"
LAMPI=${1:-$REPO/build/release/apps/broker/lampi-broker}
REPS=${2:-${REPS:-3}}
MOSQ=${MOSQUITTO:-/usr/sbin/mosquitto}
BENCH=${BENCH:-$REPO/build/release/apps/bench/lampi-bench}
SCENARIOS=${SCENARIOS:-fanin pairs}
TOTAL=${TOTAL:-500000}
CAP=${CAP:-120}

for b in "$LAMPI" "$MOSQ" "$BENCH"; do
  [ -x "$b" ] || { echo "bridge.sh: not found or not executable: $b" >&2; exit 2; }
done

# A run ends when all TOTAL messages arrived, or 5 quiet seconds after publishing, or at CAP s.
declare -A ARGS=(
  [fanin]="fanin --pubs 4 --count $((TOTAL / 4)) --qos 1 --inflight 20 --size 64"
  [pairs]="pairs --pairs 20 --count $((TOTAL / 20)) --qos 1 --inflight 20 --size 64"
)

W=$(mktemp -d /tmp/lampi-bridge-bench.XXXXXX)
chmod 755 "$W"
EDGE= CLOUD=
cleanup() {
  for p in $EDGE $CLOUD; do kill -9 "$p" 2>/dev/null; done
  [ "${KEEP_RAW:-0}" = 1 ] && echo "raw results kept in $W" >&2 || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop() { stop_pid "$1"; }
cpu_secs() { # utime + stime of a process, in seconds
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}
broker_conf() { # broker_conf PORT -> the lines both kinds of broker share
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 10000000\nset_tcp_nodelay true\nlog_type error\nlog_type warning\nconnection_messages false\nuser root\n' "$1"
  [ -z "${WINDOW:-}" ] || echo "max_inflight_messages $WINDOW"
}
wait_bridge() { # until the bridge's retained "1" is on the cloud (port $1), at most 10 s
  for _ in $(seq 20); do
    [ "$(mosquitto_sub -p "$1" -t '$SYS/broker/connection/edge1_broker/state' -C 1 -W 1 2>/dev/null)" = 1 ] &&
      return 0
    sleep 0.5
  done
  echo "bridge.sh: the bridge did not come up" >&2
}
start() { # start BIN CONF LOG -> pid in $STARTED
  "$1" -c "$2" > "$3" 2>&1 &
  STARTED=$!
}

run_one() { # run_one BROKER_BIN SCENARIO -> the bench result line + edge/cloud CPU
  local bin=$1 sc=$2 ep cp line e0 c0 e1 c1 t0 t1 secs
  ep=$(free_port); cp=$(free_port)
  broker_conf "$cp" > "$W/cloud.conf"
  { broker_conf "$ep"
    printf 'connection bench\naddress 127.0.0.1:%s\nremote_clientid edge1_broker\n' "$cp"
    printf 'cleansession true\nrestart_timeout 1\ntopic bench/# out 1 "" edge1/\n'
  } > "$W/edge.conf"
  start "$bin" "$W/cloud.conf" "$W/cloud.log"; CLOUD=$STARTED
  start "$bin" "$W/edge.conf" "$W/edge.log"; EDGE=$STARTED
  if ! wait_port "$cp" || ! wait_port "$ep"; then
    echo "error=startfail"; stop "$EDGE"; stop "$CLOUD"; EDGE= CLOUD=; return
  fi
  wait_bridge "$cp"
  e0=$(cpu_secs "$EDGE"); c0=$(cpu_secs "$CLOUD"); t0=$(date +%s.%N)
  line=$(timeout $((CAP + 60)) "$BENCH" ${ARGS[$sc]} --duration "$CAP" --drain 5 --port "$ep" \
    --sub-port "$cp" --sub-topic-prefix edge1/bench --quiet 2>>"$W/bench.err")
  e1=$(cpu_secs "$EDGE"); c1=$(cpu_secs "$CLOUD"); t1=$(date +%s.%N)
  stop "$EDGE"; stop "$CLOUD"; EDGE= CLOUD=
  cat "$W/edge.log" "$W/cloud.log" >> "$W/brokers.log"
  echo "${line:-error=nooutput} $(awk -v e0="$e0" -v e1="$e1" -v c0="$c0" -v c1="$c1" \
    -v t="$(echo "$t1 - $t0" | bc -l)" \
    'BEGIN { printf "edge_cpu=%.0f cloud_cpu=%.0f", (e1 - e0) * 100 / t, (c1 - c0) * 100 / t }')"
}

: > "$W/results"
for r in $(seq "$REPS"); do
  for sc in $SCENARIOS; do
    for who in mosquitto lampi; do
      bin=$MOSQ; [ "$who" = lampi ] && bin=$LAMPI
      echo "rep $r/$REPS: $sc on $who-to-$who" >&2
      echo "$who $sc $(run_one "$bin" "$sc")" | tee -a "$W/results" | cut -c1-200 >&2
    done
  done
done

/usr/bin/python3 "$HERE/results.py" bridge "$W/results" "$REPS" "$LAMPI" "$MOSQ" "$TOTAL"
