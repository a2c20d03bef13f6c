// `dlc sample`: runs a sample entry and turns what it returns into something to look at.
//
// Inputs: `feeds` when given (run-sample.ts feeds a chain's start from test data);
// otherwise integer inputs are filled from `prime` text (encoded with the corpus
// vocabulary, right-aligned, left-padded with the first character) when given,
// zeros otherwise, and float inputs are zeros. Image values pass through `toPixels`
// (e.g. undoing a dataset's standardisation) before they are drawn.
// Output rendering, for the entry's first output that fits (or `output` when named):
//   - images: f32 with last dimension 784 (seen as 28×28) or trailing dims [1,28,28]
//     (and [3,H,W]) → a PNG grid, one tile per image, values clamped to [0,1];
//   - tokens: i32/u32 → text through the vocabulary of the dataset the model was
//     trained on (moby-dick), or token ids separated by spaces when there is none.
import { DlcError } from '../errors';
import { imageGrid } from '../images';
import type { RgbaImage } from '../png';
import { decodeText, encodeText } from '../data/text';
import type { OutputValue } from '../model';
import type { EntryInfo, ModelRunner, TensorInfo } from './runner';

export type SampleResult =
  | { readonly kind: 'image'; readonly output: string; readonly image: RgbaImage; readonly count: number }
  | { readonly kind: 'text'; readonly output: string; readonly text: string };

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** [N, 1|3, H, W] for image-like outputs, else undefined. */
export function imageLayout(t: TensorInfo): [number, number, number, number] | undefined {
  if (t.dtype !== 'f32') return undefined;
  const s = t.shape;
  if (s.length >= 1 && s[s.length - 1] === 784) return [elementCount(s.slice(0, -1)), 1, 28, 28];
  if (s.length >= 3 && (s[s.length - 3] === 1 || s[s.length - 3] === 3)) {
    return [elementCount(s.slice(0, -3)), s[s.length - 3]!, s[s.length - 2]!, s[s.length - 1]!];
  }
  return undefined;
}

function isTokens(t: TensorInfo): boolean {
  return t.dtype === 'i32' || t.dtype === 'u32';
}

function sampleInputs(
  entry: EntryInfo,
  vocab: readonly string[] | undefined,
  prime: string | undefined,
): Record<string, Float32Array | Int32Array | Uint32Array> {
  const out: Record<string, Float32Array | Int32Array | Uint32Array> = {};
  for (const i of entry.inputs) {
    const n = elementCount(i.shape);
    if (i.dtype === 'f32') out[i.name] = new Float32Array(n);
    else if (i.dtype === 'i32') out[i.name] = new Int32Array(n);
    else out[i.name] = new Uint32Array(n);
    if (prime === undefined || i.dtype === 'f32' || i.dtype === 'bool') continue;
    if (!vocab) throw new DlcError('--prime needs a text model: the dataset has no vocabulary', 2);
    const ids = encodeText(prime, vocab);
    if (ids.length === 0) throw new DlcError('--prime is empty', 2);
    const dst = out[i.name]!;
    const take = ids.subarray(Math.max(0, ids.length - n));
    dst.fill(take[0]!);
    dst.set(take, n - take.length);
  }
  return out;
}

/** Word ids as text: `perLine` words a line (the output's last axis), separated by spaces. */
function wordLines(ids: ArrayLike<number>, vocab: readonly string[], perLine: number): string {
  const lines: string[] = [];
  for (let at = 0; at < ids.length; at += perLine) {
    const row = Array.from(ids).slice(at, at + perLine);
    lines.push(row.map((id) => vocab[id] ?? `<${id}?>`).join(' '));
  }
  return lines.join('\n');
}

export async function runSample(
  runner: ModelRunner,
  entry: EntryInfo,
  options: {
    readonly vocab?: readonly string[];
    /** The vocabulary is of words: print them spaced, one row of the output a line. */
    readonly words?: boolean;
    readonly prime?: string;
    readonly output?: string;
    /** Pixels per image value (default 2). */
    readonly scale?: number;
    readonly feeds?: Readonly<Record<string, Float32Array | Int32Array>>;
    readonly toPixels?: (values: ArrayLike<number>) => ArrayLike<number>;
  } = {},
): Promise<SampleResult> {
  const chosen =
    options.output !== undefined
      ? entry.outputs.find((o) => o.name === options.output)
      : entry.outputs.find((o) => imageLayout(o) || isTokens(o));
  if (options.output !== undefined && !chosen) {
    throw new DlcError(
      `entry '${entry.name}' has no output '${options.output}' (outputs: ${entry.outputs.map((o) => o.name).join(', ')})`,
      2,
    );
  }
  if (!chosen || (!imageLayout(chosen) && !isTokens(chosen))) {
    const what = entry.outputs.map((o) => `${o.name}: ${o.dtype}[${o.shape.join(',')}]`).join(', ') || 'none';
    throw new DlcError(
      `entry '${entry.name}' returns nothing dlc can show (outputs: ${what}); images need a last dimension of 784 or [1,28,28], text an i32 output`,
      2,
    );
  }
  const inputs = { ...sampleInputs(entry, options.vocab, options.prime), ...options.feeds };
  const out = await runner.run(entry.name, inputs, [chosen.name]);
  const value: OutputValue = out[chosen.name]!;
  const data = typeof value === 'number' ? [value] : value;
  const layout = imageLayout(chosen);
  if (layout) {
    const [count, channels, h, w] = layout;
    const pixels = options.toPixels ? options.toPixels(data) : data;
    return {
      kind: 'image',
      output: chosen.name,
      image: imageGrid(
        { shape: [count, channels, h, w], data: pixels },
        { normalize: 'clamp', scale: options.scale ?? 2 },
      ),
      count,
    };
  }
  const text = !options.vocab
    ? Array.from(data).join(' ')
    : options.words
      ? wordLines(data, options.vocab, chosen.shape[chosen.shape.length - 1] ?? data.length)
      : decodeText(data, options.vocab);
  return { kind: 'text', output: chosen.name, text };
}
