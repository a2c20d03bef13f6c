import type { Command } from '../command';
import { checkCommand } from './check';
import { devices } from './devices';

/** Every subcommand of `dlc`, in the order `dlc --help` lists them. */
export const commands: readonly Command[] = [checkCommand, devices];
