// The build replaces dist/ while e2e tests (run in parallel) serve and read it: a reader must
// never find index.html or app.js missing or empty, however builds and reads interleave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const buildScript = join(dirname(fileURLToPath(import.meta.url)), '../../build.mjs');

function runBuild(dist) {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [buildScript], {
            env: { ...process.env, WEB_DIST: dist },
            stdio: ['ignore', 'ignore', 'inherit'],
        });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`build exit ${code}`))));
    });
}

function sizeOrZero(file) {
    try {
        return statSync(file).size;
    } catch {
        return 0;
    }
}

test('rebuilding never leaves dist/ without its files', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lampi-web-build-'));
    const dist = join(root, 'dist');
    try {
        await runBuild(dist);
        let building = true;
        const builds = Promise.all([runBuild(dist), runBuild(dist)]).finally(() => (building = false));
        let reads = 0;
        const missing = [];
        while (building) {
            for (const name of ['index.html', 'app.js']) {
                if (sizeOrZero(join(dist, name)) === 0) missing.push(name);
            }
            reads++;
            await new Promise((r) => setImmediate(r));
        }
        await builds;
        assert.ok(reads > 10, `only ${reads} reads during the builds`);
        assert.deepEqual(missing, []);
        assert.match(readFileSync(join(dist, 'index.html'), 'utf8'), /<script defer src="app.js">/);
        assert.deepEqual(readdirSync(root), ['dist'], 'staging directories are cleaned up');
    } finally {
        rmSync(root, { recursive: true, force: true });
    }
});
