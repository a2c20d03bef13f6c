// Names the generated module class (compiler/codegen/module.ts) uses for its own members; an entry point
// becomes a method of that class, so it cannot take one of these names. `then` is here too: a class
// instance with a `then` method is a thenable, and `await` on it would call the entry point.
export const MODULE_METHOD_NAMES: ReadonlySet<string> = new Set([
  'runtime',
  'params',
  'setParams',
  'save',
  'load',
  'setScalar',
  'getScalar',
  'destroy',
  'compileMs',
  'family',
  'saveSafetensors',
  'loadSafetensors',
  'constructor',
  'then',
]);
