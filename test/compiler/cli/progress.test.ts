import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatDuration, TrainingProgress } from '../../../compiler/cli/progress';

function sink(tty: boolean) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { isTTY?: boolean; columns?: number; cursorTo?: unknown; clearLine?: unknown; moveCursor?: unknown };
  stream.isTTY = tty;
  stream.columns = 120;
  stream.cursorTo = (_x: number, _y: unknown, cb?: () => void) => (cb?.(), true);
  stream.clearLine = (_d: number, cb?: () => void) => (cb?.(), true);
  stream.moveCursor = (_x: number, _y: number, cb?: () => void) => (cb?.(), true);
  return { stream, text: () => chunks.join('') };
}

describe('training progress', () => {
  it('prints plain lines at most once per interval when not a TTY, and the last state at the end', () => {
    let t = 0;
    const out = sink(false);
    const p = new TrainingProgress({ totalSteps: 1000, stream: out.stream, intervalMs: 5000, now: () => t });
    for (let step = 1; step <= 100; step++) {
      t = step * 100; // 10 steps/s
      p.update({ step, epoch: Math.floor(step / 50), loss: 1 / step });
    }
    p.stop();
    expect(
      out
        .text()
        .split('\n')
        .filter((l) => l !== ''),
    ).toEqual([
      'step 1/1000 epoch 0 loss 1.0000 10.0 steps/s ETA 1m40s',
      'step 51/1000 epoch 1 loss 0.0196 10.0 steps/s ETA 1m35s',
      'step 100/1000 epoch 2 loss 0.0100 10.0 steps/s ETA 1m30s',
    ]);
  });

  it('counts the rate from the resume step and shows non-finite losses as they are', () => {
    let t = 0;
    const out = sink(false);
    const p = new TrainingProgress({ totalSteps: 200, startStep: 100, stream: out.stream, now: () => t });
    t = 2000;
    p.update({ step: 110, epoch: 3, loss: NaN });
    expect(out.text()).toBe('step 110/200 epoch 3 loss NaN 5.0 steps/s ETA 18s\n');
  });

  it('draws a bar with step, epoch, loss and rate on a TTY', () => {
    let t = 0;
    const out = sink(true);
    const p = new TrainingProgress({ totalSteps: 100, stream: out.stream, now: () => t });
    t = 1000;
    p.update({ step: 50, epoch: 1, loss: 0.25 });
    p.log('epoch 1: test_accuracy 0.9120');
    p.stop();
    const text = out.text();
    expect(text).toContain('epoch 1: test_accuracy 0.9120');
    expect(text).toContain('50/100 steps | loss 0.2500 | 50.0 steps/s | ETA 1s');
  });

  it('formats durations', () => {
    expect([formatDuration(5), formatDuration(65), formatDuration(3 * 3600 + 120), formatDuration(NaN)]).toEqual([
      '5s',
      '1m05s',
      '3h02m',
      '?',
    ]);
  });
});
