import type { Command } from '../command';
import { devices } from './devices';

/** Every subcommand of `dlc`, in the order `dlc --help` lists them. */
export const commands: readonly Command[] = [devices];
