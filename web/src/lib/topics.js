// Topic layout of the LAMPi system (see docs/web.md and shared/reference/lampi.md).
// Pure functions, no I/O: which topics to subscribe to in each mode, and what a received
// topic means (a lamp's state, a service's connection state, a bridge notification).
//
// Two modes:
//   cloud - the cloud broker: every lamp appears under `devices/<device_id>/lamp/...`, and
//           bridges announce themselves on `$SYS/broker/connection/<device_id>_broker/state`.
//   edge  - the lamp's own broker: a single lamp under `lamp/...` (the touchscreen's role).

export const MODES = Object.freeze(['cloud', 'edge']);

// The single lamp of edge mode has this key in the lamp store.
export const EDGE_LAMP_KEY = 'lamp';

const BRIDGE_SUFFIX = '_broker';
const BRIDGE_PREFIX = '$SYS/broker/connection/';

export function normalizeMode(mode) {
    return MODES.includes(mode) ? mode : 'cloud';
}

// Topic root of one lamp: `devices/<id>/lamp/` in the cloud, `lamp/` on the edge.
export function lampRoot(mode, id) {
    return normalizeMode(mode) === 'edge' ? 'lamp/' : `devices/${id}/lamp/`;
}

export function setConfigTopic(mode, id) {
    return `${lampRoot(mode, id)}set_config`;
}

export function subscriptionsFor(mode) {
    if (normalizeMode(mode) === 'edge') {
        return [
            'lamp/changed',
            'lamp/connection/+/state',
            'lamp/associated',
            `${BRIDGE_PREFIX}+/state`,
        ];
    }
    return [
        `${BRIDGE_PREFIX}+/state`,
        'devices/+/lamp/changed',
        'devices/+/lamp/connection/+/state',
    ];
}

// A device id is a MAC address without colons in the course, but any single topic level
// that is not empty and has no wildcard will do.
export function isValidDeviceId(id) {
    return typeof id === 'string' && id.length > 0 && id.length <= 128 && !/[+#/\u0000]/.test(id);
}

// The device id named by a bridge connection `<device_id>_broker`, or null for other bridges.
export function deviceIdFromBridgeName(name) {
    if (typeof name !== 'string' || !name.endsWith(BRIDGE_SUFFIX)) return null;
    const id = name.slice(0, -BRIDGE_SUFFIX.length);
    return isValidDeviceId(id) ? id : null;
}

// What a topic means, or null when it is none of ours:
//   {kind: 'bridge',  id, bridge}   bridge notification (id = device id)
//   {kind: 'changed', id}           the lamp's full state (retained)
//   {kind: 'service', id, service}  a lamp service's connection state "1"/"0"
//   {kind: 'associated', id}        association code (edge only)
export function parseTopic(mode, topic) {
    if (typeof topic !== 'string') return null;
    if (topic.startsWith(BRIDGE_PREFIX)) {
        const rest = topic.slice(BRIDGE_PREFIX.length).split('/');
        if (rest.length !== 2 || rest[1] !== 'state') return null;
        const id = deviceIdFromBridgeName(rest[0]);
        return id ? { kind: 'bridge', id, bridge: rest[0] } : null;
    }
    const parts = topic.split('/');
    let id;
    let sub;
    if (normalizeMode(mode) === 'edge') {
        if (parts[0] !== 'lamp') return null;
        id = EDGE_LAMP_KEY;
        sub = parts.slice(1);
    } else {
        if (parts[0] !== 'devices' || parts[2] !== 'lamp' || !isValidDeviceId(parts[1])) return null;
        id = parts[1];
        sub = parts.slice(3);
    }
    if (sub.length === 1 && sub[0] === 'changed') return { kind: 'changed', id };
    if (sub.length === 1 && sub[0] === 'associated') return { kind: 'associated', id };
    if (sub.length === 3 && sub[0] === 'connection' && sub[2] === 'state' && sub[1] !== '') {
        return { kind: 'service', id, service: sub[1] };
    }
    return null;
}
