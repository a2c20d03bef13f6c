// The optimizers of `minimize LOSS with NAME(options)`, declared once: each one's
// options with their defaults and docs, and the options every optimizer accepts
// (regularisation and clipping). The checker (dsl/resolve.ts) checks calls against
// this table, the docs (dsl/reference.ts) list it, and compiler/optim/ keeps only
// the update rules, keyed by these names, reading their defaults from here.

export interface OptimizerOption {
  readonly name: string;
  readonly default: number | boolean;
  readonly doc: string;
  /** Acts on all of an entry's params at once, so a param group cannot set it. */
  readonly entryWide?: boolean;
}

export interface OptimizerDef {
  readonly name: string;
  /** Its own options, then COMMON_OPTIONS. */
  readonly options: readonly OptimizerOption[];
  readonly doc: string;
}

/** Options every optimizer accepts; each acts only when given. */
export const COMMON_OPTIONS: readonly OptimizerOption[] = [
  { name: 'weight_decay', default: 0, doc: 'L2 penalty: adds weight_decay·w to the gradient' },
  { name: 'l1', default: 0, doc: 'L1 penalty: adds l1·sign(w) to the gradient' },
  {
    name: 'max_norm',
    default: 0,
    doc: 'after the update, scales each column of a weight matrix back to norm ≤ max_norm',
  },
  {
    name: 'clip_norm',
    default: 0,
    doc: "rescales all the entry's gradients together to global norm ≤ clip_norm",
    entryWide: true,
  },
];

const lr = (d: number): OptimizerOption => ({ name: 'lr', default: d, doc: 'learning rate' });
const eps = (d: number): OptimizerOption => ({ name: 'eps', default: d, doc: 'added to the denominator' });

const OWN: readonly OptimizerDef[] = [
  {
    name: 'sgd',
    options: [
      lr(0.01),
      { name: 'momentum', default: 0, doc: 'velocity v ← momentum·v + g' },
      { name: 'nesterov', default: false, doc: 'Nesterov momentum (fixed at compile time)' },
    ],
    doc: 'stochastic gradient descent with optional (Nesterov) momentum',
  },
  {
    name: 'adagrad',
    options: [lr(0.01), eps(1e-8)],
    doc: 'per-weight learning rates from accumulated squared gradients',
  },
  {
    name: 'rmsprop',
    options: [
      lr(0.001),
      { name: 'decay', default: 0.95, doc: 'running average s ← decay·s + (1 − decay)·g²' },
      { name: 'momentum', default: 0, doc: 'velocity v ← momentum·v + g / (√s + eps)' },
      eps(1e-6),
    ],
    doc: 'running average of squared gradients (PyTorch-style momentum)',
  },
  {
    name: 'adam',
    options: [
      lr(0.001),
      { name: 'beta1', default: 0.9, doc: 'decay of the gradient average' },
      { name: 'beta2', default: 0.999, doc: 'decay of the squared-gradient average' },
      eps(1e-8),
    ],
    doc: 'Adam (Kingma & Ba 2014)',
  },
  {
    name: 'vsgd',
    options: [
      { name: 'tau0', default: 10, doc: 'initial memory τ of the running averages' },
      { name: 'c', default: 10, doc: 'slow start: the first step overestimates v̄ and h̄ by this factor' },
      { name: 'h0', default: 1, doc: 'curvature estimate of the first step' },
      eps(1e-8),
      { name: 'delta', default: 1e-8, doc: 'least weight change in the finite-difference curvature' },
    ],
    doc: "vSGD (Schaul et al. 2013), no learning rate; curvature: the gradient's change between steps, which batch noise dominates (see below)",
  },
];

export const OPTIMIZERS: readonly OptimizerDef[] = OWN.map((o) => ({
  ...o,
  options: [...o.options, ...COMMON_OPTIONS],
}));

export const OPTIMIZERS_BY_NAME: ReadonlyMap<string, OptimizerDef> = new Map(OPTIMIZERS.map((o) => [o.name, o]));

/** Options that act on all of an entry's params at once, so a param group cannot set them. */
export const ENTRY_WIDE_OPTIONS: readonly string[] = COMMON_OPTIONS.filter((o) => o.entryWide).map((o) => o.name);
