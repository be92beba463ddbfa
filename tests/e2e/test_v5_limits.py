"""What a client may send, and what CONNACK announces about it: inbound Receive Maximum (4.9,
3.3.4: DISCONNECT 0x93), memory_limit (PUBACK/PUBREC 0x97; a 3.1.1 publisher is disconnected, as
in Mosquitto), lampi's max_publish_rate (DISCONNECT 0x96), Response Information (3.2.2.3.15),
and the CONNACK properties of each listener seen through paho."""
import time

import pytest

from testing import raw5 as r
from testing import rawmqtt as m
from testing.broker import free_port, port_listening, wait_until
from testing.paho5 import Paho5, c5, paho5  # noqa: F401  (fixtures)

RECEIVE_MAXIMUM_EXCEEDED = 0x93
MESSAGE_RATE_TOO_HIGH = 0x96
QUOTA_EXCEEDED = 0x97


def client(c5, port, cid, **kw):
    c = c5(port)
    ack = c.connect5(cid, **kw)
    assert ack.reason == r.SUCCESS, ack
    return c


def answers(c, n, timeout=5.0):
    """The next n packets as (type, packet id, reason)."""
    out = []
    for _ in range(n):
        p = c.recv5(timeout)
        assert p is not None, f"only {out} before the deadline"
        out.append((p.type, p.packet_id, p.reason))
    return out


def closed_with(c, timeout=5.0):
    state, got = c.outcome(timeout)
    return state, [(p.type, p.reason) for p in got]


def broker_side_established(port):
    """Whether the broker still has an ESTABLISHED TCP connection on `port` (/proc/net/tcp*)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                if int(local.rsplit(":", 1)[1], 16) == port and state == "01":
                    return True
    return False


def still_open(c):
    c.send(m.pingreq())
    return c.expect5(r.PINGRESP).type == r.PINGRESP


# ------------------------------------------------------------------ Receive Maximum, inbound

@pytest.mark.spec_only("Mosquitto 2.0.11 answers PUBREC 0x97 instead of DISCONNECT 0x93")
def test_publish_beyond_receive_maximum_gets_disconnect_0x93(make_broker, c5):
    b = make_broker(["max_inflight_messages 3"])
    c = c5(b.port)
    assert c.connect5("rm").props.get(r.RECEIVE_MAXIMUM) == 3
    for pid in (1, 2, 3):  # QoS 2 counts until PUBCOMP: no PUBREL yet
        c.send(r.publish("rm/t", b"x", 2, pid))
    assert answers(c, 3) == [(r.PUBREC, pid, r.NO_MATCHING_SUBSCRIBERS) for pid in (1, 2, 3)]
    c.send(r.publish("rm/t", b"x", 1, 4))
    assert closed_with(c) == ("closed", [(r.DISCONNECT, RECEIVE_MAXIMUM_EXCEEDED)])


@pytest.mark.spec_only("Mosquitto 2.0.11 answers PUBREC 0x97 instead of DISCONNECT 0x93")
def test_pubcomp_gives_receive_maximum_back(make_broker, c5):
    b = make_broker(["max_inflight_messages 2"])
    c = client(c5, b.port, "rm")
    c.send(r.publish("rm/t", b"x", 2, 1))
    c.send(r.publish("rm/t", b"x", 2, 2))
    assert [a[0] for a in answers(c, 2)] == [r.PUBREC, r.PUBREC]
    c.send(r.pubrel(1))
    assert answers(c, 1) == [(r.PUBCOMP, 1, 0)]
    c.send(r.publish("rm/t", b"x", 2, 3))  # 2 and 3 outstanding: within the maximum
    assert answers(c, 1) == [(r.PUBREC, 3, r.NO_MATCHING_SUBSCRIBERS)]
    c.send(r.publish("rm/t", b"x", 2, 2, dup=True))  # a resent PUBLISH is not one more
    assert answers(c, 1) == [(r.PUBREC, 2, 0)]
    assert still_open(c)
    c.send(r.publish("rm/t", b"x", 2, 4))
    assert closed_with(c) == ("closed", [(r.DISCONNECT, RECEIVE_MAXIMUM_EXCEEDED)])


@pytest.mark.spec_only("Mosquitto 2.0.11 answers PUBREC 0x97 instead of DISCONNECT 0x93")
def test_pubrels_in_flight_when_disconnected_for_receive_maximum_reach_the_broker(make_broker, c5):
    """Eclipse Paho's interoperability test_flow_control2: the client pipelines Receive Maximum + 1
    QoS 2 PUBLISH, then answers each PUBREC with PUBREL before it reads the DISCONNECT. Those
    writes must not fail: the broker half-closes and reads on, instead of resetting the
    connection (a reset can also destroy a DISCONNECT still on its way)."""
    b = make_broker(["max_inflight_messages 3"])
    c = client(c5, b.port, "rm")
    for pid in (1, 2, 3, 4):
        c.send(r.publish("rm/t", b"x", 2, pid))
    assert wait_until(lambda: "more than Receive Maximum" in b.log())
    assert wait_until(lambda: not broker_side_established(b.port))  # it sent its FIN
    for _ in range(3):
        pubrec = c.expect5(r.PUBREC)
        c.send(r.pubrel(pubrec.packet_id))  # BrokenPipeError / reset when the broker aborted
    assert closed_with(c) == ("closed", [(r.DISCONNECT, RECEIVE_MAXIMUM_EXCEEDED)])


def test_a_paho_client_keeping_to_receive_maximum_is_not_disconnected(make_broker, paho5):
    b = make_broker(["max_inflight_messages 2"])
    sub = paho5(b.port, "rm-sub")
    sub.subscribe("rm/#", 2)
    pub = paho5(b.port, "rm-pub")
    for i in range(30):
        pub.publish("rm/t", str(i).encode(), 2 if i % 2 else 1)
    assert sorted(int(x.payload) for x in sub.collect(30)) == list(range(30))
    assert pub.disconnect_reason is None


# ------------------------------------------------------------------ memory_limit

def fill_with_queued(paho5, port, n, size):
    """Queues n messages of `size` bytes for an offline persistent session."""
    from paho.mqtt.packettypes import PacketTypes
    from testing.paho5 import props
    keeper = paho5(port, "keeper", clean_start=False,
                   connect_props=props(PacketTypes.CONNECT, SessionExpiryInterval=300))
    keeper.subscribe("mem/#", 1)
    keeper.disconnect()
    pub = paho5(port, "filler")
    for i in range(n):
        pub.publish("mem/q", bytes([65 + i]) * size, 1)


@pytest.mark.lampi_only("lampi counts message bytes held; Mosquitto counts all heap memory")
def test_over_memory_limit_v5_publishes_are_refused_with_0x97(make_broker, c5, paho5):
    b = make_broker(["memory_limit 3000"])
    watcher = paho5(b.port, "watcher")
    watcher.subscribe("mem/live", 1)
    c = client(c5, b.port, "memv5")
    assert c.publish5("mem/live", b"a" * 100, 1).reason == r.SUCCESS
    fill_with_queued(paho5, b.port, 2, 1200)  # 2,400 bytes held for the offline keeper
    assert c.publish5("mem/live", b"b" * 1000, 1, pid=2).reason == QUOTA_EXCEEDED
    c.send(r.publish("mem/live", b"c" * 1000, 2, 3))
    assert answers(c, 1) == [(r.PUBREC, 3, QUOTA_EXCEEDED)]
    c.send(r.publish("mem/live", b"d" * 1000, 0))
    assert still_open(c)
    assert [x.payload[:1] for x in watcher.collect(3, timeout=1.0)] == [b"a"]
    # Small messages still fit under the limit.
    assert c.publish5("mem/live", b"e" * 10, 1, pid=4).reason == r.SUCCESS


@pytest.mark.lampi_only("lampi counts message bytes held; Mosquitto counts all heap memory")
def test_memory_is_given_back_when_the_queue_drains(make_broker, c5, paho5):
    b = make_broker(["memory_limit 3000"])
    fill_with_queued(paho5, b.port, 2, 1200)
    c = client(c5, b.port, "memv5")
    assert c.publish5("mem/x", b"z" * 1000, 1).reason == QUOTA_EXCEEDED
    keeper = client(c5, b.port, "keeper", clean=False, props=[(r.SESSION_EXPIRY, 300)])
    assert len(keeper.publishes(2)) == 2  # acknowledged: the broker lets them go
    assert wait_until(lambda: c.publish5("mem/x", b"z" * 1000, 1, pid=2).reason == r.SUCCESS,
                      5.0)


@pytest.mark.lampi_only("lampi counts message bytes held; Mosquitto counts all heap memory")
def test_over_memory_limit_a_311_publisher_is_disconnected(make_broker, paho5):
    b = make_broker(["memory_limit 2500"])
    fill_with_queued(paho5, b.port, 2, 1000)
    old = m.RawClient(b.port)
    try:
        assert old.connect("mem311").return_code == 0
        old.send(m.publish("mem/x", b"y" * 1000, 1, packet_id=1))
        state, got = old.close_outcome(5.0)
        assert (state, got) == ("closed", [])  # no PUBACK: the client sends it again later
    finally:
        old.close()


# ------------------------------------------------------------------ max_publish_rate

@pytest.mark.lampi_only("max_publish_rate is a lampi option")
def test_publishing_faster_than_max_publish_rate_gets_disconnect_0x96(make_broker, c5):
    b = make_broker(["max_publish_rate 10"])
    c = client(c5, b.port, "fast")
    for i in range(30):
        if not c.try_send(r.publish("rate/t", b"x", 0)):
            break
    assert closed_with(c) == ("closed", [(r.DISCONNECT, MESSAGE_RATE_TOO_HIGH)])


@pytest.mark.lampi_only("max_publish_rate is a lampi option")
def test_publishing_within_max_publish_rate_is_fine(make_broker, paho5):
    b = make_broker(["max_publish_rate 10"])
    sub = paho5(b.port, "rate-sub")
    sub.subscribe("rate/#", 1)
    pub = paho5(b.port, "steady")
    for i in range(15):  # about 7 a second, after a burst of 1
        pub.publish("rate/t", str(i).encode(), 1)
        time.sleep(0.15)
    assert len(sub.collect(15)) == 15
    assert pub.disconnect_reason is None


@pytest.mark.lampi_only("max_publish_rate is a lampi option")
def test_a_311_client_over_max_publish_rate_is_closed(make_broker):
    b = make_broker(["max_publish_rate 5"])
    old = m.RawClient(b.port)
    try:
        assert old.connect("fast311").return_code == 0
        for _ in range(20):
            if not old.try_send(m.publish("rate/t", b"x", 0)):
                break
        assert old.close_outcome(5.0) == ("closed", [])
    finally:
        old.close()


# ------------------------------------------------------------------ Response Information

@pytest.mark.lampi_only("Mosquitto 2.0.11 sends no Response Information")
def test_request_response_information_gets_a_per_client_prefix(broker, c5, paho5):
    c = c5(broker.port)
    ack = c.connect5("requester", props=[(r.REQUEST_RESPONSE_INFO, 1)])
    prefix = ack.props.get(r.RESPONSE_INFO)
    assert prefix == "response/requester/"
    c.subscribe5(prefix + "#")
    responder = paho5(broker.port, "responder")
    responder.publish(prefix + "42", b"answer", 1)
    assert [(x.topic, x.payload) for x in c.publishes(1)] == [(prefix + "42", b"answer")]


def test_no_response_information_unless_requested(broker, c5):
    for cid, props in (("plain", []), ("zero", [(r.REQUEST_RESPONSE_INFO, 0)])):
        assert r.RESPONSE_INFO not in c5(broker.port).connect5(cid, props=props).props


@pytest.mark.lampi_only("response_information is a lampi option")
def test_response_information_template_and_none(make_broker, c5):
    b = make_broker(["response_information replies/%u/%c/"])
    c = c5(b.port)
    ack = c.connect5("rr", username="ann", props=[(r.REQUEST_RESPONSE_INFO, 1)])
    assert ack.props.get(r.RESPONSE_INFO) == "replies/ann/rr/"
    off = make_broker(["response_information none"])
    c = c5(off.port)
    assert r.RESPONSE_INFO not in c.connect5("rr", props=[(r.REQUEST_RESPONSE_INFO, 1)]).props


# ------------------------------------------------------------------ CONNACK seen by paho

def paho_connack(port, client_id):
    p = Paho5(port, client_id)
    try:
        return p.connack[2]
    finally:
        p.close()


def test_connack_properties_reflect_each_listeners_config(make_broker):
    second = free_port()
    b = make_broker(["max_topic_alias 4", "max_inflight_messages 9", "max_packet_size 5000",
                     "retain_available false",
                     f"listener {second} 127.0.0.1", "max_topic_alias 0", "max_qos 1"])
    assert wait_until(lambda: port_listening(second))
    first = paho_connack(b.port, "l1")
    assert first.TopicAliasMaximum == 4
    assert first.ReceiveMaximum == 9
    assert first.MaximumPacketSize == 5000
    assert first.RetainAvailable == 0
    assert not hasattr(first, "MaximumQoS")
    for name in ("WildcardSubscriptionAvailable", "SubscriptionIdentifierAvailable",
                 "SharedSubscriptionAvailable"):
        assert getattr(first, name, 1) == 1, name
    other = paho_connack(second, "l2")
    assert getattr(other, "TopicAliasMaximum", 0) == 0  # this listener takes no alias
    assert other.MaximumQoS == 1
    assert other.ReceiveMaximum == 9  # global options apply to every listener


def test_topic_alias_maximum_is_enforced_per_listener(make_broker, c5):
    second = free_port()
    b = make_broker(["max_topic_alias 4", f"listener {second} 127.0.0.1", "max_topic_alias 1"])
    assert wait_until(lambda: port_listening(second))
    ok = client(c5, b.port, "a4")
    assert ok.publish5("al/t", b"x", 1, props=[(r.TOPIC_ALIAS, 4)]).reason in (0, 0x10)
    c = client(c5, second, "a1")
    c.send(r.publish("al/t", b"x", 1, 1, props=[(r.TOPIC_ALIAS, 2)]))
    assert closed_with(c) == ("closed", [(r.DISCONNECT, r.TOPIC_ALIAS_INVALID)])

