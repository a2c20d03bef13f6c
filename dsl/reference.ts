// Renders the generated sections of docs/language.md (builtins, initializers,
// optimizers, diagnostic codes) from the tables, so the docs cannot drift:
// `npm run docs` (scripts/docs.mjs) rewrites them, test/dsl/docs.test.ts fails when stale.
import { INITIALIZERS } from '../runtime/init';
import { BUILTINS, type BuiltinParam } from './builtins';
import { COMMON_OPTIONS, OPTIMIZERS } from './optimizers';
import { DIAGNOSTIC_SECTIONS, DIAGNOSTICS, type DiagnosticCode } from './diagnostics';

function param(p: BuiltinParam): string {
  if (p.rest) return `${p.name}...`;
  if (p.default === undefined) return p.name;
  return `${p.name} = ${p.default === null ? 'none' : JSON.stringify(p.default)}`;
}

export function renderBuiltinsReference(): string {
  const out = ['| builtin | parameters | category | what it does |', '|---|---|---|---|'];
  for (const b of BUILTINS)
    out.push(
      `| \`${b.name}\` | \`(${b.params.map(param).join(', ')})\` | ${b.category} | ${b.doc}${b.results > 1 ? ` (returns ${b.results} values)` : ''} |`,
    );
  out.push('', '| initializer | parameters | what it does |', '|---|---|---|');
  for (const i of INITIALIZERS) out.push(`| \`${i.name}\` | \`(${i.params.map(param).join(', ')})\` | ${i.doc} |`);
  out.push('', '| optimizer | options (defaults) | what it does |', '|---|---|---|');
  for (const o of OPTIMIZERS) {
    const own = o.options.filter((x) => !COMMON_OPTIONS.includes(x));
    out.push(`| \`${o.name}\` | ${own.map((x) => `\`${x.name} = ${x.default}\`: ${x.doc}`).join('; ')} | ${o.doc} |`);
  }
  out.push('', '| option of every optimizer | default | what it does |', '|---|---|---|');
  for (const x of COMMON_OPTIONS) {
    out.push(`| \`${x.name}\` | \`${x.default}\` | ${x.doc}${x.entryWide ? ' (not in a param group)' : ''} |`);
  }
  return out.join('\n') + '\n';
}

export function renderDiagnosticsReference(): string {
  const out = ['| code | severity | message |', '|---|---|---|'];
  for (const [code, d] of Object.entries(DIAGNOSTICS)) {
    const section = DIAGNOSTIC_SECTIONS[code as DiagnosticCode];
    if (section) out.push(`| **${section}** | | |`);
    out.push(`| \`${code}\` | ${d.severity} | ${d.template.replace(/\|/g, '\\|')} |`);
  }
  return out.join('\n') + '\n';
}

/** Replaces the text between `<!-- BEGIN GENERATED NAME -->` and its END marker. */
function replaceSection(doc: string, name: string, body: string): string {
  const begin = `<!-- BEGIN GENERATED ${name} -->\n`;
  const end = `<!-- END GENERATED ${name} -->`;
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/language.md lacks the ${name} markers`);
  return doc.slice(0, a + begin.length) + body + doc.slice(b);
}

/** docs/language.md with its generated sections rendered afresh. */
export function renderLanguageDoc(doc: string): string {
  return replaceSection(
    replaceSection(doc, 'BUILTINS', renderBuiltinsReference()),
    'DIAGNOSTICS',
    renderDiagnosticsReference(),
  );
}
