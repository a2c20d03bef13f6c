// Convolution, pooling and normalisation cases for the table-driven op suites:
// small NCHW inputs ([2,3,6,6] and the like) with stride, padding, groups and
// overlapping-window variants. Max-pooling data are distinct values (a permutation
// spaced 2/n apart) so finite differences never cross a tie.
import type { TensorType } from '../../../compiler/ir/types';
import { gaussianWindow } from '../../../compiler/ops/window';
import type { OpCase } from '../../helpers/op-case';

const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });
const i32 = (...shape: number[]): TensorType => ({ dtype: 'i32', shape });

/** Distinct values in [-1, 1): element e of n gets (e·97 mod n)/n·2 − 1 (97 is prime to every size used here). */
const distinct = (n: number) => (_input: number, e: number) => (((e * 97) % n) / n) * 2 - 1;

/** Valid switches for 2×2 windows, stride 2, over 6×6 planes: each picks one corner of its window. */
const switches2x2 = (e: number): number => {
  const k = e % 9;
  const [py, px] = [Math.floor(k / 3), k % 3];
  return (py * 2 + ((e >> 1) & 1)) * 6 + px * 2 + (e & 1);
};

const conv: OpCase[] = [
  { op: 'conv2d', inputs: [f32(2, 3, 6, 6), f32(4, 3, 3, 3)] },
  {
    op: 'conv2d',
    inputs: [f32(2, 3, 6, 5), f32(4, 3, 3, 2)],
    attrs: { stride: [2, 2], padding: [1, 1] },
    label: 'conv2d stride 2, padding 1, odd sizes',
  },
  {
    op: 'conv2d',
    inputs: [f32(2, 4, 6, 6), f32(6, 2, 3, 3)],
    attrs: { groups: 2, padding: [1, 0] },
    label: 'conv2d groups=2',
  },
  { op: 'conv2d_transpose', inputs: [f32(2, 4, 4, 4), f32(4, 3, 3, 3)] },
  {
    op: 'conv2d_transpose',
    inputs: [f32(2, 4, 3, 3), f32(4, 3, 3, 3)],
    attrs: { stride: [2, 2], padding: [1, 1], output_padding: [1, 0] },
    label: 'conv2d_transpose stride 2, padding 1, output_padding [1,0]',
  },
  {
    op: 'conv2d_transpose',
    inputs: [f32(2, 6, 4, 4), f32(6, 2, 3, 3)],
    attrs: { groups: 3 },
    label: 'conv2d_transpose groups=3',
  },
  { op: 'conv2d_filter_grad', inputs: [f32(2, 3, 6, 6), f32(2, 4, 4, 4)], attrs: { kernel: [3, 3] } },
  {
    op: 'conv2d_filter_grad',
    inputs: [f32(2, 4, 6, 5), f32(2, 6, 3, 3)],
    attrs: { kernel: [3, 2], stride: [2, 2], padding: [1, 1], groups: 2 },
    label: 'conv2d_filter_grad stride 2, padding 1, groups=2',
  },
];

const maxPool: OpCase[] = [
  { op: 'max_pool', inputs: [f32(2, 3, 6, 6)], attrs: { size: [2, 2] }, data: distinct(216) },
  {
    op: 'max_pool',
    inputs: [f32(2, 3, 6, 5)],
    attrs: { size: [3, 3], stride: [2, 1], padding: [1, 1] },
    data: distinct(180),
    label: 'max_pool overlapping, padded',
  },
  { op: 'max_pool_with_switches', inputs: [f32(2, 3, 6, 6)], attrs: { size: [2, 2] }, data: distinct(216) },
  {
    op: 'max_pool_grad',
    inputs: [f32(2, 3, 6, 6), f32(2, 3, 3, 3)],
    attrs: { size: [2, 2] },
    data: (input, e, u) => (input === 0 ? distinct(216)(0, e) : 2 * u - 1),
    wrt: [1],
  },
  {
    op: 'max_unpool',
    inputs: [f32(2, 3, 3, 3), i32(2, 3, 3, 3)],
    attrs: { size: [2, 2], out: [6, 6] },
    data: (input, e, u) => (input === 1 ? switches2x2(e) : 2 * u - 1),
  },
  {
    op: 'max_unpool_grad',
    inputs: [f32(2, 3, 6, 6), i32(2, 3, 3, 3)],
    attrs: { size: [2, 2] },
    data: (input, e, u) => (input === 1 ? switches2x2(e) : 2 * u - 1),
  },
];

const linearPools: OpCase[] = [
  { op: 'avg_pool', inputs: [f32(2, 3, 6, 6)], attrs: { size: [2, 2] } },
  {
    op: 'avg_pool',
    inputs: [f32(2, 3, 6, 5)],
    attrs: { size: [3, 2], stride: [2, 1], padding: [1, 1] },
    label: 'avg_pool overlapping, padded',
  },
  { op: 'avg_pool_grad', inputs: [f32(2, 3, 3, 3)], attrs: { size: [2, 2], out: [6, 6] } },
  {
    op: 'avg_pool_grad',
    inputs: [f32(2, 3, 3, 4)],
    attrs: { size: [3, 3], stride: [2, 2], padding: [1, 1], out: [6, 7] },
    label: 'avg_pool_grad padded',
  },
  {
    op: 'gaussian_pool',
    inputs: [f32(2, 3, 6, 6)],
    attrs: { size: [3, 3], stride: [1, 1], padding: [1, 1], sigma: 1 },
  },
  {
    op: 'gaussian_pool',
    inputs: [f32(2, 3, 6, 5)],
    attrs: { size: [3, 3], stride: [2, 2], sigma: 0.6 },
    label: 'gaussian_pool stride 2',
  },
  {
    op: 'gaussian_pool_grad',
    inputs: [f32(2, 3, 2, 2)],
    attrs: { size: [3, 3], stride: [2, 2], sigma: 0.6, out: [6, 5] },
  },
  { op: 'l2_pool', inputs: [f32(2, 3, 6, 6)], attrs: { size: [2, 2] } },
  {
    op: 'l2_pool',
    inputs: [f32(2, 3, 6, 5)],
    attrs: { size: [3, 2], stride: [2, 1], padding: [1, 1] },
    label: 'l2_pool overlapping, padded',
  },
  {
    // A window of zeros (as after relu): its norm's gradient is 0, the others' x / y.
    op: 'l2_pool',
    inputs: [f32(1, 2, 4, 4)],
    attrs: { size: [2, 2] },
    label: 'l2_pool with an all-zero window (boundary)',
    data: (_input, e, u) => (e < 8 && e % 4 < 2 ? 0 : 0.5 + u),
    subgradient: ([x]) => {
      const win = (e: number) => Math.floor(e / 16) * 4 + Math.floor((e % 16) / 8) * 2 + Math.floor((e % 4) / 2);
      const sq = new Float64Array(8);
      Array.from(x).forEach((v, e) => (sq[win(e)] += v * v));
      return [Array.from(x, (v, e) => (sq[win(e)] > 0 ? v / Math.sqrt(sq[win(e)]) : 0))];
    },
  },
];

const norm: OpCase[] = [
  { op: 'channel_window_sum', inputs: [f32(2, 5, 3, 3)], attrs: { size: 3, lo: 1 } },
  { op: 'lrn', inputs: [f32(2, 6, 4, 4)], attrs: { size: 5, alpha: 0.5, beta: 0.75, k: 2 } },
  { op: 'lrn', inputs: [f32(2, 3, 6, 6)], attrs: { size: 2, alpha: 1, beta: 0.5, k: 1 }, label: 'lrn even window' },
  { op: 'lcn', inputs: [f32(2, 3, 6, 6)], attrs: { size: [3, 3], sigma: 1 }, rtol: 1e-5 },
  {
    // σ = 0 at the corner pixel (its whole neighbourhood is 0) while the plane is not:
    // sqrt's kink there is |ε|-like, so central differences see the defined gradient.
    op: 'lcn',
    inputs: [f32(1, 1, 6, 6)],
    attrs: { size: [3, 3], sigma: 1 },
    label: 'lcn with an all-zero window',
    data: (_input, e, u) => (Math.floor(e / 6) < 3 && e % 6 < 3 ? 0 : 0.5 + u),
    rtol: 1e-4,
  },
  {
    // An all-zero plane: y = 0 (the divisor max(σ, mean σ) is 0 and taken as 1), and
    // Σ y = Σ v = Σ_q x_q (1 − cover(q)), cover(q) the gaussian weight the plane puts on q.
    op: 'lcn',
    inputs: [f32(1, 2, 3, 3)],
    attrs: { size: [3, 3], sigma: 1 },
    label: 'lcn of an all-zero plane (boundary)',
    data: () => 0,
    subgradient: ([x]) => {
      const w = gaussianWindow([3, 3], 1);
      const cover = (q: number) => {
        let s = 0;
        for (let p = 0; p < 9; p++) {
          const [dy, dx] = [Math.floor(q / 3) - Math.floor(p / 3) + 1, (q % 3) - (p % 3) + 1];
          if (dy >= 0 && dy < 3 && dx >= 0 && dx < 3) s += w[dy * 3 + dx];
        }
        return s;
      };
      return [Array.from(x, (_v, e) => 1 - cover(e % 9))];
    },
  },
];

export const cases: readonly OpCase[] = [...conv, ...maxPool, ...linearPools, ...norm];

export default cases;
