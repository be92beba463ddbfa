#!/usr/bin/env bash
# Persistence benchmarks (not run by make test), lampi vs Debian's mosquitto in the same run:
#  1. QoS 1 fan-in with `persistence true` (mqbench fanin --qos 1), both brokers, REPS times;
#  2. lampi restart time with 100,000 retained messages and 1,000 offline sessions holding 100
#     queued QoS 1 messages each (time from exec to the listener accepting).
# usage: bench/persistence.sh [LAMPI_BROKER] [REPS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LAMPI=${1:-$ROOT/build/release/apps/broker/lampi-broker}
REPS=${2:-3}
MQB=/tmp/mqbench-build/mqbench
if [ ! -x "$MQB" ]; then
    cmake -S "$ROOT/../shared/bench/mqbench" -B /tmp/mqbench-build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    ninja -C /tmp/mqbench-build >/dev/null
fi
W=$(mktemp -d /tmp/lampi-persist-bench.XXXXXX)
chmod 755 "$W"
BPID=
trap '[ -n "$BPID" ] && kill -9 $BPID 2>/dev/null; rm -rf "$W"' EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
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

echo "QoS 1 fan-in with persistence (4 publishers, 1 subscriber), msgs/s:"
for r in $(seq "$REPS"); do
    m=$(fanin /usr/sbin/mosquitto); l=$(fanin "$LAMPI")
    echo "  rep $r: mosquitto ${m% *} (lost ${m#* })  lampi ${l% *} (lost ${l#* })"
done

echo "lampi restart with 100,000 retained messages and 1,000 sessions x 100 queued messages:"
p=$(port); d="$W/restart"; mkdir -p "$d"
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\nmax_queued_messages 0\nlog_type error\nlog_type notice\nuser %s\n' \
    "$p" "$d" "$(id -un)" > "$d/b.conf"
"$LAMPI" -c "$d/b.conf" > "$d/log" 2>&1 & BPID=$!
waitp "$p"
/usr/bin/python3 - "$p" <<'PY'
import sys, time, paho.mqtt.client as mqtt
port = int(sys.argv[1])
def client(cid, clean=True):
    c = mqtt.Client(client_id=cid, clean_session=clean, protocol=mqtt.MQTTv311)
    c.max_inflight_messages_set(1000); c.max_queued_messages_set(0)
    c.connect("127.0.0.1", port, 60); c.loop_start(); return c
t = time.time()
subs = []
for i in range(1000):
    c = client(f"s{i}", clean=False); c.subscribe(f"q/{i}", 1); subs.append(c)
time.sleep(1)
for c in subs: c.disconnect(); c.loop_stop()
pub = client("filler")
sent = 0
def send(topic, payload, retain=False):
    global sent
    info = pub.publish(topic, payload, 1, retain=retain)
    sent += 1
    if sent % 500 == 0:
        info.wait_for_publish(60)  # keep paho's window bounded
for i in range(100000):
    send(f"r/{i // 1000}/{i}", b"retained-%d" % i, retain=True)
for n in range(100):
    for i in range(1000):
        send(f"q/{i}", b"queued-%d" % n)
pub.publish("done", b"", 1).wait_for_publish(120)
time.sleep(1)
pub.disconnect(); pub.loop_stop()
print(f"  filled in {time.time() - t:.1f} s", flush=True)
PY
kill $BPID; wait $BPID 2>/dev/null || true; BPID=
ls -la "$d" | sed -n 's/.* \([0-9]*\) .* \(lampi.db.*\)$/  store: \2 \1 bytes/p'
for r in $(seq "$REPS"); do
    t0=$(date +%s.%N)
    "$LAMPI" -c "$d/b.conf" >> "$d/log" 2>&1 & BPID=$!
    waitp "$p"
    t1=$(date +%s.%N)
    /usr/bin/python3 -c "import sys; print(f\"  restart $r: {float(sys.argv[2]) - float(sys.argv[1]):.2f} s to accept connections\")" "$t0" "$t1"
    kill $BPID; wait $BPID 2>/dev/null || true; BPID=
done
grep -m1 Restored "$d/log" | sed 's/^/  /'
