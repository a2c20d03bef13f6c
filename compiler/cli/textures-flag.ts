// `--textures on|off`: whether kernels may read operands through textures
// (CodegenOptions.textures). Absent, the code generator decides (on for the
// 'register' family), so the result is undefined rather than a default here.
// The commands' usage texts (compile, ir) describe it.
import { DlcError } from '../../runtime/errors';

/** The value of `--textures`, or undefined when it was not given. */
export function parseTexturesFlag(raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  throw new DlcError(`--textures must be on or off, got '${raw}'`, 2);
}
