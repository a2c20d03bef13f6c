// What dlc records in a checkpoint's __metadata__ (all values are strings, as the
// format requires), and the check of a loaded checkpoint against the model that
// wants it. Browser-safe.
//
//   dlc.format        "2" (format 1 named optimizer slots without their entry: `fc1.W.momentum`)
//   dlc.model         the model's name             dlc.version    the dlc version that wrote it
//   dlc.fingerprint   fingerprint() of the model  dlc.program    the compiled program's hash
//   dlc.step          optimizer steps taken        dlc.rng        RNG counters, JSON {name: number}
//   dlc.data_cursor   "epoch:position"             dlc.lr         LR schedule spec and its step, JSON {spec, step}
//   dlc.checksum      see checksum.ts (added by the file writer)
// Keys not starting with "dlc." are the caller's own and are kept as they are.
import { DlcError } from '../errors';
import { formatShape } from '../data/tensor';
import { parseCursor } from '../data/batches';
import { parseSchedule } from '../schedule';
import { fingerprint, type ModelSignature, type TensorSignature } from './fingerprint';
import type { SafetensorsContent } from './safetensors';

export const CHECKPOINT_FORMAT = '2';

/** Why a checkpoint of an older format cannot be read. */
const OLD_FORMATS: Readonly<Record<string, string>> = {
  '1': "optimizer slots named without their train entry ('fc1.W.momentum', now 'step.fc1.W.momentum')",
};

export interface CheckpointInfo {
  readonly model: string;
  readonly fingerprint: string;
  readonly programHash: string;
  readonly dlcVersion: string;
  readonly step: number;
  readonly rng: Readonly<Record<string, number>>;
  readonly dataCursor: string;
  readonly lr: { readonly spec: string; readonly step: number };
  readonly extra?: Readonly<Record<string, string>>;
}

export function infoToMetadata(info: CheckpointInfo): Record<string, string> {
  const extra = info.extra ?? {};
  for (const k of Object.keys(extra))
    if (k.startsWith('dlc.')) throw new DlcError(`extra metadata key '${k}' uses the reserved 'dlc.' prefix`);
  return {
    ...extra,
    'dlc.format': CHECKPOINT_FORMAT,
    'dlc.model': info.model,
    'dlc.fingerprint': info.fingerprint,
    'dlc.program': info.programHash,
    'dlc.version': info.dlcVersion,
    'dlc.step': String(info.step),
    'dlc.rng': JSON.stringify(info.rng),
    'dlc.data_cursor': info.dataCursor,
    'dlc.lr': JSON.stringify(info.lr),
  };
}

export function metadataToInfo(meta: Readonly<Record<string, string>>, file: string): CheckpointInfo {
  const fail = (msg: string): never => {
    throw new DlcError(`${file}: ${msg}`);
  };
  const get = (k: string): string => meta[k] ?? fail(`not a dlc checkpoint: metadata has no '${k}'`);
  const fmt = get('dlc.format');
  if (fmt !== CHECKPOINT_FORMAT) {
    const why = OLD_FORMATS[fmt];
    const advice = why ? `: format ${fmt} has ${why}; train again, or use the dlc that wrote it` : '';
    fail(`checkpoint format '${fmt}' is not supported (this dlc reads format ${CHECKPOINT_FORMAT})${advice}`);
  }
  const step = Number(get('dlc.step'));
  if (!Number.isSafeInteger(step) || step < 0) fail(`metadata dlc.step '${meta['dlc.step']}' is not a step count`);
  const json = (k: string): unknown => {
    try {
      return JSON.parse(get(k));
    } catch {
      return fail(`metadata ${k} is not valid JSON`);
    }
  };
  const rng = json('dlc.rng');
  if (
    typeof rng !== 'object' ||
    rng === null ||
    Array.isArray(rng) ||
    !Object.values(rng).every((v) => Number.isSafeInteger(v))
  ) {
    fail('metadata dlc.rng is not an object of integer counters');
  }
  const lr = json('dlc.lr') as { spec?: unknown; step?: unknown } | null;
  if (typeof lr !== 'object' || lr === null || typeof lr.spec !== 'string' || !Number.isSafeInteger(lr.step)) {
    fail('metadata dlc.lr is not {"spec": string, "step": integer}');
  }
  // The data cursor and the schedule are parsed again on resume; a bad one is this file's fault.
  const parsed = (k: string, parse: (text: string) => unknown, text: string): void => {
    try {
      parse(text);
    } catch (e) {
      fail(`metadata ${k} is invalid: ${(e as Error).message}`);
    }
  };
  parsed('dlc.data_cursor', parseCursor, get('dlc.data_cursor'));
  parsed('dlc.lr', parseSchedule, lr!.spec as string);
  const skipped = meta['train.skipped'];
  if (skipped !== undefined && !Number.isSafeInteger(Number(skipped))) {
    fail(`metadata train.skipped '${skipped}' is not a count`);
  }
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) if (!k.startsWith('dlc.')) extra[k] = v; // dlc.checksum is the file layer's
  return {
    model: get('dlc.model'),
    fingerprint: get('dlc.fingerprint'),
    programHash: get('dlc.program'),
    dlcVersion: get('dlc.version'),
    step,
    rng: rng as Record<string, number>,
    dataCursor: get('dlc.data_cursor'),
    lr: { spec: lr!.spec as string, step: lr!.step as number },
    extra,
  };
}

/** Refuses a checkpoint of another model, naming both: the first check of every load. */
export function checkModelName(info: CheckpointInfo, model: string, file: string): void {
  if (info.model !== model) throw new DlcError(`${file}: file is from model '${info.model}', not '${model}'`);
}

/** What a checkpoint holds of a tensor; bool tensors are saved as u32 (makeCheckpoint). */
const savedDtype = (dtype: string): string => (dtype === 'bool' ? 'u32' : dtype);

/** How many differences a refusal lists before counting the rest. */
const SHOWN_DIFFERENCES = 3;

/**
 * Every way the tensors of a checkpoint (`have`) differ from a model's (`want`), by
 * name: tensors the model wants and the file lacks, tensors of another dtype or
 * shape, and tensors the file has that the model does not.
 */
export function tensorDifferences(
  have: Readonly<Record<string, TensorSignature>>,
  want: Readonly<Record<string, TensorSignature>>,
  model: string,
): string[] {
  const out: string[] = [];
  for (const name of Object.keys(want).sort()) {
    const w = want[name]!;
    const t = have[name];
    if (!t) out.push(`has no tensor ${name} (model wants ${w.dtype}${formatShape(w.shape)})`);
    else if (t.dtype !== savedDtype(w.dtype)) out.push(`tensor ${name} has dtype ${t.dtype}, model wants ${w.dtype}`);
    else if (formatShape(t.shape) !== formatShape(w.shape))
      out.push(`tensor ${name} has shape ${formatShape(t.shape)}, model wants ${formatShape(w.shape)}`);
  }
  for (const name of Object.keys(have).sort())
    if (!(name in want)) out.push(`has tensor ${name}, which model '${model}' does not have`);
  return out;
}

/**
 * Refuses a checkpoint of another model: by name first (checkModelName), then, for
 * a model of the same name whose params, state or optimizer slots changed, listing
 * what differs. Run before anything the file recorded (its data binding) is used, so
 * the refusal names the model rather than a follow-on symptom.
 */
export function checkSameModel(
  info: CheckpointInfo,
  have: Readonly<Record<string, TensorSignature>>,
  want: { readonly model: string; readonly tensors: Readonly<Record<string, TensorSignature>> },
  file: string,
): void {
  checkModelName(info, want.model, file);
  const diffs = tensorDifferences(have, want.tensors, want.model);
  if (diffs.length === 0) return;
  const more = diffs.length > SHOWN_DIFFERENCES ? `; and ${diffs.length - SHOWN_DIFFERENCES} more` : '';
  throw new DlcError(
    `${file}: saved by another model named '${want.model}', with other tensors: ${diffs.slice(0, SHOWN_DIFFERENCES).join('; ')}${more}`,
  );
}

/**
 * Checks a parsed checkpoint against the model that wants to load it, most telling
 * difference first: the model name, then missing, extra and mismatched tensors, then
 * the compiled program, then the fingerprint as a last guard.
 */
export function checkAgainstModel(
  content: SafetensorsContent,
  info: CheckpointInfo,
  want: ModelSignature,
  file: string,
): void {
  const fail = (msg: string): never => {
    throw new DlcError(`${file}: ${msg}`);
  };
  checkSameModel(info, content.tensors, want, file);
  if (info.programHash !== want.programHash) {
    fail(
      `was saved by a different compiled program (hash ${info.programHash.slice(0, 12)}…` +
        `, this build ${want.programHash.slice(0, 12)}…)` +
        `; recompile with the same options or retrain`,
    );
  }
  const fp = fingerprint(want);
  if (info.fingerprint !== fp)
    fail(`fingerprint ${info.fingerprint.slice(0, 12)}… does not match the model's ${fp.slice(0, 12)}…`);
}
