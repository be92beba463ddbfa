import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    parseLampState,
    parseConnectionState,
    parseAssociated,
    buildSetConfig,
    normalizeState,
} from '../../src/lib/payload.js';

const good = { color: { h: 0.5, s: 0.25 }, brightness: 0.75, on: true, client: 'lampctl' };

test('a valid changed payload parses, from text or bytes', () => {
    const want = { state: { h: 0.5, s: 0.25, brightness: 0.75, on: true }, client: 'lampctl' };
    assert.deepEqual(parseLampState(JSON.stringify(good)), want);
    assert.deepEqual(parseLampState(new TextEncoder().encode(JSON.stringify(good))), want);
});

test('values are rounded to 2 decimals; client is optional', () => {
    const p = parseLampState(JSON.stringify({ ...good, brightness: 0.123456, client: undefined }));
    assert.equal(p.state.brightness, 0.12);
    assert.equal(p.client, '');
});

test('invalid payloads are ignored whole', () => {
    const bad = [
        'not json',
        '[]',
        'null',
        '42',
        JSON.stringify({ ...good, color: null }),
        JSON.stringify({ ...good, color: { h: 1.5, s: 0 } }),
        JSON.stringify({ ...good, color: { h: 0.1 } }),
        JSON.stringify({ ...good, brightness: -0.1 }),
        JSON.stringify({ ...good, brightness: '0.5' }),
        JSON.stringify({ ...good, on: 1 }),
        JSON.stringify({ color: good.color, on: true }),
        new Uint8Array([0xff, 0xfe, 0x7b]),
    ];
    for (const b of bad) assert.equal(parseLampState(b), null, String(b));
});

test('connection state "1"/"0"', () => {
    assert.equal(parseConnectionState('1'), true);
    assert.equal(parseConnectionState(new TextEncoder().encode('0')), false);
    assert.equal(parseConnectionState('yes'), null);
    assert.equal(parseConnectionState(''), null);
});

test('associated', () => {
    assert.deepEqual(parseAssociated('{"associated":false,"code":"abcdef123"}'), {
        associated: false,
        code: 'abcdef123',
    });
    assert.equal(parseAssociated('{"code":"x"}'), null);
    assert.equal(parseAssociated('}'), null);
});

test('set_config carries the full state and the client name', () => {
    assert.deepEqual(buildSetConfig({ h: 0.333333, s: 1.2, brightness: -1, on: 1 }, 'web'), {
        color: { h: 0.33, s: 1 },
        brightness: 0,
        on: true,
        client: 'web',
    });
    assert.deepEqual(normalizeState({ h: 'x', s: 0.5, brightness: 0.5, on: false }), {
        h: 0,
        s: 0.5,
        brightness: 0.5,
        on: false,
    });
});
