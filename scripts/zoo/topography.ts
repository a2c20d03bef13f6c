// The topography check of examples/tica.dl: filters at neighbouring positions of the
// g×g grid (the 8 around each, on the torus the pooling uses) should be more alike
// than filters at random other positions. Two measures, each a mean over pairs:
//   - filter similarity: |cos| of the angle between the two filters (columns of W);
//   - energy correlation: the Pearson correlation, over the test patches, of the
//     two filters' squared responses (x·w)² — what a pool adds up.
// Random orthogonal filters (the initialisation) score about the same for both kinds
// of pair; topography shows as a neighbour mean well above the others' mean.
import { readFileSync } from 'node:fs';
import { parseSafetensors } from '../../runtime/checkpoint/safetensors';
import { loadMnist } from '../../runtime/data/mnist-node';
import { patchDataset } from '../../runtime/data/patches';

export interface PairMeans {
  readonly neighbours: number;
  readonly others: number;
}

/** Whether grid positions i ≠ j (row-major on a g×g torus) are within one step in each direction. */
export function gridNeighbours(i: number, j: number, g: number): boolean {
  const ring = (a: number, b: number): boolean => {
    const d = Math.abs(a - b);
    return Math.min(d, g - d) <= 1;
  };
  return i !== j && ring(Math.floor(i / g), Math.floor(j / g)) && ring(i % g, j % g);
}

/** Means of `score(i, j)` over the neighbouring pairs i < j and over all the other pairs. */
export function pairMeans(n: number, g: number, score: (i: number, j: number) => number): PairMeans {
  const sum = { neighbours: 0, others: 0 };
  const count = { neighbours: 0, others: 0 };
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const kind = gridNeighbours(i, j, g) ? 'neighbours' : 'others';
      sum[kind] += score(i, j);
      count[kind]++;
    }
  return { neighbours: sum.neighbours / count.neighbours, others: sum.others / count.others };
}

/** Mean |cos| between filters (columns of W, [d, n] row-major). */
export function filterSimilarity(W: ArrayLike<number>, d: number, g: number): PairMeans {
  const n = g * g;
  const col = (j: number): number[] => Array.from({ length: d }, (_, i) => W[i * n + j]!);
  const cols = Array.from({ length: n }, (_, j) => col(j));
  const norm = cols.map((c) => Math.sqrt(c.reduce((a, v) => a + v * v, 0)));
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, k) => s + v * b[k]!, 0);
  return pairMeans(n, g, (i, j) => Math.abs(dot(cols[i]!, cols[j]!)) / (norm[i]! * norm[j]!));
}

/** Mean Pearson correlation of squared responses over the rows of x ([rows, d]). */
export function energyCorrelation(W: ArrayLike<number>, x: ArrayLike<number>, d: number, g: number): PairMeans {
  const n = g * g;
  const rows = x.length / d;
  const e = Array.from({ length: n }, () => new Float64Array(rows));
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < n; j++) {
      let h = 0;
      for (let i = 0; i < d; i++) h += x[r * d + i]! * W[i * n + j]!;
      e[j]![r] = h * h;
    }
  const centred = e.map((v) => {
    const mean = v.reduce((a, b) => a + b, 0) / rows;
    const c = v.map((a) => a - mean);
    const norm = Math.sqrt(c.reduce((a, b) => a + b * b, 0));
    return c.map((a) => a / norm);
  });
  return pairMeans(n, g, (i, j) => centred[i]!.reduce((s, v, k) => s + v * centred[j]![k]!, 0));
}

/**
 * The zoo's topography figures of a tica.dl checkpoint with a g×g grid, on the
 * mnist-patches test split (no `|` in a name: the table is Markdown).
 */
export function topographyFigures(checkpoint: string, g: number): Record<string, number> {
  const W = parseSafetensors(readFileSync(checkpoint), checkpoint).tensors.W!;
  const d = W.shape[0]!;
  const similarity = filterSimilarity(W.data, d, g);
  const energy = energyCorrelation(W.data, patchDataset(loadMnist(), 'mnist-patches').test.x!.data, d, g);
  return {
    'neighbour abs cos': similarity.neighbours,
    'other abs cos': similarity.others,
    'neighbour energy corr': energy.neighbours,
    'other energy corr': energy.others,
  };
}
