#!/bin/bash
# run.sh [nats|rabbitmq] — a lamp's lampi-broker bridged, with the course's bridge stanza, to a
# clustered MQTT service on this machine:
#   nats      a 2-node nats-server cluster (JetStream + MQTT); the bridge goes to node 1 (node 2
#             as failover address), cloud clients may use either node
#   rabbitmq  a RabbitMQ node with the rabbitmq_mqtt plugin (it refuses the bridge bit by
#             closing the connection: the bridge reconnects at once without it)
# Prints "ready", the ports and the lamp broker's pid once everything listens, then runs until
# Ctrl-C / SIGTERM (or until one of its processes ends).
#
# env: LAMPI_BROKER (default build/release/apps/broker/lampi-broker), DEVICE_ID (b827eb000001),
#      EDGE_PORT (18840), CLOUD_PORT (18841: MQTT of node 1), CLOUD_PORT2 (18842: node 2, nats),
#      STATE_DIR (default: a new directory under /tmp, removed at exit).
# Try it:  mosquitto_sub -p 18842 -t 'devices/#' -t '$SYS/broker/connection/+/state' -v
#          mosquitto_pub -p 18840 -t lamp/changed -m '{"on": true}' -q 1 -r
#          mosquitto_pub -p 18841 -t devices/b827eb000001/lamp/set_config -m '{"on": false}' -q 1
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODE=${1:-nats}
LAMPI=${LAMPI_BROKER:-$ROOT/build/release/apps/broker/lampi-broker}
DEVICE_ID=${DEVICE_ID:-b827eb000001}
EDGE_PORT=${EDGE_PORT:-18840}
CLOUD_PORT=${CLOUD_PORT:-18841}
CLOUD_PORT2=${CLOUD_PORT2:-18842}
KEEP=${STATE_DIR:+1}
STATE=${STATE_DIR:-$(mktemp -d /tmp/lampi-bridge-cluster.XXXXXX)}
mkdir -p "$STATE"
PIDS=()

die() { echo "run.sh: $*" >&2; exit 2; }
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  [ -n "$KEEP" ] || rm -rf "$STATE"
}
trap cleanup EXIT
trap 'exit 0' INT TERM
wait_port() { # wait_port PORT SECONDS
  for _ in $(seq $(($2 * 10))); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
render() { # render TEMPLATE OUT KEY=VALUE...
  local t=$1 out=$2 kv args=()
  shift 2
  for kv in "$@"; do args+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
  sed "${args[@]}" "$t" > "$out"
}
# A free port for the service's internal traffic (cluster routes, AMQP, Erlang distribution).
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_nats() {
  command -v nats-server >/dev/null || die "nats-server is not installed (apt-get install nats-server)"
  local r1 r2 i name port route peer
  r1=$(free_port); r2=$(free_port)
  for i in 1 2; do
    name=node$i; port=$CLOUD_PORT; route=$r1; peer=$r2
    [ $i = 2 ] && { port=$CLOUD_PORT2; route=$r2; peer=$r1; }
    render "$HERE/nats-node.conf.in" "$STATE/$name.conf" NAME=$name MQTT_PORT=$port \
      CLUSTER_PORT=$route PEER_CLUSTER_PORT=$peer STORE_DIR="$STATE/$name-js"
    nats-server -c "$STATE/$name.conf" > "$STATE/$name.log" 2>&1 &
    PIDS+=($!)
  done
  wait_port "$CLOUD_PORT" 20 && wait_port "$CLOUD_PORT2" 20 || die "nats-server did not start ($STATE/node*.log)"
  REMOTE="127.0.0.1:$CLOUD_PORT 127.0.0.1:$CLOUD_PORT2"
}

start_rabbitmq() {
  local server=/usr/lib/rabbitmq/bin/rabbitmq-server
  [ -x "$server" ] || die "rabbitmq-server is not installed (apt-get install rabbitmq-server)"
  render "$HERE/rabbitmq.conf.in" "$STATE/rabbitmq.conf" AMQP_PORT="$(free_port)" MQTT_PORT="$CLOUD_PORT"
  # Run as the calling user with everything under STATE (Debian's wrapper would switch to the
  # rabbitmq user and /var/lib/rabbitmq). The node name is unique per MQTT port.
  HOME=$STATE RABBITMQ_NODENAME=lampi$CLOUD_PORT@localhost RABBITMQ_DIST_PORT=$(free_port) \
    RABBITMQ_CONFIG_FILE=$STATE/rabbitmq.conf RABBITMQ_ENABLED_PLUGINS_FILE=$HERE/enabled_plugins \
    RABBITMQ_MNESIA_BASE=$STATE/mnesia RABBITMQ_LOG_BASE=$STATE/log RABBITMQ_PID_FILE=$STATE/rabbitmq.pid \
    "$server" > "$STATE/rabbitmq.log" 2>&1 &
  PIDS+=($!)
  wait_port "$CLOUD_PORT" 90 || die "RabbitMQ did not start ($STATE/rabbitmq.log, $STATE/log)"
  REMOTE="127.0.0.1:$CLOUD_PORT"
}

[ -x "$LAMPI" ] || die "lampi-broker not found: $LAMPI (build it, or set LAMPI_BROKER)"
case $MODE in
  nats) start_nats ;;
  rabbitmq) start_rabbitmq ;;
  *) die "usage: run.sh [nats|rabbitmq]" ;;
esac
render "$HERE/edge.conf.in" "$STATE/edge.conf" USER="$(id -un)" EDGE_PORT="$EDGE_PORT" \
  DEVICE_ID="$DEVICE_ID" REMOTE_ADDRESSES="$REMOTE"
"$LAMPI" -c "$STATE/edge.conf" > "$STATE/edge.log" 2>&1 &
EDGE_PID=$!
PIDS+=($EDGE_PID)
wait_port "$EDGE_PORT" 10 || die "lampi-broker did not start ($STATE/edge.log)"
echo "ready: $MODE, lamp broker (pid $EDGE_PID) on $EDGE_PORT bridged to $REMOTE, state in $STATE"
# The lamp broker may be stopped or killed to watch the bridge's notifications on the cloud: the
# cluster keeps running. It stops when a node of the service ends.
while wait -n -p ENDED "${PIDS[@]}"; [ "${ENDED:-}" = "$EDGE_PID" ]; do
  echo "run.sh: the lamp broker (pid $EDGE_PID) ended; the cloud service keeps running" >&2
  REST=()
  for p in "${PIDS[@]}"; do [ "$p" = "$EDGE_PID" ] || REST+=("$p"); done
  PIDS=("${REST[@]}")
done
echo "run.sh: a process of the cloud service ended early; logs in $STATE" >&2
KEEP=1
exit 1
