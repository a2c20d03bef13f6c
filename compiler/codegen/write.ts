// Writes a compiled model's three files: <model>.ts (the generated source),
// <model>.d.ts (its declarations) and <model>.js (self-contained ESM bundle).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DlcError } from '../../runtime/errors';
import type { Plan } from '../../runtime/plan';
import { bundleModule } from './bundle';
import { emitModule } from './module';

export interface WrittenModule {
  readonly ts: string;
  readonly dts: string;
  readonly js: string;
}

export async function writeModelFiles(plan: Plan, dir: string): Promise<WrittenModule> {
  const { ts, dts } = emitModule(plan);
  const js = await bundleModule(ts, `${plan.model}.ts`);
  const paths = { ts: join(dir, `${plan.model}.ts`), dts: join(dir, `${plan.model}.d.ts`), js: join(dir, `${plan.model}.js`) };
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(paths.ts, ts);
    writeFileSync(paths.dts, dts);
    writeFileSync(paths.js, js);
  } catch (err) {
    throw new DlcError(`cannot write the compiled model to ${dir}: ${err instanceof Error ? err.message : String(err)}`, 2);
  }
  return paths;
}
