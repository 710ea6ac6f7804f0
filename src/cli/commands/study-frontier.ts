/**
 * `supernet-lab study --frontier`: the budget frontier (notebook 09's experiment) from the CLI.
 * Supernet run folders go to the runs folder (SUPERNET_LAB_RUNS, else kernels-data/runs), where
 * the notebook finds and reuses them; the summary, report and points go to --out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, stringOption, type OptionValues } from '../command';
import {
  budgetFrontier,
  experimentContext,
  formatFrontier,
  frontierJson,
  frontierReportHtml,
} from '../../experiments';
import { defaultRunsRoot, writeFileAtomic, writeJsonAtomic } from '../../runs/folder';
import { runSettings, setUpEngine } from './run-options';

/** Help text of the option (study's --help). */
export const FRONTIER_HELP = `
--frontier runs the budget frontier instead (notebook 09): the same protocol at growing supernet
budgets - the checkpoints of one run at power-of-two epochs (images seen), complete runs of
other lengths (epochs) and other widths C - each scored on every cell of the shipped laptop
table (--table FILE for another seed table), with Spearman / Kendall and the size bias
rho(score, params) with bootstrap 95% intervals; it prints where rho crosses zero and what a
larger budget would need (images and hours at the bench's throughput) to reach seed 001's
regime, and writes <out>/frontier.json and <out>/frontier.html (default out:
kernels-data/runs/frontier-<scale>-seed<seed>). About 25 minutes at --scale laptop on 2 cores.`;

/** --table: a seed-table CSV that must exist (undefined without the flag). */
export function seedTableOption(values: OptionValues): string | undefined {
  if (typeof values['table'] !== 'string') return undefined;
  const file = path.resolve(values['table']);
  if (!fs.existsSync(file)) {
    throw new UsageError(
      `--table ${values['table']} does not exist: pass a seed-table CSV (arch,seed,val_accuracy,...)`,
    );
  }
  return file;
}

export async function studyFrontier(values: OptionValues): Promise<number> {
  const s = runSettings(values);
  if (s.space !== 'nb201') {
    throw new UsageError(
      `--frontier ranks NAS-Bench-201 cells of a seed table, got --space ${s.space}: drop --space`,
    );
  }
  const table = seedTableOption(values);
  await setUpEngine(s);
  const out = path.resolve(
    stringOption(values, 'out', path.join(defaultRunsRoot(), `frontier-${s.scale}-seed${s.seed}`)),
  );
  const ctx = experimentContext({
    scale: s.scale,
    seed: s.seed,
    dataset: 'fashion-mnist',
    ...(s.dataDir ? { dataSource: s.dataDir } : {}),
    log: (line) => process.stderr.write(line + '\n'),
  });
  const r = await budgetFrontier(ctx, table ? { table } : {});
  fs.mkdirSync(out, { recursive: true });
  writeJsonAtomic(path.join(out, 'frontier.json'), frontierJson(r));
  const report = path.join(out, 'frontier.html');
  writeFileAtomic(
    report,
    frontierReportHtml(
      r,
      `supernet-lab study --frontier --scale ${s.scale}, ${new Date().toISOString()}`,
    ),
  );
  process.stdout.write(formatFrontier(r) + '\n');
  process.stdout.write(`results: ${path.relative(process.cwd(), out) || out}/frontier.json\n`);
  process.stdout.write(`report:  ${path.relative(process.cwd(), report)}\n`);
  process.stdout.write(`time:    ${(r.seconds / 60).toFixed(1)} min\n`);
  return 0;
}
