// Graphviz output: args as ellipses, nodes as boxes labelled with op and output
// types, edges along the dataflow; a region body is a cluster under its node, fed
// by dashed edges from the node's inputs to the body's args.
import { basename } from 'node:path';
import { formatSpan, type Span } from '../../runtime/errors';
import type { Program } from './program';
import type { Graph, Value } from './types';
import { typeToString } from './types';

export function graphToDot(graph: Graph): string {
  const lines = ['digraph dlc {', '  rankdir=TB;', '  node [fontname="monospace", fontsize=10];'];
  emitScope(graph, 'g', '  ', lines);
  lines.push('}');
  return lines.join('\n') + '\n';
}

const quote = (s: string): string => JSON.stringify(s);

/** A span with the file's name only: a picture should not carry the folder it was drawn in. */
const spanLabel = (span: Span): string => formatSpan({ ...span, file: basename(span.file) });

/** Emits one scope; returns the dot node id of each value, and of each arg in order. */
function emitScope(graph: Graph, prefix: string, indent: string, lines: string[]): string[] {
  const ids = new Map<Value, string>();
  const argIds = graph.args.map((a, i) => {
    const id = `${prefix}_a${i}`;
    ids.set(a.value, id);
    lines.push(`${indent}${id} [shape=ellipse, label=${quote(`${a.kind} ${a.name}\n${typeToString(a.value.type)}`)}];`);
    return id;
  });
  graph.nodes.forEach((n, k) => {
    const id = `${prefix}_n${k}`;
    const outs = n.outputs.map((o) => `%${o.id}: ${typeToString(o.type)}`).join('\n');
    const op = n.op === 'assign' ? `assign → ${String(n.attrs.target)}` : n.op;
    const label = [op, outs, n.span ? spanLabel(n.span) : ''].filter((s) => s).join('\n');
    lines.push(`${indent}${id} [shape=box, label=${quote(label)}];`);
    for (const v of n.inputs) {
      const from = ids.get(v);
      if (from) lines.push(`${indent}${from} -> ${id};`);
    }
    for (const o of n.outputs) ids.set(o, id);
    (n.regions ?? []).forEach((r, ri) => {
      const sub = `${id}_r${ri}`;
      lines.push(`${indent}subgraph cluster_${sub} {`);
      lines.push(`${indent}  label=${quote(`${n.op} body ${r.name}`)}; style=dashed;`);
      const bodyArgs = emitScope(r, sub, indent + '  ', lines);
      lines.push(`${indent}}`);
      bodyArgs.forEach((a) => lines.push(`${indent}${id} -> ${a} [style=dashed];`));
    });
  });
  graph.results.forEach((r, i) => {
    const id = `${prefix}_res${i}`;
    lines.push(`${indent}${id} [shape=plaintext, label=${quote(r.name)}];`);
    const from = ids.get(r.value);
    if (from) lines.push(`${indent}${from} -> ${id};`);
  });
  return argIds;
}

/** A whole program as one digraph: each entry's graph is a cluster labelled with its name and kind. */
export function programToDot(program: Program): string {
  const lines = [
    'digraph dlc {',
    '  rankdir=TB;',
    '  node [fontname="monospace", fontsize=10];',
    `  label=${quote(`model ${program.model}`)};`,
  ];
  program.entries.forEach((e, k) => {
    lines.push(`  subgraph cluster_e${k} {`);
    lines.push(`    label=${quote(`${e.kind} ${e.name}`)};`);
    emitScope(e.graph, `e${k}`, '    ', lines);
    lines.push('  }');
  });
  lines.push('}');
  return lines.join('\n') + '\n';
}
