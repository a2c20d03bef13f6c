// The checks every region op (repeat, scan, fused) makes of its body: the shape rule
// and reference of the op itself need the body graph, and the op takes exactly one.
import type { Graph } from '../ir/types';
import { ShapeError } from './registry';

/** For a region op's infer/reference when called without its region. */
export function needsBody(op: string): never {
  throw new ShapeError(`${op} needs its body graph (emit it with a region)`);
}

/** The op's single body graph. */
export function oneBody(op: string, regions: readonly Graph[]): Graph {
  if (regions.length !== 1) throw new ShapeError(`${op} takes one body, got ${regions.length}`);
  return regions[0];
}
