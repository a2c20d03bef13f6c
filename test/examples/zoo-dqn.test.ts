// examples/dqn_catch.dl at small sizes: every entry (the ε-greedy step with its
// replay writes, the target sync, the greedy games, the episode strip) matches the
// reference executor on the device; a few steps fill the replay memory's ring with
// well-formed transitions; and the zoo recipe runs through `dlc train` without data,
// evaluating every K steps, its checkpoint scored again by `dlc eval`.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lowerFile } from '../../compiler/lower/index';
import type { TrainRecord } from '../../scripts/zoo/figures';
import { RECIPES, recipeArgs } from '../../scripts/zoo/recipes';
import { runCommand, tempDir } from '../runtime/train/harness';
import { expectEntriesMatchReference, gpuRunner, lowerExample, withGpuRunner } from './zoo-harness';

const small = { envs: 4, capacity: 12, batch: 8, hidden: 16, episodes: 20 };
const pixels = 100; // the 10×10 screen
const SLOW = 120_000;

describe('dqn_catch example', () => {
  it('entries match the reference executor', async () => {
    const program = lowerExample('dqn_catch', small);
    const runner = await gpuRunner(program);
    try {
      expect(await expectEntriesMatchReference(program, runner, {})).toEqual(['play', 'sync', 'evaluate', 'episode']);
    } finally {
      runner.destroy();
    }
  });

  it('the replay memory holds each step`s transitions at the ring`s next rows', async () => {
    await withGpuRunner(lowerExample('dqn_catch', small), async (runner) => {
      const losses: number[] = [];
      for (let k = 0; k < 2; k++) losses.push((await runner.run('play', {}, ['loss'])).loss as number);
      const m = await runner.save();
      const rowSums = (name: string) =>
        Array.from({ length: small.capacity }, (_, r) =>
          Array.from(m[name]!.subarray(r * pixels, (r + 1) * pixels)).reduce((a, b) => a + b, 0),
        );
      const written = 2 * small.envs;
      // A screen before the move shows the ball above the bottom row and the 3-wide paddle.
      expect(rowSums('mem_s')).toEqual([...Array(written).fill(4), ...Array(small.capacity - written).fill(0)]);
      expect(Array.from(m['mem_a']!.subarray(0, written)).every((a) => a >= 0 && a <= 2)).toBe(true);
      // Two steps in, no game has ended: no reward, no end mark, the ball one row lower.
      expect(Array.from(m['mem_r']!)).toEqual(Array(small.capacity).fill(0));
      expect(Array.from(m['mem_end']!)).toEqual(Array(small.capacity).fill(0));
      const ballRow = (name: string, r: number) => m[name]!.subarray(r * pixels, r * pixels + 90).indexOf(1) / 10;
      for (let r = 0; r < written; r++)
        expect(Math.floor(ballRow('mem_s2', r))).toBe(Math.floor(ballRow('mem_s', r)) + 1);
      // Step 3 wraps the ring (12 rows): its last rows overwrite the first.
      await runner.run('play', {}, []);
      const t = (await runner.save())['t']!;
      expect(Array.from(t)).toEqual([3]);
      for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    });
  });

  it(
    'dlc train runs the recipe without data, evaluating every K steps; dlc eval scores the checkpoint again',
    async () => {
      const recipe = RECIPES.find((r) => r.name === 'dqn_catch')!;
      const checkpoint = join(tempDir(), 'dqn.safetensors');
      const sizes = ['-D', 'envs=8', '-D', 'hidden=32', '-D', 'eval_every=10', '-D', 'sync_every=5'];
      const r = await runCommand('train', lowerFile, [...recipeArgs(recipe, 20, checkpoint), ...sizes]);
      expect(r.code).toBe(0);
      const records = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as TrainRecord);
      expect(records.map((x) => x.step)).toEqual([10, 20, 20, 20]);
      for (const x of records) {
        expect(Number.isFinite(x.loss)).toBe(true);
        expect(x.test_metrics!.mean_reward).toBeGreaterThanOrEqual(-1);
        expect(x.test_metrics!.mean_reward).toBeLessThanOrEqual(1);
      }
      const e = await runCommand('eval', lowerFile, [
        'examples/dqn_catch.dl',
        '--checkpoint',
        checkpoint,
        '--json',
        ...sizes,
      ]);
      expect(e.code).toBe(0);
      const scored = JSON.parse(e.stdout.trim()) as { step: number; metrics: { mean_reward: number } };
      expect(scored.step).toBe(20);
      expect(scored.metrics.mean_reward).toBe(records.at(-1)!.test_metrics!.mean_reward);
    },
    SLOW,
  );
});
