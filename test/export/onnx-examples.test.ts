// dlc export over every example: each infer entry exports (initial weights, seed 0)
// and ONNX Runtime's output matches the float64 reference executor's on real digits
// at another batch size than the one lowered; a model without an infer entry, or
// with ops ONNX cannot express, is refused with the reason (golden text, .dl lines).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import '../../compiler/ops/index';
import { allOps } from '../../compiler/ops/registry';
import { lowerFile } from '../../compiler/lower/index';
import { createReferenceRunner } from '../../compiler/reference/runner';
import { makeExportCommand } from '../../compiler/cli/commands/export';
import { NOT_EXPORTED, ONNX_OPS } from '../../compiler/export/onnx/ops';
import { decodeModel } from '../../compiler/export/onnx/proto';
import { mnistBatch } from '../examples/zoo-harness';
import { dlcStderr, runCli } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'dlc-onnx-all-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sink(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  return { stream: new Writable({ write: (c, _e, done) => ((text += String(c)), done()) }), text: () => text };
}

/** `dlc export ARGV` in process, as the CLI runs it. */
async function exportTo(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [out, err] = [sink(), sink()];
  const code = await makeExportCommand(lowerFile, { stdout: out.stream, stderr: err.stream }).run([...argv]);
  return { code, stdout: out.text(), stderr: err.text() };
}

const defineArgs = (defines: Record<string, number>) =>
  Object.entries(defines).flatMap(([k, v]) => ['-D', `${k}=${v}`]);

/** Small sizes so the reference executor is quick; batch 6 lowered, 4 fed to ONNX Runtime. */
const SMALL: Record<string, number> = { batch: 6, hidden: 32, nh: 24, pieces: 2 };

describe('dlc export over examples/', () => {
  const files = readdirSync('examples')
    .filter((f) => f.endsWith('.dl'))
    .sort();
  for (const name of files) {
    const file = join('examples', name);
    const lowered = lowerFile(file, { defines: {}, stage: 'lowered' });
    const hyper = lowered.program!.hyper;
    const defines = Object.fromEntries(Object.entries(SMALL).filter(([k]) => k in hyper));
    const program = lowerFile(file, { defines, stage: 'lowered' }).program!;
    const infer = program.entries.filter((e) => e.kind === 'infer');
    if (infer.length === 0) {
      it(`${name}: no infer entry, nothing to export`, async () => {
        const r = await exportTo([file, '-o', join(dir, 'none.onnx'), ...defineArgs(defines)]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/^dlc: error: model '\w+' has no infer entry point/);
      });
    }
    // An entry without inputs (dqn_catch's greedy games, played in a loop) is refused at its .dl line.
    for (const entry of infer.filter((e) => !e.graph.args.some((a) => a.kind === 'input'))) {
      it(`${name} ${entry.name}: no inputs, refused at its .dl line`, async () => {
        const r = await exportTo([file, '-o', join(dir, 'none.onnx'), '--entry', entry.name, ...defineArgs(defines)]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`^examples/${name}:\\d+:\\d+: error: cannot export '\\w+' to ONNX`));
      });
    }
    for (const entry of infer.filter((e) => e.graph.args.some((a) => a.kind === 'input'))) {
      // An infer entry that samples (sfnn's importance-sampled NLL) is refused at its draw.
      const refused = entry.graph.nodes.find((n) => n.op in NOT_EXPORTED);
      if (refused) {
        it(`${name} ${entry.name}: refused, it uses '${refused.op}'`, async () => {
          const r = await exportTo([
            file,
            '-o',
            join(dir, 'refused.onnx'),
            '--entry',
            entry.name,
            ...defineArgs(defines),
          ]);
          expect(r.code).toBe(1);
          expect(r.stderr).toContain(`: error: cannot export '${refused.op}' to ONNX: it ${NOT_EXPORTED[refused.op]}`);
        });
        continue;
      }
      it(`${name} ${entry.name}: ONNX Runtime matches the reference (initial weights, batch 4 of 6)`, async () => {
        const out = join(dir, `${program.model}.${entry.name}.onnx`);
        const r = await exportTo([file, '-o', out, '--entry', entry.name, ...defineArgs(defines)]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const model = decodeModel(readFileSync(out));
        expect(Number(model.opsetImport[0]!.version)).toBeGreaterThanOrEqual(17);
        const input = entry.graph.args.find((a) => a.kind === 'input')!;
        expect(model.graph?.input?.[0]?.type?.tensorType?.shape?.dim?.[0]?.dimParam).toBe('N');

        const example = input.value.type.shape.slice(1);
        // Digits' pixels, as many per row as the input takes (tica's 8×8 patches: 64).
        const digits = mnistBatch(6).x.slice(0, 6 * example.reduce((a, b) => a * b, 1));
        const reference = createReferenceRunner(program, 0);
        const want = await reference.run(entry.name, { [input.name]: digits });
        const session = await ort.InferenceSession.create(out);
        const got = await session.run({
          [input.name]: new ort.Tensor('float32', digits.slice(0, (4 * digits.length) / 6), [4, ...example]),
        });
        for (const result of entry.graph.results) {
          const w = want[result.name] as Float32Array;
          const g = got[result.name]!.data as Float32Array;
          const per = w.length / 6;
          expect(g.length).toBe(4 * per);
          let worst = 0;
          for (let i = 0; i < g.length; i++)
            worst = Math.max(worst, Math.abs(g[i]! - w[i]!) / Math.max(1, Math.abs(w[i]!)));
          expect(worst, `${result.name}`).toBeLessThan(1e-4);
        }
      });
    }
  }

  // test/export/golden/X.dl → X.txt: what `dlc export` prints for a model it refuses.
  const goldens = readdirSync('test/export/golden').filter((f) => f.endsWith('.dl'));
  it.each(goldens)('refuses %s at its .dl lines, nothing written (golden text, the built CLI)', async (name) => {
    const file = `test/export/golden/${name}`;
    const out = join(dir, `${name}.onnx`);
    const r = await runCli(['export', file, '-o', out]);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    const golden = file.replace(/\.dl$/, '.txt');
    const text = dlcStderr(r) + '\n';
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden)) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, 'utf8'));
  });

  it('--fixed-batch keeps the lowered batch', async () => {
    const out = join(dir, 'fixed.onnx');
    const r = await exportTo(['examples/mnist_mlp.dl', '-o', out, '--fixed-batch', '-D', 'batch=3', '-D', 'hidden=16']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('fixed shapes (batch = 3)');
    const dims = decodeModel(readFileSync(out)).graph?.input?.[0]?.type?.tensorType?.shape?.dim?.map((d) =>
      Number(d.dimValue),
    );
    expect(dims).toEqual([3, 784]);
  });

  it.each([
    [['examples/mnist_mlp.dl'], /^dlc: error: dlc export needs --out OUT\.onnx/],
    [
      ['examples/mnist_mlp.dl', '-o', 'x.onnx', '--seed', '1', '--checkpoint', 'c'],
      /^dlc: error: --seed picks initial weights; a --checkpoint has its own/,
    ],
    [
      ['examples/rbm.dl', '-o', 'x.onnx', '--entry', 'cd'],
      /^dlc: error: entry point 'cd' of model 'rbm' is a train entry, not a infer entry/,
    ],
    [
      ['examples/mnist_mlp.dl', '-o', 'x.onnx', '--checkpoint', 'no/such.safetensors'],
      /^dlc: error: no\/such\.safetensors: cannot read checkpoint: ENOENT/,
    ],
  ])('usage and I/O errors exit 2: %j', async (argv, message) => {
    const r = await exportTo(argv.map((a) => (a === 'x.onnx' ? join(dir, a) : a)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('the ONNX op table', () => {
  it('has every registered op exactly once: exported by a rule or refused with a reason', () => {
    const names = allOps()
      .map((o) => o.name)
      .sort();
    const both = names.filter((n) => n in ONNX_OPS && n in NOT_EXPORTED);
    const neither = names.filter((n) => !(n in ONNX_OPS) && !(n in NOT_EXPORTED));
    expect({ both, neither }).toEqual({ both: [], neither: [] });
    expect([...Object.keys(ONNX_OPS), ...Object.keys(NOT_EXPORTED)].sort()).toEqual(names);
  });
});
