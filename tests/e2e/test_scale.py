"""Many concurrent clients on one broker: raw sockets, connected in batches below the listen
backlog (Mosquitto's is 100) so that no SYN is dropped and retried a second later."""
import resource
import time

import pytest

from testing import rawmqtt as m
from testing.rawmqtt import RawClient

CLIENTS = 1000
BATCH = 50


@pytest.fixture
def many_clients(broker):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = CLIENTS + 200
    if soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            pytest.skip(f"open file limit {hard} is below {need}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    clients = []
    try:
        for start in range(0, CLIENTS, BATCH):
            batch = [RawClient(broker.port) for _ in range(BATCH)]
            clients += batch
            for i, c in enumerate(batch, start):
                c.send(m.connect(f"many-{i}") + m.subscribe(1, [(f"many/{i}", 1), ("many/all", 0)]))
            for c in batch:
                assert c.expect(m.CONNACK).return_code == 0
                assert c.expect(m.SUBACK).granted == [1, 0]
        yield clients
    finally:
        for c in clients:
            c.close()


def test_a_thousand_clients_each_receive_their_own_message(broker, many_clients):
    t0 = time.monotonic()
    pub = RawClient(broker.port)
    pub.connect("many-pub")
    for i in range(CLIENTS):
        pub.send(m.publish(f"many/{i}", b"%d" % i, qos=1, packet_id=i + 1))
    acks = {pub.expect(m.PUBACK).packet_id for _ in range(CLIENTS)}
    assert acks == set(range(1, CLIENTS + 1))
    for i, c in enumerate(many_clients):
        p = c.expect(m.PUBLISH)
        assert (p.topic, p.payload, p.qos) == (f"many/{i}", b"%d" % i, 1)
        c.send(m.puback(p.packet_id))
    pub.close()
    assert time.monotonic() - t0 < 60


def test_a_thousand_clients_all_receive_one_broadcast(broker, many_clients):
    pub = RawClient(broker.port)
    pub.connect("bcast-pub")
    pub.send(m.publish("many/all", b"everyone"))
    for c in many_clients:
        p = c.expect(m.PUBLISH)
        assert (p.topic, p.payload) == ("many/all", b"everyone")
    pub.close()
