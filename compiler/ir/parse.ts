// Parses the IR text format of print.ts back into a Graph, so pass tests can start
// from written IR. print(parse(text)) === text for any printed graph. Output value
// numbers are kept; args named in the text get fresh numbers above every number
// used. Types are taken as written: run the verifier to check them.
import type { Span } from '../../runtime/errors';
import type {
  Arg,
  ArgKind,
  Attrs,
  AttrValue,
  DType,
  Graph,
  Initializer,
  Node,
  Result,
  TensorType,
  Value,
} from './types';
import { DTYPES } from './types';

export class IrParseError extends Error {
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'IrParseError';
  }
}

type TokenKind = 'ref' | 'ident' | 'num' | 'str' | 'punct' | 'comment';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

const ARG_KINDS: readonly ArgKind[] = ['input', 'param', 'state', 'slot', 'scalar', 'region'];

function lex(line: string, lineNo: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const err = (msg: string): never => {
    throw new IrParseError(msg, lineNo);
  };
  while (i < line.length) {
    const c = line[i];
    if (c === ' ') {
      i++;
    } else if (c === '#') {
      tokens.push({ kind: 'comment', text: line.slice(i + 1).trim() });
      break;
    } else if (c === '%') {
      const m = /^%([A-Za-z0-9_.]+)/.exec(line.slice(i)) ?? err(`bad value reference at column ${i + 1}`);
      tokens.push({ kind: 'ref', text: m[1] });
      i += m[0].length;
    } else if (c === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(line.slice(i)) ?? err(`unterminated string at column ${i + 1}`);
      tokens.push({ kind: 'str', text: JSON.parse(m[0]) as string });
      i += m[0].length;
    } else if (/[-0-9]/.test(c)) {
      const m =
        /^-?(?:Infinity|[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)/.exec(line.slice(i)) ??
        err(`bad number at column ${i + 1}`);
      tokens.push({ kind: 'num', text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(line.slice(i))!;
      tokens.push({ kind: 'ident', text: m[0] });
      i += m[0].length;
    } else if (':=,[](){}'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      err(`unexpected '${c}' at column ${i + 1}`);
    }
  }
  return tokens;
}

class Cursor {
  private i = 0;
  constructor(
    private readonly tokens: readonly Token[],
    readonly line: number,
  ) {}
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  peekAt(k: number): Token | undefined {
    return this.tokens[this.i + k];
  }
  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }
  next(): Token {
    const t = this.tokens[this.i++];
    if (!t) this.fail('unexpected end of line');
    return t;
  }
  is(kind: TokenKind, text?: string): boolean {
    const t = this.peek();
    return !!t && t.kind === kind && (text === undefined || t.text === text);
  }
  expect(kind: TokenKind, text?: string): Token {
    const t = this.next();
    if (t.kind !== kind || (text !== undefined && t.text !== text))
      this.fail(`expected ${text ?? kind}, got '${t.text}'`);
    return t;
  }
  fail(msg: string): never {
    throw new IrParseError(msg, this.line);
  }
}

function parseNumber(text: string): number {
  return Number(text);
}

function parseType(c: Cursor): TensorType {
  const dtype = c.expect('ident').text;
  if (!(DTYPES as readonly string[]).includes(dtype)) c.fail(`unknown dtype '${dtype}'`);
  c.expect('punct', '[');
  const shape: number[] = [];
  while (!c.is('punct', ']')) {
    shape.push(parseNumber(c.expect('num').text));
    if (!c.is('punct', ']')) c.expect('punct', ',');
  }
  c.expect('punct', ']');
  return { dtype: dtype as DType, shape };
}

function parseAttrValue(c: Cursor): AttrValue {
  const t = c.next();
  if (t.kind === 'num') return parseNumber(t.text);
  if (t.kind === 'str') return t.text;
  if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false')) return t.text === 'true';
  if (t.kind === 'ident' && (t.text === 'NaN' || t.text === 'Infinity')) return Number(t.text);
  if (t.kind === 'punct' && t.text === '[') {
    const xs: number[] = [];
    while (!c.is('punct', ']')) {
      xs.push(parseNumber(c.expect('num').text));
      if (!c.is('punct', ']')) c.expect('punct', ',');
    }
    c.expect('punct', ']');
    return xs;
  }
  return c.fail(`bad attribute value '${t.text}'`);
}

/** `k=v, k=v` up to the closing token `close`. */
function parsePairs(c: Cursor, close: string): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  while (!c.is('punct', close)) {
    const k = c.expect('ident').text;
    c.expect('punct', '=');
    out[k] = parseAttrValue(c);
    if (!c.is('punct', close)) c.expect('punct', ',');
  }
  c.expect('punct', close);
  return out;
}

function parseSpan(text: string, c: Cursor): Span {
  const m = /^(.*):(\d+):(\d+)$/.exec(text) ?? c.fail(`bad source location '${text}'`);
  const line = Number(m[2]);
  const col = Number(m[3]);
  return { file: m[1], line, col, endLine: line, endCol: col };
}

type MutableNode = { -readonly [K in keyof Node]: Node[K] };

export function parseGraph(text: string): Graph {
  const lines = text.split('\n');
  let maxId = -1;
  for (const m of text.matchAll(/%([0-9]+)\b/g)) maxId = Math.max(maxId, Number(m[1]));
  const ids = { value: maxId + 1, node: 0 };
  let pos = 0;
  const nextLine = (): { c: Cursor } | undefined => {
    while (pos < lines.length && lines[pos].trim() === '') pos++;
    if (pos >= lines.length) return undefined;
    const raw = lines[pos];
    pos++;
    return { c: new Cursor(lex(raw, pos), pos) };
  };
  const peekLine = (): string | undefined => {
    let p = pos;
    while (p < lines.length && lines[p].trim() === '') p++;
    return p < lines.length ? lines[p].trim() : undefined;
  };

  const parseScope = (): Graph => {
    const head =
      nextLine() ??
      (() => {
        throw new IrParseError('expected a graph', pos);
      })();
    const hc = head.c;
    hc.expect('ident', 'graph');
    const name = hc.expect('ident').text;
    hc.expect('punct', '{');
    const scope = new Map<string, Value>();
    const lookup = (c: Cursor, ref: string): Value => scope.get(ref) ?? c.fail(`%${ref} is not defined`);
    const args: Arg[] = [];
    const nodes: Node[] = [];
    let results: Result[] | undefined;
    for (;;) {
      const ln =
        nextLine() ??
        (() => {
          throw new IrParseError(`graph '${name}' is not closed`, pos);
        })();
      const c = ln.c;
      if (c.is('punct', '}')) break;
      if (results) c.fail('nothing may follow return');
      const first = c.peek();
      if (first?.kind === 'ident' && first.text === 'return') {
        c.next();
        results = [];
        while (!c.atEnd()) {
          const t = c.next();
          if (t.kind !== 'ident' && t.kind !== 'str') c.fail(`expected a result name, got '${t.text}'`);
          c.expect('punct', '=');
          results.push({ name: t.text, value: lookup(c, c.expect('ref').text) });
          if (!c.atEnd()) c.expect('punct', ',');
        }
      } else if (
        first?.kind === 'ident' &&
        (ARG_KINDS as readonly string[]).includes(first.text) &&
        c.peekAt(1)?.kind === 'ref' &&
        c.peekAt(2)?.text === ':'
      ) {
        const kind = c.next().text as ArgKind;
        const ref = c.expect('ref').text;
        c.expect('punct', ':');
        const type = parseType(c);
        let argName = ref;
        if (c.is('str')) argName = c.next().text;
        let init: Initializer | undefined;
        if (c.is('punct', '=')) {
          c.next();
          const initName = c.expect('ident').text;
          c.expect('punct', '(');
          const pairs = parsePairs(c, ')');
          const nums: Record<string, number> = {};
          // `load(file="...", tensor="...")` names where its data came from; the data itself is not in the text.
          const { file, tensor } = pairs;
          const isLoad = initName === 'load' && Object.keys(pairs).length === 2;
          if (isLoad && typeof file === 'string' && typeof tensor === 'string') {
            init = { name: initName, args: nums, source: { file, tensor } };
          } else {
            for (const [k, v] of Object.entries(pairs)) {
              if (typeof v !== 'number') return c.fail(`initializer argument '${k}' must be a number`);
              nums[k] = v;
            }
            init = { name: initName, args: nums };
          }
        }
        if (!c.atEnd()) c.fail(`unexpected '${c.peek()!.text}'`);
        const id = /^[0-9]+$/.test(ref) ? Number(ref) : ids.value++;
        const value: Value = { id, type, def: null, name: argName };
        scope.set(ref, value);
        args.push(init ? { kind, name: argName, value, init } : { kind, name: argName, value });
      } else {
        const node = parseNodeLine(c, lookup, ids);
        for (const o of node.outputs) scope.set(String(o.id), o);
        const regions: Graph[] = [];
        while (peekLine()?.startsWith('graph ')) regions.push(parseScope());
        if (regions.length) node.regions = regions;
        nodes.push(node);
      }
    }
    if (!results) throw new IrParseError(`graph '${name}' has no return`, pos);
    return { name, args, nodes, results };
  };

  const g = parseScope();
  if (peekLine() !== undefined) throw new IrParseError('text after the graph', pos + 1);
  return g;
}

function parseNodeLine(c: Cursor, lookup: (c: Cursor, ref: string) => Value, ids: { node: number }): MutableNode {
  const node: MutableNode = { id: ids.node++, op: '', inputs: [], outputs: [], attrs: {} };
  const outs: { id: number; type: TensorType }[] = [];
  if (c.is('ref')) {
    for (;;) {
      const ref = c.expect('ref').text;
      if (!/^[0-9]+$/.test(ref)) c.fail(`node outputs are numbered, got %${ref}`);
      c.expect('punct', ':');
      outs.push({ id: Number(ref), type: parseType(c) });
      if (c.is('punct', '=')) break;
      c.expect('punct', ',');
    }
    c.expect('punct', '=');
  }
  node.op = c.expect('ident').text;
  const inputs: Value[] = [];
  while (c.is('ref')) {
    inputs.push(lookup(c, c.next().text));
    if (c.is('punct', ',')) c.next();
  }
  node.inputs = inputs;
  let attrs: Attrs = {};
  if (c.is('punct', '[')) {
    c.next();
    attrs = parsePairs(c, ']');
  }
  node.attrs = attrs;
  if (c.is('comment')) node.span = parseSpan(c.next().text, c);
  if (!c.atEnd()) c.fail(`unexpected '${c.peek()!.text}'`);
  node.outputs = outs.map((o) => ({ id: o.id, type: o.type, def: node }));
  return node;
}
