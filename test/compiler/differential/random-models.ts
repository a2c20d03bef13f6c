// Random well-typed .dl models for differential testing (-O0 against -O2). A model
// holds several independent graphs, each with its own inputs, params and layer
// instances and one train entry (sometimes an infer entry too), so that one device
// program covers many graphs. A graph draws from: dense matmuls, conv layers with
// max/avg pooling, unary and binary elementwise ops, broadcasting against vectors,
// [batch, 1] columns and scalars, reductions (sum, mean, max, logsumexp, softmax,
// log_softmax), repeat loops and scan loops; its loss reaches every param it
// declares, and its optimizer is one of sgd (momentum), adagrad, rmsprop or adam.
import { rng } from '../memory/random-plans';

export const BATCH = 2;
export const WIDTH = 4;

/** One graph's host data: input name → values, and its entry names. */
export interface RandomGraph {
  readonly index: number;
  readonly train: string;
  readonly infer?: string;
  readonly inputs: Readonly<Record<string, Float32Array | Int32Array>>;
  /** Whether it has a repeat or scan loop. */
  readonly loop: boolean;
}

export interface RandomModel {
  readonly source: string;
  readonly graphs: readonly RandomGraph[];
}

interface Mat {
  readonly expr: string;
  readonly width: number;
}

function values(n: number, r: (n: number) => number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => ((r(2001) - 1000) / 1000) * scale);
}

/** Builds graph `index` of a model: its declarations, entries and feeds. */
function randomGraph(index: number, r: (n: number) => number, decls: string[], entries: string[]): RandomGraph {
  const p = `g${index}_`;
  const body: string[] = [];
  const inputs: Record<string, Float32Array | Int32Array> = {};
  const args: string[] = [];
  let params = 0;
  let temps = 0;
  let loop = false;
  // One width throughout (and fixed loop and image sizes): kernels are specialised to
  // shapes, so a small shape vocabulary lets the device reuse compiled pipelines.
  const width = (): number => WIDTH;
  const input = (name: string, shape: number[], data: Float32Array | Int32Array, dtype = 'f32'): string => {
    decls.push(`input ${p}${name}: ${dtype}[${shape.join(', ')}]`);
    inputs[`${p}${name}`] = data;
    args.push(`${p}${name}`);
    return `${p}${name}`;
  };
  const param = (shape: number[], std: number): string => {
    const name = `${p}P${params++}`;
    decls.push(`param ${name}: f32[${shape.join(', ')}] = normal(0, ${std})`);
    return name;
  };
  const bind = (expr: string, w: number): Mat => {
    const name = `v${temps++}`;
    body.push(`${name} = ${expr}`);
    return { expr: name, width: w };
  };

  const pool: Mat[] = [];
  if (r(3) !== 0) {
    const x0 = width();
    pool.push({ expr: input('x', [BATCH, x0], values(BATCH * x0, r)), width: x0 });
  } else {
    // Image path: conv layer, activation, pooling (or a second conv), flattened.
    const c = 2;
    const size = 6;
    let img = input('im', [BATCH, c, size, size], values(BATCH * c * size * size, r));
    const cout = 3;
    const k = r(2) === 0 ? 3 : 1;
    const pad = k === 3 && r(2) === 0 ? 1 : 0;
    const layer = `${p}conv`;
    decls.push(`layer ${layer} = conv(${c}, ${cout}, ${k}${pad ? `, padding = ${pad}` : ''})`);
    let hw = size - k + 1 + 2 * pad;
    img = `${['relu', 'tanh', 'sigmoid'][r(3)]}(${layer}(${img}))`;
    const pooling = r(3);
    if (pooling < 2) {
      img = `${pooling === 0 ? 'max_pool' : 'avg_pool'}(${img}, 2)`;
      hw = Math.floor(hw / 2);
    }
    pool.push(bind(`flatten(${img}) @ ${param([cout * hw * hw, WIDTH], 0.3)}`, WIDTH));
  }
  const steps = 2 + r(5);
  for (let s = 0; s < steps; s++) {
    const a = pool[pool.length - 1 - r(Math.min(2, pool.length))];
    switch (r(9)) {
      case 0:
      case 1: {
        const w = width();
        pool.push(bind(`${a.expr} @ ${param([a.width, w], 0.5)}${r(2) === 0 ? ` + ${param([w], 0.2)}` : ''}`, w));
        break;
      }
      case 2: {
        const f = [
          'relu(A)',
          'tanh(A)',
          'sigmoid(A)',
          'softplus(A)',
          'abs(A)',
          '-A',
          'exp(tanh(A))',
          'sqrt(A * A + 1)',
        ][r(8)];
        pool.push(bind(f.replaceAll('A', a.expr), a.width));
        break;
      }
      case 3: {
        const same = pool.filter((m) => m.width === a.width && m !== a);
        const b = same.length > 0 ? same[r(same.length)] : bind(`tanh(${a.expr})`, a.width);
        const f = ['A + B', 'A * B', 'A - B', 'max(A, B)', 'min(A, B)', 'A / (1 + abs(B))'][r(6)];
        pool.push(bind(f.replaceAll('A', a.expr).replaceAll('B', b.expr), a.width));
        break;
      }
      case 4: {
        // Broadcasting: a row vector, a [batch, 1] column, or a scalar.
        const k = r(4);
        const f =
          k === 0
            ? `A * ${param([a.width], 0.5)}`
            : ['A + sum(A, axis = 1, keepdims = true)', 'A * 0.5 - 1', 'A - mean(A, axis = 1, keepdims = true)'][k - 1];
        pool.push(bind(f.replaceAll('A', a.expr), a.width));
        break;
      }
      case 5: {
        const f = [
          'softmax(A)',
          'log_softmax(A)',
          'A - logsumexp(A, axis = 1, keepdims = true)',
          'A - max(A, axis = 1, keepdims = true)',
        ][r(4)];
        pool.push(bind(f.replaceAll('A', a.expr), a.width));
        break;
      }
      case 6: {
        loop = true;
        const k = 1 + r(3);
        const W = param([a.width, a.width], 0.4);
        pool.push(
          bind(
            `repeat ${k} carry h = ${a.expr} { h = tanh(h @ ${W}${r(2) === 0 ? ` + ${param([a.width], 0.2)}` : ''}) }`,
            a.width,
          ),
        );
        break;
      }
      case 7: {
        loop = true;
        const T = 3;
        const d = WIDTH;
        const xs = input(`xs${s}`, [BATCH, T, d], values(BATCH * T * d, r));
        const Wx = param([d, a.width], 0.5);
        const Wh = param([a.width, a.width], 0.4);
        const hs = `v${temps++}`;
        const hT = `v${temps++}`;
        body.push(
          `${hs}, ${hT} = scan t over ${T} carry h = ${a.expr} { h = tanh(${xs}[:, t] @ ${Wx} + h @ ${Wh}); emit h }`,
        );
        pool.push(bind(`${hT} + mean(${hs}, axis = 1)`, a.width));
        break;
      }
      case 8: {
        pool.push(bind(`${a.expr} * ${['sum', 'mean', 'max'][r(3)]}(${a.expr})`, a.width));
        break;
      }
    }
  }
  const forwardArgs = [...args];
  // A final dense layer: every graph trains at least one param.
  const head = pool[pool.length - 1];
  const outWidth = width();
  pool.push(bind(`${head.expr} @ ${param([head.width, outWidth], 0.5)} + ${param([outWidth], 0.2)}`, outWidth));
  // The loss reads the last value and every dead end, so it reaches every param.
  const used = new Set<string>();
  for (const line of body)
    for (const m of line.matchAll(/\bv\d+\b/g)) if (!line.startsWith(`${m[0]} =`)) used.add(m[0]);
  const last = pool[pool.length - 1];
  const dead = pool.slice(0, -1).filter((m) => m.expr.startsWith('v') && !used.has(m.expr));
  let loss: string;
  switch (r(4)) {
    case 0: {
      const y = input(
        'y',
        [BATCH],
        Int32Array.from({ length: BATCH }, () => r(last.width)),
        'i32',
      );
      loss = `mean(cross_entropy(${last.expr}, ${y}))`;
      break;
    }
    case 1: {
      const t = input('t', [BATCH, last.width], values(BATCH * last.width, r));
      loss = `mean(squared_error(${last.expr}, ${t}))`;
      break;
    }
    case 2:
      loss = `mean(${last.expr} * ${last.expr})`;
      break;
    default:
      loss = `sum(softplus(${last.expr})) / ${BATCH}`;
  }
  for (const d of dead) loss += ` + 0.1 * mean(${d.expr})`;
  const optimizer = [
    'sgd(lr = 0.05)',
    'sgd(lr = 0.05, momentum = 0.9)',
    'adagrad(lr = 0.05)',
    'rmsprop(lr = 0.01)',
    'adam(lr = 0.01)',
    'sgd(lr = 0.05, weight_decay = 0.01)',
  ][r(6)];
  const train = `${p}step`;
  entries.push(
    `train ${train}(${args.join(', ')}) -> loss, out {\n    ${body.join('\n    ')}` +
      `\n    loss = ${loss}\n    out = ${last.expr}\n    minimize loss with ${optimizer}\n  }`,
  );
  let infer: string | undefined;
  if (r(4) === 0) {
    infer = `${p}predict`;
    entries.push(
      `infer ${infer}(${forwardArgs.join(', ')}) -> out {\n    ${body.join('\n    ')}\n    out = ${last.expr}\n  }`,
    );
  }
  return { index, train, infer, inputs, loop };
}

/** A model of `count` random graphs, reproducible from `seed`. */
export function randomModel(seed: number, count: number): RandomModel {
  const r = rng(seed);
  const decls: string[] = [];
  const entries: string[] = [];
  const graphs = Array.from({ length: count }, (_, i) => randomGraph(i, r, decls, entries));
  const source = `model random${seed}() {\n  ${decls.join('\n  ')}\n\n  ${entries.join('\n\n  ')}\n}\n`;
  return { source, graphs };
}
