"""Helpers for lampi's end-to-end tests: a broker process fixture and a raw MQTT socket client.

broker.py starts a real broker binary (lampi-broker or Mosquitto) on a free port in a temp dir;
rawmqtt.py builds MQTT packets byte by byte and reads exact responses with deadlines;
clients.py wraps paho-mqtt and Debian's mosquitto_pub/mosquitto_sub with deadlines.
Nothing here sleeps without a deadline; every wait polls until a condition holds or time runs out.
"""
