// Writes examples/data/digit_word_vectors.safetensors, the label embeddings of
// examples/devise.dl: the rows of a trained examples/skipgram.dl checkpoint's `emb`
// for the digit words, in class order. "zero" is not among Moby-Dick's 5,000 most
// frequent words, so class 0 takes "nothing". Ids are frequency ranks of the
// `moby-dick-words` vocabulary (runtime/data/words.ts).
//
//   node scripts/digit-vectors.mjs dist/zoo/skipgram.safetensors
import { readFileSync, writeFileSync } from 'node:fs';

export const DIGIT_WORDS = [
  ['nothing', 219],
  ['one', 29],
  ['two', 94],
  ['three', 116],
  ['four', 320],
  ['five', 491],
  ['six', 696],
  ['seven', 1335],
  ['eight', 786],
  ['nine', 2116],
];

const [from, to = 'examples/data/digit_word_vectors.safetensors'] = process.argv.slice(2);
if (!from) throw new Error('usage: node scripts/digit-vectors.mjs SKIPGRAM_CHECKPOINT [OUT]');
const bytes = readFileSync(from);
const headerLength = Number(bytes.readBigUInt64LE(0));
const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
const emb = header.emb;
if (!emb || emb.dtype !== 'F32' || emb.shape.length !== 2) throw new Error(`${from}: no f32 matrix 'emb'`);
const dim = emb.shape[1];
const data = new Float32Array(
  bytes.buffer.slice(
    bytes.byteOffset + 8 + headerLength + emb.data_offsets[0],
    bytes.byteOffset + 8 + headerLength + emb.data_offsets[1],
  ),
);
const out = new Float32Array(DIGIT_WORDS.length * dim);
DIGIT_WORDS.forEach(([, id], row) => out.set(data.subarray(id * dim, (id + 1) * dim), row * dim));
const meta = { source: `rows of 'emb' in ${from}`, words: DIGIT_WORDS.map(([w]) => w).join(' ') };
const head = JSON.stringify({
  __metadata__: meta,
  emb: { dtype: 'F32', shape: [DIGIT_WORDS.length, dim], data_offsets: [0, out.byteLength] },
});
const padded = head + ' '.repeat((8 - (head.length % 8)) % 8);
const size = Buffer.alloc(8);
size.writeBigUInt64LE(BigInt(Buffer.byteLength(padded)));
writeFileSync(to, Buffer.concat([size, Buffer.from(padded), Buffer.from(out.buffer)]));
console.log(`wrote ${to}: ${DIGIT_WORDS.map(([w]) => w).join(' ')} (${dim} dimensions)`);
