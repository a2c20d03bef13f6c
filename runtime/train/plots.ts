// `--plots DIR`: pictures rewritten after every epoch (each file replaced atomically,
// so a viewer refreshing it never sees half a file):
//   DIR/loss.png       the loss values read during training against the step;
//   DIR/accuracy.png   test accuracy after each epoch (when the model reports one);
//   DIR/filters.png    for models with image inputs (784 values or 1×28×28 per
//                      example): the first param of shape [784, n], each column
//                      drawn as a 28×28 tile (at most 100).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DlcError } from '../errors';
import { filterGrid } from '../images';
import { linePlot } from '../plot';
import { writePng } from '../png-node';
import type { EntryInfo, ModelRunner } from './runner';
import type { History } from './loop';

export const MAX_FILTERS = 100;

/** The param whose columns are first-layer filters, when the entry takes images. */
export function filterParam(runner: ModelRunner, entry: EntryInfo): string | undefined {
  const image = entry.inputs.some((i) => {
    const row = i.shape.slice(1);
    return i.dtype === 'f32' && ((row.length === 1 && row[0] === 784) || row.join(',') === '1,28,28');
  });
  if (!image) return undefined;
  return runner.persistent.find((p) => p.kind === 'param' && p.dtype === 'f32' && p.shape.length === 2 && p.shape[0] === 784)?.name;
}

export function preparePlotDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new DlcError(`--plots ${dir}: cannot create the folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
  }
}

/** Writes the pictures; returns the paths written. */
export async function writePlots(dir: string, history: History, runner: ModelRunner, filters: string | undefined): Promise<string[]> {
  const written: string[] = [];
  const lossPath = join(dir, 'loss.png');
  writePng(lossPath, linePlot([{ name: 'loss', points: history.loss }], { title: `${runner.model}: training loss`, xLabel: 'step' }));
  written.push(lossPath);
  if (history.accuracy.length > 0) {
    const accPath = join(dir, 'accuracy.png');
    writePng(accPath, linePlot([{ name: 'test accuracy', points: history.accuracy }], { title: `${runner.model}: test accuracy`, xLabel: 'step' }));
    written.push(accPath);
  }
  if (filters !== undefined) {
    const values = await runner.save();
    const shape = runner.persistent.find((p) => p.name === filters)!.shape;
    const path = join(dir, 'filters.png');
    writePng(path, filterGrid({ shape, data: values[filters]! }, [28, 28], { maxFilters: MAX_FILTERS, scale: 2 }));
    written.push(path);
  }
  return written;
}
