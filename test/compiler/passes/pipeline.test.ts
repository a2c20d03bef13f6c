import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import '../../../compiler/ops/index';
import { GraphBuilder } from '../../../compiler/ir/builder';
import { printGraph } from '../../../compiler/ir/print';
import type { Program } from '../../../compiler/ir/program';
import { verifyGraph } from '../../../compiler/ir/verify';
import { executeEntry } from '../../../compiler/reference/execute';
import { optimizeProgram, passesAt, PIPELINE } from '../../../compiler/passes/pipeline';
import { asTensors, SAMPLE_PROGRAMS, sampleFeeds, sampleState } from './sample-programs';

const f32 = (...shape: number[]) => ({ dtype: 'f32' as const, shape });

/** y = (x * 1 + 0) * (2 + 3), computed twice, with a dead branch. */
function wastefulProgram(): Program {
  const b = new GraphBuilder('f');
  const x = b.arg('input', 'x', f32(4));
  const one = b.constant(1, f32(4));
  const zero = b.constant(0, f32(4));
  const five = b.op('add', [b.constant(2, f32(4)), b.constant(3, f32(4))]);
  const lhs = b.op('mul', [b.op('add', [b.op('mul', [x, one]), zero]), five]);
  const rhs = b.op('mul', [b.op('add', [b.op('mul', [x, one]), zero]), five]);
  b.op('exp', [x]);
  const graph = b.finish({ y: b.op('add', [lhs, rhs]) });
  return { model: 'waste', hyper: {}, persistent: [], scalars: [], entries: [{ name: 'f', kind: 'infer', graph }] };
}

describe('optimizeProgram', () => {
  it('-O0 runs nothing and hands the program back as it was', () => {
    const program = wastefulProgram();
    const { program: out, stages } = optimizeProgram(program, { level: 0, dump: '' });
    expect(stages).toEqual([]);
    expect(out.entries[0].graph).toBe(program.entries[0].graph);
  });

  it('-O1 runs the clean-up passes in pipeline order and -O2 adds only the fusion passes', () => {
    expect(passesAt(1).map((p) => p.name)).toEqual(['fold-constants', 'simplify', 'cse', 'dead-code']);
    expect(passesAt(2).slice(0, 4)).toEqual(passesAt(1));
    expect(PIPELINE.every((p) => p.level >= 1)).toBe(true);
  });

  it('-O1 cleans a wasteful graph down to what it computes', () => {
    const { program, stages } = optimizeProgram(wastefulProgram(), { level: 1, dump: '' });
    expect(stages.map((s) => [s.pass, s.changed])).toEqual([
      ['fold-constants', true],
      ['simplify', true],
      ['cse', true],
      ['dead-code', true],
    ]);
    expect(printGraph(program.entries[0].graph)).toBe(
      [
        'graph f {',
        '  input %x: f32[4]',
        '  %5: f32[4] = constant [dtype="f32", shape=[4], value=5]',
        '  %8: f32[4] = mul %x, %5',
        '  %13: f32[4] = add %8, %8',
        '  return y=%13',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('on a graph that is already clean (a loop included) every pass reports no change', () => {
    const cleaned = optimizeProgram(wastefulProgram(), { level: 1, dump: '' }).program;
    const looped = optimizeProgram(SAMPLE_PROGRAMS.find((p) => p.name === 'nested')!.make(), {
      level: 1,
      dump: '',
    }).program;
    for (const program of [cleaned, looped]) {
      const { program: again, stages } = optimizeProgram(program, { level: 1, dump: '' });
      expect(stages.every((s) => !s.changed)).toBe(true);
      expect(again.entries[0].graph).toBe(program.entries[0].graph);
    }
  });

  it('DLC_DUMP_PASSES=DIR writes the IR after every pass through the printer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlc-dump-'));
    const { stages } = optimizeProgram(wastefulProgram(), { level: 1, dump: dir });
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['f.01.fold-constants.ir', 'f.02.simplify.ir', 'f.03.cse.ir', 'f.04.dead-code.ir']);
    expect(readFileSync(join(dir, files[3]), 'utf8')).toBe(printGraph(stages[3].graph));
  });

  it('DLC_DUMP_PASSES=1 prints each stage to stderr; unset, nothing is written anywhere', () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const { stages } = optimizeProgram(wastefulProgram(), { level: 1, dump: '1' });
      expect(err.mock.calls.map((c) => c[0])).toEqual(
        stages.map((s) => `// f: after ${s.pass}\n${printGraph(s.graph)}`),
      );
      err.mockClear();
      const saved = process.env.DLC_DUMP_PASSES;
      delete process.env.DLC_DUMP_PASSES;
      try {
        optimizeProgram(wastefulProgram(), { level: 1 });
      } finally {
        if (saved !== undefined) process.env.DLC_DUMP_PASSES = saved;
      }
      expect(err).not.toHaveBeenCalled();
      expect(out).not.toHaveBeenCalled();
    } finally {
      err.mockRestore();
      out.mockRestore();
    }
  });

  for (const sample of SAMPLE_PROGRAMS) {
    it(`${sample.name}: every stage verifies and every entry computes what it computed before`, () => {
      const program = sample.make();
      const persistent = program.persistent.map((p) => p.name);
      const { program: optimized } = optimizeProgram(program, {
        level: 2,
        dump: '',
        onStage: (stage) => verifyGraph(stage.graph, { persistent }),
      });
      const state = sampleState(program);
      for (const entry of program.entries) {
        const feeds = asTensors(program, entry.name, sampleFeeds(program, entry.name));
        const before = executeEntry(program, entry.name, feeds, state, { precision: 'f32', seed: 3 });
        const after = executeEntry(optimized, entry.name, feeds, state, { precision: 'f32', seed: 3 });
        for (const [name, want] of Object.entries({ ...before.results, ...before.assigns })) {
          const got = { ...after.results, ...after.assigns }[name];
          expect(got.type).toEqual(want.type);
          got.data.forEach((v, i) => {
            if (!(Math.abs(v - want.data[i]) <= 1e-6 * (1 + Math.abs(want.data[i]))))
              throw new Error(`${entry.name}.${name}[${i}]: ${v} vs ${want.data[i]}`);
          });
        }
        expect(Object.keys(after.assigns).sort()).toEqual(Object.keys(before.assigns).sort());
      }
    });
  }
});
