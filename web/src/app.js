// The LAMPi web UI: DOM and MQTT glue. The state logic lives in lib/ (pure, unit-tested);
// this file only wires an MQTT.js client over WebSockets to the lamp store and the page.

import mqtt from 'mqtt';
import { LampStore, lampStatus } from './lib/lamp_store.js';
import { subscriptionsFor, setConfigTopic } from './lib/topics.js';
import { buildSetConfig } from './lib/payload.js';
import { throttle } from './lib/throttle.js';
import { swatchColor, cssColor, hueName } from './lib/color.js';
import {
    settingsFromLocation,
    defaultBrokerUrl,
    isValidBrokerUrl,
    randomClientId,
    describeConnectError,
} from './lib/connection.js';

const SEND_INTERVAL_MS = 100;

const settings = settingsFromLocation(window.location);
const clientId = randomClientId();
const store = new LampStore({ mode: settings.mode, client: settings.client });
const $ = (id) => document.getElementById(id);

let client = null;
let credentials = null; // {username, password} once the login form was used
let everConnected = false;
const cards = new Map(); // lamp key -> {root, els...}
const senders = new Map(); // lamp key -> throttled publish
let dragging = null; // the range input under the pointer, never overwritten by remote state

// ---------------------------------------------------------------- connection

function setConn(state, text) {
    const el = $('conn');
    el.dataset.state = state;
    el.textContent = text;
}

function showMessage(text) {
    const el = $('message');
    el.hidden = !text;
    el.textContent = text || '';
}

function connect() {
    if (client) client.end(true);
    if (!isValidBrokerUrl(settings.broker)) {
        setConn('error', 'Not connected');
        showMessage(`"${settings.broker}" is not a ws:// or wss:// URL: fix it in Settings.`);
        return;
    }
    setConn('connecting', `Connecting to ${settings.broker}…`);
    const opts = {
        clientId,
        protocolVersion: 4,
        clean: true,
        keepalive: 30,
        connectTimeout: 5000,
        reconnectPeriod: 2000,
        resubscribe: false, // we subscribe on every 'connect'
    };
    if (credentials) {
        opts.username = credentials.username;
        opts.password = credentials.password;
    }
    const c = mqtt.connect(settings.broker, opts);
    client = c;
    c.on('connect', () => {
        if (c !== client) return;
        everConnected = true;
        $('login').hidden = true;
        $('empty').hidden = cards.size > 0;
        showMessage('');
        const who = credentials ? ` as ${credentials.username}` : '';
        setConn('online', `Connected${who}`);
        c.subscribe(subscriptionsFor(settings.mode), { qos: 1 }, (err, granted) => {
            if (err) return showMessage(`Subscribe failed: ${err.message}`);
            const denied = (granted || []).filter((g) => g.qos === 128).map((g) => g.topic);
            if (denied.length) showMessage(`The broker denied: ${denied.join(', ')}`);
        });
    });
    c.on('reconnect', () => {
        if (c === client) setConn('connecting', `Reconnecting to ${settings.broker}…`);
    });
    c.on('offline', () => {
        if (c !== client) return;
        const what = everConnected ? 'Connection lost' : 'Cannot reach the broker';
        setConn('error', `${what} (${settings.broker}): retrying…`);
    });
    c.on('error', (err) => {
        if (c !== client) return;
        const d = describeConnectError(err);
        if (d.kind === 'network') {
            setConn('error', `Cannot reach the broker (${settings.broker}): retrying…`);
            return;
        }
        c.end(true); // a refusal will not change by retrying with the same credentials
        setConn('error', 'Not connected');
        showMessage(d.text);
        if (d.kind === 'auth') showLogin();
    });
    c.on('message', (topic, payload) => {
        if (c !== client) return;
        const key = store.apply(topic, payload);
        if (key !== null) render(key);
    });
}

function showLogin() {
    const form = $('login');
    form.hidden = false;
    $('empty').hidden = true;
    if (credentials) $('login-user').value = credentials.username;
    $('login-user').focus();
}

$('login').addEventListener('submit', (ev) => {
    ev.preventDefault();
    credentials = { username: $('login-user').value, password: $('login-pass').value };
    $('login-pass').value = '';
    showMessage('');
    connect();
});

// ---------------------------------------------------------------- settings

function initSettings() {
    $('set-broker').value = settings.broker;
    $('set-mode').value = settings.mode;
    $('whoami').textContent = `${settings.mode} mode · client id ${clientId}`;
    $('settings-form').addEventListener('submit', (ev) => {
        ev.preventDefault();
        const params = new URLSearchParams(window.location.search);
        const broker = $('set-broker').value.trim();
        if (broker && broker !== defaultBrokerUrl(window.location)) params.set('broker', broker);
        else params.delete('broker');
        params.set('mode', $('set-mode').value);
        window.location.search = params.toString();
    });
}

// ---------------------------------------------------------------- lamps

let nextCardNo = 0;

function el(tag, attrs = {}, children = []) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
        if (k === 'text') e.textContent = v;
        else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
}

function slider(no, name, label) {
    const id = `lamp${no}-${name}`;
    const input = el('input', {
        id,
        type: 'range',
        min: '0',
        max: '1',
        step: '0.01',
        class: `range ${name}`,
        'data-control': name,
    });
    const out = el('output', { for: id, class: 'value' });
    const row = el('div', { class: 'control' }, [el('label', { for: id, text: label }), out, input]);
    return { row, input, out };
}

function createCard(key) {
    const no = nextCardNo++;
    const nameId = `lamp${no}-name`;
    const swatch = el('span', { class: 'swatch', role: 'img' });
    const title = el('h2', { id: nameId, class: 'name' });
    const badge = el('span', { class: 'badge' });
    const power = el('button', {
        type: 'button',
        role: 'switch',
        class: 'power',
        'aria-checked': 'false',
        'data-control': 'on',
    }, [el('span', { class: 'knob', 'aria-hidden': 'true' }), el('span', { class: 'power-text' })]);
    const hue = slider(no, 'hue', 'Hue');
    const sat = slider(no, 'saturation', 'Saturation');
    const bri = slider(no, 'brightness', 'Brightness');
    const meta = el('p', { class: 'meta' });
    const head = el('div', { class: 'lamp-head' }, [swatch, el('div', { class: 'title' }, [title, badge]), power]);
    const controls = el('div', { class: 'controls' }, [hue.row, sat.row, bri.row]);
    const root = el('li', { class: 'lamp', 'data-lamp': key, 'aria-labelledby': nameId }, [head, controls, meta]);
    power.setAttribute('aria-label', 'Power');

    const card = { root, swatch, title, badge, power, hue, sat, bri, meta };
    hue.input.addEventListener('input', () => onSlide(key, { h: Number(hue.input.value) }));
    sat.input.addEventListener('input', () => onSlide(key, { s: Number(sat.input.value) }));
    bri.input.addEventListener('input', () => onSlide(key, { brightness: Number(bri.input.value) }));
    for (const s of [hue, sat, bri]) {
        s.input.addEventListener('change', () => sender(key).flush());
    }
    power.addEventListener('click', () => {
        const lamp = store.lamps.get(key);
        if (!lamp || !lamp.state) return;
        store.setLocal(key, { on: !lamp.state.on });
        sender(key)();
        sender(key).flush();
        render(key);
    });
    return card;
}

function sender(key) {
    let s = senders.get(key);
    if (!s) {
        s = throttle(() => publishState(key), SEND_INTERVAL_MS, {
            setTimeout: (f, ms) => window.setTimeout(f, ms),
            clearTimeout: (t) => window.clearTimeout(t),
            now: () => performance.now(),
        });
        senders.set(key, s);
    }
    return s;
}

function publishState(key) {
    const lamp = store.lamps.get(key);
    if (!lamp || !lamp.state || !client || !client.connected) return;
    const msg = buildSetConfig(lamp.state, settings.client);
    store.markSent(key, lamp.state);
    client.publish(setConfigTopic(settings.mode, key), JSON.stringify(msg), { qos: 1 });
}

function onSlide(key, partial) {
    if (!store.lamps.get(key)?.state) return;
    store.setLocal(key, partial);
    sender(key)();
    render(key);
}

document.addEventListener('pointerdown', (ev) => {
    if (ev.target instanceof HTMLInputElement && ev.target.type === 'range') dragging = ev.target;
});
for (const t of ['pointerup', 'pointercancel']) {
    document.addEventListener(t, () => {
        dragging = null;
    });
}

function pct(x) {
    return `${Math.round(x * 100)}%`;
}

function setSlider(s, value, text) {
    if (s.input !== dragging && Number(s.input.value) !== value) s.input.value = String(value);
    s.out.textContent = text;
    s.input.setAttribute('aria-valuetext', text);
}

function lampTitle(lamp) {
    if (settings.mode !== 'edge') return lamp.id;
    const b = store.edgeBridge;
    return b ? b.deviceId : 'This lamp';
}

function render(key) {
    const lamp = store.lamps.get(key);
    if (!lamp) return;
    let card = cards.get(key);
    if (!card) {
        card = createCard(key);
        cards.set(key, card);
        insertSorted(key, card.root);
    }
    const status = lampStatus(lamp);
    const st = lamp.state;
    const stateText = status.online === true ? 'Online' : status.online === false ? 'Offline' : 'Unknown';
    card.title.textContent = lampTitle(lamp);
    card.badge.textContent = stateText;
    card.badge.dataset.online = String(status.online);
    card.root.dataset.online = String(status.online);
    card.badge.title = status.reason;

    const has = !!st;
    for (const c of [card.hue.input, card.sat.input, card.bri.input, card.power]) c.disabled = !has;
    if (has) {
        const deg = Math.round(st.h * 360);
        setSlider(card.hue, st.h, `${deg}° ${hueName(st.h)}`);
        setSlider(card.sat, st.s, pct(st.s));
        setSlider(card.bri, st.brightness, pct(st.brightness));
        card.power.setAttribute('aria-checked', String(st.on));
        card.power.querySelector('.power-text').textContent = st.on ? 'On' : 'Off';
        const full = cssColor(st.h, st.s, 1);
        card.sat.input.style.setProperty('--track', `linear-gradient(to right, #fff, ${cssColor(st.h, 1, 1)})`);
        card.bri.input.style.setProperty('--track', `linear-gradient(to right, #000, ${full})`);
        card.swatch.style.background = swatchColor(st);
        card.swatch.style.setProperty('--glow', st.on ? full : 'transparent');
        card.swatch.setAttribute(
            'aria-label',
            st.on ? `Colour: ${hueName(st.h)}, brightness ${pct(st.brightness)}` : 'Colour: off',
        );
    } else {
        card.swatch.setAttribute('aria-label', 'Colour: unknown');
        card.power.querySelector('.power-text').textContent = '–';
    }
    const bits = [];
    if (!has) bits.push('Waiting for the lamp’s state…');
    else if (lamp.lastClient) bits.push(`Last change by ${lamp.lastClient}`);
    if (status.online === false && status.reason) bits.push(status.reason);
    if (settings.mode === 'edge' && store.edgeBridge) {
        bits.push(store.edgeBridge.up ? 'bridged to the cloud' : 'not bridged');
    }
    if (lamp.associated) {
        bits.push(lamp.associated.associated ? 'associated' : `code ${lamp.associated.code.slice(0, 6)}`);
    }
    card.meta.textContent = bits.join(' · ');
    $('empty').hidden = cards.size > 0;
}

function insertSorted(key, node) {
    const list = $('lamps');
    const after = [...list.children].find((c) => c.dataset.lamp.localeCompare(key) > 0);
    list.insertBefore(node, after || null);
}

// ---------------------------------------------------------------- start

initSettings();
$('empty').textContent =
    settings.mode === 'edge' ? 'Waiting for the lamp…' : 'Waiting for lamps to report in…';
connect();
window.lampi = { store, get client() { return client; } }; // for debugging and e2e tests
