// Differential test: `dlc check` and `dlc compile` agree on mutated examples. A mutant check finds clean must
// compile (up to the generated module; no device); a mutant compile refuses must have a check diagnostic in
// the user's file; nothing may escape as an internal error. DLC_DIFF_CASES=N runs a bigger sample,
// DLC_DIFF_SEED=S another one.
import { expect, test } from 'vitest';
import { compileProgram } from '../../compiler/driver';
import { emitModule } from '../../compiler/codegen/module';
import { lowerFile } from '../../compiler/lower/index';
import { checkMutant, exampleSources, expectLocatedDiagnostic } from '../helpers/example-fuzz';
import { mutateSource } from '../helpers/mutate-source';
import { rng } from '../helpers/rng';

const read =
  (text: string) =>
  (p: string): Uint8Array => {
    if (p === 'fuzz.dl') return new TextEncoder().encode(text);
    throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  };

/** What `dlc compile` says of `text`: undefined when it compiles, else why not. */
function compileMutant(text: string): string | undefined {
  const lowered = lowerFile('fuzz.dl', {}, read(text));
  const error = lowered.diagnostics.find((d) => d.severity === 'error');
  if (error) return error.message;
  if (!lowered.program) return 'no program';
  try {
    emitModule(compileProgram(lowered.program, { level: 2, family: 'register' }).plan);
    return undefined;
  } catch (err) {
    return err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
  }
}

/** `dlc check` of `text`: its first error, as `line:col: message`, or undefined when clean. */
function checkError(text: string): string | undefined {
  const d = checkMutant(text).diagnostics.find((x) => x.severity === 'error');
  return d && `${d.span.file}:${d.span.line}:${d.span.col}: ${d.message}`;
}

/** Regressions the differential test found or the issue listed: check and compile must refuse each alike. */
const REFUSED: readonly { name: string; text: string; at: string }[] = [
  {
    // Planning refused this unlocated ("tensor 'fc2.W' ... the device's maxStorageBufferBindingSize").
    name: 'a param over the binding limit, in a prelude layer',
    text: exampleSources.find((t) => t.includes('model mnist_mlp'))!.replace('hidden = 1024', 'hidden = 8192'),
    at: "fuzz.dl:8:3: param 'fc2.W' (f32[8192,8192]) takes 256 MiB",
  },
  {
    // A loop's gradient stacks its carries over the steps: only autodiff makes this tensor.
    name: 'the carries a loop gradient keeps',
    text: `model m(steps = 4096) {
  input x: f32[64, 256]
  param W: f32[256, 256] = glorot_uniform
  train step(x) -> loss {
    h = repeat steps carry h = x { h = tanh(h @ W) }
    loss = mean(h * h)
    minimize loss with sgd(lr = 0.1)
  }
}
`,
    at: 'fuzz.dl:5:9: a tensor the gradient of this expression needs (f32[64,4096,256]) takes 256 MiB',
  },
];

for (const c of REFUSED) {
  test(`check and compile both refuse ${c.name}`, () => {
    expect(checkError(c.text)).toContain(c.at);
    expect(compileMutant(c.text)).toContain(c.at.replace(/^fuzz\.dl:\d+:\d+: /, ''));
  });
}

test('check and compile agree on mutated examples', () => {
  const rand = rng(Number(process.env['DLC_DIFF_SEED'] ?? 20261205));
  const cases = Number(process.env['DLC_DIFF_CASES'] ?? 120);
  const disagreements: string[] = [];
  let compiled = 0;
  for (let i = 0; i < cases; i++) {
    const text = mutateSource(exampleSources[i % exampleSources.length]!, rand);
    const checked = checkMutant(text);
    const lines = text.split('\n').length;
    for (const d of checked.diagnostics) expectLocatedDiagnostic(d, i, lines);
    const checkError = checked.diagnostics.some((d) => d.severity === 'error');
    const reported = checked.diagnostics.some((d) => d.span.file === 'fuzz.dl');
    if (checkError) continue;
    if (process.env['DLC_DIFF_TRACE']) process.stderr.write(`case ${i}\n`);
    const failure = compileMutant(text);
    if (failure === undefined) compiled++;
    else if (!reported) disagreements.push(`case ${i}: check clean, compile: ${failure}\n${text}`);
  }
  expect(disagreements.slice(0, 3).join('\n----\n')).toBe('');
  // A sample in which nothing compiles tests nothing.
  expect(compiled).toBeGreaterThan(cases / 10);
}, 300_000);
