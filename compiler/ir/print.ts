// The IR text format, read by people and parsed back by tests (parse.ts):
//
//   graph train {
//     input %x: f32[128,784]
//     param %fc1.W: f32[784,512] = glorot_uniform(fan_in=784, fan_out=512)
//     %3: f32[128,512] = matmul %x, %fc1.W [transpose_a=false, transpose_b=false]  # mnist_mlp.dl:9:14
//     %9: f32[4,8] = repeat %h0, %W [carries=1, count=3]
//       graph body {
//         region %h: f32[4,8]
//         ...
//         return h=%12
//       }
//     assign %8 [target="fc1.W"]
//     return loss=%7
//   }
//
// Args are referred to by name, node outputs by number; attributes and initializer
// arguments are sorted; region bodies are nested graphs indented under their node.
// The output is a pure function of the graph, so it diffs cleanly.
import { formatSpan } from '../../runtime/errors';
import type { Program } from './program';
import type { Arg, Attrs, AttrValue, Graph, Node, Value } from './types';
import { typeToString } from './types';

const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*$/;

export function printGraph(graph: Graph): string {
  const lines: string[] = [];
  printScope(graph, '', lines);
  return lines.join('\n') + '\n';
}

/** `%name` for args with plain unique names, `%id` otherwise. */
function argRef(a: Arg): string {
  return IDENT.test(a.name) ? `%${a.name}` : `%${a.value.id}`;
}

function printScope(graph: Graph, indent: string, lines: string[]): void {
  const refs = new Map<Value, string>();
  for (const a of graph.args) refs.set(a.value, argRef(a));
  const ref = (v: Value): string => refs.get(v) ?? `%${v.id}`;
  const inner = indent + '  ';
  lines.push(`${indent}graph ${graph.name} {`);
  for (const a of graph.args) {
    let line = `${inner}${a.kind} ${argRef(a)}: ${typeToString(a.value.type)}`;
    if (!IDENT.test(a.name)) line += ` ${JSON.stringify(a.name)}`;
    if (a.init) line += ` = ${a.init.name}(${printPairs(a.init.source ?? a.init.args)})`;
    lines.push(line);
  }
  for (const n of graph.nodes) {
    lines.push(inner + printNode(n, ref));
    for (const r of n.regions ?? []) printScope(r, inner + '  ', lines);
  }
  const results = graph.results.map((r) => `${IDENT.test(r.name) ? r.name : JSON.stringify(r.name)}=${ref(r.value)}`);
  lines.push(`${inner}return${results.length ? ' ' + results.join(', ') : ''}`);
  lines.push(`${indent}}`);
}

export function printNode(n: Node, ref: (v: Value) => string = (v) => `%${v.id}`): string {
  let line = '';
  if (n.outputs.length) line += n.outputs.map((o) => `%${o.id}: ${typeToString(o.type)}`).join(', ') + ' = ';
  line += n.op;
  if (n.inputs.length) line += ' ' + n.inputs.map(ref).join(', ');
  if (Object.keys(n.attrs).length) line += ` [${printPairs(n.attrs)}]`;
  if (n.span) line += `  # ${formatSpan(n.span)}`;
  return line;
}

function printPairs(attrs: Attrs): string {
  return Object.keys(attrs)
    .sort()
    .map((k) => `${k}=${printAttrValue(attrs[k])}`)
    .join(', ');
}

export function printAttrValue(v: AttrValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'boolean') return String(v);
  return `[${v.join(',')}]`;
}

/**
 * A whole program: comment lines for the model (hyperparameters after -D, runtime
 * scalars), then each entry's graph under a comment naming its kind and span.
 * Each graph's lines are exactly printGraph's, so one can be cut out and parsed.
 */
export function printProgram(program: Program): string {
  const hyper = Object.keys(program.hyper)
    .sort()
    .map((k) => `${k}=${printAttrValue(program.hyper[k])}`);
  const lines = [`# model ${program.model}${hyper.length ? ` [${hyper.join(', ')}]` : ''}`];
  for (const s of program.scalars) lines.push(`# scalar ${s.name} = ${printAttrValue(s.value)}`);
  const parts = [lines.join('\n') + '\n'];
  for (const e of program.entries)
    parts.push(`\n# entry ${e.name}: ${e.kind}${e.span ? `, ${formatSpan(e.span)}` : ''}\n` + printGraph(e.graph));
  return parts.join('');
}
