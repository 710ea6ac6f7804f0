/**
 * Finished run folders that several drills start from (built once per drills run, lazily): a
 * smoke `train` run with its scores, and a smoke `groundtruth` run, with their command lines.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FASHION_DIR, runCli, tail } from './common';
import { tinyFlags } from './kill';

export interface RunFixture {
  dir: string;
  /** The command line that made it, for another folder. */
  args(out: string): string[];
}

export interface TrainedFixture extends RunFixture {
  /** The `evaluate` command line that scored it (6 architectures, newest checkpoint). */
  evaluateArgs(run: string): string[];
}

export interface DrillFixtures {
  /** A `train` run (3 epochs, checkpoints 1-3 kept) scored into scores/epoch-0003.csv. */
  trainedRun(): Promise<TrainedFixture>;
  /** A `groundtruth` run of 3 architectures. */
  groundTruthRun(): Promise<RunFixture>;
  /** Removes the fixture folders. */
  dispose(): void;
}

async function mustRun(args: string[], what: string): Promise<void> {
  const r = await runCli(args);
  if (r.code !== 0)
    throw new Error(`drill fixture: ${what} failed (exit ${r.code}): ${tail(r.stderr)}`);
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= make());
}

export function drillFixtures(): DrillFixtures {
  // Not a drill temp folder: cases remove theirs, these live until dispose().
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-fixtures-'));
  return {
    dispose: () => fs.rmSync(root, { recursive: true, force: true }),
    trainedRun: once(async () => {
      const dir = path.join(root, 'trained');
      const fixture: TrainedFixture = {
        dir,
        args: (out) => [
          'train',
          ...tinyFlags(),
          '--epochs',
          '3',
          '--checkpoint-epochs',
          '1,2',
          '--out',
          out,
        ],
        evaluateArgs: (run) => [
          'evaluate',
          '--run',
          run,
          '--sample',
          '6',
          '--progress',
          'none',
          '--data-dir',
          FASHION_DIR,
        ],
      };
      await mustRun(fixture.args(dir), 'train');
      await mustRun(fixture.evaluateArgs(dir), 'evaluate');
      return fixture;
    }),
    groundTruthRun: once(async () => {
      const dir = path.join(root, 'groundtruth');
      const fixture: RunFixture = {
        dir,
        args: (out) => [
          'groundtruth',
          ...tinyFlags(),
          '--epochs',
          '1',
          '--sample',
          '3',
          '--workers',
          '1',
          '--out',
          out,
        ],
      };
      await mustRun(fixture.args(dir), 'groundtruth');
      return fixture;
    }),
  };
}
