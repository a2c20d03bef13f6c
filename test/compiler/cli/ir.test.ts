// `dlc ir` run in-process on test/compiler/cli/fixtures/tiny_dense.dl (a two-layer net whose
// dense layer is defined in the file): every stage in every format it allows against
// golden files in test/compiler/cli/golden/ir/ (refresh with UPDATE_GOLDEN=1 and review the
// diff), spans on the backward nodes, usage errors and a located type error.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { makeIrCommand } from '../../../compiler/cli/commands/ir';
import { lowerFile } from '../../../compiler/lower/index';
import { runCli } from '../../helpers/cli';

const here = __dirname;
const goldenDir = join(here, 'golden', 'ir');
const update = process.env.UPDATE_GOLDEN === '1';
// Paths relative to the working directory (the repo root under vitest), so spans read the same on every machine.
const fixture = (name: string): string => relative(process.cwd(), join(here, 'fixtures', name));
const TINY = fixture('tiny_dense.dl');

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function ir(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = sink();
  const err = sink();
  const code = await makeIrCommand(lowerFile, { stdout: out.stream, stderr: err.stream }).run(argv);
  return { code, stdout: out.text(), stderr: err.text() };
}

function golden(name: string, actual: string): void {
  const path = join(goldenDir, name);
  if (update) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(path, actual);
  }
  if (!existsSync(path)) throw new Error(`${path} is missing: run with UPDATE_GOLDEN=1 and review it`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

const GOLDENS: readonly (readonly [string, readonly string[]])[] = [
  ['tiny.lowered.txt', ['--stage', 'lowered']],
  ['tiny.lowered.json', ['--stage', 'lowered', '--format', 'json']],
  ['tiny.lowered.dot', ['--stage', 'lowered', '--format', 'dot']],
  ['tiny.grad.txt', ['--stage', 'grad']],
  ['tiny.grad.json', ['--stage', 'grad', '--format', 'json', '--entry', 'step']],
  ['tiny.grad.dot', ['--stage', 'grad', '--format', 'dot', '--entry', 'step']],
  ['tiny.optimized.txt', ['--stage', 'optimized']],
  ['tiny.optimized-O0.txt', ['--stage', 'optimized', '-O0', '--entry', 'step']],
  ['tiny.optimized.json', ['--stage', 'optimized', '--format', 'json', '--entry', 'step']],
  ['tiny.optimized.dot', ['--stage', 'optimized', '--format', 'dot', '--entry', 'step']],
  ['tiny.planned.txt', ['--stage', 'planned', '--target', 'portable']],
  ['tiny.planned-O0.txt', ['--stage', 'planned', '-O0', '--target', 'portable']],
  ['tiny.planned.json', ['--stage', 'planned', '--format', 'json', '--entry', 'predict', '--target', 'portable']],
  ['tiny.wgsl.txt', ['--stage', 'wgsl', '--entry', 'predict', '--target', 'portable']],
  [
    'tiny.wgsl-register.json',
    ['--stage', 'wgsl', '--format', 'json', '--entry', 'predict', '--family', 'register', '--target', 'portable'],
  ],
];

describe('dlc ir goldens', () => {
  for (const [name, args] of GOLDENS) {
    test(`${name}: dlc ir tiny_dense.dl ${args.join(' ')}`, async () => {
      const r = await ir(TINY, ...args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      golden(name, r.stdout);
    });
  }
});

describe('dlc ir stages', () => {
  test('grad: backward nodes carry the spans of the forward code they differentiate', async () => {
    const { stdout } = await ir(TINY, '--stage', 'grad', '--entry', 'step');
    const lines = stdout.split('\n');
    // The gradient of `x @ W` (the layer's line 5) with W transposed, and the update written by `minimize` (line 21).
    const backward = lines.filter((l) => /= matmul .*transpose_b=true/.test(l));
    expect(backward.length).toBeGreaterThan(0);
    for (const l of backward) expect(l).toMatch(new RegExp(`# ${TINY.replace(/[.\\/]/g, '\\$&')}:5:12$`));
    expect(lines.filter((l) => /^\s+assign /.test(l)).every((l) => l.endsWith(`# ${TINY}:21:5`))).toBe(true);
  });

  test('lowered: the train entry has its loss and no backward pass or update', async () => {
    const lowered = (await ir(TINY, '--stage', 'lowered', '--entry', 'step')).stdout;
    const grad = (await ir(TINY, '--stage', 'grad', '--entry', 'step')).stdout;
    expect(lowered).toContain('return loss=');
    expect(lowered).not.toMatch(/transpose_b=true|assign /);
    expect(grad).toMatch(/transpose_b=true/);
    expect(grad).toMatch(/assign /);
  });

  test('-D changes the hyperparameters the graphs are built from', async () => {
    const { stdout, code } = await ir(TINY, '--stage', 'lowered', '--entry', 'predict', '-D', 'batch=7');
    expect(code).toBe(0);
    expect(stdout).toContain('# model tiny [batch=7, hidden=3]');
    expect(stdout).toContain('input %x: f32[7,5]');
  });
});

describe('dlc ir --format dot', () => {
  test('labels spans with the file name only, however it was given; assign nodes name their target', async () => {
    const dot = ['--stage', 'grad', '--format', 'dot', '--entry', 'step'];
    const absolute = await ir(join(here, 'fixtures', 'tiny_dense.dl'), ...dot);
    expect(absolute.code).toBe(0);
    expect(absolute.stdout).not.toContain(here);
    expect(absolute.stdout).toContain('tiny_dense.dl:21:5');
    expect(absolute.stdout).toBe((await ir(TINY, ...dot)).stdout);
    expect(absolute.stdout).toContain('label="assign → fc1.W\\ntiny_dense.dl:21:5"');
    expect(absolute.stdout).not.toContain('label="assign\\n');
  });
});

describe('dlc ir errors', () => {
  test('an unknown stage is a usage error naming the stages', async () => {
    const r = await ir(TINY, '--stage', 'fused');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("dlc: error: unknown stage 'fused' (stages: lowered, grad, optimized, planned, wgsl)\n");
    expect(r.stdout).toBe('');
  });

  test('an unknown entry is a usage error naming the entries that exist', async () => {
    const r = await ir(TINY, '--entry', 'train');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("dlc: error: model 'tiny' has no entry point 'train' (entry points: predict, step)\n");
  });

  test('dot is refused for the plan stages, unknown formats and levels are usage errors', async () => {
    expect(await ir(TINY, '--stage', 'planned', '--format', 'dot')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'dlc: error: --format dot draws graphs; the planned stage is an execution plan (use text or json)\n',
    });
    expect((await ir(TINY, '--format', 'svg')).stderr).toBe(
      "dlc: error: unknown format 'svg' (formats: text, json, dot)\n",
    );
    expect((await ir(TINY, '-O3')).stderr).toBe('dlc: error: -O3: optimization levels are 0, 1 and 2\n');
    expect((await ir(TINY, '--family', 'fast')).code).toBe(2);
    expect((await ir()).code).toBe(2);
  });

  test('a missing file is an I/O error (exit 2)', async () => {
    const r = await ir(fixture('no_such_model.dl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`dlc: error: cannot read '${fixture('no_such_model.dl')}': no such file\n`);
  });

  test('a type error is printed located, with the source line, and exits 1', async () => {
    const file = fixture('type_error.dl');
    const r = await ir(file, '--stage', 'grad');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(
      `${file}:6:37: error: add: shapes f32[4,3], f32[4,5] cannot be broadcast together (dimension 1 is 3 vs 5)`,
    );
    expect(r.stderr).toContain(' 6 |   infer predict(x) -> y { y = x @ W + x }');
  });
});

describe('the built CLI', () => {
  test('dlc ir is a registered subcommand printing what the command prints in-process', async () => {
    const args = [TINY, '--stage', 'lowered', '--entry', 'predict'];
    const built = await runCli(['ir', ...args]);
    expect(built.code).toBe(0);
    expect(built.stdout).toBe((await ir(...args)).stdout);
    const bad = await runCli(['ir', TINY, '--stage', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("dlc: error: unknown stage 'nope'");
  });
});

describe('examples', () => {
  const mnist = relative(process.cwd(), join(here, '..', '..', '..', 'examples', 'mnist_mlp.dl'));
  test('dlc ir examples/mnist_mlp.dl --stage grad shows the backward pass with spans', async () => {
    const r = await ir(mnist, '--stage', 'grad');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    golden('mnist_mlp.grad.txt', r.stdout);
  });
});
