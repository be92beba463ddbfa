// Builds the web UI into dist/: one bundled script (MQTT.js included, nothing is fetched at
// run time) and index.html with the CSS inlined. Run with `node build.mjs` (`npm run build`).
//
// The script is a classic (IIFE) script and the CSS is inline because Mosquitto's http_dir
// (libwebsockets) sends files without a Content-Type: browsers refuse module scripts and
// stylesheets without the right MIME type, but run classic scripts. lampi-broker sends types.
import { build } from 'esbuild';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const dist = process.env.WEB_DIST ?? join(here, 'dist'); // WEB_DIST: tests build elsewhere

// Built into a staging directory and moved into dist/ file by file (rename is atomic), so a
// test or broker serving dist/ while another build runs never finds a file missing or half written.
const staging = `${dist}.staging-${process.pid}`; // beside dist/: same file system, rename works
await rm(staging, { recursive: true, force: true });
await mkdir(staging, { recursive: true });
await build({
    entryPoints: [join(src, 'app.js'), join(src, 'app.css')],
    outdir: staging,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
});
const css = await readFile(join(staging, 'app.css'), 'utf8');
let html = await readFile(join(src, 'index.html'), 'utf8');
const link = '<link rel="stylesheet" href="app.css">';
const module = '<script type="module" src="app.js"></script>';
if (!html.includes(link) || !html.includes(module)) throw new Error('index.html: markers not found');
html = html
    .replace(link, () => `<style>${css.replace(/\/\*# sourceMappingURL=.*?\*\//, '')}</style>`)
    .replace(module, '<script defer src="app.js"></script>');
await writeFile(join(staging, 'index.html'), html);
await publish(staging, dist);
console.log(`web: built ${dist}`);

async function publish(from, to) {
    await mkdir(to, { recursive: true });
    const fresh = await readdir(from);
    for (const name of fresh) await rename(join(from, name), join(to, name));
    for (const name of await readdir(to)) {
        if (!fresh.includes(name)) await rm(join(to, name), { recursive: true, force: true });
    }
    await rm(from, { recursive: true, force: true });
}
