// The dlc version recorded in checkpoints: the bundle defines DLC_VERSION at build
// time (scripts/build.mjs); code run from source (tests) reports "dev".
declare const DLC_VERSION: string | undefined;

export function dlcVersion(): string {
  return typeof DLC_VERSION === 'string' ? DLC_VERSION : 'dev';
}
