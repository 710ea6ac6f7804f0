import type { Command } from '../command';
import { correlateCommand } from './correlate';
import { infoCommand } from './info';
import { reportCommand } from './report';
import { spaceCommand } from './space';

/** Every subcommand, in the order `supernet-lab --help` lists them. Add new commands here. */
export const commands: Command[] = [infoCommand, spaceCommand, correlateCommand, reportCommand];
