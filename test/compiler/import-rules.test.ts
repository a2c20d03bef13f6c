// The layering the source tree keeps, checked on every import of every .ts file under
// compiler/, runtime/, dsl/ and bench/ (tests may import anything they test):
//   - only compiler/cli/ imports compiler/cli/ (everything else reaches the compiler
//     through compiler/driver.ts);
//   - code generation does not import the passes (the driver runs them), nor the
//     passes code generation (what both ask of a node is in compiler/ops/fusion-rules.ts);
//   - the runtime imports neither the compiler nor dsl/ (a generated module ships the
//     runtime alone), and runtime/train in particular does not import the compiler.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const SCANNED = ['compiler', 'runtime', 'dsl', 'bench'];

interface Edge {
  readonly from: string;
  readonly to: string;
}

interface Rule {
  readonly name: string;
  readonly broken: (edge: Edge) => boolean;
}

// '' is the whole tree.
const under = (path: string, folder: string): boolean =>
  folder === '' || path === folder || path.startsWith(`${folder}/`);

/** A rule forbidding every edge from `from` (anywhere but `except`) into `to`. */
const rule = (name: string, from: string, to: readonly string[], except?: string): Rule => ({
  name,
  broken: (e) =>
    under(e.from, from) && (except === undefined || !under(e.from, except)) && to.some((t) => under(e.to, t)),
});

const RULES: readonly Rule[] = [
  rule('compiler/cli imported from outside it', '', ['compiler/cli'], 'compiler/cli'),
  rule('codegen imports passes', 'compiler/codegen', ['compiler/passes']),
  // Fusion predicates live in compiler/ops/fusion-rules.ts, shared by passes and kernels.
  rule('passes import codegen', 'compiler/passes', ['compiler/codegen']),
  rule('runtime imports the compiler or dsl', 'runtime', ['compiler', 'dsl']),
  rule('runtime/train imports the compiler', 'runtime/train', ['compiler']),
];

/** `rule: from -> to` for every edge a rule forbids. */
function violations(edges: readonly Edge[]): string[] {
  const broken = (e: Edge) => RULES.filter((r) => r.broken(e)).map((r) => `${r.name}: ${e.from} -> ${e.to}`);
  return edges.flatMap(broken);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const path = `${dir}/${d.name}`;
    if (d.isDirectory()) return sourceFiles(path);
    return d.name.endsWith('.ts') ? [path] : [];
  });
}

// Static imports, re-exports and dynamic import() of relative paths.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.[^'"]*)['"]/gm;

function edgesOf(file: string): Edge[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(SPECIFIER)].map((m) => ({
    from: file,
    to: relative(ROOT, resolve(ROOT, dirname(file), m[1]!))
      .split('\\')
      .join('/'),
  }));
}

describe('import rules', () => {
  it('the source tree breaks none of them', () => {
    const edges = SCANNED.flatMap(sourceFiles).flatMap(edgesOf);
    expect(edges.length).toBeGreaterThan(100);
    expect(violations(edges)).toEqual([]);
  });

  it('each rule catches the edge it forbids', () => {
    expect(
      violations([
        { from: 'bench/profile.ts', to: 'compiler/cli/stages' },
        { from: 'compiler/codegen/compile.ts', to: 'compiler/passes/pipeline' },
        { from: 'compiler/passes/fuse-conv.ts', to: 'compiler/codegen/fused-conv-node' },
        { from: 'runtime/model.ts', to: 'dsl/diagnostics' },
        { from: 'runtime/train/loop.ts', to: 'compiler/ir/types' },
        { from: 'compiler/cli/commands/ir.ts', to: 'compiler/cli/render' },
        { from: 'compiler/driver.ts', to: 'compiler/passes/pipeline' },
      ]),
    ).toEqual([
      'compiler/cli imported from outside it: bench/profile.ts -> compiler/cli/stages',
      'codegen imports passes: compiler/codegen/compile.ts -> compiler/passes/pipeline',
      'passes import codegen: compiler/passes/fuse-conv.ts -> compiler/codegen/fused-conv-node',
      'runtime imports the compiler or dsl: runtime/model.ts -> dsl/diagnostics',
      'runtime imports the compiler or dsl: runtime/train/loop.ts -> compiler/ir/types',
      'runtime/train imports the compiler: runtime/train/loop.ts -> compiler/ir/types',
    ]);
  });
});
