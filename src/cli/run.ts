// Process entry used by tests and `tsx src/cli/run.ts`; bin/supernet-lab.js does the same from dist/.
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `supernet-lab: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
