"""MQTT 5.0 PUBLISH properties the server forwards unaltered (3.3.2.3): request/response
(Response Topic, Correlation Data), User Properties in order, Payload Format Indicator and
Content Type; and the payload format check (3.3.2.3.2)."""
import subprocess

import pytest

from testing import raw5 as r
from testing.clients import LineReader
from testing.paho5 import c5, paho5, publish_props  # noqa: F401  (fixtures)


def pair(c5, port, topic="pp/#"):
    s = c5(port)
    s.connect5("pp-sub")
    s.subscribe5(topic)
    p = c5(port)
    p.connect5("pp-pub")
    return s, p


def forwarded(c5, port, props, payload=b"body", retain=False):
    s, p = pair(c5, port)
    p.publish5("pp/t", payload, 1, retain=retain, props=props)
    got = s.publishes(1)
    assert [x.payload for x in got] == [payload]
    return got[0].props


def test_response_topic_and_correlation_data_are_passed_through(broker, c5):
    got = forwarded(c5, broker.port, [(r.RESPONSE_TOPIC, "pp/reply/1"),
                                      (r.CORRELATION_DATA, b"\x00\x01\xffid")])
    assert got.get(r.RESPONSE_TOPIC) == "pp/reply/1"
    assert got.get(r.CORRELATION_DATA) == b"\x00\x01\xffid"


def test_user_properties_keep_their_order_and_duplicates(broker, c5):
    ups = [("z", "1"), ("a", "2"), ("z", "3"), ("m", ""), ("ключ", "значение")]
    got = forwarded(c5, broker.port, [(r.USER_PROPERTY, u) for u in ups])
    assert got.user == ups


def test_payload_format_indicator_and_content_type_are_passed_through(broker, c5):
    got = forwarded(c5, broker.port, [(r.PAYLOAD_FORMAT, 1), (r.CONTENT_TYPE, "text/plain")],
                    payload="héllo".encode())
    assert got.get(r.PAYLOAD_FORMAT) == 1
    assert got.get(r.CONTENT_TYPE) == "text/plain"


def test_payload_format_indicator_0_is_passed_through(broker, c5):
    got = forwarded(c5, broker.port, [(r.PAYLOAD_FORMAT, 0)], payload=b"\xff\x00")
    assert got.get(r.PAYLOAD_FORMAT, 0) == 0


def test_retained_message_keeps_its_properties(broker, c5):
    p = c5(broker.port)
    p.connect5("pp-pub")
    p.publish5("pp/ret", b"r", 1, retain=True,
               props=[(r.CONTENT_TYPE, "a/b"), (r.USER_PROPERTY, ("k", "v")),
                      (r.RESPONSE_TOPIC, "pp/back")])
    s = c5(broker.port)
    s.connect5("late")
    s.subscribe5("pp/ret")
    got = s.publishes(1)[0]
    assert got.retain and got.props.get(r.CONTENT_TYPE) == "a/b"
    assert got.props.user == [("k", "v")] and got.props.get(r.RESPONSE_TOPIC) == "pp/back"


def test_request_response_round_trip_with_paho(broker, paho5):
    responder = paho5(broker.port, "responder")
    responder.subscribe("pp/req", 1)
    requester = paho5(broker.port, "requester")
    requester.subscribe("pp/resp/requester", 1)
    requester.publish("pp/req", b"ping", 1, properties=publish_props(
        ResponseTopic="pp/resp/requester", CorrelationData=b"req-42"))
    req = responder.get()
    assert req is not None and req.payload == b"ping"
    responder.publish(req.properties.ResponseTopic, b"pong", 1, properties=publish_props(
        CorrelationData=req.properties.CorrelationData))
    resp = requester.get()
    assert resp is not None and resp.payload == b"pong"
    assert resp.properties.CorrelationData == b"req-42"


def test_mosquitto_clients_v5_properties_round_trip(broker):
    sub = subprocess.Popen(
        ["mosquitto_sub", "-V", "5", "-h", "127.0.0.1", "-p", str(broker.port), "-q", "1",
         "-t", "pp/cli", "-t", "pp/ready", "-F", "%t|%P|%C|%R|%D|%F|%p"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        out = LineReader(sub.stdout)

        def pub(topic, msg, *extra):
            subprocess.run(["mosquitto_pub", "-V", "5", "-h", "127.0.0.1", "-p",
                            str(broker.port), "-q", "1", "-t", topic, "-m", msg, *extra],
                           check=True, timeout=10, capture_output=True)
        from testing.broker import wait_until
        assert wait_until(lambda: pub("pp/ready", "r") or
                          (out.readline(0.3) or "").startswith("pp/ready"), deadline=10)
        pub("pp/cli", "hello", "-D", "publish", "user-property", "k1", "v1",
            "-D", "publish", "user-property", "k2", "v2",
            "-D", "publish", "content-type", "text/x", "-D", "publish", "response-topic", "rt",
            "-D", "publish", "correlation-data", "cd",
            "-D", "publish", "payload-format-indicator", "1")
        line = None
        while line is None or line.startswith("pp/ready"):
            line = out.readline(5)
            assert line is not None, "mosquitto_sub printed nothing"
        assert line == "pp/cli|k1:v1 k2:v2|text/x|rt|cd|1|hello"
    finally:
        sub.kill()
        sub.wait(10)


@pytest.mark.spec_only("Mosquitto 2.0.11 does not check the payload of Payload Format Indicator 1 "
                       "(PUBACK 0x00/0x10); 3.3.2.3.2 lets the server answer 0x99, lampi does")
def test_invalid_utf8_with_payload_format_indicator_1_gets_puback_0x99(broker, c5):
    s, p = pair(c5, broker.port)
    ack = p.publish5("pp/t", b"\xff\xfe\xfd", 1, props=[(r.PAYLOAD_FORMAT, 1)])
    assert ack.reason == r.PAYLOAD_FORMAT_INVALID, ack
    assert s.publishes(1, timeout=0.5) == [], "an invalid payload was forwarded"


def test_invalid_utf8_without_payload_format_indicator_is_forwarded(broker, c5):
    s, p = pair(c5, broker.port)
    assert p.publish5("pp/t", b"\xff\xfe\xfd", 1).reason == r.SUCCESS
    assert [x.payload for x in s.publishes(1)] == [b"\xff\xfe\xfd"]
