import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LampStore, lampStatus } from '../../src/lib/lamp_store.js';

function changed(state, client) {
    return JSON.stringify({
        color: { h: state.h, s: state.s },
        brightness: state.brightness,
        on: state.on,
        client,
    });
}
const A = { h: 0.1, s: 0.2, brightness: 0.3, on: true };
const B = { h: 0.1, s: 0.2, brightness: 0.5, on: true };
const C = { h: 0.1, s: 0.2, brightness: 0.7, on: true };

function cloud(now = () => 0) {
    return new LampStore({ mode: 'cloud', client: 'web', now });
}

test('lamps are discovered from bridge notifications', () => {
    const s = cloud();
    assert.equal(s.apply('$SYS/broker/connection/dev2_broker/state', '1'), 'dev2');
    assert.equal(s.apply('$SYS/broker/connection/dev1_broker/state', '1'), 'dev1');
    assert.equal(s.apply('$SYS/broker/connection/notalamp/state', '1'), null);
    assert.deepEqual(s.list().map((l) => l.id), ['dev1', 'dev2']);
    assert.equal(s.lamps.get('dev1').state, null);
});

test('lamps are discovered from the retained changed state', () => {
    const s = cloud();
    assert.equal(s.apply('devices/dev1/lamp/changed', changed(A, 'lamp_service')), 'dev1');
    const l = s.lamps.get('dev1');
    assert.deepEqual(l.state, A);
    assert.equal(l.lastClient, 'lamp_service');
    assert.equal(l.synced, true);
});

test('online state from the lamp service and the bridge', () => {
    const s = cloud();
    s.apply('$SYS/broker/connection/dev1_broker/state', '1');
    assert.equal(lampStatus(s.lamps.get('dev1')).online, null);
    s.apply('devices/dev1/lamp/connection/lamp_service/state', '1');
    assert.deepEqual(lampStatus(s.lamps.get('dev1')), { online: true, reason: 'bridged' });
    s.apply('devices/dev1/lamp/connection/lamp_service/state', '0');
    assert.deepEqual(lampStatus(s.lamps.get('dev1')), { online: false, reason: 'lamp service down' });
    s.apply('devices/dev1/lamp/connection/lamp_service/state', '1');
    s.apply('$SYS/broker/connection/dev1_broker/state', '0');
    assert.deepEqual(lampStatus(s.lamps.get('dev1')), { online: false, reason: 'bridge down' });
    // other services do not decide the lamp's state
    s.apply('$SYS/broker/connection/dev1_broker/state', '1');
    s.apply('devices/dev1/lamp/connection/lamp_ui/state', '0');
    assert.equal(lampStatus(s.lamps.get('dev1')).online, true);
    assert.equal(s.apply('devices/dev1/lamp/connection/lamp_service/state', 'garbage'), null);
});

test('the first changed message syncs even when it carries our own client name', () => {
    const s = cloud();
    assert.equal(s.apply('devices/dev1/lamp/changed', changed(A, 'web')), 'dev1');
    assert.deepEqual(s.lamps.get('dev1').state, A);
});

test('echoes of our own changes are ignored, so a moving slider never jumps back', () => {
    const s = cloud();
    s.apply('devices/dev1/lamp/changed', changed(A, 'lamp_service'));
    // the user drags brightness 0.3 -> 0.5 -> 0.7; each step is published
    for (const st of [B, C]) {
        s.setLocal('dev1', { brightness: st.brightness });
        s.markSent('dev1', s.lamps.get('dev1').state);
    }
    // the lamp answers each request in order: none moves the UI back to 0.5
    assert.equal(s.apply('devices/dev1/lamp/changed', changed(B, 'web')), null);
    assert.deepEqual(s.lamps.get('dev1').state, C);
    assert.equal(s.apply('devices/dev1/lamp/changed', changed(C, 'web')), null);
    assert.equal(s.lamps.get('dev1').pending.length, 0);
});

test('a later echo consumes older pending states (an echo may be coalesced away)', () => {
    const s = cloud();
    s.apply('devices/dev1/lamp/changed', changed(A, 'x'));
    s.markSent('dev1', B);
    s.markSent('dev1', C);
    assert.equal(s.apply('devices/dev1/lamp/changed', changed(C, 'web')), null);
    assert.equal(s.lamps.get('dev1').pending.length, 0);
    // B arriving now is not ours any more: another browser set it, show it
    assert.equal(s.apply('devices/dev1/lamp/changed', changed(B, 'web')), 'dev1');
    assert.deepEqual(s.lamps.get('dev1').state, B);
});

test('changes made elsewhere show up live, also from another browser ("web")', () => {
    const s = cloud();
    s.apply('devices/dev1/lamp/changed', changed(A, 'lamp_service'));
    s.markSent('dev1', B);
    assert.equal(s.apply('devices/dev1/lamp/changed', changed(C, 'lampctl')), 'dev1');
    assert.deepEqual(s.lamps.get('dev1').state, C);
    assert.equal(s.lamps.get('dev1').lastClient, 'lampctl');
    const D = { ...C, on: false };
    assert.equal(s.apply('devices/dev1/lamp/changed', changed(D, 'web')), 'dev1');
    assert.deepEqual(s.lamps.get('dev1').state, D);
});

test('pending states expire, so a lamp that never answered does not hide later changes', () => {
    let t = 0;
    const s = cloud(() => t);
    s.apply('devices/dev1/lamp/changed', changed(A, 'lamp_service'));
    s.markSent('dev1', B);
    t = 60_000;
    assert.equal(s.apply('devices/dev1/lamp/changed', changed(B, 'web')), 'dev1');
});

test('an invalid changed payload is ignored and keeps the last state', () => {
    const s = cloud();
    s.apply('devices/dev1/lamp/changed', changed(A, 'lamp_service'));
    assert.equal(s.apply('devices/dev1/lamp/changed', '{"brightness": 2}'), null);
    assert.deepEqual(s.lamps.get('dev1').state, A);
});

test('setLocal merges, clamps and rounds', () => {
    const s = cloud();
    s.apply('devices/dev1/lamp/changed', changed(A, 'lamp_service'));
    assert.deepEqual(s.setLocal('dev1', { h: 0.4567 }), { ...A, h: 0.46 });
    assert.deepEqual(s.setLocal('dev1', { brightness: 3, on: false }), {
        ...A,
        h: 0.46,
        brightness: 1,
        on: false,
    });
});

test('edge mode shows one lamp and the bridge as "bridged"', () => {
    const s = new LampStore({ mode: 'edge', client: 'web' });
    assert.equal(s.apply('lamp/changed', changed(A, 'lamp_ui')), 'lamp');
    assert.equal(s.apply('lamp/connection/lamp_service/state', '1'), 'lamp');
    assert.equal(s.apply('$SYS/broker/connection/b827eb08451e_broker/state', '1'), 'lamp');
    assert.deepEqual(s.edgeBridge, { name: 'b827eb08451e_broker', deviceId: 'b827eb08451e', up: true });
    assert.equal(s.apply('devices/x/lamp/changed', changed(A, 'x')), null);
    assert.equal(s.list().length, 1);
    assert.equal(lampStatus(s.lamps.get('lamp')).online, true);
});
