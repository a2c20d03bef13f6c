// Binding dataset fields to model inputs.
//
// Rule: an explicit mapping { field: input } is applied first; every model input
// not mapped is then bound to the dataset field of the same name. Every model input
// must end up bound; dataset fields nobody uses are fine (e.g. labels when sampling).
// A field fits an input when the dtypes are equal and one example of the field has
// the same number of elements as one batch row of the input; a differing row shape
// (f32[784] into f32[1,28,28]) is a reshape, reported in the result.
import { DlcError } from '../errors';
import { fieldNames, type Split } from './dataset';
import { elementCount, formatShape } from './tensor';

export interface ModelInput {
  readonly name: string;
  readonly dtype: string;
  /** The full input shape; its first dimension is the batch. */
  readonly shape: readonly number[];
}

export interface Binding {
  readonly input: string;
  readonly field: string;
  /** True when the field's example shape differs from the input's row shape (same element count). */
  readonly reshape: boolean;
}

/** Parses "x=image,y=label" into { x: 'image', y: 'label' }. */
export function parseBindingSpec(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const m = /^([A-Za-z_][\w.]*)=([A-Za-z_][\w.]*)$/.exec(part);
    if (!m) throw new DlcError(`binding '${part}' is not of the form field=input`, 2);
    if (m[1]! in out) throw new DlcError(`binding names field '${m[1]}' twice`, 2);
    out[m[1]!] = m[2]!;
  }
  return out;
}

export function resolveBinding(
  datasetName: string,
  split: Split,
  inputs: readonly ModelInput[],
  mapping: Readonly<Record<string, string>> = {},
): Binding[] {
  const fields = fieldNames(split);
  const inputNames = inputs.map((i) => i.name);
  const fieldList = `(fields: ${fields.join(', ')})`;
  const inputList = `(inputs: ${inputNames.join(', ')})`;
  const fieldFor = new Map<string, string>();
  for (const [field, input] of Object.entries(mapping)) {
    if (!(field in split)) throw new DlcError(`no field named '${field}' in dataset '${datasetName}' ${fieldList}`, 2);
    if (!inputNames.includes(input)) throw new DlcError(`the model has no input named '${input}' ${inputList}`, 2);
    if (fieldFor.has(input))
      throw new DlcError(`model input '${input}' is bound to both '${fieldFor.get(input)}' and '${field}'`, 2);
    fieldFor.set(input, field);
  }
  const out: Binding[] = [];
  for (const input of inputs) {
    const field = fieldFor.get(input.name) ?? (input.name in split ? input.name : undefined);
    if (field === undefined) {
      throw new DlcError(
        `model input '${input.name}' has no data: dataset '${datasetName}' has no field of that name ${fieldList}; map one to it (field=${input.name})`,
        2,
      );
    }
    const t = split[field]!;
    const row = t.shape.slice(1);
    const want = input.shape.slice(1);
    const describe =
      `field '${field}' (${t.dtype}${formatShape(row)} per example) ` +
      `for model input '${input.name}' (${input.dtype}${formatShape(want)} per example)`;
    if (t.dtype !== input.dtype) throw new DlcError(`dtype mismatch: ${describe}`, 2);
    if (elementCount(row) !== elementCount(want)) throw new DlcError(`shape mismatch: ${describe}`, 2);
    out.push({ input: input.name, field, reshape: formatShape(row) !== formatShape(want) });
  }
  return out;
}
