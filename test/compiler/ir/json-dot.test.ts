import { describe, expect, it } from 'vitest';
import { graphToDot } from '../../../compiler/ir/dot';
import { graphFromJson, graphToJson, programToJson } from '../../../compiler/ir/json';
import { printGraph } from '../../../compiler/ir/print';
import { verifyGraph } from '../../../compiler/ir/verify';
import { SAMPLE_TEXT, sampleGraph } from './sample';

describe('IR JSON and dot', () => {
  it('JSON round-trips through text and stays verifiable', () => {
    const json = JSON.parse(JSON.stringify(graphToJson(sampleGraph())));
    const g = graphFromJson(json);
    expect(printGraph(g)).toBe(SAMPLE_TEXT);
    expect(() => verifyGraph(g)).not.toThrow();
    expect(json.nodes[0]).toMatchObject({ op: 'matmul', inputs: [0, 1], span: { file: 'tiny.dl', line: 3, col: 7 } });
  });

  it('programToJson holds the persistent tensors, scalars and each entry graph', () => {
    const graph = sampleGraph();
    const json = programToJson({
      model: 'tiny',
      hyper: { batch: 4 },
      persistent: [
        { name: 'fc.W', kind: 'param', type: { dtype: 'f32', shape: [3, 2] }, init: { name: 'zeros', args: {} } },
      ],
      scalars: [{ name: 'lr', value: 0.1 }],
      entries: [{ name: 'train', kind: 'train', graph }],
    }) as { entries: { graph: unknown }[]; scalars: unknown };
    expect(json.scalars).toEqual([{ name: 'lr', value: 0.1 }]);
    expect(printGraph(graphFromJson(json.entries[0].graph as ReturnType<typeof graphToJson>))).toBe(SAMPLE_TEXT);
  });

  it('dot output has every node, the loop body as a cluster, and the dataflow edges', () => {
    const dot = graphToDot(sampleGraph());
    expect(dot.startsWith('digraph dlc {\n')).toBe(true);
    expect(dot).toContain('g_n0 [shape=box, label="matmul\\n%4: f32[4,2]\\ntiny.dl:3:7"];');
    expect(dot).toContain('subgraph cluster_g_n1_r0 {');
    expect(dot).toContain('g_a0 -> g_n0;');
    expect(dot).toContain('g_n0 -> g_n1;');
    expect(dot).toContain('g_n1 -> g_n1_r0_a0 [style=dashed];');
    expect(graphToDot(sampleGraph())).toBe(dot);
  });
});
