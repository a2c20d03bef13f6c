// Program → Plan: the unfused code generator.
//   1. Every persistent tensor and runtime scalar gets a buffer; so does the packed
//      scalars buffer (seed, step, named scalars).
//   2. Per entry point, nodes are scheduled in topological order with `assign`
//      nodes last (every read of a param sees its value from before the step).
//   3. Each node becomes one kernel group: elementwise nodes through their `wgsl`
//      expression (elementwise.ts), other ops through their `kernel` emitter, loop
//      nodes through loops.ts, and `assign` through buffer copies.
//   4. Every value gets a buffer of its own (memory planning comes later: the plan's
//      layout keeps the buffer → arena slice indirection ready for it).
import { updateWritesInPlace } from '../ir/update-segments';
import type { Entry, Program } from '../ir/program';
import type { Graph, Initializer, Node, Value } from '../ir/types';
import { numel, sameShape, sameType } from '../ir/types';
import type { KernelContext, KernelSpec } from './kernel-spec';
import { getOp } from '../ops/registry';
import type { BufferSlice, Plan, PlanArena, PlanBuffer, PlanEntry, PlanKernel } from '../../runtime/plan';
import type { KernelFamily, PlanInit, PlanScalar, PlanTexture, Step, TextureBinding } from '../../runtime/plan';
import { SCALAR_WORDS, SLICE_ALIGNMENT } from '../../runtime/plan';
import { DlcError, formatSpan } from '../../runtime/errors';
import { emitElementwiseKernel } from './elementwise';
import { emitFused } from './fused';
import { emitLoop } from './loops';
import { scheduleNodes } from './schedule';
import { textureExtent } from './wgsl/texture';
import { planTextureUploads, UNASSIGNED_TEXTURE } from './textures-plan';
import { collectLimits, countDispatches } from './stats';

export interface CodegenOptions {
  /** Kernel family: 'register' for CPU-like adapters (llvmpipe), 'shared' for GPUs. */
  readonly family: KernelFamily;
  /** Device limits kernels may rely on. */
  readonly limits: Readonly<Record<string, number>>;
  /**
   * Top-level reshapes of inputs and temporaries read their operand's buffer
   * instead of copying it (compileProgram sets this from -O1).
   */
  readonly aliasReshapes?: boolean;
  /** Kernels may read operands through textures (KernelSpec.textureInputs); default: on for the 'register' family. */
  readonly textures?: boolean;
}

/** Limits every WebGPU device offers in compatibility mode, raised where dlc needs more. */
export const DEFAULT_LIMITS: Readonly<Record<string, number>> = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupSizeZ: 64,
  maxComputeWorkgroupStorageSize: 16384,
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupsPerDimension: 65535,
};

/** The state the entry-level emitters share: buffers, kernels and value → buffer. */
export class PlanBuilder {
  readonly buffers: PlanBuffer[] = [];
  readonly kernels: PlanKernel[] = [];
  readonly textures: PlanTexture[] = [];
  /**
   * Texture ids by extent and slot (an upload right before each dispatch reading one,
   * so dispatches can share them) or by buffer and extent (a buffer read several
   * times between writes keeps its bytes there: textures-plan.ts).
   */
  private readonly textureIds = new Map<string, number>();
  readonly persistent = new Map<string, number>();
  readonly scalars: PlanScalar[] = [];
  readonly scalarsBuffer: number;
  readonly ctx: KernelContext;

  constructor(
    readonly program: Program,
    readonly options: CodegenOptions,
  ) {
    for (const p of program.persistent) {
      this.persistent.set(
        p.name,
        this.addBuffer({
          name: p.name,
          kind: p.kind,
          dtype: p.type.dtype,
          shape: p.type.shape,
          init: planInit(p.init),
        }),
      );
    }
    this.scalarsBuffer = this.addBuffer({
      name: 'scalars',
      kind: 'scalars',
      dtype: 'u32',
      shape: [SCALAR_WORDS + program.scalars.length],
    });
    // Each runtime scalar (a learning rate...) lives in its own buffer, bound to the kernels that read it,
    // and in a word of the packed scalars buffer, for kernels that read many (compiler/codegen/update-kernel.ts).
    program.scalars.forEach((s, k) => {
      const buffer = this.addBuffer({ name: s.name, kind: 'scalar', dtype: 'f32', shape: [] });
      this.scalars.push({ name: s.name, value: s.value, buffer, word: SCALAR_WORDS + k });
    });
    this.ctx = {
      limits: options.limits,
      family: options.family,
      textures: options.textures ?? options.family === 'register',
    };
  }

  /** A texture of the extent holding `texels` vec4s, for the `slot`-th texture input of a dispatch. */
  textureFor(texels: number, slot: number): number {
    return this.textureKeyed(texels, `#${slot}`);
  }

  /** A texture of the extent holding `texels` vec4s for buffer `buffer` alone. */
  textureForBuffer(buffer: number, texels: number): number {
    return this.textureKeyed(texels, `@${buffer}`);
  }

  private textureKeyed(texels: number, owner: string): number {
    const { width, height } = textureExtent(texels);
    const key = `${width}x${height}${owner}`;
    let id = this.textureIds.get(key);
    if (id === undefined) {
      id = this.textures.length;
      this.textures.push({ id, width, height });
      this.textureIds.set(key, id);
    }
    return id;
  }

  addBuffer(b: Omit<PlanBuffer, 'id' | 'bytes'>): number {
    const id = this.buffers.length;
    this.buffers.push({ ...b, id, bytes: Math.max(4, 4 * numel(b.shape)) });
    return id;
  }

  /** The view each buffer placed in one lies in (addView). */
  readonly viewOf = new Map<number, number>();

  /**
   * A view laying out `members` (resident f32 buffers in no other view) one after
   * another at offsets aligned for binding each alone; returns its id and the offsets
   * in elements. Its size is a multiple of 16 bytes, so every member can be read as
   * whole vec4s (a member's last vec4 may run into the padding after it).
   */
  addView(name: string, members: readonly number[]): { view: number; offsets: number[] } {
    const align = Math.max(SLICE_ALIGNMENT, this.options.limits.minStorageBufferOffsetAlignment ?? 0);
    let end = 0;
    const offsets = members.map((b) => {
      if (this.viewOf.has(b)) throw new Error(`buffer ${this.buffers[b].name} is already in a view`);
      const at = Math.ceil(end / align) * align;
      end = at + this.buffers[b].bytes;
      return at;
    });
    const view = this.addBuffer({ name, kind: 'view', dtype: 'f32', shape: [Math.ceil(end / 16) * 4] });
    const placed = members.map((buffer, k) => ({ buffer, offset: offsets[k] }));
    this.buffers[view] = { ...this.buffers[view], members: placed };
    for (const b of members) this.viewOf.set(b, view);
    return { view, offsets: offsets.map((o) => o / 4) };
  }

  /** The buffers a write of `buffer` writes: a view's members besides itself (textures-plan.ts). */
  writtenWith(buffer: number): readonly number[] {
    return [buffer, ...(this.buffers[buffer].members ?? []).map((m) => m.buffer)];
  }

  addKernel(spec: KernelSpec, label: string, nodes: readonly Node[]): number {
    const id = this.kernels.length;
    const span = nodes.find((n) => n.span)?.span;
    this.kernels.push({
      id,
      label,
      name: spec.name,
      wgsl: spec.wgsl,
      workgroups: [spec.workgroups[0], spec.workgroups[1], spec.workgroups[2]],
      usesScalars: spec.usesScalars === true,
      origin: { nodes: nodes.map((n) => ({ id: n.id, op: n.op })), ...(span ? { span } : {}) },
    });
    return id;
  }
}

/** Per-entry state: the value → buffer map (keyed by Value object: ids may repeat across regions). */
export class EntryBuilder {
  readonly values = new Map<Value, number>();
  readonly kernelsUsed = new Set<number>();
  /** Values computed directly into the persistent buffer that an assign writes. */
  readonly inPlace = new Map<Value, number>();
  /** Fused nodes that read the old value of a buffer they write in place: output index → input index. */
  readonly rewrites = new Map<Node, Map<number, number>>();
  /**
   * Non-fused nodes that compute their output over one input's buffer, with the
   * kernels that do it (OpDef.kernelInPlace): a loop's carried accumulator (loops.ts).
   */
  readonly overwrites = new Map<Node, { readonly input: number; readonly specs: readonly KernelSpec[] }>();
  /** The entry graph's own nodes (not loop bodies). */
  readonly topLevel: ReadonlySet<Node>;

  constructor(
    readonly plan: PlanBuilder,
    readonly entry: Entry,
  ) {
    this.topLevel = new Set(entry.graph.nodes);
  }

  bufferOf(v: Value): number {
    const b = this.values.get(v);
    if (b === undefined) throw new Error(`${this.entry.name}: %${v.id} is used before it has a buffer`);
    return b;
  }

  /** Where a node writes output `v`: a persistent buffer when its assign is done in place, else a fresh temporary. */
  outputBuffer(v: Value): number {
    const target = this.inPlace.get(v);
    if (target === undefined) return this.temp(v);
    this.values.set(v, target);
    return target;
  }

  /** A fresh temporary buffer for `v`. */
  temp(v: Value, what = `%${v.id}`): number {
    const b = this.plan.addBuffer({
      name: `${this.entry.name}.${what}`,
      kind: 'temp',
      dtype: v.type.dtype,
      shape: v.type.shape,
      entry: this.entry.name,
    });
    this.values.set(v, b);
    return b;
  }

  label(node: Node, kernelName: string): string {
    const where = node.span ? ` @ ${formatSpan(node.span)}` : '';
    return `${this.entry.name}/%${node.id} ${kernelName}${where}`;
  }

  dispatch(
    spec: KernelSpec,
    node: Node,
    inputs: readonly number[],
    outputs: readonly number[],
    steps: Step[],
    nodes: readonly Node[] = [node],
  ): void {
    const kernel = this.plan.addKernel(spec, this.label(node, spec.name), nodes);
    this.kernelsUsed.add(kernel);
    const bindings = [...inputs, ...outputs];
    if (spec.usesScalars) bindings.push(this.plan.scalarsBuffer);
    // Textures are assigned per entry once all its steps are known (planTextureUploads).
    const textures: TextureBinding[] = (spec.textureInputs ?? []).map((t) => {
      if (t.binding >= inputs.length) throw new Error(`${spec.name}: texture input ${t.binding} is not an input`);
      return { binding: t.binding, texture: UNASSIGNED_TEXTURE, texels: t.texels };
    });
    steps.push({
      kind: 'dispatch',
      kernel,
      bindings,
      writes: [...outputs],
      ...(textures.length > 0 ? { textures } : {}),
    });
  }

  copy(src: number, dst: number, steps: Step[], node: Node): void {
    const bytes = this.plan.buffers[src].bytes;
    if (bytes !== this.plan.buffers[dst].bytes)
      throw new Error(`copy between buffers of ${bytes} and ${this.plan.buffers[dst].bytes} bytes`);
    if (src !== dst)
      steps.push({
        kind: 'copy',
        src,
        dst,
        srcOffset: 0,
        dstOffset: 0,
        bytes,
        ...(node.span ? { span: node.span } : {}),
      });
  }

  /** Emits the steps of a graph's nodes (arguments already bound) in schedule order. */
  emitNodes(graph: Graph, steps: Step[]): void {
    const { compute, assigns } = scheduleNodes(graph);
    this.planInPlace(graph, compute, assigns);
    for (const node of compute) this.emitNode(node, steps);
    this.emitAssigns(assigns, steps);
  }

  /**
   * Values written straight into the persistent buffer an `assign` targets, which
   * saves the copy. Safe when that buffer has one assign in the pass, its value is
   * made by an ordinary or fused node (not a loop, whose outputs live in carry
   * buffers), no node after that producer reads the old value (assigns included), no result is the old
   * value, and the producer reads the old value at most elementwise: a fused
   * elementwise or matmul kernel reading it only at the element it writes (the
   * optimizer's `W - lr·v`, `μ·v + g`), which it then does from the output's own
   * binding (fused.ts), or an op that can compute its output over that input
   * (OpDef.kernelInPlace: the `scatter` of a sparse update's rows into its param).
   */
  planInPlace(graph: Graph, compute: readonly Node[], assigns: readonly Node[]): void {
    const targets = assigns.map((node) => this.assignTarget(node));
    for (const { target, source } of targets) {
      if (targets.filter((t) => t.target === target).length !== 1) continue;
      const producer = source.def;
      const at = producer ? compute.indexOf(producer) : -1;
      if (!producer || at < 0 || (producer.op !== 'fused' && producer.regions && producer.regions.length > 0)) continue;
      const readsOld = (v: Value): boolean => v.def === null && this.values.get(v) === target;
      if (compute.slice(at + 1).some((n) => n.inputs.some(readsOld))) continue;
      // Assigns copy after every node has run: one that stores the old value elsewhere
      // (vSGD's `W.wprev ← W`) must find it there, not the new value written in place.
      if (assigns.some((n) => n.inputs.some(readsOld))) continue;
      if (graph.results.some((r) => readsOld(r.value))) continue;
      const reads = producer.inputs.flatMap((v, k) => (readsOld(v) ? [k] : []));
      if (reads.length > 0) {
        const output = producer.outputs.indexOf(source);
        const specs = producer.op === 'fused' ? undefined : overwriteSpecs(producer, reads[0], this.plan.ctx);
        if (reads.length !== 1 || !(rewritesElementwise(producer, output, reads[0]) || specs)) continue;
        if (specs) this.overwrites.set(producer, { input: reads[0], specs });
        const map = this.rewrites.get(producer) ?? new Map<number, number>();
        map.set(output, reads[0]);
        this.rewrites.set(producer, map);
      }
      this.inPlace.set(source, target);
    }
  }

  /** A reshape of an input or temporary at the top level is the same bytes: its value shares the operand's buffer. */
  aliasesOperand(node: Node): boolean {
    if (!this.plan.options.aliasReshapes || node.op !== 'reshape' || this.inPlace.has(node.outputs[0])) return false;
    if (!this.topLevel.has(node)) return false;
    const kind = this.plan.buffers[this.bufferOf(node.inputs[0])].kind;
    return kind === 'temp' || kind === 'input';
  }

  emitNode(node: Node, steps: Step[]): void {
    if (this.aliasesOperand(node)) {
      this.values.set(node.outputs[0], this.bufferOf(node.inputs[0]));
      return;
    }
    const def = getOp(node.op);
    if (node.op === 'fused') {
      emitFused(this, node, steps);
      return;
    }
    if (node.regions && node.regions.length > 0) {
      emitLoop(this, node, steps);
      return;
    }
    if (def.constData) {
      // Known at compile time: uploaded once at creation, no kernel, no step.
      const t = node.outputs[0].type;
      const name = `${this.entry.name}.%${node.outputs[0].id}.const`;
      const data = [...def.constData(node)];
      const buffer = this.plan.addBuffer({ name, kind: 'const', dtype: t.dtype, shape: t.shape, data });
      this.values.set(node.outputs[0], buffer);
      return;
    }
    const inputs = node.inputs.map((v) => this.bufferOf(v));
    const outputs = node.outputs.map((v) => this.outputBuffer(v));
    const over = this.overwrites.get(node);
    if (over) {
      const others = inputs.filter((_, k) => k !== over.input);
      over.specs.forEach((spec) => this.dispatch(spec, node, others, outputs, steps));
      return;
    }
    if (def.kind === 'elementwise' && def.wgsl) {
      this.dispatch(emitElementwiseKernel([node], node.inputs, node.outputs), node, inputs, outputs, steps);
      return;
    }
    if (!def.kernel)
      throw new Error(`op '${node.op}' (${def.kind}) has neither a wgsl expression nor a kernel emitter`);
    const specs = def.kernel(node, this.plan.ctx);
    specs.forEach((spec) => this.dispatch(spec, node, inputs, outputs, steps));
  }

  /**
   * `assign` nodes write persistent tensors after everything else. A source that is
   * itself a persistent buffer assigned in this same pass (a swap) is first staged
   * in a temporary so that every assign reads the value from before the pass.
   */
  emitAssigns(assigns: readonly Node[], steps: Step[]): void {
    const writes = assigns.map((node) => ({ node, ...this.assignTarget(node) }));
    const targets = new Set(writes.map((w) => w.target));
    const sources = writes.map((w) => {
      const src = this.bufferOf(w.source);
      if (!targets.has(src) || src === w.target) return src;
      const staged = this.plan.addBuffer({
        ...this.plan.buffers[src],
        name: `${this.entry.name}.staged.${this.plan.buffers[src].name}`,
        kind: 'temp',
        entry: this.entry.name,
        init: undefined,
      });
      this.copy(src, staged, steps, w.node);
      return staged;
    });
    writes.forEach((w, k) => {
      this.copy(sources[k], w.target, steps, w.node);
      for (const out of w.node.outputs) this.values.set(out, w.target);
    });
  }

  /** The persistent buffer an `assign` writes (its `target` attribute) and the value it writes there. */
  assignTarget(node: Node): { target: number; source: Value } {
    const named = node.attrs.target;
    const target = typeof named === 'string' ? this.plan.persistent.get(named) : undefined;
    if (target === undefined)
      throw new Error(`assign %${node.id} writes '${String(named)}', which is no param, state or slot`);
    return { target, source: node.inputs[0] };
  }
}

/** The kernels computing single-output node `node`'s output over its input `input` (OpDef.kernelInPlace), if it can. */
function overwriteSpecs(node: Node, input: number, ctx: KernelContext): readonly KernelSpec[] | undefined {
  if (node.outputs.length !== 1) return undefined;
  return getOp(node.op).kernelInPlace?.(node, ctx, input);
}

/**
 * Whether fused node `node` can write output `output` over its input `input`: an
 * elementwise or matmul kernel whose body reads that input only in elementwise
 * nodes, with exactly the output's shape and dtype (so at the element it writes); an update
 * kernel where update-segments.ts says so.
 */
export function rewritesElementwise(node: Node, output: number, input: number): boolean {
  if (node.op !== 'fused') return false;
  const body = node.regions![0];
  const arg = body.args[input]?.value;
  const result = body.results[output]?.value;
  if (!arg || !result) return false;
  if (node.attrs.pattern === 'update') return updateWritesInPlace(body, arg, result);
  if (node.attrs.pattern !== 'elementwise' && node.attrs.pattern !== 'matmul') return false;
  if (!sameType(arg.type, result.type) || !body.results.every((r) => sameShape(r.value.type.shape, result.type.shape)))
    return false;
  return body.nodes.every((n) => !n.inputs.includes(arg) || (n.op !== 'matmul' && getOp(n.op).kind === 'elementwise'));
}

function bindEntryArgs(eb: EntryBuilder): PlanEntry['inputs'] {
  const inputs: PlanEntry['inputs'][number][] = [];
  for (const arg of eb.entry.graph.args) {
    switch (arg.kind) {
      case 'input': {
        const t = arg.value.type;
        const buffer = eb.plan.addBuffer({
          name: `${eb.entry.name}.${arg.name}`,
          kind: 'input',
          dtype: t.dtype,
          shape: t.shape,
          entry: eb.entry.name,
        });
        eb.values.set(arg.value, buffer);
        inputs.push({ name: arg.name, dtype: t.dtype, shape: [...t.shape], buffer });
        break;
      }
      case 'param':
      case 'state':
      case 'slot': {
        const buffer = eb.plan.persistent.get(arg.name);
        if (buffer === undefined)
          throw new Error(`${eb.entry.name}: argument '${arg.name}' names no persistent tensor`);
        eb.values.set(arg.value, buffer);
        break;
      }
      case 'scalar': {
        const s = eb.plan.scalars.find((x) => x.name === arg.name);
        if (!s) throw new Error(`${eb.entry.name}: argument '${arg.name}' names no runtime scalar`);
        eb.values.set(arg.value, s.buffer);
        break;
      }
      case 'region':
        throw new Error(`${eb.entry.name}: entry graph has a region argument '${arg.name}'`);
      default: {
        const never: never = arg.kind;
        throw new Error(`unknown argument kind ${String(never)}`);
      }
    }
  }
  return inputs;
}

function emitEntry(plan: PlanBuilder, entry: Entry): PlanEntry {
  const eb = new EntryBuilder(plan, entry);
  const inputs = bindEntryArgs(eb);
  const emitted: Step[] = [];
  eb.emitNodes(entry.graph, emitted);
  const steps = planTextureUploads(emitted, plan);
  const outputs = entry.graph.results.map((r) => ({
    name: r.name,
    dtype: r.value.type.dtype,
    shape: [...r.value.type.shape],
    buffer: eb.bufferOf(r.value),
  }));
  const own = plan.buffers.filter((b) => b.entry === entry.name);
  const naiveBytes = own.reduce((sum, b) => sum + b.bytes, 0);
  return {
    name: entry.name,
    kind: entry.kind,
    ...(entry.span ? { span: entry.span } : {}),
    inputs,
    outputs,
    steps,
    stats: {
      kernels: eb.kernelsUsed.size,
      kernelsUnfused: eb.kernelsUsed.size,
      dispatches: countDispatches(steps),
      peakBytes: naiveBytes,
      naiveBytes,
    },
  };
}

/** Generates the execution plan of a lowered (and differentiated) program. */
export function generatePlan(program: Program, options: CodegenOptions): Plan {
  const plan = new PlanBuilder(program, options);
  const entries: PlanEntry[] = [];
  for (const entry of program.entries) {
    try {
      entries.push(emitEntry(plan, entry));
    } catch (err) {
      if (err instanceof DlcError) throw err;
      const where = entry.span ? `${formatSpan(entry.span)}: ` : '';
      throw new DlcError(
        `${where}internal error generating code for '${entry.name}': ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  // One arena per buffer until the memory planner packs them; a view's members lie in its arena.
  const arenas: PlanArena[] = [];
  const layout: BufferSlice[] = [];
  for (const b of plan.buffers) {
    if (plan.viewOf.has(b.id)) continue;
    layout[b.id] = { arena: arenas.length, offset: 0, size: b.bytes };
    for (const m of b.members ?? [])
      layout[m.buffer] = { arena: arenas.length, offset: m.offset, size: plan.buffers[m.buffer].bytes };
    arenas.push({ name: b.name, bytes: b.bytes });
  }
  return {
    version: 1,
    model: program.model,
    family: options.family,
    buffers: plan.buffers,
    arenas,
    layout,
    kernels: plan.kernels,
    ...(plan.textures.length > 0 ? { textures: plan.textures } : {}),
    scalarsBuffer: plan.scalarsBuffer,
    scalars: plan.scalars,
    entries,
    requiredLimits: collectLimits(plan.kernels, entries, plan.textures),
  };
}

/** A persistent tensor's initializer as plan data (a loaded tensor's elements included). */
function planInit(init: Initializer): PlanInit {
  return { name: init.name, args: { ...init.args }, ...(init.data ? { data: init.data } : {}) };
}
