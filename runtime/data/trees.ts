// Boolean expression trees: the synthetic task of the recursive net (examples/recursive.dl).
// Browser-safe; every tree is a pure function of (seed 0, split stream, counter).
//
// Generator: a tree draws its leaf count L uniformly in [2, 16]; a tree of L > 1 leaves
// is an internal node over a left subtree of k leaves, k uniform in [1, L-1], and a
// right subtree of L-k leaves. A leaf is FALSE or TRUE and an internal node AND or OR,
// each with probability 1/2. The label is the tree's truth value.
//
// Layout (fixed shapes for a compiled program): the nodes in post-order, children
// before their parent, right-aligned in N = 31 slots, so the root is always slot N-1
// and the slots before the first node are padding. Fields:
//   sym   i32[n,N]  0 padding, 1 FALSE, 2 TRUE, 3 AND, 4 OR
//   left  i32[n,N]  the slot of the node's left child (a leaf or padding slot: its own)
//   right i32[n,N]  likewise, the right child
//   y     i32[n]    the value of the root, 0 or 1
// Splits: 8,000 train trees (stream 1) and 2,000 test trees (stream 2); a test tree
// equal to a train tree is drawn again, so every test tree is unseen.
import { makeDataset, type Dataset, type Split } from './dataset';
import { uniformBelow } from './prng';
import { hostTensor } from './tensor';

export const TREE_MAX_LEAVES = 16;
export const TREE_SLOTS = 2 * TREE_MAX_LEAVES - 1;
export const TREE_SYMBOLS = { pad: 0, false: 1, true: 2, and: 3, or: 4 } as const;
const TRAIN_TREES = 8000;
const TEST_TREES = 2000;
const SEED = 0;

interface Node {
  readonly sym: number;
  readonly left: number;
  readonly right: number;
}

/** Draws one tree as post-order nodes (children as indices into the list) and its value. */
function drawTree(draw: (n: number) => number): { nodes: Node[]; value: boolean } {
  const nodes: Node[] = [];
  const build = (leaves: number): { at: number; value: boolean } => {
    if (leaves === 1) {
      const value = draw(2) === 1;
      nodes.push({ sym: value ? TREE_SYMBOLS.true : TREE_SYMBOLS.false, left: -1, right: -1 });
      return { at: nodes.length - 1, value };
    }
    const k = 1 + draw(leaves - 1);
    const l = build(k);
    const r = build(leaves - k);
    const and = draw(2) === 0;
    nodes.push({ sym: and ? TREE_SYMBOLS.and : TREE_SYMBOLS.or, left: l.at, right: r.at });
    return { at: nodes.length - 1, value: and ? l.value && r.value : l.value || r.value };
  };
  const { value } = build(2 + draw(TREE_MAX_LEAVES - 1));
  return { nodes, value };
}

function treeSplit(count: number, stream: number, exclude?: ReadonlySet<string>): { split: Split; keys: Set<string> } {
  const sym = new Int32Array(count * TREE_SLOTS);
  const left = new Int32Array(count * TREE_SLOTS);
  const right = new Int32Array(count * TREE_SLOTS);
  const y = new Int32Array(count);
  const keys = new Set<string>();
  let counter = 0;
  const draw = (n: number): number => {
    const d = uniformBelow(SEED, stream, counter, n);
    counter = d.next;
    return d.value;
  };
  for (let i = 0; i < count;) {
    const { nodes, value } = drawTree(draw);
    const key = nodes.map((n) => `${n.sym}:${n.left}:${n.right}`).join(',');
    if (exclude?.has(key)) continue;
    keys.add(key);
    const first = TREE_SLOTS - nodes.length; // right-aligned: the root lands in the last slot
    for (let s = 0; s < TREE_SLOTS; s++) {
      const node = s >= first ? nodes[s - first]! : undefined;
      const at = i * TREE_SLOTS + s;
      sym[at] = node?.sym ?? TREE_SYMBOLS.pad;
      left[at] = node && node.left >= 0 ? first + node.left : s;
      right[at] = node && node.right >= 0 ? first + node.right : s;
    }
    y[i] = value ? 1 : 0;
    i++;
  }
  const shape = [count, TREE_SLOTS];
  const split = {
    sym: hostTensor('i32', shape, sym),
    left: hostTensor('i32', shape, left),
    right: hostTensor('i32', shape, right),
    y: hostTensor('i32', [count], y),
  };
  return { split, keys };
}

let cached: Dataset | undefined;

/** `--data bool-trees`: 8,000 train and 2,000 unseen test trees of 2–16 leaves. */
export function boolTrees(): Dataset {
  if (cached) return cached;
  const train = treeSplit(TRAIN_TREES, 1);
  const test = treeSplit(TEST_TREES, 2, train.keys);
  cached = makeDataset('bool-trees', train.split, test.split, {
    classes: 2,
    slots: TREE_SLOTS,
    generator: 'boolean AND/OR trees of 2-16 leaves, seed 0',
  });
  return cached;
}
