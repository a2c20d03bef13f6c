// What every pass is: a named function from a graph to a graph. A pass returns its
// input graph object unchanged when it has nothing to do, so the pipeline can tell
// which passes changed something and skip re-verifying untouched graphs.
import type { Graph } from '../ir/types';

export type OptLevel = 0 | 1 | 2;

export interface PassContext {
  /** The entry point whose graph (or one of its region bodies) is being rewritten. */
  readonly entry: string;
  readonly level: OptLevel;
  /** Device limits the fusion passes respect (maxStorageBuffersPerShaderStage); portable defaults when absent. */
  readonly limits?: Readonly<Record<string, number>>;
  /** False: leave the optimizer's updates one kernel chain per param (`--fuse-updates off`; fuse-updates.ts). */
  readonly fuseUpdates?: boolean;
  /** Persistent tensors other entries assign: no update view may hold them (fuse-updates.ts); absent: none. */
  readonly assignedElsewhere?: ReadonlySet<string>;
}

export type Pass = (graph: Graph, ctx: PassContext) => Graph;
