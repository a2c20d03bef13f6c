// The generated TypeScript module of a model, emitted with ts-morph: the plan as
// data, one typed interface pair per entry point, a class with one async method per
// entry (typed by its inputs and outputs) plus params/setParams/save/load/setScalar,
// and a typed factory `createModel({device?, seed?, checkNumerics?})`. It imports the
// runtime by package name (`dlc/runtime`) and nothing of the compiler.
import { MODULE_METHOD_NAMES } from '../../dsl/module-methods';
import { ModuleKind, Project, QuoteKind, Scope, ScriptTarget, VariableDeclarationKind } from 'ts-morph';
import type { SourceFile } from 'ts-morph';
import type { Plan, PlanDType, PlanEntry, PlanTensorRef } from '../../runtime/plan';
import { isFamilyPlans, type FamilyPlans } from '../../runtime/families';
import { DlcError, formatSpan } from '../../runtime/errors';
import { hostArrayNames, shapeText } from '../../runtime/executor/io';
import { RUNTIME_TYPES_SPECIFIER } from './module-types';

export const RUNTIME_PACKAGE = 'dlc/runtime';

/** Members of the generated class; an entry point may not take one of these names. */

export function pascalCase(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return /^[0-9]/.test(joined) ? `M${joined}` : joined || 'Model';
}

function propertyName(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

function inputType(dtype: PlanDType): string {
  return hostArrayNames(dtype).join(' | ');
}

function outputType(ref: PlanTensorRef): string {
  if (ref.shape.length === 0) return 'number';
  return ref.dtype === 'bool' ? 'Uint32Array' : inputType(ref.dtype);
}

function describe(ref: PlanTensorRef): string {
  return `${ref.name}: ${shapeText(ref)}`;
}

/**
 * The plan as a readable literal: one key per line, but arrays of numbers (shapes,
 * bindings, workgroups) on one line. JSON strings never hold a raw newline, so only
 * structural arrays match.
 */
/** Stands for the plan literal while ts-morph builds the module (see emitModule). */
const PLAN_PLACEHOLDER = '(null as unknown as never)';

function planLiteral(plan: Plan | FamilyPlans): string {
  return JSON.stringify(plan, null, 1).replace(/\[\n[-\d.e+,\s]*\]/g, (array) =>
    array.replace(/\s+/g, '').replace(/,/g, ', '),
  );
}

/** `f32[128,784]`, and for the batch rows of an entry that takes fewer: `f32[128,784], 1 to 128 rows` (PlanBatch). */
function rowsDoc(entry: PlanEntry, ref: PlanEntry['inputs'][number]): string {
  const batch = entry.batch;
  const rows = batch && !batch.fixed && (batch.inputs.includes(ref.name) || batch.outputs.includes(ref.name));
  return rows ? `${shapeText(ref)}, 1 to ${batch.size} rows (as many as the inputs give)` : shapeText(ref);
}

function addEntry(sf: SourceFile, entry: PlanEntry): { inputs: string; outputs: string } {
  const base = pascalCase(entry.name);
  const inputs = `${base}Inputs`;
  const outputs = `${base}Outputs`;
  sf.addInterface({
    name: inputs,
    isExported: true,
    docs: [`Inputs of ${entry.kind} \`${entry.name}\`.`],
    properties: entry.inputs.map((ref) => ({
      name: propertyName(ref.name),
      type: inputType(ref.dtype),
      isReadonly: true,
      docs: [rowsDoc(entry, ref)],
    })),
  });
  sf.addInterface({
    name: outputs,
    isExported: true,
    docs: [`Outputs of ${entry.kind} \`${entry.name}\`.`],
    properties: entry.outputs.map((ref) => ({
      name: propertyName(ref.name),
      type: outputType(ref),
      docs: [rowsDoc(entry, ref)],
    })),
  });
  return { inputs, outputs };
}

function buildModule(project: Project, plans: Plan | FamilyPlans): SourceFile {
  // An adaptive module's plans share entries, params and scalars: its types come from either.
  const adaptive = isFamilyPlans(plans);
  const plan = adaptive ? plans.register : plans;
  const className = pascalCase(plan.model);
  const sf = project.createSourceFile(`${plan.model}.ts`, '', { overwrite: true });
  sf.addImportDeclaration({ moduleSpecifier: RUNTIME_PACKAGE, namedImports: ['Model'] });
  sf.addImportDeclaration({
    moduleSpecifier: RUNTIME_PACKAGE,
    isTypeOnly: true,
    namedImports: ['KernelFamily', 'ModelOptions', 'NamedTensors', 'Plan'],
  });
  sf.addExportDeclaration({
    moduleSpecifier: RUNTIME_PACKAGE,
    isTypeOnly: true,
    namedExports: ['ModelOptions', 'NamedTensors', 'Plan'],
  });

  const types = plan.entries.map((entry) => {
    if (MODULE_METHOD_NAMES.has(entry.name)) {
      throw new DlcError(`entry point '${entry.name}' clashes with a method of the generated model class; rename it`);
    }
    return { entry, ...addEntry(sf, entry) };
  });

  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [
      adaptive
        ? 'The compiled plans, one per kernel family (createModel picks one by the adapter): buffers, kernels, steps.'
        : 'The compiled plan: buffers, kernels (WGSL, workgroups), steps of every entry point.',
    ],
    declarations: [
      adaptive
        ? { name: 'plans', type: 'Readonly<Record<KernelFamily, Plan>>', initializer: PLAN_PLACEHOLDER }
        : { name: 'plan', type: 'Plan', initializer: PLAN_PLACEHOLDER },
    ],
  });

  const scalarNames = plan.scalars.map((s) => JSON.stringify(s.name)).join(' | ') || 'never';
  sf.addTypeAlias({
    name: 'ScalarName',
    isExported: true,
    type: scalarNames,
    docs: ['Runtime-settable scalars (learning rates...).'],
  });

  const params = plan.buffers.filter((b) => b.kind === 'param');
  const paramNames = params.map((b) => JSON.stringify(b.name)).join(' | ') || 'never';
  const paramDocs = ['The trained tensors, as params() and setParams() name them.'];
  sf.addTypeAlias({ name: 'ParamName', isExported: true, type: paramNames, docs: paramDocs });
  sf.addTypeAlias({ name: 'Tensor', isExported: true, type: 'Float32Array | Int32Array | Uint32Array' });

  sf.addClass({
    name: className,
    isExported: true,
    docs: [`Model '${plan.model}' on a WebGPU device. Make one with createModel().`],
    // Private, so that the declarations name no runtime class: models come from createModel().
    ctors: [
      {
        scope: Scope.Private,
        parameters: [{ name: 'runtime', type: 'Model', isReadonly: true, scope: Scope.Private }],
      },
    ],
    getAccessors: [
      {
        name: 'compileMs',
        returnType: 'number',
        docs: ['Milliseconds spent compiling the pipelines at creation.'],
        statements: ['return this.runtime.compileMs;'],
      },
      {
        name: 'family',
        returnType: 'KernelFamily | undefined',
        docs: ['The kernel family the model runs (an adaptive module picks it at creation).'],
        statements: ['return this.runtime.family;'],
      },
    ],
    methods: [
      {
        name: 'create',
        isStatic: true,
        isAsync: true,
        parameters: [{ name: 'options', type: 'ModelOptions', initializer: '{}' }],
        returnType: `Promise<${className}>`,
        docs: ['The same as createModel().'],
        statements: [`return new ${className}(await Model.create(${adaptive ? 'plans' : 'plan'}, options));`],
      },
      ...types.map(({ entry, inputs, outputs }) => {
        const signature = entry.inputs.length === 0 ? [] : [{ name: 'inputs', type: inputs }];
        const inputsArg = entry.inputs.length === 0 ? '{}' : 'inputs as unknown as Record<string, unknown>';
        return {
          name: entry.name,
          docs: [
            `${entry.kind} \`${entry.name}\`${entry.span ? ` (${formatSpan(entry.span)})` : ''}: ` +
              `(${entry.inputs.map(describe).join(', ')}) → ` +
              `(${entry.outputs.map(describe).join(', ')}).\n` +
              '@param options.outputs the outputs to read back (default all; [] reads nothing back)',
          ],
          typeParameters: [{ name: 'K', constraint: `keyof ${outputs}`, default: `keyof ${outputs}` }],
          parameters: [
            ...signature,
            { name: 'options', type: '{ readonly outputs?: readonly K[] }', hasQuestionToken: true },
          ],
          returnType: `Promise<Pick<${outputs}, K>>`,
          statements: [
            `return this.runtime.run(${JSON.stringify(entry.name)}, ${inputsArg}, options) ` +
              `as unknown as Promise<Pick<${outputs}, K>>;`,
          ],
        };
      }),
      {
        name: 'params',
        returnType: 'Promise<Record<ParamName, Tensor>>',
        docs: ['The trained tensors by name.'],
        statements: ['return this.runtime.params() as Promise<Record<ParamName, Tensor>>;'],
      },
      {
        name: 'setParams',
        parameters: [{ name: 'values', type: 'Readonly<Partial<Record<ParamName, Tensor>>>' }],
        returnType: 'void',
        docs: ['Overwrites some or all params (names, dtypes and sizes are checked).'],
        statements: ['this.runtime.setParams(values);'],
      },
      {
        name: 'save',
        returnType: 'Promise<NamedTensors>',
        docs: ['Every persistent tensor (params, state, optimizer slots): what a checkpoint holds.'],
        statements: ['return this.runtime.save();'],
      },
      {
        name: 'load',
        parameters: [{ name: 'values', type: 'Readonly<Record<string, Float32Array | Int32Array | Uint32Array>>' }],
        returnType: 'void',
        docs: ['Restores what save() returned.'],
        statements: ['this.runtime.load(values);'],
      },
      {
        name: 'saveSafetensors',
        returnType: 'Promise<Uint8Array>',
        docs: ['Every persistent tensor as a dlc checkpoint (safetensors, as `dlc train` writes them).'],
        statements: ['return this.runtime.saveSafetensors();'],
      },
      {
        name: 'loadSafetensors',
        parameters: [
          { name: 'bytes', type: 'Uint8Array' },
          { name: 'name', type: 'string', hasQuestionToken: true },
        ],
        returnType: 'void',
        docs: ['Loads a dlc checkpoint (from `dlc train` or saveSafetensors), checked as `dlc eval` checks it.'],
        statements: ['this.runtime.loadSafetensors(bytes, name);'],
      },
      {
        name: 'setScalar',
        parameters: [
          { name: 'name', type: 'ScalarName' },
          { name: 'value', type: 'number' },
        ],
        returnType: 'void',
        docs: ['Sets a runtime scalar (a learning rate...) for the calls that follow.'],
        statements: ['this.runtime.setScalar(name, value);'],
      },
      {
        name: 'getScalar',
        parameters: [{ name: 'name', type: 'ScalarName' }],
        returnType: 'number',
        statements: ['return this.runtime.getScalar(name);'],
      },
      {
        name: 'destroy',
        returnType: 'void',
        docs: ["Frees the model's GPU buffers."],
        statements: ['this.runtime.destroy();'],
      },
    ],
  });

  sf.addFunction({
    name: 'createModel',
    isExported: true,
    isAsync: true,
    docs: ['Creates the model: buffers, initial values from the seed, and every pipeline compiled up front.'],
    parameters: [{ name: 'options', type: 'ModelOptions', initializer: '{}' }],
    returnType: `Promise<${className}>`,
    statements: [`return ${className}.create(options);`],
  });
  sf.formatText({ indentSize: 2 });
  sf.insertText(0, `// Generated by dlc from model '${plan.model}'. Do not edit: recompile the .dl file instead.\n`);
  return sf;
}

/** The declarations with the runtime's types taken from dlc-runtime.d.ts beside them, not from dlc. */
function standaloneDts(dts: string): string {
  const imports = dts.split(`'${RUNTIME_PACKAGE}'`).length - 1;
  const text = dts.replaceAll(`'${RUNTIME_PACKAGE}'`, `'${RUNTIME_TYPES_SPECIFIER}'`);
  // Only type imports may point there: the companion declares no values.
  if (imports !== 2 || /^import \{/m.test(text))
    throw new Error('the module declarations must import only types of the runtime');
  return text;
}

/** `<model>.source.ts` and `<model>.d.ts` of a plan, or of one plan per kernel family (`--target adaptive`). */
export function emitModule(plan: Plan | FamilyPlans): { ts: string; dts: string } {
  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { quoteKind: QuoteKind.Single },
    compilerOptions: { target: ScriptTarget.ES2022, module: ModuleKind.ESNext, strict: true, declaration: true },
  });
  const sf = buildModule(project, plan);
  const dts = sf
    .getEmitOutput({ emitOnlyDtsFiles: true })
    .getOutputFiles()
    .find((f) => f.getFilePath().endsWith('.d.ts'));
  if (!dts) throw new Error('ts-morph produced no declaration file');
  // The plan literal is spliced in after ts-morph has printed and formatted the
  // module: formatting a literal of thousands of kernels is slow, and ts-morph's
  // writer fails on very large ones (1000-layer models).
  const text = sf.getFullText();
  const at = text.indexOf(PLAN_PLACEHOLDER);
  if (at < 0 || text.indexOf(PLAN_PLACEHOLDER, at + 1) >= 0)
    throw new Error('the generated module must hold the plan placeholder exactly once');
  return {
    ts: text.slice(0, at) + planLiteral(plan) + text.slice(at + PLAN_PLACEHOLDER.length),
    dts: standaloneDts(dts.getText()),
  };
}
