import type { Command } from '../command';
import { libraryInfo } from '../../info';

export const infoCommand: Command = {
  name: 'info',
  summary: 'Print versions of supernet-lab, Node and the tensor engine packages as JSON.',
  options: {},
  async run() {
    process.stdout.write(JSON.stringify(libraryInfo(), null, 2) + '\n');
    return 0;
  },
};
