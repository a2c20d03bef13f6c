// What every pass is: a named function from a graph to a graph. A pass returns its
// input graph object unchanged when it has nothing to do, so the pipeline can tell
// which passes changed something and skip re-verifying untouched graphs.
import type { Graph } from '../ir/types';

export type OptLevel = 0 | 1 | 2;

/**
 * Multi-tensor update fusion (fuse-updates.ts): true — wherever it leaves fewer
 * kernels; 'per-param' — only where it saves at least one kernel per param it
 * updates (on CPU adapters, where a dispatch costs little, an update the per-param
 * path computes inside the gradient's matmul epilogue is cheaper there than in the
 * fused kernel, which reads the gradient back); false — never (one kernel chain per param).
 */
export type FuseUpdates = boolean | 'per-param';

export interface PassContext {
  /** The entry point whose graph (or one of its region bodies) is being rewritten. */
  readonly entry: string;
  readonly level: OptLevel;
  /** Device limits the fusion passes respect (maxStorageBuffersPerShaderStage); portable defaults when absent. */
  readonly limits?: Readonly<Record<string, number>>;
  /** Whether the optimizer's updates go into one kernel (fuse-updates.ts); absent: true. */
  readonly fuseUpdates?: FuseUpdates;
  /** Persistent tensors other entries assign: no update view may hold them (fuse-updates.ts); absent: none. */
  readonly assignedElsewhere?: ReadonlySet<string>;
}

export type Pass = (graph: Graph, ctx: PassContext) => Graph;
