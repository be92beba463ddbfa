#!/usr/bin/env bash
# Persistence benchmarks (not run by make test), lampi vs Debian's mosquitto in the same run:
#  1. QoS 1 fan-in with `persistence true` (mqbench fanin --qos 1), both brokers, REPS times;
#  2. restart time (lampi after kill -9, mosquitto after SIGTERM) with 100,000 retained messages
#     and 1,000 offline sessions holding 100 queued QoS 1 messages each: exec to accepting
#     connections, then a sample of sessions is checked to receive their messages in order
#     (bench/persistence_fill.py).
# usage: bench/persistence.sh [LAMPI_BROKER] [REPS]   (PART=fanin or PART=restart: only that part)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LAMPI=${1:-$ROOT/build/release/apps/broker/lampi-broker}
REPS=${2:-3}
PART=${PART:-all}
MQB=/tmp/mqbench-build/mqbench
if [ ! -x "$MQB" ]; then
    cmake -S "$ROOT/../shared/bench/mqbench" -B /tmp/mqbench-build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    ninja -C /tmp/mqbench-build >/dev/null
fi
W=$(mktemp -d /tmp/lampi-persist-bench.XXXXXX)
chmod 755 "$W"
BPID=
trap '[ -n "$BPID" ] && kill -9 $BPID 2>/dev/null; rm -rf "$W"' EXIT
. "$ROOT/bench/lib.sh"
port() { free_port; }
# Finer than lib.sh's wait_port (100 ms): the restart times are read from it.
waitp() { for _ in $(seq 1 600); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.01; done; return 1; }

fanin() { # binary -> rate
    local bin=$1 p d; p=$(port); d=$(mktemp -d "$W/b.XXXX"); chmod 777 "$d"
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\nmax_queued_messages 1000000\nlog_type error\nuser %s\n' \
        "$p" "$d" "$(id -un)" > "$d/b.conf"
    "$bin" -c "$d/b.conf" > "$d/log" 2>&1 & BPID=$!
    waitp "$p"
    timeout 60 "$MQB" fanin --port "$p" --pubs 4 --qos 1 --count 50000 --duration 10 --broker-pid $BPID 2>/dev/null |
        sed -n 's/.* rate=\([0-9]*\) .*lost=\([0-9]*\).*/\1 \2/p'
    kill $BPID; wait $BPID 2>/dev/null || true; BPID=
}

if [ "$PART" != restart ]; then
    echo "QoS 1 fan-in with persistence (4 publishers, 1 subscriber), msgs/s:"
    for r in $(seq "$REPS"); do
        m=$(fanin /usr/sbin/mosquitto); l=$(fanin "$LAMPI")
        echo "  rep $r: mosquitto ${m% *} (lost ${m#* })  lampi ${l% *} (lost ${l#* })"
    done
fi
[ "$PART" = fanin ] && exit 0

# restart NAME BINARY STOP: fills a store through MQTT, stops the broker with signal STOP, then
# times REPS restarts (each stopped with STOP again) and checks the last one's content.
restart() {
    local name=$1 bin=$2 stop=$3 p d r t0 t1
    p=$(port); d="$W/restart-$name"; mkdir -p "$d"; chmod 777 "$d"
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\nmax_queued_messages 0\nlog_type error\nlog_type notice\nlog_type information\nuser %s\n' \
        "$p" "$d" "$(id -un)" > "$d/b.conf"
    echo "$name, stopped with SIG$stop:"
    "$bin" -c "$d/b.conf" > "$d/log" 2>&1 & BPID=$!
    waitp "$p"
    /usr/bin/python3 "$ROOT/bench/persistence_fill.py" fill "$p" 100000 1000 100
    kill -"$stop" $BPID; wait $BPID 2>/dev/null || true; BPID=
    stat -c '  store: %n %s bytes' "$d"/*.db* | sed "s|$d/||"
    for r in $(seq "$REPS"); do
        t0=$(date +%s.%N)
        "$bin" -c "$d/b.conf" >> "$d/log" 2>&1 & BPID=$!
        waitp "$p"
        t1=$(date +%s.%N)
        /usr/bin/python3 -c "import sys; print(f\"  restart $r: {float(sys.argv[2]) - float(sys.argv[1]):.2f} s from exec to accepting connections\")" "$t0" "$t1"
        if [ "$r" = "$REPS" ]; then
            # Correctness, not just timing: sampled sessions get their 100 messages in order,
            # retained messages are there.
            /usr/bin/python3 "$ROOT/bench/persistence_fill.py" check "$p" 1000 100 20
        fi
        kill -"$stop" $BPID; wait $BPID 2>/dev/null || true; BPID=
    done
    grep -E 'Restored|Store opened' "$d/log" | tail -2 | sed 's/^[0-9]*: /  /'
}

echo "Restart with 100,000 retained messages and 1,000 sessions x 100 queued QoS 1 messages:"
# lampi after kill -9 (its promise); Mosquitto after SIGTERM, which saves its database (after
# kill -9 it would have nothing to load).
restart lampi "$LAMPI" KILL
restart mosquitto /usr/sbin/mosquitto TERM
