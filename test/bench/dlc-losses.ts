// Shared by the bench agreement tests (seq-rows, jaxjs-rows): a bench model compiled
// at -O2 and run on the device for a few steps from parameters spread over ±halfWidth,
// so that every peer can be started from exactly those parameters.
import { compileProgram } from '../../compiler/driver';
import { lowerFile } from '../../compiler/lower/index';
import '../../compiler/ops/index';
import { acquireDevice } from '../../runtime/device';
import { Model } from '../../runtime/model';
import type { StepRunner } from '../../bench/timing';

export const STEPS = 3;

function spread(n: number, seed: number, halfWidth: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * halfWidth;
  });
}

/** Losses of STEPS dlc steps of bench/models/<name>.dl from params spread over ±halfWidth, and those params by name. */
export async function dlcLosses(
  name: string,
  defines: Record<string, number>,
  feeds: Record<string, Int32Array | Float32Array>,
  halfWidth: number,
): Promise<{ losses: number[]; init: Record<string, Float32Array> }> {
  const lowered = lowerFile(`bench/models/${name}.dl`, { defines });
  if (!lowered.program) throw new Error(lowered.diagnostics.map((d) => d.message).join('; '));
  const { device, limits, software } = await acquireDevice();
  const { plan } = compileProgram(lowered.program, { level: 2, family: software ? 'register' : 'shared', limits });
  const model = await Model.create(plan, { device, seed: 1 });
  try {
    const start = await model.params();
    const init: Record<string, Float32Array> = {};
    Object.entries(start).forEach(([p, t], i) => (init[p] = spread((t as Float32Array).length, 11 + i, halfWidth)));
    model.setParams(init);
    const losses: number[] = [];
    for (let s = 0; s < STEPS; s++) losses.push((await model.run('step', feeds, { outputs: ['loss'] })).loss as number);
    return { losses, init };
  } finally {
    model.destroy();
  }
}

/** STEPS losses of a peer's runner, disposed after. */
export async function peerLosses(runner: StepRunner): Promise<number[]> {
  const losses: number[] = [];
  try {
    for (let s = 0; s < STEPS; s++) losses.push(await runner.step());
  } finally {
    runner.dispose();
  }
  return losses;
}
