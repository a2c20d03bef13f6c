// `--data bool-trees`: the layout a compiled recursive net reads (post-order, right-aligned,
// children before parents, root in the last slot), labels equal to the trees' values, and a
// test split of trees absent from the train split.
import { describe, expect, it } from 'vitest';
import { boolTrees, TREE_MAX_LEAVES, TREE_SLOTS, TREE_SYMBOLS as S } from '../../runtime/data/trees';
import type { Split } from '../../runtime/data/dataset';

/** The keys of the split's trees; a broken rule is pushed to `problems` (one expect at the end: fast). */
function check(split: Split, problems: string[]): Set<string> {
  const sym = split.sym!.data;
  const left = split.left!.data;
  const right = split.right!.data;
  const y = split.y!.data;
  const keys = new Set<string>();
  for (let i = 0; i < y.length; i++) {
    const at = (s: number) => i * TREE_SLOTS + s;
    const want = (ok: boolean, what: string) => {
      if (!ok && problems.length < 10) problems.push(`tree ${i}: ${what}`);
    };
    const value: boolean[] = [];
    let first = TREE_SLOTS;
    let leaves = 0;
    for (let s = 0; s < TREE_SLOTS; s++) {
      const k = sym[at(s)]!;
      if (k === S.pad) {
        want(first === TREE_SLOTS, `padding at slot ${s} after a node`);
        want(left[at(s)] === s && right[at(s)] === s, `padding slot ${s} has children`);
        continue;
      }
      first = Math.min(first, s);
      if (k === S.false || k === S.true) {
        leaves++;
        value[s] = k === S.true;
        want(left[at(s)] === s && right[at(s)] === s, `leaf slot ${s} has children`);
      } else {
        const l = left[at(s)]!;
        const r = right[at(s)]!;
        want(l >= first && l < r && r < s, `node ${s} has children ${l}, ${r}`); // post-order
        value[s] = k === S.and ? value[l]! && value[r]! : value[l]! || value[r]!;
      }
    }
    want(leaves >= 2 && leaves <= TREE_MAX_LEAVES, `${leaves} leaves`);
    want(y[i] === (value[TREE_SLOTS - 1] ? 1 : 0), `label ${y[i]} is not the root's value`);
    keys.add(Array.from(sym.subarray(at(0), at(TREE_SLOTS))).join() + Array.from(left.subarray(at(0), at(TREE_SLOTS))));
  }
  return keys;
}

describe('bool-trees', () => {
  it('lists valid trees whose labels are their values; no test tree is a train tree', () => {
    const d = boolTrees();
    expect(d.train.y!.shape).toEqual([8000]);
    expect(d.test.sym!.shape).toEqual([2000, TREE_SLOTS]);
    const problems: string[] = [];
    const train = check(d.train, problems);
    const test = check(d.test, problems);
    expect(problems).toEqual([]);
    expect([...test].filter((k) => train.has(k))).toEqual([]);
    // Both labels are common: a constant guess is near chance.
    const ones = Array.from(d.test.y!.data).reduce((a, b) => a + b, 0);
    expect(ones / 2000).toBeGreaterThan(0.4);
    expect(ones / 2000).toBeLessThan(0.6);
  });
});
