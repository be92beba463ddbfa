"""MQTT 5.0 shared subscriptions $share/<group>/<filter> (4.8.2)."""
import pytest

from testing import raw5 as r
from testing import rawmqtt as m
from testing.paho5 import c5, paho5  # noqa: F401  (fixtures)


def members(paho5, port, n, share="$share/g/sh/t", prefix="m"):
    out = []
    for i in range(n):
        c = paho5(port, f"{prefix}{i}")
        assert c.subscribe(share, 1) == [1]
        out.append(c)
    return out


def send(paho5, port, n, topic="sh/t", qos=1):
    p = paho5(port, "sh-pub")
    for i in range(n):
        p.publish(topic, str(i).encode(), qos)
    return {str(i).encode() for i in range(n)}


def drain(clients, total, timeout=5.0):
    """Messages per client once `total` have arrived overall (then 0.5 s quiet for extras)."""
    import time
    got = [[] for _ in clients]
    end = time.monotonic() + timeout
    while sum(map(len, got)) < total and time.monotonic() < end:
        for i, c in enumerate(clients):
            got[i] += [x.payload for x in c.collect(100, timeout=0.05)]
    for i, c in enumerate(clients):
        got[i] += [x.payload for x in c.collect(100, timeout=0.0, quiet=0.5 if i == 0 else 0.1)]
    return got


def test_shared_subscription_balances_across_members(broker, paho5):
    ms = members(paho5, broker.port, 2)
    sent = send(paho5, broker.port, 40)
    got = drain(ms, 40)
    assert sorted(got[0] + got[1]) == sorted(sent)
    assert all(10 <= len(g) <= 30 for g in got), [len(g) for g in got]


def test_each_message_goes_to_exactly_one_member_of_a_group(broker, paho5):
    ms = members(paho5, broker.port, 3)
    sent = send(paho5, broker.port, 30)
    got = drain(ms, 30)
    flat = [x for g in got for x in g]
    assert len(flat) == 30 and set(flat) == sent, [len(g) for g in got]
    assert all(g for g in got), "a member got nothing"


def test_two_groups_each_get_a_copy(broker, paho5):
    a = members(paho5, broker.port, 2, "$share/ga/sh/t", "a")
    b = members(paho5, broker.port, 2, "$share/gb/sh/t", "b")
    sent = send(paho5, broker.port, 10)
    ga, gb = drain(a, 10), drain(b, 10)
    assert sorted(ga[0] + ga[1]) == sorted(sent)
    assert sorted(gb[0] + gb[1]) == sorted(sent)


def test_shared_and_plain_subscribers_both_get_messages(broker, paho5):
    shared = members(paho5, broker.port, 2)
    plain = paho5(broker.port, "plain")
    plain.subscribe("sh/t", 1)
    sent = send(paho5, broker.port, 6)
    g = drain(shared, 6)
    assert sorted(g[0] + g[1]) == sorted(sent)
    assert sorted(x.payload for x in plain.collect(6)) == sorted(sent)


def test_shared_filter_with_wildcards(broker, paho5):
    ms = members(paho5, broker.port, 2, "$share/g/sh/#")
    p = paho5(broker.port, "sh-pub")
    for t in ("sh/a", "sh/b/c", "sh"):
        p.publish(t, t.encode(), 1)
    got = drain(ms, 3)
    assert sorted(got[0] + got[1]) == [b"sh", b"sh/a", b"sh/b/c"]


def test_a_311_client_can_join_a_shared_group(broker, paho5):
    v5 = members(paho5, broker.port, 1)[0]
    old = m.RawClient(broker.port)
    try:
        assert old.connect("old-member").return_code == 0
        assert old.subscribe([("$share/g/sh/t", 1)]).granted == [1]
        sent = send(paho5, broker.port, 20)
        old_got = []
        import time
        end = time.monotonic() + 5
        v5_got = []
        while len(old_got) + len(v5_got) < 20 and time.monotonic() < end:
            p = old.recv(0.05)
            if p is not None and p.type == m.PUBLISH:
                old_got.append(p.payload)
                old.send(m.puback(p.packet_id))
            v5_got += [x.payload for x in v5.collect(100, timeout=0.0)]
        v5_got += [x.payload for x in v5.collect(100, timeout=0.0, quiet=0.3)]
        assert sorted(old_got + v5_got) == sorted(sent)
        assert old_got and v5_got, (len(old_got), len(v5_got))
    finally:
        old.close()


def test_unsubscribed_member_leaves_the_group(broker, paho5):
    a, b = members(paho5, broker.port, 2)
    b.unsubscribe("$share/g/sh/t")
    sent = send(paho5, broker.port, 6)
    assert sorted(x.payload for x in a.collect(6)) == sorted(sent)
    assert b.collect(1, timeout=0.3) == []


def test_shared_subscription_carries_its_subscription_identifier(broker, c5, paho5):
    c = c5(broker.port)
    c.connect5("sh-id")
    c.subscribe5("$share/g/sh/t", props=[(r.SUBSCRIPTION_ID, 3)])
    send(paho5, broker.port, 1)
    assert c.publishes(1)[0].props.all(r.SUBSCRIPTION_ID) == [3]


@pytest.mark.spec_only("Mosquitto 2.0.11 sends retained messages on a shared subscribe")
def test_no_retained_message_on_shared_subscribe(broker, c5, paho5):
    paho5(broker.port, "retainer").publish("sh/t", b"old", 1, retain=True)
    c = c5(broker.port)
    c.connect5("sh-ret")
    c.subscribe5("$share/g/sh/t")  # 3.3.1.3: retained messages only for non-shared subs
    assert c.publishes(1, timeout=0.7) == []


# A member that goes away hands what it did not complete to another member (4.8.2).

def raw_member(c5, port, cid, qos=1, expiry=0):
    c = c5(port)
    props = [(r.SESSION_EXPIRY, expiry)] if expiry else []
    assert c.connect5(cid, clean=False, props=props).reason == r.SUCCESS
    c.subscribe5([("$share/g/sh/t", qos)])
    return c


def unacked_then_gone(c5, paho5, port, n, expiry=0, qos=1, quiet_gets=None):
    """Members `quiet` (never acknowledges, then disconnects) and `busy` (acknowledges); n
    messages published. Returns (what was sent, what quiet received, what busy received)."""
    quiet = raw_member(c5, port, "quiet", qos, expiry)
    busy = raw_member(c5, port, "busy", qos)
    sent = send(paho5, port, n, qos=qos)
    got_quiet = quiet.publishes(quiet_gets or n // 2, timeout=5, quiet=0.3, ack=False)
    assert got_quiet, "the quiet member was given nothing"
    quiet.close()  # the connection drops without acknowledging
    got_busy = busy.publishes(n, timeout=5, quiet=0.5)
    return sent, got_quiet, got_busy


@pytest.mark.lampi_only("Mosquitto keeps them in the member's session")
def test_unacknowledged_qos1_messages_go_to_another_member(broker, c5, paho5):
    sent, got_quiet, got_busy = unacked_then_gone(c5, paho5, broker.port, 10)
    assert sorted(p.payload for p in got_busy) == sorted(sent)
    assert {p.payload for p in got_quiet} <= {p.payload for p in got_busy}


@pytest.mark.lampi_only("Mosquitto keeps them in the member's session")
def test_a_persistent_member_hands_its_messages_over_too(broker, c5, paho5):
    sent, got_quiet, got_busy = unacked_then_gone(c5, paho5, broker.port, 10, expiry=300)
    assert sorted(p.payload for p in got_busy) == sorted(sent)
    back = c5(broker.port)
    assert back.connect5("quiet", clean=False, props=[(r.SESSION_EXPIRY, 300)]).session_present
    assert back.publishes(1, timeout=0.7) == []  # already delivered elsewhere


@pytest.mark.lampi_only("Mosquitto keeps them in the member's session")
def test_queued_messages_of_a_member_that_goes_away_go_to_another(make_broker, c5, paho5):
    b = make_broker(["max_inflight_messages 2"])
    sent, got_quiet, got_busy = unacked_then_gone(c5, paho5, b.port, 20, quiet_gets=2)
    assert len(got_quiet) == 2  # the rest of its share was queued behind the window
    assert sorted(p.payload for p in got_busy) == sorted(sent)


def test_a_qos2_message_once_sent_stays_with_its_member(broker, c5, paho5):
    # 4.8.2: if the session ends, it MUST NOT go to another client; resumed, it completes there.
    sent, got_quiet, got_busy = unacked_then_gone(c5, paho5, broker.port, 6, expiry=300, qos=2)
    assert all(p.qos == 2 for p in got_quiet)
    assert not {p.payload for p in got_quiet} & {p.payload for p in got_busy}
    back = c5(broker.port)
    assert back.connect5("quiet", clean=False, props=[(r.SESSION_EXPIRY, 300)]).session_present
    again = back.publishes(len(got_quiet), timeout=5)
    assert sorted(p.payload for p in again) == sorted(p.payload for p in got_quiet)
    assert all(p.dup for p in again)
