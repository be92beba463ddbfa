#!/bin/bash
# run.sh [nats|rabbitmq] — a small lamp fleet: one lampi-broker per lamp, each bridged with the
# course's bridge stanza to a clustered MQTT service on this machine:
#   nats      a 2-node nats-server cluster (JetStream + MQTT); lamps take turns on which node
#             they bridge to first (the other node is their failover address), and cloud clients
#             may use either node
#   rabbitmq  a RabbitMQ node with the rabbitmq_mqtt plugin (it refuses the bridge bit by
#             closing the connection: the bridges reconnect at once without it)
# Prints one "lamp ..." line per lamp (device id, pid, port, addresses), then "ready", and runs
# until Ctrl-C / SIGTERM. A lamp broker may be stopped or killed meanwhile (to watch the cloud see
# it go); a node of the service that ends stops everything.
#
# env: LAMPI_BROKER (default build/release/apps/broker/lampi-broker), DEVICE_IDS (default
#      "b827eb000001 b827eb000002": one lamp each), EDGE_PORT (18850: the first lamp's broker,
#      the next ones count up from it), CLOUD_PORT (18841: MQTT of node 1), CLOUD_PORT2 (18842:
#      node 2, nats), STATE_DIR (default: a new directory under /tmp, removed at exit).
# Try it:  mosquitto_sub -p 18842 -t 'devices/#' -t '$SYS/broker/connection/+/state' -v
#          mosquitto_pub -p 18850 -t lamp/changed -m '{"on": true}' -q 1 -r
#          mosquitto_pub -p 18841 -t devices/b827eb000002/lamp/set_config -m '{"on": false}' -q 1
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODE=${1:-nats}
LAMPI=${LAMPI_BROKER:-$ROOT/build/release/apps/broker/lampi-broker}
read -r -a DEVICE_IDS <<< "${DEVICE_IDS:-b827eb000001 b827eb000002}"
EDGE_PORT=${EDGE_PORT:-18850}
CLOUD_PORT=${CLOUD_PORT:-18841}
CLOUD_PORT2=${CLOUD_PORT2:-18842}
KEEP=${STATE_DIR:+1}
STATE=${STATE_DIR:-$(mktemp -d /tmp/lampi-bridge-cluster.XXXXXX)}
mkdir -p "$STATE"
SERVICE_PIDS=()
LAMP_PIDS=()

die() { echo "run.sh: $*" >&2; exit 2; }
cleanup() {
  for p in "${LAMP_PIDS[@]}" "${SERVICE_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${LAMP_PIDS[@]}" "${SERVICE_PIDS[@]}"; do wait "$p" 2>/dev/null; done
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
  NODES=("127.0.0.1:$CLOUD_PORT" "127.0.0.1:$CLOUD_PORT2")
  for i in 1 2; do
    name=node$i; port=$CLOUD_PORT; route=$r1; peer=$r2
    [ $i = 2 ] && { port=$CLOUD_PORT2; route=$r2; peer=$r1; }
    render "$HERE/nats-node.conf.in" "$STATE/$name.conf" NAME=$name MQTT_PORT=$port \
      CLUSTER_PORT=$route PEER_CLUSTER_PORT=$peer STORE_DIR="$STATE/$name-js"
    nats-server -c "$STATE/$name.conf" > "$STATE/$name.log" 2>&1 &
    SERVICE_PIDS+=($!)
  done
  wait_port "$CLOUD_PORT" 20 && wait_port "$CLOUD_PORT2" 20 || die "nats-server did not start ($STATE/node*.log)"
  # MQTT sessions live in JetStream, which answers once the cluster elected its metadata leader;
  # a CONNECT before that times out after 4 s.
  for _ in $(seq 300); do
    grep -q "metadata leader" "$STATE"/node?.log && return 0
    sleep 0.1
  done
  die "the nats cluster elected no JetStream leader ($STATE/node*.log)"
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
  SERVICE_PIDS+=($!)
  wait_port "$CLOUD_PORT" 90 || die "RabbitMQ did not start ($STATE/rabbitmq.log, $STATE/log)"
  NODES=("127.0.0.1:$CLOUD_PORT")
}

start_lamp() { # start_lamp INDEX DEVICE_ID: its broker, bridged first to node INDEX mod nodes
  local i=$1 dev=$2 port=$((EDGE_PORT + $1)) n=${#NODES[@]} remote="" k pid
  for k in $(seq 0 $((n - 1))); do remote+="${remote:+ }${NODES[$(((i + k) % n))]}"; done
  mkdir -p "$STATE/$dev"
  render "$HERE/edge.conf.in" "$STATE/$dev/edge.conf" USER="$(id -un)" EDGE_PORT="$port" \
    DEVICE_ID="$dev" REMOTE_ADDRESSES="$remote"
  "$LAMPI" -c "$STATE/$dev/edge.conf" > "$STATE/$dev/edge.log" 2>&1 &
  pid=$!
  LAMP_PIDS+=($pid)
  wait_port "$port" 10 || die "lampi-broker did not start ($STATE/$dev/edge.log)"
  echo "lamp $dev: pid $pid, port $port, bridged to $remote"
}

[ -x "$LAMPI" ] || die "lampi-broker not found: $LAMPI (build it, or set LAMPI_BROKER)"
case $MODE in
  nats) start_nats ;;
  rabbitmq) start_rabbitmq ;;
  *) die "usage: run.sh [nats|rabbitmq]" ;;
esac

for i in "${!DEVICE_IDS[@]}"; do start_lamp "$i" "${DEVICE_IDS[$i]}"; done
echo "ready: $MODE, ${#DEVICE_IDS[@]} lamp(s), cloud MQTT on ${NODES[*]}, state in $STATE"
while wait -n -p ENDED "${LAMP_PIDS[@]}" "${SERVICE_PIDS[@]}"; [[ " ${LAMP_PIDS[*]} " == *" ${ENDED:-x} "* ]]; do
  echo "run.sh: lamp broker $ENDED ended; the rest keeps running" >&2
  REST=()
  for p in "${LAMP_PIDS[@]}"; do [ "$p" = "$ENDED" ] || REST+=("$p"); done
  LAMP_PIDS=("${REST[@]}")
done
echo "run.sh: a process of the cloud service ended; logs in $STATE" >&2
KEEP=1
exit 1
