import type { Command } from '../command';
import { checkCommand } from './check';
import { devices } from './devices';
import { makeIrCommand } from './ir';
import { lowerFile } from '../../lower/index';

/** Every subcommand of `dlc`, in the order `dlc --help` lists them. */
export const commands: readonly Command[] = [checkCommand, makeIrCommand(lowerFile), devices];
