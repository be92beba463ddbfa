"""Subscriptions and topic matching, MQTT 3.1.1 sections 3.8-3.11 and 4.7."""
import pytest

from testing import rawmqtt as m


def publish_all(paho, port, topics, qos=0):
    pub = paho(port, "pub-all")
    for t in topics:
        pub.publish(t, t.encode(), qos)


def received_topics(client, expected: int):
    """Topics of `expected` messages (waited for), plus any extra arriving within 0.7 s."""
    return sorted(x.topic for x in client.collect(expected, quiet=0.7))


def test_suback_grants_the_requested_qos_for_each_filter(broker, raw):
    c = raw(broker.port)
    c.connect("granted")
    c.send(m.subscribe(0x0A0B, [("g/0", 0), ("g/1", 1), ("g/2", 2)]))
    assert c.expect(m.SUBACK).raw == bytes([0x90, 0x05, 0x0A, 0x0B, 0x00, 0x01, 0x02])


def test_plus_wildcard_matches_exactly_one_level(broker, paho):
    sub = paho(broker.port, "plus")
    sub.subscribe("sport/+/score", 0)
    publish_all(paho, broker.port, ["sport/tennis/score", "sport/score", "sport/a/b/score",
                                    "sport//score", "sport/golf/score/x"])
    assert received_topics(sub, 2) == ["sport//score", "sport/tennis/score"]


def test_hash_wildcard_matches_parent_and_all_children(broker, paho):
    sub = paho(broker.port, "hash")
    sub.subscribe("sport/#", 0)
    publish_all(paho, broker.port, ["sport", "sport/a", "sport/a/b/c", "sports", "other/sport"])
    assert received_topics(sub, 3) == ["sport", "sport/a", "sport/a/b/c"]


def test_hash_alone_matches_every_normal_topic(broker, paho):
    sub = paho(broker.port, "all")
    sub.subscribe("#", 0)
    publish_all(paho, broker.port, ["a", "a/b", "/lead", "trail/"])
    assert received_topics(sub, 4) == ["/lead", "a", "a/b", "trail/"]


def test_overlapping_subscriptions_deliver_exactly_one_copy(broker, raw, paho):
    # 3.1.1 section 3.3.5: the server MUST deliver the message to the client once.
    sub = raw(broker.port)
    sub.connect("overlap")
    sub.subscribe([("ov/#", 1), ("ov/+", 1), ("ov/t", 1)])
    paho(broker.port, "ov-pub").publish("ov/t", b"x", 1)
    got = [p for p in sub.recv_all(quiet=1.0, at_least=1) if p.type == m.PUBLISH]
    assert [(p.topic, p.payload) for p in got] == [("ov/t", b"x")]


@pytest.mark.spec_only("Mosquitto 2.0.11 sends one copy, at the QoS of one of the matching "
                       "subscriptions rather than the maximum")
def test_overlapping_subscriptions_deliver_one_copy_at_the_maximum_qos(broker, raw, paho):
    # 3.1.1 section 3.3.5: once, with the maximum QoS of all the matching subscriptions.
    sub = raw(broker.port)
    sub.connect("overlap")
    sub.subscribe([("ov/#", 0), ("ov/+", 1), ("ov/t", 0)])
    paho(broker.port, "ov-pub").publish("ov/t", b"x", 2)
    got = [p for p in sub.recv_all(quiet=1.0, at_least=1) if p.type == m.PUBLISH]
    assert [(p.topic, p.qos) for p in got] == [("ov/t", 1)]


def test_resubscribing_replaces_the_granted_qos(broker, raw, paho):
    sub = raw(broker.port)
    sub.connect("resub")
    sub.subscribe([("rs/t", 2)], pid=1)
    assert sub.subscribe([("rs/t", 0)], pid=2).granted == [0]
    paho(broker.port, "rs-pub").publish("rs/t", b"x", 2)
    got = [p for p in sub.recv_all(quiet=1.0, at_least=1) if p.type == m.PUBLISH]
    assert [(p.payload, p.qos) for p in got] == [(b"x", 0)]  # one copy, at the new QoS


def test_unsubscribe_gets_unsuback_and_stops_delivery(broker, raw, paho):
    sub = raw(broker.port)
    sub.connect("unsub")
    sub.subscribe([("us/a", 0), ("us/b", 0)])
    sub.send(m.unsubscribe(0x0707, ["us/a"]))
    assert sub.expect(m.UNSUBACK).raw == bytes([0xB0, 0x02, 0x07, 0x07])
    pub = paho(broker.port, "us-pub")
    pub.publish("us/a", b"gone")
    pub.publish("us/b", b"kept")
    got = [p for p in sub.recv_all(quiet=1.0, at_least=1)]
    assert [(p.topic, p.payload) for p in got] == [("us/b", b"kept")]


def test_unsubscribe_of_unknown_filter_still_gets_unsuback(broker, raw):
    c = raw(broker.port)
    c.connect("unsub-unknown")
    c.send(m.unsubscribe(5, ["never/subscribed"]))
    assert c.expect(m.UNSUBACK).packet_id == 5


def test_dollar_topics_are_not_matched_by_hash(broker, raw, paho):
    sub = paho(broker.port, "dollar-hash")
    sub.subscribe("#", 0)
    c = raw(broker.port)
    c.connect("dollar-pub")
    c.send(m.publish("$foo/bar", b"x"))
    c.send(m.publish("visible", b"y"))
    got = sub.collect(1, quiet=0.7)
    assert [x.topic for x in got if not x.topic.startswith("$SYS")] == ["visible"]
    assert not any(x.topic.startswith("$") for x in got)


def test_dollar_topics_are_not_matched_by_plus_at_first_level(broker, raw, paho):
    sub = paho(broker.port, "dollar-plus")
    sub.subscribe([("+/bar", 0), ("+/+", 0), ("+/#", 0)])
    c = raw(broker.port)
    c.connect("dollar-pub")
    c.send(m.publish("$foo/bar", b"x"))
    c.send(m.publish("foo/bar", b"y"))
    got = sub.collect(1, quiet=0.7)
    assert {x.topic for x in got} == {"foo/bar"}


def test_dollar_topics_are_matched_by_an_explicit_dollar_filter(broker, raw, paho):
    sub = paho(broker.port, "dollar-explicit")
    sub.subscribe("$foo/#", 0)
    c = raw(broker.port)
    c.connect("dollar-pub")
    c.send(m.publish("$foo/bar", b"x"))
    got = sub.collect(1)
    assert [(x.topic, x.payload) for x in got] == [("$foo/bar", b"x")]


@pytest.mark.parametrize("bad", ["a/#/b", "a/b#", "a+/b", "#/a"])
def test_invalid_topic_filter_gets_suback_0x80_or_closes(broker, raw, bad):
    c = raw(broker.port)
    c.connect("badfilter")
    c.send(m.subscribe(3, [(bad, 0)]))
    state, got = c.close_outcome(timeout=1.0)
    if state == "open":
        assert [p.raw for p in got] == [bytes([0x90, 0x03, 0x00, 0x03, 0x80])]
    else:
        assert got == [] or [p.raw for p in got] == [bytes([0x90, 0x03, 0x00, 0x03, 0x80])]


@pytest.mark.parametrize("topic", ["a/+", "a/#", "+", "#"])
def test_wildcard_in_publish_topic_closes_connection(broker, raw, topic):
    c = raw(broker.port)
    c.connect("badtopic")
    c.send(m.publish(topic, b"x"))
    assert c.wait_closed()


def test_subscribe_with_qos_3_closes_connection(broker, raw):
    c = raw(broker.port)
    c.connect("qos3")
    c.send(m.subscribe(1, [("a/b", 3)]))
    state, got = c.close_outcome()
    assert (state, got) == ("closed", [])


def test_subscribe_without_any_filter_closes_connection(broker, raw):
    c = raw(broker.port)
    c.connect("nofilter")
    c.send(m.packet(m.SUBSCRIBE, 0x02, b"\x00\x01"))  # 3.8.3: at least one filter
    assert c.wait_closed()


def test_subscribe_with_wrong_fixed_header_flags_closes_connection(broker, raw):
    c = raw(broker.port)
    c.connect("badflags")
    c.send(m.packet(m.SUBSCRIBE, 0x00, b"\x00\x01" + m.utf8("a") + b"\x00"))  # 3.8.1: 0010
    assert c.wait_closed()


def test_messages_are_not_sent_back_to_other_topics_subscribers(broker, paho):
    a = paho(broker.port, "iso-a")
    a.subscribe("iso/a", 0)
    b = paho(broker.port, "iso-b")
    b.subscribe("iso/b", 0)
    paho(broker.port, "iso-pub").publish("iso/a", b"for a")
    assert [x.payload for x in a.collect(1)] == [b"for a"]
    assert b.get(timeout=0.5) is None
