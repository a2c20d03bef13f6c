// One example's full run: `node bin/dlc.js train FILE --json --checkpoint PATH ...`,
// its JSON records collected, its progress (stderr) passed through, its wall time;
// and `dlc sample` for a recipe's picture.
import { spawn } from 'node:child_process';
import type { TrainRecord } from './figures';

export interface RunResult {
  readonly records: readonly TrainRecord[];
  readonly final: TrainRecord;
  readonly wallSeconds: number;
}

export function runTrain(args: readonly string[], onRecord: (r: TrainRecord) => void): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/dlc.js', 'train', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const records: TrainRecord[] = [];
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.trim() === '') continue;
        const r = JSON.parse(line) as TrainRecord;
        records.push(r);
        onRecord(r);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const final = records.find((r) => r.final === true);
      if (code !== 0 || !final)
        reject(new Error(`dlc train ${args.join(' ')} exited with ${code}${final ? '' : ' and no final record'}`));
      else resolve({ records, final, wallSeconds: (performance.now() - started) / 1000 });
    });
  });
}

/** `node bin/dlc.js sample ...`, its output passed through; rejects when it fails. */
export function runSample(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/dlc.js', 'sample', ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`dlc sample ${args.join(' ')} exited with ${code}`)),
    );
  });
}
