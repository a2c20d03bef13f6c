// Runs the train/eval/sample commands in-process on hand-built programs: a fake
// lowering maps FILE names to Programs, and stdout/stderr are collected as text.
import { Writable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Program } from '../../../compiler/ir/program';
import type { LowerFn } from '../../../compiler/driver';
import { makeTrainCommand } from '../../../compiler/cli/commands/train';
import { makeEvalCommand } from '../../../compiler/cli/commands/eval';
import { makeSampleCommand } from '../../../compiler/cli/commands/sample';

export class TextSink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export function fakeLower(programs: Readonly<Record<string, () => Program>>): LowerFn {
  return (path, { defines }) => {
    const make = programs[path];
    if (!make) {
      return {
        diagnostics: [
          {
            severity: 'error',
            code: 'file-not-found',
            message: `cannot read ${path}`,
            span: { file: path, line: 1, col: 1, endLine: 1, endCol: 1 },
            notes: [],
          },
        ],
      };
    }
    return { program: { ...make(), hyper: defines }, diagnostics: [] };
  };
}

export interface CommandRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCommand(
  which: 'train' | 'eval' | 'sample',
  lower: LowerFn,
  argv: string[],
): Promise<CommandRun> {
  const stdout = new TextSink();
  const stderr = new TextSink();
  const io = { stdout, stderr };
  const cmd =
    which === 'train'
      ? makeTrainCommand(lower, io)
      : which === 'eval'
        ? makeEvalCommand(lower, io)
        : makeSampleCommand(lower, io);
  const code = await cmd.run(argv);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'dlc-train-'));
}
