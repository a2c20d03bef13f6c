// The topography check of the TICA row (scripts/zoo/topography.ts): the torus
// neighbourhood has 8 members, and the pair means tell a grid whose neighbours
// are alike from one whose filters are orthogonal.
import { describe, expect, it } from 'vitest';
import { energyCorrelation, filterSimilarity, gridNeighbours } from '../../scripts/zoo/topography';

describe('TICA topography figures', () => {
  it('each position of a 5×5 torus has 8 neighbours, wrapping at the edges', () => {
    for (let i = 0; i < 25; i++) {
      const n = Array.from({ length: 25 }, (_, j) => j).filter((j) => gridNeighbours(i, j, 5));
      expect(n.length).toBe(8);
    }
    expect(gridNeighbours(0, 24, 5)).toBe(true);
    expect(gridNeighbours(0, 12, 5)).toBe(false);
    expect(gridNeighbours(3, 3, 5)).toBe(false);
  });

  it('orthogonal filters score 0; filters that vary slowly over the grid score higher for neighbours', () => {
    const g = 4;
    const n = g * g;
    const d = n;
    // Identity: every filter is its own pixel, so every pair is orthogonal.
    const identity = Array.from({ length: d * n }, (_, k) => (Math.floor(k / n) === k % n ? 1 : 0));
    expect(filterSimilarity(identity, d, g)).toEqual({ neighbours: 0, others: 0 });
    // Filter j = a smooth bump around pixel j's grid position: neighbours overlap.
    const bump = (i: number, j: number): number => {
      const ring = (a: number, b: number) => Math.min(Math.abs(a - b), g - Math.abs(a - b));
      const r = ring(Math.floor(i / g), Math.floor(j / g));
      const c = ring(i % g, j % g);
      return Math.exp(-(r * r + c * c) / 4);
    };
    const smooth = Array.from({ length: d * n }, (_, k) => bump(Math.floor(k / n), k % n));
    const similarity = filterSimilarity(smooth, d, g);
    expect(similarity.neighbours).toBeGreaterThan(similarity.others + 0.05);
    // Patches that light one pixel each: a smooth grid's neighbours respond together.
    const patches = Array.from({ length: d * d }, (_, k) => (Math.floor(k / d) === k % d ? 1 : 0));
    const energy = energyCorrelation(smooth, patches, d, g);
    expect(energy.neighbours).toBeGreaterThan(energy.others + 0.05);
  });
});
