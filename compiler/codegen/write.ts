// Writes a compiled model's files: <model>.js (self-contained ESM bundle), <model>.d.ts
// (its declarations), dlc-runtime.d.ts (the runtime types those name) and
// <model>.source.ts (the generated source, which imports `dlc/runtime`). The source is
// not named <model>.ts: TypeScript resolves `./<model>.js` to a `<model>.ts` beside it
// before the `.d.ts`, and would type-check the 200 KB source against a dlc install.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DlcError } from '../../runtime/errors';
import type { Plan } from '../../runtime/plan';
import { isFamilyPlans, type FamilyPlans } from '../../runtime/families';
import { bundleModule } from './bundle';
import { emitModule } from './module';
import { RUNTIME_TYPES_FILE, runtimeTypes } from './module-types';

export interface WrittenModule {
  readonly ts: string;
  readonly dts: string;
  readonly js: string;
  readonly runtimeTypes: string;
}

export async function writeModelFiles(plans: Plan | FamilyPlans, dir: string): Promise<WrittenModule> {
  const plan = isFamilyPlans(plans) ? plans.register : plans;
  const { ts, dts } = emitModule(plans);
  const js = await bundleModule(ts, `${plan.model}.source.ts`);
  const paths = {
    ts: join(dir, `${plan.model}.source.ts`),
    dts: join(dir, `${plan.model}.d.ts`),
    js: join(dir, `${plan.model}.js`),
    runtimeTypes: join(dir, RUNTIME_TYPES_FILE),
  };
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(paths.ts, ts);
    writeFileSync(paths.dts, dts);
    writeFileSync(paths.js, js);
    writeFileSync(paths.runtimeTypes, runtimeTypes());
  } catch (err) {
    throw new DlcError(
      `cannot write the compiled model to ${dir}: ${err instanceof Error ? err.message : String(err)}`,
      2,
    );
  }
  return paths;
}
