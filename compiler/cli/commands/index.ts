import type { Command } from '../command';
import { checkCommand } from './check';
import { compile } from './compile';
import { devices } from './devices';
import { makeIrCommand } from './ir';
import { makeTrainCommand } from './train';
import { makeEvalCommand } from './eval';
import { makeSampleCommand } from './sample';
import { makeExportCommand } from './export';
import { lowerFile } from '../../lower/index';

/** Every subcommand of `dlc`, in the order `dlc --help` lists them. */
export const commands: readonly Command[] = [
  checkCommand,
  makeIrCommand(lowerFile),
  compile,
  makeTrainCommand(lowerFile),
  makeEvalCommand(lowerFile),
  makeSampleCommand(lowerFile),
  makeExportCommand(lowerFile),
  devices,
];
