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
import { liveNodes } from '../../compiler/export/onnx/export';
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
      // An infer entry that samples (sfnn's importance-sampled NLL) is refused at its draw; a node
      // the results do not read (alexnet_small's lcn when -D norm picks lrn) is not exported at all.
      const live = liveNodes(entry.graph);
      const refused = entry.graph.nodes.find((n) => live.has(n) && n.op in NOT_EXPORTED);
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
        const argv = [file, '-o', out, '--entry', entry.name, ...defineArgs(defines)];
        let r = await exportTo(argv);
        // An entry whose shapes do not follow the batch (skipgram's score halves it) is refused
        // a dynamic batch axis, naming the flag; with --fixed-batch it exports at the lowered batch.
        const fixed = r.code === 1 && /export with --fixed-batch\n/.test(r.stderr);
        if (fixed) r = await exportTo([...argv, '--fixed-batch']);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const model = decodeModel(readFileSync(out));
        expect(Number(model.opsetImport[0]!.version)).toBeGreaterThanOrEqual(17);
        const inputs = entry.graph.args.filter((a) => a.kind === 'input');
        const dim0 = model.graph?.input?.[0]?.type?.tensorType?.shape?.dim?.[0];
        if (fixed) expect(Number(dim0?.dimValue)).toBe(6);
        else expect(dim0?.dimParam).toBe('N');
        const rows = fixed ? 6 : 4;

        // Each input at its own shape: digits' pixels for f32 (tica's 8×8 patches: 64 per row),
        // small ids for i32 (labels and word ids: every example's gather tables hold 7 rows or more).
        const feeds = inputs.map((input) => {
          const example = input.value.type.shape.slice(1);
          const per = example.reduce((a, b) => a * b, 1);
          const data =
            input.value.type.dtype === 'f32'
              ? mnistBatch(6).x.slice(0, 6 * per)
              : Int32Array.from({ length: 6 * per }, (_, i) => (i * 3) % 7);
          return { name: input.name, example, per, data };
        });
        const reference = createReferenceRunner(program, 0);
        const want = await reference.run(entry.name, Object.fromEntries(feeds.map((f) => [f.name, f.data])));
        const session = await ort.InferenceSession.create(out);
        const got = await session.run(
          Object.fromEntries(
            feeds.map((f) => [
              f.name,
              new ort.Tensor(f.data instanceof Int32Array ? 'int32' : 'float32', f.data.slice(0, rows * f.per), [
                rows,
                ...f.example,
              ]),
            ]),
          ),
        );
        for (const result of entry.graph.results) {
          const value = want[result.name];
          // A scalar result (skipgram's mean cosines) comes back as a number.
          const w = typeof value === 'number' ? Float32Array.of(value) : (value as Float32Array);
          const g = got[result.name]!.data as Float32Array;
          expect(g.length).toBe(result.value.type.shape.length === 0 ? 1 : (rows * w.length) / 6);
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
