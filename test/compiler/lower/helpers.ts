// Lowers .dl source text (plus an optional layer library) without touching the disk.
import type { SourceFile } from '../../../dsl/ast';
import { parseSource } from '../../../dsl/parse';
import type { LowerOptions, LowerResult } from '../../../compiler/lower/model';
import { lowerModelProgram } from '../../../compiler/lower/model';
import '../../../compiler/ops/index';

export const LAYERS = `
layer dense(n_in, n_out) {
  param W: f32[n_in, n_out] = glorot_uniform
  param b: f32[n_out] = zeros
  (x) => x @ W + b
}
`;

export function lowerSource(text: string, options: LowerOptions = {}, library = LAYERS): LowerResult {
  const files: SourceFile[] = [];
  for (const [src, name] of [
    [library, 'lib.dl'],
    [text, 'test.dl'],
  ] as const) {
    const parsed = parseSource(src, name);
    if (!parsed.ast)
      throw new Error(
        `parse failed: ${parsed.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`).join('; ')}`,
      );
    files.push(parsed.ast);
  }
  return lowerModelProgram({ files, root: files[1] }, options);
}

export function messages(r: LowerResult): string[] {
  return r.diagnostics.map((d) => `${d.span.file}:${d.span.line}:${d.span.col}: ${d.message}`);
}
