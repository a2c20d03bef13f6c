// Probes the system libraries Dawn's backends load at run time, so "no adapter"
// errors can say what is missing. Node only; uses process.getBuiltinModule so that
// a browser bundle never imports node builtins (it never calls this either).

/** The libraries each Node backend needs on Linux. */
export const LINUX_LIBRARIES: Readonly<Record<string, readonly string[]>> = {
  vulkan: ['libvulkan.so.1'],
  opengles: ['libEGL.so.1', 'libGLESv2.so.2', 'Mesa DRI drivers (swrast_dri.so / libgallium)'],
};

const LIB_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/lib/x86_64-linux-gnu',
  '/lib64',
  '/lib',
];
const DRI_DIRS = LIB_DIRS.map((d) => `${d}/dri`);

type Fs = { existsSync(p: string): boolean; readdirSync(p: string): string[] };

function nodeFs(): Fs | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:fs') as Fs | undefined;
}

function ldconfigListing(): string | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const cp = proc?.getBuiltinModule?.('node:child_process') as
    { execFileSync(file: string, args: string[], opts: object): string } | undefined;
  if (!cp) return undefined;
  for (const bin of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    try {
      return cp.execFileSync(bin, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      // try the next location
    }
  }
  return undefined;
}

let listing: string | undefined | null = null;

/** Whether a shared library can be found by the dynamic loader (best effort). */
export function hasSharedLibrary(name: string): boolean {
  if (listing === null) listing = ldconfigListing();
  if (listing !== undefined && listing.includes(`${name} `)) return true;
  const fs = nodeFs();
  const extra = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  return fs !== undefined && [...extra, ...LIB_DIRS].some((d) => fs.existsSync(`${d}/${name}`));
}

/** Whether Mesa's DRI / gallium software driver (llvmpipe) is installed. */
export function hasMesaDriDrivers(): boolean {
  const fs = nodeFs();
  if (!fs) return false;
  for (const dir of DRI_DIRS) {
    if (!fs.existsSync(dir)) continue;
    if (
      fs.readdirSync(dir).some((f) => f === 'swrast_dri.so' || f === 'kms_swrast_dri.so' || f.startsWith('libgallium'))
    )
      return true;
  }
  return LIB_DIRS.some((d) => fs.existsSync(d) && fs.readdirSync(d).some((f) => f.startsWith('libgallium')));
}

/** The libraries a backend needs that this machine lacks (empty where that cannot be probed). */
export function missingLibraries(backend: string): string[] {
  // Off Linux, or on a Node without process.getBuiltinModule (< 20.16), nothing is known missing.
  if (process.platform !== 'linux' || nodeFs() === undefined) return [];
  const wanted = LINUX_LIBRARIES[backend] ?? [];
  return wanted.filter((lib) => (lib.startsWith('Mesa') ? !hasMesaDriDrivers() : !hasSharedLibrary(lib)));
}
