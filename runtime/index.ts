// The runtime's public entry (`dlc/runtime`): everything a generated module and a
// training script need, and nothing that only runs in Node (the `*-node.ts` file
// loaders and checkpoint file I/O are imported from their own paths), so that a
// browser bundle of a generated module reaches no Node-only import.
export { DlcError, formatSpan } from './errors';
export type { Span } from './errors';
export { acquireDevice, withErrorScopes, createBufferChecked, assertDeviceAlive, BACKENDS } from './device';
export type { AcquiredDevice, Backend, DeviceRequest } from './device';
export { Model } from './model';
export type { ModelOptions, NamedTensors, OutputValue, RunOptions } from './model';
export { Executor } from './executor';
export type { ExecutorOptions } from './executor';
export type * from './plan';
export { SEED_INDEX, STEP_INDEX, SCALAR_WORDS, isPersistentKind } from './plan';
export { initialize, fans, nameStream } from './init';
export type { TypedTensor } from './init';
export * from './philox';
// Data and checkpoints: the parts that run anywhere.
export * from './data/tensor';
export * from './data/dataset';
export * from './data/batches';
export * from './data/mnist';
export * from './data/text';
export * from './data/npy';
export * from './checkpoint/codec';
export * from './checkpoint/fingerprint';
