// examples/browser in headless Chromium (WebGPU on SwiftShader): the page served by
// scripts/serve-example.mjs loads a checkpoint from `dlc train examples/mnist_mlp.dl`
// into the compiled module, and classifies the 2,000 MNIST test digits with Node's
// probabilities (the same module on Dawn) to 1e-4 and dlc eval's accuracy; a digit
// painted on its canvas is classified as Node classifies those pixels; the RBM's
// features match Node's and its Gibbs chains produce images.
// Needs a Chromium binary (DLC_CHROMIUM, else chromium/chromium-browser on the
// PATH); .ci/run installs Debian's `chromium` where missing. Without one it skips.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadMnist } from '../../runtime/data/mnist-node';
import { runCli } from '../helpers/cli';
import { moduleScratchDir, repoRoot } from '../helpers/module-scratch';

interface ExampleScript {
  prepareExample(build: string, options: object): void;
  serveExample(build: string, port: number): Promise<Server>;
}

interface GeneratedModel {
  predict(inputs: { x: Float32Array }): Promise<{ prob: Float32Array }>;
  hidden(inputs: { v0: Float32Array }): Promise<{ h: Float32Array }>;
  loadSafetensors(bytes: Uint8Array, name?: string): void;
  saveSafetensors(): Promise<Uint8Array>;
  destroy(): void;
}

type ModuleOf = { createModel(): Promise<GeneratedModel> };

function findChromium(): string | undefined {
  if (process.env.DLC_CHROMIUM) return process.env.DLC_CHROMIUM;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return (
        execFileSync('sh', ['-c', `command -v ${name}`], {
          encoding: 'utf8',
        }).trim() || undefined
      );
    } catch {
      // not on the PATH
    }
  }
  return undefined;
}

const executable = findChromium();
if (!executable)
  console.warn("browser.test: no chromium binary (set DLC_CHROMIUM or install Debian's chromium); skipping");

// Small sizes keep SwiftShader quick: the RBM's chains run 1000 Gibbs steps a round.
const RBM_BATCH = 4;
const DEFINES = {
  mnist_mlp: { hidden: 64 },
  rbm: { nh: 16, batch: RBM_BATCH },
};
const build = moduleScratchDir('dlc-browser-');
const PIXELS = 784;

const toBase64 = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const fromBase64 = (s: string): Float32Array => {
  const bytes = Buffer.from(s, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};

/** Class probabilities of n digits, `batch` (or fewer) rows a call. */
async function classifyInNode(mlp: GeneratedModel, x: Float32Array, batch: number): Promise<Float32Array> {
  const rows = x.length / PIXELS;
  const out = new Float32Array(rows * 10);
  for (let s = 0; s < rows; s += batch) {
    const n = Math.min(batch, rows - s);
    out.set((await mlp.predict({ x: x.subarray(s * PIXELS, (s + n) * PIXELS) })).prob, s * 10);
  }
  return out;
}

function argmax(p: Float32Array, row: number): { best: number; margin: number } {
  const r = Array.from(p.subarray(row * 10, row * 10 + 10));
  const sorted = [...r].sort((a, b) => b - a);
  return { best: r.indexOf(sorted[0]!), margin: sorted[0]! - sorted[1]! };
}

describe.skipIf(!executable)('examples/browser in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let mlp: GeneratedModel;
  let rbm: GeneratedModel;
  const test = loadMnist().test;
  const x = test.x!.data as Float32Array;
  const y = test.y!.data as Int32Array;

  beforeAll(async () => {
    const script = (await import(pathToFileURL(join(repoRoot, 'scripts', 'serve-example.mjs')).href)) as ExampleScript;
    // The MLP is trained by dlc train; the RBM's weights are its initial ones, saved by the module.
    script.prepareExample(build, {
      defines: DEFINES,
      steps: 20,
      train: ['mnist_mlp'],
    });
    const load = async (name: string) => (await import(pathToFileURL(join(build, `${name}.js`)).href)) as ModuleOf;
    mlp = await (await load('mnist_mlp')).createModel();
    mlp.loadSafetensors(readFileSync(join(build, 'mnist_mlp.safetensors')), 'mnist_mlp.safetensors');
    rbm = await (await load('rbm')).createModel();
    writeFileSync(join(build, 'rbm.safetensors'), await rbm.saveSafetensors());
    server = await script.serveExample(build, 0);
    browser = await chromium.launch({
      executablePath: executable,
      args: ['--enable-unsafe-webgpu'],
    });
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => 'dlcExample' in window);
    await page.evaluate(() => (window as unknown as { dlcExample: { ready: Promise<void> } }).dlcExample.ready);
    expect(errors).toEqual([]);
    expect(await page.textContent('#status')).toMatch(/^Ready/);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    mlp?.destroy();
    rbm?.destroy();
  });

  it('classifies the test digits as Node does (1e-4) and as dlc eval counts them', async () => {
    const pageProbs = fromBase64(
      await page.evaluate(async (digits) => {
        const bytes = Uint8Array.from(atob(digits), (c) => c.charCodeAt(0));
        const ex = (
          window as unknown as {
            dlcExample: { classify(x: Float32Array): Promise<Float32Array> };
          }
        ).dlcExample;
        const probs = await ex.classify(new Float32Array(bytes.buffer));
        let s = '';
        const out = new Uint8Array(probs.buffer);
        for (let i = 0; i < out.length; i++) s += String.fromCharCode(out[i]!);
        return btoa(s);
      }, toBase64(x)),
    );
    const nodeProbs = await classifyInNode(mlp, x, 128);
    expect(pageProbs.length).toBe(y.length * 10);
    let worst = 0;
    for (let i = 0; i < nodeProbs.length; i++) worst = Math.max(worst, Math.abs(pageProbs[i]! - nodeProbs[i]!));
    expect(worst).toBeLessThan(1e-4);

    const r = await runCli([
      'eval',
      'examples/mnist_mlp.dl',
      '-D',
      'hidden=64',
      '--checkpoint',
      join(build, 'mnist_mlp.safetensors'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const evalAccuracy = (JSON.parse(r.stdout) as { test_accuracy: number; examples: number }).test_accuracy;
    let correct = 0;
    let ties = 0;
    for (let i = 0; i < y.length; i++) {
      const { best, margin } = argmax(pageProbs, i);
      if (best === y[i]) correct++;
      if (margin < 1e-4) ties++;
    }
    // Equal, but for digits whose top two classes lie within the devices' rounding.
    expect(Math.abs(correct - evalAccuracy * y.length)).toBeLessThanOrEqual(ties);
    expect(correct / y.length).toBeGreaterThan(0.5);
  }, 300_000);

  it('classifies a digit painted on the canvas as Node classifies its pixels', async () => {
    const digit = Array.from(x.subarray(0, PIXELS));
    const seen = await page.evaluate(async (d) => {
      const ex = (
        window as unknown as {
          dlcExample: {
            drawDigit(p: number[]): void;
            padPixels(): Float32Array;
            classifyPad(): Promise<{ label: number; probs: number[] }>;
          };
        }
      ).dlcExample;
      ex.drawDigit(d);
      return {
        pixels: Array.from(ex.padPixels()),
        ...(await ex.classifyPad()),
      };
    }, digit);
    for (let i = 0; i < PIXELS; i++)
      expect(Math.abs(seen.pixels[i]! - digit[i]!)).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
    const node = (await mlp.predict({ x: Float32Array.from(seen.pixels) })).prob;
    for (let k = 0; k < 10; k++) expect(Math.abs(seen.probs[k]! - node[k]!)).toBeLessThan(1e-4);
    expect(seen.label).toBe(argmax(node, 0).best);
    expect(await page.textContent('#label')).toBe(String(seen.label));
  }, 120_000);

  it("shows the RBM's samples, and its features match Node's", async () => {
    // 3 rows of a batch of 4: the page's module takes fewer rows too.
    const v0 = Float32Array.from(x.subarray(0, 3 * PIXELS), (p) => (p > 0.5 ? 1 : 0));
    const h = fromBase64(
      await page.evaluate(async (v) => {
        const ex = (
          window as unknown as {
            dlcExample: { hidden(v0: Float32Array): Promise<Float32Array> };
          }
        ).dlcExample;
        const out = new Uint8Array((await ex.hidden(Float32Array.from(v))).buffer);
        let s = '';
        for (let i = 0; i < out.length; i++) s += String.fromCharCode(out[i]!);
        return btoa(s);
      }, Array.from(v0)),
    );
    const node = (await rbm.hidden({ v0 })).h;
    expect(h.length).toBe(node.length);
    for (let i = 0; i < h.length; i++) expect(Math.abs(h[i]! - node[i]!)).toBeLessThan(1e-4);
    const samples = await page.evaluate(async () => {
      const ex = (
        window as unknown as {
          dlcExample: { generate(): Promise<Float32Array> };
        }
      ).dlcExample;
      const v = await ex.generate();
      return { length: v.length, inRange: v.every((p) => p >= 0 && p <= 1) };
    });
    expect(samples).toEqual({ length: RBM_BATCH * PIXELS, inRange: true });
    expect(await page.textContent('#rounds')).toBe('1 round, 1000 Gibbs steps');
  }, 300_000);
});
