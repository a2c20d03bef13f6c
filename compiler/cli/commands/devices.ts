// `dlc devices`: which WebGPU adapter dlc would use, its limits, and whether a
// self-test kernel computes the right answer on it.
import type { Command } from '../command';
import { DlcError } from '../../../runtime/errors';
import { acquireDevice, type AcquiredDevice } from '../../../runtime/device';
import { runSelfTest } from '../../../runtime/device/selftest';

const USAGE = `usage: dlc devices [--json] [--backend NAME]

Shows the WebGPU adapter dlc uses (backend, description, feature level, the limits
that shape kernels) and runs a self-test kernel on it.

  --json          print one JSON object: backend, description, featureLevel, limits, selftest
  --backend NAME  auto (default), vulkan, metal, d3d12, opengles; also env DLC_BACKEND`;

interface Options {
  json: boolean;
  backend?: string;
}

function parse(argv: readonly string[]): Options {
  const options: Options = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') options.json = true;
    else if (arg === '--backend') {
      const value = argv[++i];
      if (value === undefined) throw new DlcError(`--backend needs a value\n${USAGE}`, 2);
      options.backend = value;
    } else if (arg.startsWith('--backend=')) options.backend = arg.slice('--backend='.length);
    else throw new DlcError(`unknown option '${arg}' for 'dlc devices' (see 'dlc help devices')`, 2);
  }
  return options;
}

function formatText(acquired: AcquiredDevice, selftest: string): string {
  const width = Math.max(...Object.keys(acquired.limits).map((k) => k.length));
  const limits = Object.entries(acquired.limits).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  return [
    `backend:        ${acquired.backend}`,
    `adapter:        ${acquired.description}${acquired.software ? ' [software]' : ''}`,
    `feature level:  ${acquired.featureLevel}`,
    `self-test:      ${selftest}`,
    'limits:',
    ...limits,
  ].join('\n');
}

export const devices: Command = {
  name: 'devices',
  summary: 'show the WebGPU adapter dlc uses and run a self-test kernel on it',
  usage: USAGE,
  async run(argv) {
    const options = parse(argv);
    const acquired = await acquireDevice({ backend: options.backend });
    const selftest = await runSelfTest(acquired.device);
    const { backend, description, featureLevel, limits, software } = acquired;
    const text = options.json
      ? JSON.stringify({ backend, description, featureLevel, software, limits, selftest }, null, 2)
      : formatText(acquired, selftest);
    process.stdout.write(text + '\n');
    acquired.device.destroy();
    return selftest === 'ok' ? 0 : 1;
  },
};
