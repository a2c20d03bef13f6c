// The generated module: written to a temporary folder, type-checked against the
// runtime, imported by a plain Node script (no dlc code but the module) that trains
// on a fixed batch, and bundled for the browser with no Node-only import.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { generatePlan, DEFAULT_LIMITS } from '../../../compiler/codegen/generate-plan';
import { emitModule } from '../../../compiler/codegen/module';
import { runtimeEntry } from '../../../compiler/codegen/bundle';
import { writeModelFiles } from '../../../compiler/codegen/write';
import { moduleScratchDir, repoRoot } from '../../helpers/module-scratch';
import { MLP, mlpProgram } from './programs';

const run = promisify(execFile);
const root = repoRoot;
const dir = moduleScratchDir('dlc-module-test-');

const plan = generatePlan(mlpProgram(), { family: 'register', limits: DEFAULT_LIMITS });

// One fixed batch: targets are the class of the largest of the first three inputs.
const script = `
import { createModel } from './tiny_mlp.js';
const model = await createModel({ seed: 3 });
const x = new Float32Array(${MLP.batch * MLP.nIn});
for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 1.7);
const y = new Float32Array(${MLP.batch * MLP.nOut});
for (let r = 0; r < ${MLP.batch}; r++) {
  const row = x.subarray(r * ${MLP.nIn}, r * ${MLP.nIn} + 3);
  y[r * ${MLP.nOut} + row.indexOf(Math.max(...row))] = 1;
}
const losses = [];
for (let i = 0; i < 40; i++) {
  const { loss } = await model.step({ x, y });
  losses.push(loss);
  await model.step({ x, y }, { outputs: [] });
}
const { prob } = await model.predict({ x });
const sums = [];
for (let r = 0; r < ${MLP.batch}; r++) sums.push(prob.subarray(r * ${MLP.nOut}, (r + 1) * ${MLP.nOut}).reduce((a, b) => a + b, 0));
const saved = await model.save();
model.setScalar('lr', 0);
const frozen = (await model.step({ x, y })).loss;
const again = (await model.step({ x, y })).loss;
let error = '';
try { await model.step({ x: new Float32Array(3), y }); } catch (e) { error = e.message; }
const fresh = await createModel({ seed: 3 });
fresh.loadSafetensors(await model.saveSafetensors(), 'weights.safetensors');
const reloaded = Array.from((await fresh.predict({ x })).prob);
const predicted = Array.from((await model.predict({ x })).prob);
const names = Object.keys(saved);
console.log(JSON.stringify({ losses, sums, names, frozen, again, error, compileMs: model.compileMs, reloaded, predicted }));
`;

describe('generated module', () => {
  it('declares typed entry methods and the factory', () => {
    const { ts, dts } = emitModule(plan);
    expect(ts).toContain("from 'dlc/runtime'");
    expect(ts).not.toMatch(/compiler\//);
    expect(dts).toMatch(/export interface StepInputs \{[^}]*readonly x: Float32Array;[^}]*readonly y: Float32Array;/s);
    expect(dts).toMatch(/export interface StepOutputs \{[^}]*loss: number;/s);
    expect(dts).toMatch(/export interface PredictOutputs \{[^}]*prob: Float32Array;/s);
    expect(dts).toContain('step<K extends keyof StepOutputs = keyof StepOutputs>(inputs: StepInputs');
    expect(dts).toContain('export declare function createModel(options?: ModelOptions): Promise<TinyMlp>;');
    expect(dts).toContain('export type ScalarName = "lr";');
    expect(dts).toContain('export type ParamName = "W1" | "b1" | "W2" | "b2";');
  });

  it('type-checks against the runtime', async () => {
    const { ts } = emitModule(plan);
    writeFileSync(join(dir, 'check.ts'), ts);
    // Param and scalar names are literal unions: a misspelt one is a type error (tsc fails on an unused expect-error).
    const consumer = [
      "import { createModel } from './check';",
      'const model = await createModel();',
      'model.setParams({ W1: new Float32Array(1) });',
      '// @ts-expect-error: not a param',
      'model.setParams({ W9: new Float32Array(1) });',
      '// @ts-expect-error: not a scalar',
      "model.setScalar('rate', 1);",
      'const w: Float32Array | Int32Array | Uint32Array = (await model.params()).b2;',
      'export { w };',
    ].join('\n');
    writeFileSync(join(dir, 'consumer.ts'), consumer);
    const tsconfig = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        lib: ['ES2023', 'DOM'],
        types: ['node', '@webgpu/types'],
        skipLibCheck: true,
        paths: { 'dlc/runtime': [runtimeEntry()] },
      },
      files: [join(dir, 'check.ts'), join(dir, 'consumer.ts')],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    await run(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')],
      { cwd: root },
    ).catch((err) => {
      throw new Error(`tsc failed on the generated module:\n${err.stdout}${err.stderr}`);
    });
  });

  it('is imported by a plain Node script that trains on a fixed batch', async () => {
    await writeModelFiles(plan, dir);
    writeFileSync(join(dir, 'train.mjs'), script);
    const { stdout } = await run(process.execPath, [join(dir, 'train.mjs')], { cwd: dir, timeout: 120_000 });
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(result.losses[0]).toBeGreaterThan(0);
    expect(result.losses.at(-1)).toBeLessThan(result.losses[0] * 0.7);
    for (const s of result.sums) expect(s).toBeCloseTo(1, 5);
    expect(result.names).toEqual(['W1', 'b1', 'W2', 'b2']);
    // With the learning rate set to 0 the params stop moving.
    expect(result.again).toBeCloseTo(result.frozen, 6);
    expect(result.error).toBe(
      "step: input 'x' expects a Float32Array of 40 elements (f32[8,5]), given Float32Array of 3 elements",
    );
    expect(result.compileMs).toBeGreaterThan(0);
    // The weights file round-trips: a fresh model loaded from it predicts the same probabilities.
    expect(result.reloaded).toEqual(result.predicted);
  });

  it('bundles for the browser without Node-only imports', async () => {
    const { ts } = emitModule(plan);
    const result = await build({
      stdin: { contents: ts, loader: 'ts', sourcefile: 'tiny_mlp.ts', resolveDir: dirname(runtimeEntry()) },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      alias: { 'dlc/runtime': runtimeEntry() },
      external: ['webgpu'],
      metafile: true,
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile!.outputs).flatMap((o) => o.imports);
    expect(imports.filter((i) => i.external).map((i) => `${i.kind} ${i.path}`)).toEqual(['dynamic-import webgpu']);
    expect(Object.keys(result.metafile!.inputs).filter((p) => /-node\.ts$|^node:/.test(p))).toEqual([]);
  });
});
