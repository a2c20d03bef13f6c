// `--plots DIR`: pictures rewritten after every epoch (each file replaced atomically,
// so a viewer refreshing it never sees half a file):
//   DIR/loss.png       the loss values read during training against the step, and
//                      the test loss after each epoch (models without an accuracy);
//   DIR/recon.png      instead of loss.png, for a train entry with a `recon` output
//                      (the RBMs): the reconstruction error, in training and on the
//                      test split, since their loss, a CD cost, oscillates around 0
//                      and says little of progress;
//   DIR/accuracy.png   test accuracy after each evaluation (when the model reports
//                      one), with a marker on every point so one epoch shows too;
//   DIR/filters.png    for models with image inputs (784 values or 1×28×28 per
//                      example, or any s×s values with s ≥ 8, such as the 8×8
//                      patches of examples/tica.dl): the first param of shape
//                      [s², n], each column drawn as an s×s tile (at most 100),
//                      ceil(√n) tiles a row.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DlcError } from '../errors';
import { filterGrid } from '../images';
import { linePlot, type Series } from '../plot';
import { writePng } from '../png-node';
import type { EntryInfo, ModelRunner } from './runner';
import type { History } from './loop';

export const MAX_FILTERS = 100;
/** The train output plotted instead of the loss when there is one. */
export const RECON = 'recon';

/** The smallest side of a square input drawn as an image (8×8 patches). */
const MIN_IMAGE_SIDE = 8;

/** A first-layer weight drawn as filters: its name and the side of its square tiles. */
export interface FilterParam {
  readonly name: string;
  readonly side: number;
}

/** The side s of an input row of s×s values (784 and 1×28×28 are 28), else undefined. */
function imageSide(row: readonly number[]): number | undefined {
  if (row.join(',') === '1,28,28') return 28;
  if (row.length !== 1) return undefined;
  const side = Math.round(Math.sqrt(row[0]!));
  return side >= MIN_IMAGE_SIDE && side * side === row[0] ? side : undefined;
}

/** The param whose columns are first-layer filters, when the entry takes images. */
export function filterParam(runner: ModelRunner, entry: EntryInfo): FilterParam | undefined {
  for (const input of entry.inputs) {
    const side = input.dtype === 'f32' ? imageSide(input.shape.slice(1)) : undefined;
    if (side === undefined) continue;
    const param = runner.persistent.find(
      (p) => p.kind === 'param' && p.dtype === 'f32' && p.shape.length === 2 && p.shape[0] === side * side,
    );
    if (param) return { name: param.name, side };
  }
  return undefined;
}

export function preparePlotDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new DlcError(
      `--plots ${dir}: cannot create the folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      2,
    );
  }
}

/** Writes the pictures; returns the paths written. */
export async function writePlots(
  dir: string,
  history: History,
  runner: ModelRunner,
  filters: FilterParam | undefined,
): Promise<string[]> {
  const written: string[] = [];
  const plot = (file: string, series: Series[], title: string): void => {
    const path = join(dir, file);
    writePng(
      path,
      linePlot(
        series.filter((s) => s.points.length > 0),
        { title: `${runner.model}: ${title}`, xLabel: 'step' },
      ),
    );
    written.push(path);
  };
  const recon = history.trainMetrics[RECON];
  if (recon !== undefined) {
    const test = history.testMetrics[RECON] ?? [];
    plot(
      'recon.png',
      [
        { name: 'train recon', points: recon },
        { name: 'test recon', points: test, markers: true },
      ],
      'reconstruction error',
    );
  } else {
    plot(
      'loss.png',
      [
        { name: 'loss', points: history.loss },
        { name: 'test loss', points: history.testLoss, markers: true },
      ],
      'loss',
    );
  }
  if (history.accuracy.length > 0)
    plot('accuracy.png', [{ name: 'test accuracy', points: history.accuracy, markers: true }], 'test accuracy');
  if (filters !== undefined) {
    const values = await runner.save();
    const shape = runner.persistent.find((p) => p.name === filters.name)!.shape;
    const path = join(dir, 'filters.png');
    const tile = [filters.side, filters.side] as const;
    // Small tiles are drawn larger, about 56 pixels a side as the 28×28 ones at scale 2.
    const scale = Math.max(2, Math.round(56 / filters.side));
    writePng(path, filterGrid({ shape, data: values[filters.name]! }, tile, { maxFilters: MAX_FILTERS, scale }));
    written.push(path);
  }
  return written;
}
