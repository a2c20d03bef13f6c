import type { Command } from '../command';

/** Every subcommand of `dlc`, in the order `dlc --help` lists them. */
export const commands: readonly Command[] = [];
