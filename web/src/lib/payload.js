// LAMPi payloads: validating a lamp's `changed` state and building `set_config` requests.
// Pure functions, no I/O. Values are fractions 0..1 rounded to 2 decimals, as the lamp does.

export function round2(x) {
    return Math.round(x * 100) / 100;
}

export function clamp01(x) {
    return Math.min(1, Math.max(0, x));
}

function isUnit(x) {
    return typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1;
}

// Parses a `changed` payload (string or bytes). Returns
//   {state: {h, s, brightness, on}, client}  for a valid full state, or
//   null                                     for anything else (bad JSON, missing or
//                                            out-of-range fields): the UI ignores it whole.
export function parseLampState(payload) {
    let text = payload;
    if (typeof text !== 'string') {
        try {
            text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
        } catch {
            return null;
        }
    }
    let v;
    try {
        v = JSON.parse(text);
    } catch {
        return null;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
    const c = v.color;
    if (c === null || typeof c !== 'object' || !isUnit(c.h) || !isUnit(c.s)) return null;
    if (!isUnit(v.brightness) || typeof v.on !== 'boolean') return null;
    const client = typeof v.client === 'string' ? v.client : '';
    return {
        state: { h: round2(c.h), s: round2(c.s), brightness: round2(v.brightness), on: v.on },
        client,
    };
}

// A connection-state payload: "1" online, "0" offline, anything else null (unknown).
export function parseConnectionState(payload) {
    const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
    const t = text.trim();
    if (t === '1') return true;
    if (t === '0') return false;
    return null;
}

// `lamp/associated`: {associated: bool, code: string}; null when malformed.
export function parseAssociated(payload) {
    try {
        const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
        const v = JSON.parse(text);
        if (v === null || typeof v !== 'object' || typeof v.associated !== 'boolean') return null;
        return { associated: v.associated, code: typeof v.code === 'string' ? v.code : '' };
    } catch {
        return null;
    }
}

// Normalises a UI state (values clamped to 0..1 and rounded to 2 decimals).
export function normalizeState(s) {
    return {
        h: round2(clamp01(Number(s.h) || 0)),
        s: round2(clamp01(Number(s.s) || 0)),
        brightness: round2(clamp01(Number(s.brightness) || 0)),
        on: Boolean(s.on),
    };
}

export function statesEqual(a, b) {
    return (
        !!a && !!b && a.h === b.h && a.s === b.s && a.brightness === b.brightness && a.on === b.on
    );
}

// The set_config request for a full state, as an object (JSON.stringify it to publish).
export function buildSetConfig(state, client) {
    const n = normalizeState(state);
    return { color: { h: n.h, s: n.s }, brightness: n.brightness, on: n.on, client };
}
