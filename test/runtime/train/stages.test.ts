// `dlc train FILE` with a `schedule { ... }`: update entries run on their steps,
// stages run in order with records that name them, `--stage` runs one, and a run
// stopped mid-stage resumes to the same bytes as one run straight through.
import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { lowerFile } from '../../../compiler/lower/index';
import { readCheckpoint } from '../../../runtime/checkpoint/file-node';
import { writeNpy } from '../../../runtime/data/npy-node';
import { hostTensor } from '../../../runtime/data/tensor';
import { DlcError } from '../../../runtime/errors';
import { runCommand, tempDir } from './harness';

const staged = 'test/runtime/train/fixtures/stages.dl';
const syncEvery = 'test/runtime/train/fixtures/sync_every.dl';

function tensor(path: string, name: string): Uint8Array {
  const t = readCheckpoint(path).tensors[name]!;
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

function dataDir(dir: string): string {
  const data = join(dir, 'data');
  mkdirSync(data);
  const n = 20; // the seeded 80/20 split leaves 16 training rows: 4 steps per epoch at batch 4
  writeNpy(
    join(data, 'x.npy'),
    hostTensor(
      'f32',
      [n, 2],
      Float32Array.from({ length: 2 * n }, (_, i) => ((i * 37) % 11) / 4),
    ),
  );
  return data;
}

async function train(argv: string[]) {
  const r = await runCommand('train', lowerFile, argv);
  expect(r.code).toBe(0);
  return r;
}

describe('training schedules', () => {
  it('calls an update entry every 3 steps: target holds w as it was after step 6', async () => {
    const dir = tempDir();
    const at = (steps: number) => join(dir, `s${steps}`);
    for (const steps of [2, 3, 6, 7])
      await train([syncEvery, '--backend', 'reference', '--steps', String(steps), '--checkpoint', at(steps)]);
    expect([...tensor(at(2), 'target')].every((b) => b === 0)).toBe(true); // not yet called
    expect(tensor(at(3), 'target')).toEqual(tensor(at(3), 'w'));
    expect(tensor(at(7), 'target')).toEqual(tensor(at(6), 'w'));
    expect(tensor(at(7), 'w')).not.toEqual(tensor(at(6), 'w'));
  });

  it('runs the stages in order on the device, and a run stopped mid-stage-2 resumes to the same bytes', async () => {
    const dir = tempDir();
    const data = dataDir(dir);
    const whole = join(dir, 'whole');
    const parts = join(dir, 'parts');
    const r = await train([staged, '--data', data, '--checkpoint', whole, '--json', '--order', 'striped']);
    const records = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { stage: string; step: number; stage_done?: boolean; final?: boolean });
    expect(records.map((x) => `${x.stage}:${x.step}${x.stage_done ? ' done' : ''}${x.final ? ' final' : ''}`)).toEqual([
      'one:4',
      'one:8',
      'one:8 done',
      'two:4',
      'two:8',
      'two:12',
      'two:12 done',
      'two:12 final',
    ]);
    expect(readCheckpoint(whole).info.extra?.['train.stage']).toBe('two');
    // 8 steps of stage one, then 5 of stage two's 12; then the rest.
    const first = await train([staged, '--data', data, '--checkpoint', parts, '--steps', '13', '--order', 'striped']);
    expect(first.stdout).toContain('stage two: training staged.fit_v on');
    expect(first.stdout).toContain('(stopped by --steps 13 of 20)');
    expect(readCheckpoint(parts).info.step).toBe(5);
    const rest = await train([staged, '--data', data, '--checkpoint', parts, '--resume']); // the order comes from the checkpoint
    expect(rest.stdout).not.toContain('stage one:');
    expect(rest.stdout).toContain('resuming at step 5');
    expect(Object.keys(readCheckpoint(whole).tensors).length).toBeGreaterThan(3); // optimizer slots too
    for (const name of Object.keys(readCheckpoint(whole).tensors))
      expect(tensor(parts, name), name).toEqual(tensor(whole, name));
    // Stopped in stage one: the resumed run finishes it and runs stage two in the same order.
    const early = join(dir, 'early');
    await train([staged, '--data', data, '--checkpoint', early, '--steps', '5', '--order', 'striped']);
    await train([staged, '--data', data, '--checkpoint', early, '--resume']);
    for (const name of Object.keys(readCheckpoint(whole).tensors))
      expect(tensor(early, name), name).toEqual(tensor(whole, name));
  });

  it('--stage with --init-from starts the stage from the loaded params', async () => {
    const dir = tempDir();
    const data = dataDir(dir);
    const common = [staged, '--data', data, '--backend', 'reference'];
    await train([...common, '--stage', 'one', '--checkpoint', join(dir, 'one')]);
    const loaded = await train([
      ...common,
      '--stage',
      'two',
      '--init-from',
      join(dir, 'one'),
      '--checkpoint',
      join(dir, 'two'),
    ]);
    expect(loaded.stdout).toContain(`init from ${join(dir, 'one')}: loaded 3 params: w, v, target`);
    // Stage two trains v alone: w is stage one's, not its initializer's.
    expect(tensor(join(dir, 'two'), 'w')).toEqual(tensor(join(dir, 'one'), 'w'));
    await train([...common, '--stage', 'two', '--checkpoint', join(dir, 'fresh')]);
    expect(tensor(join(dir, 'fresh'), 'w')).not.toEqual(tensor(join(dir, 'one'), 'w'));
  });

  it('--stage runs one stage; misuse is refused', async () => {
    const dir = tempDir();
    const data = dataDir(dir);
    const r = await train([staged, '--data', data, '--stage', 'two', '--backend', 'reference']);
    expect(r.stdout).toContain('stage two: training staged.fit_v');
    expect(r.stdout).not.toContain('stage one');
    for (const [argv, message] of [
      [['--stage', 'three'], "--stage: the schedule of 'staged' has no stage 'three' (stages: one, two)"],
      [
        ['--epochs', '2'],
        "--epochs: the schedule gives each stage's length; --steps N stops the whole run after N steps",
      ],
      [
        ['--stage', 'one', '--entry', 'fit_w'],
        'give --stage (a stage of the schedule) or --entry (one entry alone), not both',
      ],
      [
        ['--lr-schedule', 'exp:gamma=0.9'],
        "--lr-schedule: a schedule gives each stage its own ('lr_schedule' in the stage)",
      ],
    ] as const) {
      const err = await runCommand('train', lowerFile, [
        staged,
        '--data',
        data,
        '--backend',
        'reference',
        ...argv,
      ]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DlcError);
      expect((err as DlcError).message).toBe(message);
    }
  });
});
