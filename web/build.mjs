// Builds the web UI into dist/: one bundled script (MQTT.js included, nothing is fetched at
// run time) and index.html with the CSS inlined. Run with `node build.mjs` (`npm run build`).
//
// The script is a classic (IIFE) script and the CSS is inline because Mosquitto's http_dir
// (libwebsockets) sends files without a Content-Type: browsers refuse module scripts and
// stylesheets without the right MIME type, but run classic scripts. lampi-broker sends types.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const dist = join(here, 'dist');

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
    entryPoints: [join(src, 'app.js'), join(src, 'app.css')],
    outdir: dist,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
});
const css = await readFile(join(dist, 'app.css'), 'utf8');
let html = await readFile(join(src, 'index.html'), 'utf8');
const link = '<link rel="stylesheet" href="app.css">';
const module = '<script type="module" src="app.js"></script>';
if (!html.includes(link) || !html.includes(module)) throw new Error('index.html: markers not found');
html = html
    .replace(link, () => `<style>${css.replace(/\/\*# sourceMappingURL=.*?\*\//, '')}</style>`)
    .replace(module, '<script defer src="app.js"></script>');
await writeFile(join(dist, 'index.html'), html);
console.log(`web: built ${dist}`);
