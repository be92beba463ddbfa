"""MQTT 5.0 subscription options (3.8.3.1): No Local, Retain As Published, Retain Handling, and
Subscription Identifiers (3.8.2.1.2, 3.3.4)."""
from testing import raw5 as r
from testing.paho5 import c5  # noqa: F401  (fixture)


def client(c5, port, cid):
    c = c5(port)
    assert c.connect5(cid).reason == 0
    return c


def retained(c5, port, topic="so/ret", payload=b"kept"):
    p = client(c5, port, "retainer")
    p.publish5(topic, payload, 1, retain=True)
    p.send(r.disconnect())


def test_no_local_suppresses_the_clients_own_messages(broker, c5):
    c = client(c5, broker.port, "nl")
    c.subscribe5([("so/t", r.sub_options(1, no_local=True))])
    other = client(c5, broker.port, "other")
    c.publish5("so/t", b"mine", 1)
    other.publish5("so/t", b"theirs", 1)
    assert [x.payload for x in c.publishes(1, quiet=0.5)] == [b"theirs"]


def test_without_no_local_the_client_gets_its_own_messages(broker, c5):
    c = client(c5, broker.port, "local")
    c.subscribe5([("so/t", r.sub_options(1))])
    c.send(r.publish("so/t", b"mine", 1, 7))
    got = []
    for _ in range(2):
        p = c.recv5()
        assert p is not None
        got.append((p.type, p.payload if p.type == r.PUBLISH else p.packet_id))
    assert sorted(got) == sorted([(r.PUBLISH, b"mine"), (r.PUBACK, 7)])


def test_retain_as_published_0_clears_the_retain_flag_on_live_messages(broker, c5):
    c = client(c5, broker.port, "rap0")
    c.subscribe5([("so/ret", r.sub_options(1, retain_as_published=False))])
    retained(c5, broker.port)
    got = c.publishes(1)
    assert [(x.payload, x.retain) for x in got] == [(b"kept", False)]


def test_retain_as_published_1_keeps_the_retain_flag_on_live_messages(broker, c5):
    c = client(c5, broker.port, "rap1")
    c.subscribe5([("so/ret", r.sub_options(1, retain_as_published=True))])
    retained(c5, broker.port)
    got = c.publishes(1)
    assert [(x.payload, x.retain) for x in got] == [(b"kept", True)]


def test_retained_message_sent_on_subscribe_has_retain_set_whatever_rap(broker, c5):
    retained(c5, broker.port)
    c = client(c5, broker.port, "rap-any")
    c.subscribe5([("so/ret", r.sub_options(1, retain_as_published=False))])
    assert [(x.payload, x.retain) for x in c.publishes(1)] == [(b"kept", True)]


def test_retain_handling_0_sends_retained_on_every_subscribe(broker, c5):
    retained(c5, broker.port)
    c = client(c5, broker.port, "rh0")
    c.subscribe5([("so/ret", r.sub_options(1, retain_handling=0))])
    assert [x.payload for x in c.publishes(1)] == [b"kept"]
    c.subscribe5([("so/ret", r.sub_options(1, retain_handling=0))], pid=2)
    assert [x.payload for x in c.publishes(1, quiet=0.3)] == [b"kept"]


def test_retain_handling_1_sends_retained_only_for_a_new_subscription(broker, c5):
    retained(c5, broker.port)
    c = client(c5, broker.port, "rh1")
    c.subscribe5([("so/ret", r.sub_options(1, retain_handling=1))])
    assert [x.payload for x in c.publishes(1)] == [b"kept"]
    c.subscribe5([("so/ret", r.sub_options(1, retain_handling=1))], pid=2)
    assert c.publishes(1, timeout=0.7) == [], "retained message resent for an existing sub"


def test_retain_handling_2_never_sends_retained(broker, c5):
    retained(c5, broker.port)
    c = client(c5, broker.port, "rh2")
    c.subscribe5([("so/ret", r.sub_options(1, retain_handling=2))])
    assert c.publishes(1, timeout=0.7) == []
    retained(c5, broker.port, payload=b"live")  # live messages still flow
    assert [x.payload for x in c.publishes(1)] == [b"live"]


def test_subscription_identifier_is_sent_with_matching_messages(broker, c5):
    c = client(c5, broker.port, "subid")
    c.subscribe5("so/id/#", props=[(r.SUBSCRIPTION_ID, 42)])
    client(c5, broker.port, "pub").publish5("so/id/x", b"m", 1)
    got = c.publishes(1)
    assert got[0].props.all(r.SUBSCRIPTION_ID) == [42]


def test_large_subscription_identifier_round_trips(broker, c5):
    c = client(c5, broker.port, "subid-big")
    c.subscribe5("so/id/#", props=[(r.SUBSCRIPTION_ID, 268435455)])  # varint maximum
    client(c5, broker.port, "pub").publish5("so/id/x", b"m", 1)
    assert c.publishes(1)[0].props.all(r.SUBSCRIPTION_ID) == [268435455]


def test_no_subscription_identifier_without_one_on_subscribe(broker, c5):
    c = client(c5, broker.port, "no-subid")
    c.subscribe5("so/id/#")
    client(c5, broker.port, "pub").publish5("so/id/x", b"m", 1)
    assert r.SUBSCRIPTION_ID not in c.publishes(1)[0].props


def test_resubscribe_replaces_the_subscription_identifier(broker, c5):
    c = client(c5, broker.port, "subid-re")
    c.subscribe5("so/id/#", props=[(r.SUBSCRIPTION_ID, 1)])
    c.subscribe5("so/id/#", pid=2, props=[(r.SUBSCRIPTION_ID, 2)])
    client(c5, broker.port, "pub").publish5("so/id/x", b"m", 1)
    got = c.publishes(1, quiet=0.3)
    assert [x.props.all(r.SUBSCRIPTION_ID) for x in got] == [[2]]


def test_overlapping_subscriptions_deliver_all_subscription_identifiers(broker, c5):
    c = client(c5, broker.port, "subid-many")
    c.subscribe5("so/id/#", props=[(r.SUBSCRIPTION_ID, 5)])
    c.subscribe5("so/+/x", pid=2, props=[(r.SUBSCRIPTION_ID, 7)])
    c.subscribe5("so/id/x", pid=3)  # matches too, without an identifier
    client(c5, broker.port, "pub").publish5("so/id/x", b"m", 1)
    got = c.publishes(1, quiet=0.5)
    ids = [sorted(x.props.all(r.SUBSCRIPTION_ID)) for x in got]
    # 3.3.4: one copy carries every identifier, or one copy per subscription carries its own.
    if len(got) == 1:
        assert ids == [[5, 7]], got
    else:
        assert sorted(i for x in ids for i in x) == [5, 7] and all(len(x) <= 1 for x in ids), got
        assert len(got) <= 3


def test_subscription_identifiers_in_one_subscribe_packet(broker, c5):
    c = client(c5, broker.port, "subid-pkt")
    c.subscribe5([("so/a", 1), ("so/b", 1)], props=[(r.SUBSCRIPTION_ID, 9)])
    p = client(c5, broker.port, "pub")
    p.publish5("so/a", b"a", 1)
    p.publish5("so/b", b"b", 1, pid=2)
    got = c.publishes(2)
    assert sorted((x.payload, tuple(x.props.all(r.SUBSCRIPTION_ID))) for x in got) == \
        [(b"a", (9,)), (b"b", (9,))]


def test_retained_message_on_subscribe_carries_the_subscription_identifier(broker, c5):
    retained(c5, broker.port)
    c = client(c5, broker.port, "subid-ret")
    c.subscribe5("so/ret", props=[(r.SUBSCRIPTION_ID, 11)])
    got = c.publishes(1)
    assert got[0].retain and got[0].props.all(r.SUBSCRIPTION_ID) == [11]


def test_suback_grants_the_requested_qos(broker, c5):
    c = client(c5, broker.port, "granted")
    ack = c.subscribe5([("so/0", 0), ("so/1", 1), ("so/2", 2)])
    assert ack.reasons == [0, 1, 2]


def test_unsubscribe_of_a_missing_subscription_returns_0x11(broker, c5):
    c = client(c5, broker.port, "unsub")
    c.subscribe5("so/here")
    c.send(r.unsubscribe(2, ["so/here", "so/nothing"]))
    ack = c.expect5(r.UNSUBACK)
    assert ack.packet_id == 2 and ack.reasons == [r.SUCCESS, r.NO_SUBSCRIPTION_EXISTED]
