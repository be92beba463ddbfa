#!/usr/bin/env node
// The web UI against the whole LAMPi stack (scripts/run-stack): the page comes from the cloud
// broker's http_dir, the lamp is the real lampi-lampd behind the real edge broker and bridge, all
// under lampi-supervisord. Unlike tests/e2e.mjs (which simulates lamps), nothing here is faked.
//
//   node web/tests/stack-e2e.mjs
//   env LAMPI_BIN=dir           apps build dir (default build/release/apps)
//   env CHROMIUM=/usr/bin/chromium
//   env ARTIFACTS=dir           screenshots stack-*.png and the stack's state (default web/test-artifacts)
//
// Starts the stack on free ports with a temp STATE_DIR and DEVICE_ID stackweb01, then checks:
// the page lists the lamp online; the brightness slider reaches lampi-lampd (lamp/changed on the
// EDGE broker); `lampi-lampctl set` through the cloud updates the page; SIGKILL of lampi-lampd
// shows the lamp offline, then online again once the supervisor restarted it; SIGINT to the
// stack's process group (Ctrl-C) leaves no process and no open port.
// Prints one line per check and `web-stack-e2e: N passed, M failed` last; exits 1 on failure.
// (tests/e2e.mjs runs its own main() when imported, so its helpers are not reused.)

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '..');
const repo = resolve(webDir, '..');
const bin = resolve(process.env.LAMPI_BIN || join(repo, 'build/release/apps'));
const artifacts = resolve(process.env.ARTIFACTS || join(webDir, 'test-artifacts'));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const DEVICE = 'stackweb01';
const WAIT_MS = 15000; // generous: a loaded 2-core machine

let passed = 0;
let failed = 0;
const cleanups = [];
const log = (...a) => console.log(...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function assert(cond, msg) {
    if (!cond) throw new Error(msg);
}

async function check(name, fn) {
    const t0 = Date.now();
    try {
        await fn();
        passed++;
        log(`ok   ${name} (${Date.now() - t0} ms)`);
        return true;
    } catch (e) {
        failed++;
        log(`FAIL ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`);
        return false;
    }
}

async function waitFor(what, fn, timeout = WAIT_MS) {
    const end = Date.now() + timeout;
    let last;
    for (;;) {
        try {
            last = await fn();
            if (last) return last;
        } catch (e) {
            last = e;
        }
        if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last})`);
        await sleep(50);
    }
}

function freePort() {
    return new Promise((res, rej) => {
        const s = net.createServer();
        s.unref();
        s.on('error', rej);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => res(port));
        });
    });
}

function portOpen(port) {
    return new Promise((res) => {
        const sock = net.connect(port, '127.0.0.1');
        sock.setTimeout(500, () => {
            sock.destroy();
            res(false);
        });
        sock.once('connect', () => {
            sock.destroy();
            res(true);
        });
        sock.once('error', () => res(false));
    });
}

// ---- the stack --------------------------------------------------------------------------------

function logTails(stateDir, lines = 20) {
    const files = [join(stateDir, '..', 'run-stack.out'), join(stateDir, 'supervisord.log')];
    try {
        for (const f of readdirSync(join(stateDir, 'logs'))) files.push(join(stateDir, 'logs', f));
    } catch {
        /* not there yet */
    }
    const out = [];
    for (const f of files) {
        try {
            out.push(`--- ${f}\n${readFileSync(f, 'utf8').split('\n').slice(-lines).join('\n')}`);
        } catch {
            /* missing */
        }
    }
    return out.join('\n');
}

async function startStack() {
    const base = mkdtempSync(join(tmpdir(), 'lampi-stack-web-'));
    const stateDir = join(base, 'state');
    const [edge, cloud, web] = [await freePort(), await freePort(), await freePort()];
    const out = openSync(join(base, 'run-stack.out'), 'w');
    const env = {
        ...process.env,
        EDGE_PORT: String(edge),
        CLOUD_PORT: String(cloud),
        WEB_PORT: String(web),
        STATE_DIR: stateDir,
        DEVICE_ID: DEVICE,
        LAMPI_BIN: bin,
    };
    // detached: its own session and process group, so SIGINT to -pid is Ctrl-C for all of it
    const proc = spawn(join(repo, 'scripts/run-stack'), [], { cwd: repo, env, detached: true, stdio: ['ignore', out, out] });
    let exited = null;
    proc.on('exit', (code, sig) => (exited = `${code ?? sig}`));
    const stack = { base, stateDir, edge, cloud, web, proc, exitStatus: () => exited };
    await waitFor('the stack\'s three ports', async () => {
        if (exited !== null) throw new Error(`run-stack exited ${exited}\n${logTails(stateDir)}`);
        return (await portOpen(edge)) && (await portOpen(cloud)) && (await portOpen(web));
    });
    return stack;
}

function supervisorctl(stack, ...args) {
    const r = spawnSync(join(bin, 'supervisorctl/lampi-supervisorctl'), ['-c', join(stack.stateDir, 'supervisord.ini'), ...args], {
        encoding: 'utf8',
        timeout: WAIT_MS,
    });
    return (r.stdout || '').trim();
}

function servicePid(stack, name) {
    const out = supervisorctl(stack, 'pid', name);
    return /^\d+$/.test(out) && Number(out) > 0 ? Number(out) : null;
}

// Processes of the stack still alive: command line naming STATE_DIR (supervisord, brokers,
// lampd) or in run-stack's session (the lampctl watcher).
function leftovers(stack) {
    const pids = new Set();
    const pattern = stack.stateDir.replace(/[.^$*+?()[\]{}|\\]/g, '\\$&');
    for (const args of [['-f', pattern], ['-s', String(stack.proc.pid)]]) {
        const r = spawnSync('pgrep', args, { encoding: 'utf8' });
        for (const p of (r.stdout || '').split(/\s+/)) if (p && Number(p) !== process.pid) pids.add(Number(p));
    }
    return [...pids];
}

function describe(pids) {
    if (!pids.length) return '(none)';
    return spawnSync('ps', ['-o', 'pid,pgid,sid,stat,args', '-p', pids.join(',')], { encoding: 'utf8' }).stdout;
}

async function stopStack(stack) {
    if (stack.exitStatus() === null) {
        try {
            process.kill(-stack.proc.pid, 'SIGINT');
        } catch {
            /* gone */
        }
        await waitFor('run-stack to exit after SIGINT', () => stack.exitStatus() !== null, 20000);
    }
    return stack.exitStatus();
}

function killAll(stack) {
    for (const pid of leftovers(stack)) {
        try {
            process.kill(pid, 'SIGKILL');
        } catch {
            /* gone */
        }
    }
}

// ---- MQTT on the edge broker ------------------------------------------------------------------

async function edgeWatcher(port) {
    const msgs = [];
    const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'stack-web-edge-watch', connectTimeout: 5000, reconnectPeriod: 500 });
    cleanups.push(() => c.end(true));
    c.on('message', (topic, payload) => {
        let json = null;
        try {
            json = JSON.parse(payload.toString());
        } catch {
            /* not JSON */
        }
        msgs.push({ at: Date.now(), topic, text: payload.toString(), json });
    });
    await waitFor('edge broker connection', () => c.connected);
    await new Promise((r, j) => c.subscribe(['lamp/changed', 'lamp/connection/+/state'], { qos: 1 }, (e) => (e ? j(e) : r())));
    return { c, msgs, changed: (since = 0) => msgs.filter((m) => m.at >= since && m.topic === 'lamp/changed' && m.json) };
}

// ---- the page ---------------------------------------------------------------------------------

const card = (page) => page.locator(`li.lamp[data-lamp="${DEVICE}"]`);
const badge = (page) => card(page).locator('.badge');
const sliderValue = async (page, name) => Number(await card(page).locator(`input.${name}`).inputValue());

async function screenshot(page, name) {
    const file = join(artifacts, `stack-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
}

// Drags a range input from its current value to `to` (0..1) with the mouse (as tests/e2e.mjs).
async function drag(page, input, to, steps = 25, stepDelay = 15) {
    const box = await input.boundingBox();
    const from = Number(await input.inputValue());
    const thumb = 26;
    const xAt = (v) => box.x + thumb / 2 + v * (box.width - thumb);
    const y = box.y + box.height / 2;
    await page.mouse.move(xAt(from), y);
    await page.mouse.down();
    for (let i = 1; i <= steps; i++) {
        await page.mouse.move(xAt(from + ((to - from) * i) / steps), y);
        await sleep(stepDelay);
    }
    await page.mouse.up();
}

async function main() {
    mkdirSync(artifacts, { recursive: true });
    for (const f of readdirSync(artifacts)) if (/^stack-.*\.png$/.test(f)) rmSync(join(artifacts, f), { force: true });
    for (const b of ['broker/lampi-broker', 'lampd/lampi-lampd', 'supervisord/lampi-supervisord', 'supervisorctl/lampi-supervisorctl', 'lampctl/lampi-lampctl']) {
        if (!existsSync(join(bin, b))) throw new Error(`${join(bin, b)} missing: build first`);
    }
    if (!existsSync(join(webDir, 'dist/index.html'))) throw new Error('web/dist missing: run web/build.sh');

    const t0 = Date.now();
    const stack = await startStack();
    current = stack;
    let stopped = false;
    cleanups.push(async () => {
        if (!stopped) await stopStack(stack).catch(() => {});
        killAll(stack);
    });
    log(`web-stack-e2e: stack up in ${Date.now() - t0} ms (edge ${stack.edge}, cloud ${stack.cloud}, web ${stack.web}, state ${stack.stateDir})`);
    const edge = await edgeWatcher(stack.edge);

    const userDataDir = mkdtempSync(join(tmpdir(), 'lampi-stack-web-chromium-'));
    cleanups.push(() => rmSync(userDataDir, { recursive: true, force: true }));
    const browser = await chromium.launchPersistentContext(userDataDir, {
        executablePath: chromiumPath,
        headless: true,
        args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
        ],
        viewport: { width: 1100, height: 720 },
    });
    cleanups.push(() => browser.close().catch(() => {}));
    const page = await browser.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));

    const listed = await check('the cloud broker serves the page, which lists the lamp online with its state', async () => {
        await page.goto(`http://127.0.0.1:${stack.web}/`, { waitUntil: 'load', timeout: WAIT_MS });
        assert((await page.title()) === 'LAMPi', `title "${await page.title()}"`);
        await waitFor('Connected', async () => (await page.locator('#conn').textContent()).startsWith('Connected'));
        await waitFor(`card ${DEVICE}`, async () => (await card(page).count()) === 1);
        await waitFor('Online', async () => (await badge(page).textContent()) === 'Online');
        const lamp = await waitFor("lampd's state on the edge broker", () => edge.changed().at(-1));
        await waitFor(`brightness ${lamp.json.brightness}`, async () => (await sliderValue(page, 'brightness')) === lamp.json.brightness);
        const meta = await card(page).locator('.meta').textContent();
        assert(meta.includes('lamp_service'), `meta "${meta}"`);
        await screenshot(page, '01-online');
    });

    await check('moving the brightness slider reaches lampi-lampd (lamp/changed on the edge broker)', async () => {
        assert(listed, 'the lamp is not listed');
        const input = card(page).locator('input.brightness');
        const from = Number(await input.inputValue());
        const to = from > 0.5 ? 0.35 : 0.85;
        const since = Date.now();
        await drag(page, input, to);
        const final = Number(await input.inputValue());
        assert(Math.abs(final - to) < 0.1, `slider at ${final}, wanted about ${to}`);
        const m = await waitFor(`lamp/changed with brightness ${final} from client "web"`, () =>
            edge.changed(since).find((x) => x.json.brightness === final && x.json.client === 'web'),
        );
        // ...and it is the lamp's last word: nothing later undoes it
        await sleep(500);
        const last = edge.changed(since).at(-1);
        assert(last.json.brightness === final, `last lamp/changed ${last.text}`);
        assert((await sliderValue(page, 'brightness')) === final, 'slider jumped back');
        const lampdLog = readFileSync(join(stack.stateDir, 'logs/lamp_service.log'), 'utf8');
        assert(lampdLog.includes(`from 'web'`), 'lampd log has no set_config from web');
        log(`     slider ${from} -> ${final}; lampd: ${m.text}`);
        await screenshot(page, '02-slider');
    });

    await check('lampi-lampctl set --brightness 0.2 through the cloud broker updates the page', async () => {
        const since = Date.now();
        const r = spawnSync(join(bin, 'lampctl/lampi-lampctl'), ['-p', String(stack.cloud), '--device', DEVICE, '--timeout', '10', 'set', '--brightness', '0.2'], {
            encoding: 'utf8',
            timeout: WAIT_MS,
        });
        assert(r.status === 0, `lampctl exit ${r.status ?? r.signal}: ${r.stdout}${r.stderr}`);
        await waitFor('lampd applied 0.2 (edge)', () => edge.changed(since).find((x) => x.json.brightness === 0.2));
        await waitFor('slider at 0.2', async () => (await sliderValue(page, 'brightness')) === 0.2);
        const text = await card(page).locator('output').nth(2).textContent().catch(() => '');
        const meta = await card(page).locator('.meta').textContent();
        log(`     page: brightness output "${text}", meta "${meta}"`);
        await screenshot(page, '03-lampctl');
    });

    await check('SIGKILL of lampi-lampd: the lamp goes offline, then online again after the supervisor restarts it', async () => {
        assert(listed, 'the lamp is not listed');
        // The supervisor restarts lampd within milliseconds, so "Offline" may be on screen for
        // less than a poll: record every change of the badge's data-online in the page.
        await page.evaluate(() => {
            const b = document.querySelector('li.lamp[data-lamp="stackweb01"] .badge');
            const meta = b.closest('li.lamp').querySelector('.meta');
            window.__online = [b.dataset.online];
            window.__seen = [];
            window.__onlineObs = new MutationObserver(() => {
                if (window.__online.at(-1) === b.dataset.online) return;
                window.__online.push(b.dataset.online);
                window.__seen.push(`${b.textContent} (${b.title || meta.textContent})`);
            });
            window.__onlineObs.observe(b, { attributes: true, attributeFilter: ['data-online'] });
        });
        const old = servicePid(stack, 'lamp_service');
        assert(old, `supervisorctl pid lamp_service: ${supervisorctl(stack, 'status')}`);
        const since = Date.now();
        process.kill(old, 'SIGKILL');
        let offlineShot = false;
        await waitFor('badge Offline, then Online', async () => {
            const hist = await page.evaluate(() => window.__online);
            if (!offlineShot && (await badge(page).textContent()) === 'Offline') {
                // keep it only when the badge still read Offline after the shot
                const file = await screenshot(page, '04-offline');
                offlineShot = (await badge(page).textContent()) === 'Offline';
                if (!offlineShot) rmSync(file, { force: true });
            }
            const off = hist.indexOf('false');
            return off >= 0 && hist.indexOf('true', off) > off;
        });
        const hist = await page.evaluate(() => window.__online);
        const seen = await page.evaluate(() => window.__seen);
        assert(seen[hist.indexOf('false') - 1].startsWith('Offline'), `badge texts ${seen}`);
        const pid = await waitFor('a new lamp_service pid, RUNNING', () => {
            const p = servicePid(stack, 'lamp_service');
            return p && p !== old && supervisorctl(stack, 'status', 'lamp_service').includes('RUNNING') && p;
        });
        assert((await badge(page).textContent()) === 'Online', 'badge not Online at the end');
        // the restarted lampd restored its state: still 0.2
        await waitFor('restored brightness 0.2 on the edge', () => edge.changed(since).find((x) => x.json.brightness === 0.2));
        assert((await sliderValue(page, 'brightness')) === 0.2, 'slider changed after the restart');
        log(`     lampd ${old} -> ${pid}; badge ${seen.join(' -> ')}; offline screenshot ${offlineShot ? 'taken' : 'missed (offline for less than a screenshot)'}`);
        await screenshot(page, '05-online-again');
    });

    await check('no script errors on the page', async () => {
        assert(pageErrors.length === 0, pageErrors.join('; '));
    });

    await check('Ctrl-C (SIGINT to the stack\'s process group) leaves no process and no open port', async () => {
        await page.close();
        const before = leftovers(stack);
        assert(before.length >= 5, `expected supervisord, 2 brokers, lampd, watcher: ${describe(before)}`);
        const t = Date.now();
        stopped = true;
        const status = await stopStack(stack);
        assert(status === '0', `run-stack exit ${status}`);
        await waitFor('no process left', () => leftovers(stack).length === 0, 5000).catch((e) => {
            throw new Error(`${e.message}\n${describe(leftovers(stack))}`);
        });
        await waitFor('ports closed', async () => !(await portOpen(stack.edge)) && !(await portOpen(stack.cloud)) && !(await portOpen(stack.web)), 5000);
        log(`     stopped in ${Date.now() - t} ms`);
    });

    if (failed) log(logTails(stack.stateDir));
    else rmSync(stack.base, { recursive: true, force: true });
}

let fatal = null;
let current = null; // the running stack, for its logs on a fatal error
const started = Date.now();
try {
    await main();
} catch (e) {
    fatal = e;
    failed++;
    log(`FAIL setup: ${e && e.stack ? e.stack : e}`);
    if (current) log(logTails(current.stateDir));
} finally {
    for (const f of cleanups.reverse()) {
        try {
            await f();
        } catch {
            /* best effort */
        }
    }
}
log(`screenshots: ${artifacts}/stack-*.png; ${((Date.now() - started) / 1000).toFixed(1)} s`);
log(`web-stack-e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && !fatal ? 0 : 1);
