// Before conv and matmul epilogue fusion: relu's gradient mask reads relu's input
// (`gt %x, 0`), which would force the fused kernel to write the pre-activation
// values as well. Reading the activation instead gives the same mask:
//   x > 0  ⇔  relu(x) > 0   (relu(x) = x for x > 0, 0 otherwise; NaN > 0 is false either way)
//   1. For each `relu %x` of the scope, find the `gt %x, c` nodes after it with c a
//      zero constant.
//   2. Rewrite them to `gt %r, c` where %r is the relu's output.
//   3. Loop bodies are rewritten the same way; unchanged scopes are returned as is.
import type { Graph, Node, Value } from '../ir/types';
import type { PassContext } from './context';
import { inLoopBodies } from './fuse-group';
import { ScopeRewriter } from './rewrite';

function isZeroConstant(v: Value): boolean {
  return v.def !== null && v.def.op === 'constant' && v.def.attrs.value === 0;
}

export function reluMaskPass(graph: Graph, _ctx: PassContext): Graph {
  return rewriteScope(graph);
}

function rewriteScope(graph: Graph): Graph {
  const reluOf = new Map<Value, Value>();
  const rewrites = new Map<Node, Value>();
  for (const n of graph.nodes) {
    if (n.op === 'relu' && n.inputs[0].type.dtype === 'f32') reluOf.set(n.inputs[0], n.outputs[0]);
    if (n.op === 'gt' && reluOf.has(n.inputs[0]) && isZeroConstant(n.inputs[1]))
      rewrites.set(n, reluOf.get(n.inputs[0])!);
  }
  let out = graph;
  if (rewrites.size > 0) {
    const rw = new ScopeRewriter(graph);
    for (const n of graph.nodes) {
      const relu = rewrites.get(n);
      if (relu) rw.keep(n, { inputs: [rw.get(relu), rw.get(n.inputs[1])] });
      else rw.keep(n);
    }
    out = rw.finish();
  }
  return inLoopBodies(out, rewriteScope);
}
