// The page's model: every known lamp, fed by MQTT messages, with echo suppression.
// Pure and synchronous: `apply(topic, payload)` in, the key of the lamp that changed out.
// The clock is injected (`now`) so tests need no timers.
//
// Echo suppression (the course's rule, made exact): a lamp answers every set_config with a
// `changed` that carries the requester's `client`. The course's UI ignores `changed` whose
// `client` is itself, except the first one (to sync). All browsers send `client: "web"`, so
// ignoring every "web" message would also hide another browser's changes. Instead the store
// remembers the states this page has sent and not yet seen echoed; a `changed` with our
// client name that matches one of them is an echo: it and all older pending states are
// dropped and the message is ignored, so sliders never jump back to an older value while
// they move. Anything else (another client, or another browser's "web" with other values)
// is applied and shows up live.

import { parseTopic, lampRoot } from './topics.js';
import {
    parseLampState,
    parseConnectionState,
    parseAssociated,
    normalizeState,
    statesEqual,
} from './payload.js';

export const LAMP_SERVICE = 'lamp_service';
const PENDING_MAX = 64;
const PENDING_TTL_MS = 10000;

function newLamp(id) {
    return {
        id,
        state: null, // {h, s, brightness, on} once known
        lastClient: '', // who made the last applied change
        synced: false, // first `changed` seen
        bridge: null, // true/false from $SYS bridge notification, null unknown
        services: {}, // service name -> true/false
        associated: null, // edge only: {associated, code}
        pending: [], // [{state, at}] sent by us, echo not yet seen
    };
}

// online: true, false or null (unknown). The lamp is online when its lamp service says "1"
// and its bridge (if we have heard of it) is up.
export function lampStatus(lamp) {
    const svc = lamp.services[LAMP_SERVICE];
    if (lamp.bridge === false) return { online: false, reason: 'bridge down' };
    if (svc === false) return { online: false, reason: 'lamp service down' };
    if (svc === true) return { online: true, reason: lamp.bridge === true ? 'bridged' : '' };
    if (lamp.bridge === true) return { online: null, reason: 'bridged, lamp service unknown' };
    return { online: null, reason: 'unknown' };
}

export class LampStore {
    constructor({ mode = 'cloud', client = 'web', now = () => Date.now() } = {}) {
        this.mode = mode;
        this.client = client;
        this.now = now;
        this.lamps = new Map();
        this.edgeBridge = null; // edge mode: {name, up} of the lamp's bridge to the cloud
    }

    lamp(id) {
        let l = this.lamps.get(id);
        if (!l) {
            l = newLamp(id);
            this.lamps.set(id, l);
        }
        return l;
    }

    // Sorted list of lamps for display.
    list() {
        return [...this.lamps.values()].sort((a, b) => a.id.localeCompare(b.id));
    }

    // Feeds one MQTT message. Returns the lamp key that changed (for re-rendering) or null.
    apply(topic, payload) {
        const t = parseTopic(this.mode, topic);
        if (!t) return null;
        switch (t.kind) {
            case 'bridge':
                return this.applyBridge(t, payload);
            case 'service': {
                const up = parseConnectionState(payload);
                if (up === null) return null;
                this.lamp(t.id).services[t.service] = up;
                return t.id;
            }
            case 'associated': {
                const a = parseAssociated(payload);
                if (!a) return null;
                this.lamp(t.id).associated = a;
                return t.id;
            }
            case 'changed':
                return this.applyChanged(t.id, payload);
            default:
                return null;
        }
    }

    applyBridge(t, payload) {
        const up = parseConnectionState(payload);
        if (up === null) return null;
        if (this.mode === 'edge') {
            // On the edge the bridge is this lamp's own link to the cloud ("bridged").
            this.edgeBridge = { name: t.bridge, deviceId: t.id, up };
            return this.lamps.has('lamp') ? 'lamp' : null;
        }
        this.lamp(t.id).bridge = up;
        return t.id;
    }

    applyChanged(id, payload) {
        const msg = parseLampState(payload);
        if (!msg) return null;
        const lamp = this.lamp(id);
        this.expirePending(lamp);
        if (lamp.synced && msg.client === this.client && this.isOwnEcho(lamp, msg.state)) {
            return null;
        }
        lamp.state = msg.state;
        lamp.lastClient = msg.client;
        lamp.synced = true;
        return id;
    }

    // True (and consumes the pending entries up to the match) when `state` is the lamp's
    // answer to one of our own requests.
    isOwnEcho(lamp, state) {
        const i = lamp.pending.findIndex((p) => statesEqual(p.state, state));
        if (i < 0) return false;
        lamp.pending.splice(0, i + 1);
        return true;
    }

    expirePending(lamp) {
        const t = this.now();
        while (lamp.pending.length && t - lamp.pending[0].at > PENDING_TTL_MS) lamp.pending.shift();
    }

    // Records a local change (the UI shows it at once) and returns the state to send.
    setLocal(id, partial) {
        const lamp = this.lamp(id);
        const base = lamp.state || { h: 0, s: 0, brightness: 1, on: true };
        lamp.state = normalizeState({ ...base, ...partial });
        lamp.lastClient = this.client;
        return lamp.state;
    }

    // Records that `state` was published for lamp `id` (the echo to expect).
    markSent(id, state) {
        const lamp = this.lamp(id);
        lamp.pending.push({ state: normalizeState(state), at: this.now() });
        if (lamp.pending.length > PENDING_MAX) lamp.pending.shift();
    }

    rootOf(id) {
        return lampRoot(this.mode, id);
    }
}
