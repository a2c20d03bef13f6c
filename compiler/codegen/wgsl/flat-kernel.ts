// The KernelSpec of a flat kernel (one invocation per element, see flatMain): its
// binding declarations, a blank line, the entry point, and the 2-D dispatch
// covering `n` invocations.
import type { KernelSpec } from '../kernel-spec';
import { flatMain, flatWorkgroups } from './buffers';

export function flatKernelSpec(name: string, decls: readonly string[], n: number, body: string): KernelSpec {
  return { name, wgsl: [...decls, '', flatMain(n, body), ''].join('\n'), workgroups: flatWorkgroups(n) };
}
