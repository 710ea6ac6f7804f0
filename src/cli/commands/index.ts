import type { Command } from '../command';
import { benchCommand } from './bench';
import { correlateCommand } from './correlate';
import { evaluateCommand } from './evaluate';
import { groundtruthCommand } from './groundtruth';
import { infoCommand } from './info';
import { reportCommand } from './report';
import { searchCommand } from './search';
import { spaceCommand } from './space';
import { studyCommand } from './study';
import { subspaceCommand } from './subspace';
import { sweepCommand } from './sweep';
import { trainCommand } from './train';
import { workerCommand } from './worker';

/** Every subcommand, in the order `supernet-lab --help` lists them. Add new commands here. */
export const commands: Command[] = [
  infoCommand,
  spaceCommand,
  trainCommand,
  evaluateCommand,
  groundtruthCommand,
  studyCommand,
  subspaceCommand,
  searchCommand,
  sweepCommand,
  workerCommand,
  correlateCommand,
  reportCommand,
  benchCommand,
];
