// Benchmark (not a test): generates a large model file and reports how long the
// front end takes to tokenize, parse, build the AST and resolve names, and how long
// `dlc check` takes with the type and shape checks (the lowering) on top.
// Run: npx esbuild bench/parse-check.ts --bundle --platform=node --format=esm \
//        --packages=external --outfile=dist/parse-check.js && node dist/parse-check.js [FNS]
import { performance } from 'node:perf_hooks';
import { DiagnosticBag } from '../dsl/diagnostics';
import { checkFiles } from '../compiler/lower/check';
import { loadProgram } from '../dsl/index';
import { tokenize } from '../dsl/tokens';

const CHAIN = 100;

function generate(fns: number): string {
  const lines = ['model big(batch = 32, n = 256) {', '  input x: f32[batch, n]', '  input y: i32[batch]'];
  for (let i = 0; i < fns / 10; i++) lines.push(`  layer fc${i} = dense(n, n)`);
  // Chains of CHAIN fns (every call is inlined, and inlining is bounded), summed in the loss.
  for (let i = 0; i < fns; i++) {
    if (i % CHAIN === 0) {
      lines.push(`  fn f${i}(v) = relu(fc${Math.floor(i / 10)}(v))`);
      continue;
    }
    lines.push(
      `  fn f${i}(v) {`,
      `    h = tanh(v @ fc${Math.floor(i / 10)}.W + fc${Math.floor(i / 10)}.b) * 0.5`,
      `    return f${i - 1}(h) + sum(h, axis = 1, keepdims = true)`,
      '  }',
    );
  }
  lines.push(`  train step(x, y) -> loss {`, '    h = x');
  for (let end = CHAIN - 1; end < fns; end += CHAIN) lines.push(`    h = h + f${end}(x)`);
  lines.push(
    '    loss = mean(cross_entropy(h, y))',
    '    minimize loss with sgd(lr = 0.1, momentum = 0.9)',
    '  }',
    '}',
  );
  return lines.join('\n') + '\n';
}

const fns = Number(process.argv[2] ?? 20_000);
const text = generate(fns);
const bytes = new TextEncoder().encode(text);
const lineCount = text.split('\n').length;

let t = performance.now();
tokenize(text, 'big.dl', new DiagnosticBag());
const lexMs = performance.now() - t;

t = performance.now();
const r = loadProgram('big.dl', () => bytes);
const totalMs = performance.now() - t;

console.log(`file: ${lineCount} lines, ${(bytes.length / 1e6).toFixed(2)} MB, ${fns} fns`);
console.log(`tokenize:                  ${lexMs.toFixed(0)} ms`);
console.log(
  `load (parse + resolve):    ${totalMs.toFixed(0)} ms  (${((lineCount / totalMs) * 1000).toFixed(0)} lines/s)`,
);
console.log(`diagnostics: ${r.diagnostics.length}`);

t = performance.now();
const checked = checkFiles(['big.dl'], () => bytes);
const checkMs = performance.now() - t;
console.log(
  `dlc check (+ types, shapes): ${checkMs.toFixed(0)} ms  (${((lineCount / checkMs) * 1000).toFixed(0)} lines/s)`,
);
console.log(
  `diagnostics: ${checked.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`).join('; ') || 'none'}`,
);
