// A WGSL abstract-float literal for an f32 value (`0.5`, `1e-5`, `2.0`): unlike
// ops/broadcast.ts wgslLiteral it has no `f32(...)` wrapper, so it takes the type of
// the expression it sits in. Used by the hand-written kernels' constants.
export function floatLiteral(v: number): string {
  const s = Math.fround(v).toString();
  return /[.eE]/.test(s) ? s : `${s}.0`;
}
