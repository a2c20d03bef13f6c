// The generated declarations stand alone: a consumer project in a temporary folder
// outside the checkout (no dlc, no node_modules) type-checks a file that uses the
// module's typed API, under `strict` and each moduleResolution, without skipLibCheck.
// The folder also holds <model>.source.ts, which TypeScript must not pick up.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePlan, DEFAULT_LIMITS } from '../../../compiler/codegen/generate-plan';
import { writeModelFiles } from '../../../compiler/codegen/write';
import { MLP, mlpProgram } from './programs';

const dir = mkdtempSync(join(tmpdir(), 'dlc-consumer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Every misuse is marked: tsc reports an unused @ts-expect-error, so each must stay an error.
const consumer = `
import { createModel, TinyMlp } from './out/tiny_mlp.js';
import type { ModelOptions, ParamName, ScalarName, StepOutputs } from './out/tiny_mlp.js';

const options: ModelOptions = { seed: 1, checkNumerics: false };
const model: TinyMlp = await createModel(options);
const x = new Float32Array(${MLP.batch * MLP.nIn});
const y = new Float32Array(${MLP.batch * MLP.nOut});
const { loss } = await model.step({ x, y }, { outputs: ['loss'] });
const lossNumber: number = loss;
const { prob } = await model.predict({ x });
const row: Float32Array = prob.subarray(0, ${MLP.nOut});
const name: ParamName = 'W1';
model.setParams({ [name]: new Float32Array(1) });
model.setScalar('lr' satisfies ScalarName, 0.1);
const bytes: Uint8Array = await model.saveSafetensors();
model.loadSafetensors(bytes, 'weights.safetensors');
const picked: Pick<StepOutputs, 'loss'> = await model.step({ x, y }, { outputs: ['loss'] });
// @ts-expect-error: not a param
model.setParams({ W9: new Float32Array(1) });
// @ts-expect-error: not a param name
const wrong: ParamName = 'W3';
// @ts-expect-error: not a scalar
model.setScalar('rate', 1);
// @ts-expect-error: x is a Float32Array
await model.predict({ x: new Int32Array(4) });
// @ts-expect-error: predict has no output 'loss'
await model.predict({ x }, { outputs: ['loss'] });
// @ts-expect-error: models come from createModel
new TinyMlp();
export { lossNumber, row, picked, wrong };
`;

beforeAll(async () => {
  await writeModelFiles(generatePlan(mlpProgram(), { family: 'register', limits: DEFAULT_LIMITS }), join(dir, 'out'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  writeFileSync(join(dir, 'consumer.ts'), consumer);
});

const settings = [
  { moduleResolution: 'NodeNext', module: 'NodeNext', lib: ['lib.es2023.d.ts'] },
  { moduleResolution: 'Node16', module: 'Node16', lib: ['lib.es2023.d.ts'] },
  { moduleResolution: 'bundler', module: 'ESNext', lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'] },
] as const;

describe('generated declarations without dlc installed', () => {
  it.each(settings)('type-check a consumer under moduleResolution $moduleResolution', (setting) => {
    const { options, errors } = ts.convertCompilerOptionsFromJson(
      {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module: setting.module,
        moduleResolution: setting.moduleResolution,
        types: [],
      },
      dir,
    );
    expect(errors).toEqual([]);
    options.lib = [...setting.lib];
    const program = ts.createProgram([join(dir, 'consumer.ts')], options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const file = d.file ? `${d.file.fileName.slice(dir.length + 1)}:${where!.line + 1}: ` : '';
      return `${file}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(diagnostics).toEqual([]);
    const files = program
      .getSourceFiles()
      .map((f) => f.fileName.slice(dir.length + 1))
      .filter((f) => !f.includes('node_modules'));
    // The declarations, never the 200 KB source beside them.
    expect(files.filter((f) => !f.startsWith('..') && !/lib\..*\.d\.ts$/.test(f)).sort()).toEqual([
      'consumer.ts',
      'out/dlc-runtime.d.ts',
      'out/tiny_mlp.d.ts',
    ]);
  });
});
