/**
 * Concurrent writers on one folder, started at the same moment: two `train` (one refused naming
 * the holder; with --wait both finish, one after the other), two `evaluate` of one run, two
 * `search`, and two `groundtruth` (which share a folder by design: both finish and the table
 * holds every architecture once). A case is ok when it was refused or serialised and the final
 * artefacts equal an uninterrupted run's; two exclusive writers that both ran is interleaving.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readGroundTruth } from '../../src/runs/folder';
import {
  clearError,
  copyDir,
  newResult,
  runCli,
  tail,
  tempDir,
  timed,
  type CliResult,
  type DrillResult,
} from './common';
import type { DrillFixtures } from './fixtures';
import { csvWithoutSeconds, killScenarios, trainArtefacts } from './kill';

const twice = (args: string[]) => Promise.all([runCli(args), runCli(args)]);

/**
 * Exactly one ran (exit 0) and the other was refused with a message naming the holder; or both
 * ran one after the other (the second found the work done: nothing trained or scored).
 */
function oneRefused(rs: CliResult[]): string | null {
  const ran = rs.filter((r) => r.code === 0).length;
  const refused = rs.filter(
    (r) => r.code === 1 && clearError(r) && /is in use: process \d+/.test(r.stderr),
  );
  if (ran === 1 && refused.length === 1) return null;
  if (ran === 2 && rs.some((r) => /"(epochsRun|scored)":0[,}]/.test(r.stdout))) return null;
  return `exits ${rs.map((r) => r.code).join(', ')}: ${rs.map((r) => tail(r.stderr, 1)).join(' / ')}`;
}

export async function concurrentDrill(fx: DrillFixtures): Promise<DrillResult> {
  const result = newResult('concurrent', 'two writers on one folder');
  return timed(result, async () => {
    const check = (name: string, problem: string | null, wrong = false) => {
      result.tried++;
      if (problem === null) result.ok++;
      else result.notes.push(`${name}: ${problem}`);
      if (wrong) result.silentWrong++;
    };
    const trained = await fx.trainedRun();
    const expectedTrain = trainArtefacts(trained.dir);

    let out = path.join(tempDir('conc-train'), 'run');
    let rs = await twice(trained.args(out));
    check(
      'train x2',
      oneRefused(rs) ?? (trainArtefacts(out) === expectedTrain ? null : 'artefacts differ'),
      trainArtefacts(out) !== expectedTrain,
    );

    out = path.join(tempDir('conc-train-wait'), 'run');
    rs = await twice([...trained.args(out), '--wait']);
    const waited = rs.every((r) => r.code === 0) && rs.some((r) => /waiting for it/.test(r.stderr));
    check(
      'train x2 --wait',
      waited
        ? trainArtefacts(out) === expectedTrain
          ? null
          : 'artefacts differ'
        : `exits ${rs.map((r) => r.code).join(', ')}`,
      waited && trainArtefacts(out) !== expectedTrain,
    );

    const run = path.join(tempDir('conc-eval'), 'run');
    copyDir(trained.dir, run);
    const scores = path.join(run, 'scores', 'epoch-0003.csv');
    const expectedScores = fs.readFileSync(scores);
    fs.rmSync(path.join(run, 'scores'), { recursive: true, force: true });
    rs = await twice(trained.evaluateArgs(run));
    const same = fs.existsSync(scores) && fs.readFileSync(scores).equals(expectedScores);
    check(
      'evaluate x2',
      oneRefused(rs) ?? (same ? null : 'scores differ'),
      !same && rs.some((r) => r.code === 0),
    );

    const searchDir = tempDir('conc-search');
    const search = killScenarios(async () => trained.dir).find((s) => s.name === 'search')!;
    rs = await twice(search.args(searchDir));
    check('search x2', oneRefused(rs));

    const gt = await fx.groundTruthRun();
    out = path.join(tempDir('conc-gt'), 'run');
    rs = await twice(gt.args(out));
    const rows = rs.every((r) => r.code === 0)
      ? readGroundTruth(path.join(out, 'groundtruth.csv'))
      : [];
    const equal =
      rows.length > 0 &&
      csvWithoutSeconds(path.join(out, 'groundtruth.csv')) ===
        csvWithoutSeconds(path.join(gt.dir, 'groundtruth.csv'));
    check(
      'groundtruth x2 (shared folder)',
      equal
        ? null
        : `exits ${rs.map((r) => r.code).join(', ')}; table ${rows.length} rows: ${rs.map((r) => tail(r.stderr, 1)).join(' / ')}`,
      rows.length > 0 && !equal,
    );
  });
}
