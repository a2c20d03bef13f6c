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
//                      example): the first param of shape [784, n], each column
//                      drawn as a 28×28 tile (at most 100).
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

/** The param whose columns are first-layer filters, when the entry takes images. */
export function filterParam(runner: ModelRunner, entry: EntryInfo): string | undefined {
  const image = entry.inputs.some((i) => {
    const row = i.shape.slice(1);
    return i.dtype === 'f32' && ((row.length === 1 && row[0] === 784) || row.join(',') === '1,28,28');
  });
  if (!image) return undefined;
  return runner.persistent.find(
    (p) => p.kind === 'param' && p.dtype === 'f32' && p.shape.length === 2 && p.shape[0] === 784,
  )?.name;
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
  filters: string | undefined,
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
    const shape = runner.persistent.find((p) => p.name === filters)!.shape;
    const path = join(dir, 'filters.png');
    writePng(path, filterGrid({ shape, data: values[filters]! }, [28, 28], { maxFilters: MAX_FILTERS, scale: 2 }));
    written.push(path);
  }
  return written;
}
