// Source-level mutations of a .dl file for the check/compile differential test: each keeps the text mostly
// valid so that many mutants pass the front end and reach the type checks, lowering and code generation.
import { dlLexer } from '../../dsl/lexer';

type Mutation = (text: string, rand: () => number) => string;

const pickOf = <T>(xs: readonly T[], rand: () => number): T => xs[Math.floor(rand() * xs.length)]!;

function tokens(text: string, test: (image: string) => boolean): { start: number; end: number; image: string }[] {
  return dlLexer
    .tokenize(text)
    .tokens.map((t) => ({ start: t.startOffset, end: t.endOffset! + 1, image: t.image }))
    .filter((t) => test(t.image));
}

function replaceToken(
  text: string,
  rand: () => number,
  test: (s: string) => boolean,
  by: (s: string) => string,
): string {
  const ts = tokens(text, test);
  if (ts.length === 0) return text;
  const t = pickOf(ts, rand);
  return text.slice(0, t.start) + by(t.image) + text.slice(t.end);
}

const isName = (s: string): boolean => /^[A-Za-z_]\w*$/.test(s);
const isNumber = (s: string): boolean => /^[0-9]/.test(s);
const OPERATORS = ['+', '-', '*', '/', '@', '|>'];
const NUMBERS = ['0', '1', '2', '3', '7', '64', '0.5', '1e9', '-1', '4096'];

const mutations: readonly Mutation[] = [
  // Rename one occurrence of a name to another name of the file (or a fresh one).
  (text, rand) => {
    const names = [...new Set(tokens(text, isName).map((t) => t.image)), 'load', 'then', 'q'];
    return replaceToken(text, rand, isName, () => pickOf(names, rand));
  },
  (text, rand) => replaceToken(text, rand, isNumber, () => pickOf(NUMBERS, rand)),
  (text, rand) =>
    replaceToken(
      text,
      rand,
      (s) => OPERATORS.includes(s),
      () => pickOf(OPERATORS, rand),
    ),
  // Delete, duplicate or move a line (statements and declarations are one a line).
  (text, rand) => {
    const lines = text.split('\n');
    lines.splice(Math.floor(rand() * lines.length), 1);
    return lines.join('\n');
  },
  (text, rand) => {
    const lines = text.split('\n');
    const i = Math.floor(rand() * lines.length);
    lines.splice(i, 0, lines[i]!);
    return lines.join('\n');
  },
  (text, rand) => {
    const lines = text.split('\n');
    const [line] = lines.splice(Math.floor(rand() * lines.length), 1);
    lines.splice(Math.floor(rand() * lines.length), 0, line!);
    return lines.join('\n');
  },
];

/** `text` after 1-3 random mutations drawn with `rand`. */
export function mutateSource(text: string, rand: () => number): string {
  const rounds = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < rounds; k++) text = pickOf(mutations, rand)(text, rand);
  return text;
}
