#!/usr/bin/env node
// `npm run serve:example`: serves examples/browser/ at http://localhost:8080/ and its
// build/ folder (the compiled modules and trained checkpoints the page loads). A
// missing build/ is made first with the CLI: `dlc compile` of examples/mnist_mlp.dl
// and examples/rbm.dl, and `dlc train` of each for one epoch (--checkpoint).
//
//   node scripts/serve-example.mjs [--port N] [--build DIR] [-D model.name=value]...
//
// `-D mnist_mlp.hidden=256` goes to that model's compile and train alike (a
// checkpoint loads only into the module compiled with the same sizes). test/examples/browser.test.ts imports
// prepareExample and serveExample from here.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
export const pageDir = join(root, 'examples', 'browser');

/** The models the page loads; `train`: what `dlc train` gets besides the file and its length. */
export const EXAMPLE_MODELS = [
  { name: 'mnist_mlp', file: 'examples/mnist_mlp.dl', train: [] },
  { name: 'rbm', file: 'examples/rbm.dl', train: ['--entry', 'pcd'] },
];

function dlc(args) {
  console.log(`$ dlc ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [join(root, 'bin', 'dlc.js'), ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`dlc ${args[0]} failed (exit ${r.status ?? r.signal})`);
}

/**
 * Compiles each model to `build` and trains its checkpoint there, unless present.
 * `defines`: per model, its -D values; `steps`: train that many steps, not one epoch;
 * `train`: the models to train (default all; a test writes the others' weights itself).
 */
export function prepareExample(build, { defines = {}, steps, train = EXAMPLE_MODELS.map((m) => m.name) } = {}) {
  const length = steps === undefined ? ['--epochs', '1'] : ['--steps', String(steps)];
  for (const m of EXAMPLE_MODELS) {
    const d = Object.entries(defines[m.name] ?? {}).flatMap(([k, v]) => ['-D', `${k}=${v}`]);
    // The register kernels: software WebGPU (SwiftShader, llvmpipe) runs them well; see docs/modules.md.
    if (!existsSync(join(build, `${m.name}.js`))) dlc(['compile', m.file, '-o', build, '--family', 'register', ...d]);
    const ckpt = join(build, `${m.name}.safetensors`);
    if (train.includes(m.name) && !existsSync(ckpt))
      dlc(['train', m.file, ...m.train, ...length, '--checkpoint', ckpt, ...d]);
  }
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.safetensors': 'application/octet-stream',
  '.map': 'application/json',
};

/** Serves the page and `/build/*` from `build`; resolves to the listening server (port 0: any free port). */
export function serveExample(build, port = 8080) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const [base, rest] = path.startsWith('/build/')
      ? [build, path.slice('/build/'.length)]
      : [pageDir, path.slice(1) || 'index.html'];
    const file = normalize(join(base, rest));
    const type = TYPES[extname(file)];
    if (!file.startsWith(normalize(base) + sep) || !type || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolveServer(server));
  });
}

function parseArgs(argv) {
  const out = { port: 8080, build: join(pageDir, 'build'), defines: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') out.port = Number(value());
    else if (a === '--build') out.build = resolve(value());
    else if (a === '-D') {
      const m = /^(\w+)\.(\w+)=(.+)$/.exec(value());
      if (!m || !EXAMPLE_MODELS.some((e) => e.name === m[1])) {
        throw new Error(
          `-D takes model.name=value with model ${EXAMPLE_MODELS.map((e) => e.name).join(' or ')}, given '${argv[i]}'`,
        );
      }
      (out.defines[m[1]] ??= {})[m[2]] = m[3];
    } else throw new Error(`unknown option '${a}' (options: --port N, --build DIR, -D model.name=value)`);
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) throw new Error('--port takes a port number');
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const args = parseArgs(process.argv.slice(2));
    prepareExample(args.build, { defines: args.defines });
    const server = await serveExample(args.build, args.port);
    const { port } = server.address();
    console.log(`serving examples/browser at http://localhost:${port}/ (build: ${args.build}); Ctrl-C stops`);
    console.log('a browser needs WebGPU: Chrome/Edge, or chromium --enable-unsafe-webgpu');
  } catch (err) {
    console.error(`serve-example: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
