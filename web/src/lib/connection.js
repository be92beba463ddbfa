// Connection settings and error messages. Pure functions, no DOM and no MQTT client.

import { normalizeMode } from './topics.js';

// Settings from the page URL: ?mode=edge|cloud, ?broker=ws://host:port/path, ?client=NAME.
// The broker defaults to the page's own host and port (the broker serves the page through
// `http_dir` on its WebSocket listener, and accepts any path), wss on https pages.
export function settingsFromLocation(loc) {
    const params = new URLSearchParams(loc.search || '');
    const mode = normalizeMode(params.get('mode') || 'cloud');
    let broker = params.get('broker') || '';
    if (!broker) broker = defaultBrokerUrl(loc);
    const client = params.get('client') || 'web';
    return { mode, broker, client };
}

export function defaultBrokerUrl(loc) {
    const secure = loc.protocol === 'https:';
    const host = loc.host || 'localhost:9001';
    return `${secure ? 'wss' : 'ws'}://${host}/mqtt`;
}

export function isValidBrokerUrl(url) {
    try {
        const u = new URL(url);
        return u.protocol === 'ws:' || u.protocol === 'wss:';
    } catch {
        return false;
    }
}

export function randomClientId(rand = Math.random) {
    return `web-${Math.floor(rand() * 0xffffffff).toString(16).padStart(8, '0')}`;
}

// MQTT 3.1.1 CONNACK return codes (and the MQTT 5 reason codes MQTT.js may report).
const REFUSALS = {
    1: 'the broker does not accept this MQTT protocol version',
    2: 'the broker refused the client id',
    3: 'the MQTT service is unavailable',
    4: 'wrong user name or password',
    5: 'not authorised',
    0x84: 'the broker does not accept this MQTT protocol version',
    0x85: 'the broker refused the client id',
    0x86: 'wrong user name or password',
    0x87: 'not authorised',
    0x88: 'the server is unavailable',
    0x89: 'the server is busy',
    0x8a: 'banned',
};

// Classifies an MQTT.js error event: {kind: 'auth'|'refused'|'network', text}.
// 'auth' means the login form should be shown.
export function describeConnectError(err) {
    const code = err && typeof err.code === 'number' ? err.code : null;
    if (code === 4 || code === 5 || code === 0x86 || code === 0x87) {
        return { kind: 'auth', text: `Login needed: ${REFUSALS[code]}.` };
    }
    if (code !== null && REFUSALS[code]) {
        return { kind: 'refused', text: `The broker refused the connection: ${REFUSALS[code]}.` };
    }
    const msg = err && err.message ? String(err.message) : 'unknown error';
    return { kind: 'network', text: `Connection error: ${msg}` };
}
