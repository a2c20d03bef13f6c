// Attribute checking against an op's declared attributes: unknown names and wrong
// types are compiler bugs (the lowering produced them), so they throw plain Errors;
// defaults are filled in so every node carries its complete, explicit attributes.
import type { AttrSpec, OpDef } from '../ops/registry';
import type { Attrs, AttrValue } from './types';

export function normalizeAttrs(def: OpDef, attrs: Attrs): Attrs {
  const specs = def.attrs ?? {};
  for (const k of Object.keys(attrs)) {
    if (!(k in specs)) throw new Error(`${def.name} has no attribute '${k}'`);
  }
  const out: Record<string, AttrValue> = {};
  for (const k of Object.keys(specs).sort()) {
    const spec = specs[k];
    const v = k in attrs ? attrs[k] : spec.default;
    if (v === undefined) throw new Error(`${def.name} needs attribute '${k}'`);
    if (!attrMatches(spec, v))
      throw new Error(`${def.name}: attribute '${k}' must be ${spec.type}, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

export function attrMatches(spec: AttrSpec, v: AttrValue): boolean {
  switch (spec.type) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'float':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'ints':
      return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x));
    case 'floats':
      return Array.isArray(v) && v.every((x) => typeof x === 'number');
    default: {
      const never: never = spec.type;
      throw new Error(`unknown attribute type ${String(never)}`);
    }
  }
}
