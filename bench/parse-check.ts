// Benchmark (not a test): generates a large model file and reports how long the
// front end takes to tokenize, parse, build the AST and resolve names.
// Run: npx esbuild bench/parse-check.ts --bundle --platform=node --format=esm \
//        --packages=external --outfile=dist/parse-check.js && node dist/parse-check.js [FNS]
import { performance } from 'node:perf_hooks';
import { DiagnosticBag } from '../dsl/diagnostics';
import { loadProgram } from '../dsl/index';
import { tokenize } from '../dsl/tokens';

function generate(fns: number): string {
  const lines = ['model big(batch = 32, n = 256) {', '  input x: f32[batch, n]', '  input y: i32[batch]'];
  for (let i = 0; i < fns / 10; i++) lines.push(`  layer fc${i} = dense(n, n)`);
  lines.push('  fn f0(v) = relu(fc0(v))');
  for (let i = 1; i < fns; i++) {
    lines.push(`  fn f${i}(v) {`, `    h = tanh(v @ fc${Math.floor(i / 10)}.W + fc${Math.floor(i / 10)}.b) * 0.5`, `    return f${i - 1}(h) + sum(h, axis = 1, keepdims = true)`, '  }');
  }
  lines.push(`  train step(x, y) -> loss {`, `    loss = mean(cross_entropy(f${fns - 1}(x), y))`, '    minimize loss with sgd(lr = 0.1, momentum = 0.9)', '  }', '}');
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
console.log(`load (parse + resolve):    ${totalMs.toFixed(0)} ms  (${((lineCount / totalMs) * 1000).toFixed(0)} lines/s)`);
console.log(`diagnostics: ${r.diagnostics.length}`);
