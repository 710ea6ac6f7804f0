// Process entry used by tests and `tsx src/cli/run.ts`; bin/supernet-lab.js does the same from dist/.
import { runCli } from './main';

runCli(process.argv.slice(2));
