import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    settingsFromLocation,
    defaultBrokerUrl,
    isValidBrokerUrl,
    randomClientId,
    describeConnectError,
} from '../../src/lib/connection.js';
import { hsvToRgb, swatchColor, hueName } from '../../src/lib/color.js';

const loc = (href) => new URL(href);

test('the broker defaults to the page host and port', () => {
    assert.deepEqual(settingsFromLocation(loc('http://cloud.example:9001/')), {
        mode: 'cloud',
        broker: 'ws://cloud.example:9001/mqtt',
        client: 'web',
    });
    assert.equal(defaultBrokerUrl(loc('https://cloud.example/lampi/')), 'wss://cloud.example/mqtt');
});

test('URL parameters choose the mode and the broker', () => {
    const s = settingsFromLocation(loc('http://h:1/?mode=edge&broker=ws%3A%2F%2Flamp%3A9002%2F'));
    assert.equal(s.mode, 'edge');
    assert.equal(s.broker, 'ws://lamp:9002/');
    assert.equal(settingsFromLocation(loc('http://h:1/?mode=nonsense')).mode, 'cloud');
});

test('broker URL validation', () => {
    assert.ok(isValidBrokerUrl('ws://localhost:9001/mqtt'));
    assert.ok(isValidBrokerUrl('wss://x/'));
    assert.ok(!isValidBrokerUrl('http://x/'));
    assert.ok(!isValidBrokerUrl('nope'));
});

test('client ids are web-<random>', () => {
    assert.match(randomClientId(), /^web-[0-9a-f]{8}$/);
    assert.equal(randomClientId(() => 0), 'web-00000000');
});

test('CONNACK refusals: not authorised shows the login form', () => {
    assert.equal(describeConnectError({ code: 5, message: 'Connection refused: Not authorized' }).kind, 'auth');
    assert.equal(describeConnectError({ code: 4 }).kind, 'auth');
    assert.equal(describeConnectError({ code: 0x87 }).kind, 'auth');
    assert.equal(describeConnectError({ code: 2 }).kind, 'refused');
    const n = describeConnectError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });
    assert.equal(n.kind, 'network');
    assert.match(n.text, /ECONNREFUSED/);
    assert.equal(describeConnectError(undefined).kind, 'network');
});

test('colours', () => {
    assert.deepEqual(hsvToRgb(0, 1, 1), [255, 0, 0]);
    assert.deepEqual(hsvToRgb(1 / 3, 1, 1), [0, 255, 0]);
    assert.deepEqual(hsvToRgb(0.5, 0, 0.5), [128, 128, 128]);
    assert.equal(swatchColor({ h: 0, s: 1, brightness: 1, on: false }), 'rgb(0, 0, 0)');
    assert.equal(swatchColor({ h: 2 / 3, s: 1, brightness: 1, on: true }), 'rgb(0, 0, 255)');
    assert.equal(hueName(0), 'red');
    assert.equal(hueName(0.6), 'blue');
    assert.equal(hueName(0.99), 'red');
});
