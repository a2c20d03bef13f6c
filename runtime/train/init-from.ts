// `--init-from FILE`: start a model's params from another model's weights by name —
// a dlc checkpoint of a related model (a DBN's pretrained layers into its
// classifier) or a plain safetensors state_dict written by other tools. Params only:
// state and optimizer slots start as the model declares them. A param whose name is
// in the file must have the same dtype and shape there (anything else is an error,
// never a silent skip); params the file lacks keep their initializers unless
// `strict`, which requires every param. Browser-safe: the caller reads the bytes.
import { checksum, CHECKSUM_KEY } from '../checkpoint/checksum';
import { parseSafetensors } from '../checkpoint/safetensors';
import { formatShape } from '../data/tensor';
import { DlcError } from '../errors';
import type { ModelRunner } from './runner';

export interface InitFromReport {
  /** Params set from the file. */
  readonly loaded: readonly string[];
  /** Params the file does not hold, left at their initializers. */
  readonly kept: readonly string[];
  /** Tensors of the file that are no param of this model (slots, state, other layers). */
  readonly unused: readonly string[];
}

/** Loads the params of `runner` that `bytes` (a safetensors file named `path`) holds. */
export async function initFrom(
  runner: ModelRunner,
  bytes: Uint8Array,
  path: string,
  strict: boolean,
): Promise<InitFromReport> {
  const content = parseSafetensors(bytes, path);
  const stored = content.metadata[CHECKSUM_KEY];
  // A dlc checkpoint carries a checksum: a changed or corrupted one is refused as --checkpoint refuses it.
  if (stored !== undefined && stored !== checksum(content)) {
    throw new DlcError(`${path}: checksum mismatch: the file was changed or corrupted after it was written`, 2);
  }
  const params = runner.persistent.filter((p) => p.kind === 'param');
  const problems: string[] = [];
  const loaded: string[] = [];
  const kept: string[] = [];
  for (const p of params) {
    const t = content.tensors[p.name];
    if (!t) {
      kept.push(p.name);
      continue;
    }
    const same = t.dtype === p.dtype && t.shape.length === p.shape.length && t.shape.every((d, k) => d === p.shape[k]);
    if (!same) {
      problems.push(
        `'${p.name}' is ${t.dtype}${formatShape(t.shape)} there but ${p.dtype}${formatShape(p.shape)} in ${runner.model}`,
      );
      continue;
    }
    const bad = t.dtype === 'f32' ? t.data.findIndex((v) => !Number.isFinite(v)) : -1;
    if (bad >= 0) {
      problems.push(`'${p.name}' holds ${t.data[bad]} at element ${bad}`);
      continue;
    }
    loaded.push(p.name);
  }
  if (problems.length > 0) throw new DlcError(`--init-from ${path}: ${problems.join('; ')}`, 2);
  if (strict && kept.length > 0) {
    throw new DlcError(
      `--init-from-strict: ${path} has no ${kept.map((n) => `'${n}'`).join(', ')} (params of ${runner.model})`,
      2,
    );
  }
  if (loaded.length === 0) {
    throw new DlcError(
      `--init-from ${path}: no tensor there is named like a param of ${runner.model} (${params.map((p) => p.name).join(', ')})`,
      2,
    );
  }
  const values: Record<string, unknown> = { ...(await runner.save()) };
  for (const name of loaded) values[name] = content.tensors[name]!.data;
  runner.load(values);
  const isParam = new Set(params.map((p) => p.name));
  const unused = Object.keys(content.tensors)
    .filter((n) => !isParam.has(n))
    .sort();
  return { loaded, kept, unused };
}

/** The report as lines for the terminal. */
export function describeInitFrom(path: string, r: InitFromReport): string {
  const list = (names: readonly string[]): string => (names.length === 0 ? 'none' : names.join(', '));
  return (
    `init from ${path}: loaded ${r.loaded.length} param${r.loaded.length === 1 ? '' : 's'}: ${list(r.loaded)}\n` +
    `  kept their initializers: ${list(r.kept)}\n` +
    `  not used from the file: ${list(r.unused)}\n`
  );
}
