// `param E: f32[1000, 50] = load("vectors.safetensors", "emb")`: a param or state
// that starts from a tensor in a file. The file is read when the model is compiled
// (so `dlc check` sees it too), its tensor checked against the declaration's dtype
// and shape, and its elements become the initializer's data, which the generated
// module embeds. A path is relative to the `.dl` file that names it. A `.npy` file
// holds one array (float64 and int64 arrays are read as f32 and i32, as dataset
// files are); a `.safetensors` file holds named F32, I32 and U32 tensors.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Span } from '../../dsl/ast';
import { didYouMean } from '../../dsl/resolve';
import { parseSafetensors } from '../../runtime/checkpoint/safetensors';
import { parseNpy } from '../../runtime/data/npy';
import type { Initializer, TensorType } from '../ir/types';
import { sameType, typeToString } from '../ir/types';
import { LowerError } from './errors';

/** The declaration a `load` initializes. */
export type LoadTarget = Pick<LoadRequest, 'role' | 'name' | 'type'>;

export interface LoadRequest {
  /** The path as written, and where. */
  readonly file: string;
  readonly fileSpan: Span;
  /** The tensor's name in a safetensors file ('' when not given), and where. */
  readonly tensor: string;
  readonly tensorSpan: Span;
  /** The whole `load(...)` call. */
  readonly span: Span;
  /** The declaration it initializes. */
  readonly role: 'param' | 'state';
  readonly name: string;
  readonly type: TensorType;
}

interface FileTensor {
  readonly type: TensorType;
  readonly data: ArrayLike<number>;
}

function listNames(names: readonly string[]): string {
  if (names.length === 0) return 'no tensors';
  const shown = names.slice(0, 8).map((n) => `'${n}'`);
  return names.length > 8 ? `${shown.join(', ')} and ${names.length - 8} more` : shown.join(', ');
}

/** The tensor a `load(...)` names, read and parsed, or a located error. */
function readTensor(r: LoadRequest): FileTensor {
  const path = resolve(dirname(r.fileSpan.file), r.file);
  const isNpy = r.file.endsWith('.npy');
  if (!isNpy && !r.file.endsWith('.safetensors')) {
    throw new LowerError(r.fileSpan, 'load-file', { path: r.file, reason: 'expected a .safetensors or .npy file' });
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new LowerError(r.fileSpan, 'load-file', { path: r.file, reason });
  }
  // The parsers' messages start with the name they are given; the diagnostic names the file already.
  const parse = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw new LowerError(r.fileSpan, 'load-file', { path: r.file, reason: (e as Error).message.replace(/^: /, '') });
    }
  };
  if (isNpy) {
    if (r.tensor !== '') throw new LowerError(r.tensorSpan, 'load-name-npy', { path: r.file, tensor: r.tensor });
    const t = parse(() => parseNpy(bytes, ''));
    return { type: { dtype: t.dtype, shape: [...t.shape] }, data: t.data };
  }
  const content = parse(() => parseSafetensors(bytes, ''));
  const names = Object.keys(content.tensors).sort();
  if (r.tensor === '') throw new LowerError(r.span, 'load-name-needed', { path: r.file, names: listNames(names) });
  const t = content.tensors[r.tensor];
  if (!t) {
    const hint = didYouMean(r.tensor, names);
    throw new LowerError(r.tensorSpan, 'load-no-tensor', {
      path: r.file,
      tensor: r.tensor,
      hint,
      names: listNames(names),
    });
  }
  return { type: { dtype: t.dtype, shape: [...t.shape] }, data: t.data };
}

/** The `load` initializer: the file's elements, checked against the declaration. */
export function loadInitializer(r: LoadRequest): Initializer {
  const t = readTensor(r);
  if (!sameType(t.type, r.type)) {
    const tensor = r.tensor === '' ? r.file : r.tensor;
    const found = typeToString(t.type);
    throw new LowerError(r.span, 'load-type-mismatch', {
      tensor,
      path: r.file,
      found,
      role: r.role,
      name: r.name,
      type: typeToString(r.type),
    });
  }
  return { name: 'load', args: {}, data: Array.from(t.data), source: { file: r.file, tensor: r.tensor } };
}
