/**
 * `npm run drills`: the reliability drills of issue 16 (not part of `npm test`; a smoke subset
 * of them is, test/drills/drills-smoke.test.ts). Runs, at smoke scale on real data:
 *
 *   kill        kill -9 at random moments of train, evaluate, groundtruth, search, study (and
 *               the sweep-worker slot), then the same command again: bit-identical artefacts
 *   corrupt     damaged dataset files, checkpoints, run tables, the NAS-Bench-201 table and
 *               notebook parameters: a named error each, never a number
 *   fuzz        fast-check: architecture strings of every space, genotype literals, CLI flags
 *   concurrent  two writers on one folder: refused or serialised, never interleaved
 *   disk-full   writes onto a full tmpfs (root only): the previous state survives
 *   memory      training steps and sub-network evaluations with flat tf.memory() and RSS
 *
 * and writes kernels-data/drills/<date>.json (or --out) plus a table on stdout. Exit code 0 when
 * no drill had a silent wrong result, a lost run or a case that did not end as it must.
 *
 * Usage: npm run drills -- [--trials N] [--steps N] [--fuzz N] [--only kill,fuzz] [--seed S]
 *        [--out FILE]      (a full run: --trials 20 --steps 10000 --fuzz 1000)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { commands } from '../src/cli/commands';
import { initEngine } from '../src/engine';
import { Rng } from '../src/engine/random';
import { writeJsonAtomic } from '../src/runs/folder';
import { libraryInfo } from '../src/info';
import { ROOT, excerpt, newResult, removeTemps, skipped, type DrillResult } from './drills/common';
import { concurrentDrill } from './drills/concurrent';
import { corruptDrills } from './drills/corrupt';
import { diskFullDrill } from './drills/diskfull';
import { drillFixtures } from './drills/fixtures';
import { archFuzzDrills, cliFuzzDrill } from './drills/fuzz';
import { killDrill, killScenarios, sweepWorkerDrill } from './drills/kill';
import { memoryDrill } from './drills/memory';

export const DRILL_GROUPS = [
  'kill',
  'corrupt',
  'fuzz',
  'concurrent',
  'disk-full',
  'memory',
] as const;

export interface DrillOptions {
  trials: number;
  steps: number;
  fuzz: number;
  seed: number;
  only: readonly string[];
  log?: (line: string) => void;
}

/** Runs the chosen drill groups; one result per drill. */
export async function runDrills(options: DrillOptions): Promise<DrillResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const want = (g: string) => options.only.length === 0 || options.only.includes(g);
  const fx = drillFixtures();
  const rng = new Rng(`drills/${options.seed}`);
  const results: DrillResult[] = [];
  const add = (r: DrillResult) => {
    results.push(r);
    log(
      `drill ${r.group}/${r.name}: ${r.skipped ? `skipped (${r.skipped})` : `${r.ok}/${r.tried} ok`}`,
    );
  };
  /** Runs a drill; one that throws is recorded as a failed case, and the others still run. */
  const guarded = async (group: string, name: string, run: () => Promise<DrillResult[]>) => {
    try {
      for (const r of await run()) add(r);
    } catch (err) {
      add({
        ...newResult(group, name),
        tried: 1,
        notes: [`the drill threw: ${excerpt((err as Error).stack ?? String(err))}`],
      });
    }
  };
  const one = async (r: Promise<DrillResult>) => [await r];
  try {
    if (want('kill')) {
      for (const s of killScenarios(async () => (await fx.trainedRun()).dir)) {
        await guarded('kill', s.name, () => one(killDrill(s, options.trials, rng)));
      }
      add(sweepWorkerDrill(commands.map((c) => c.name)));
    }
    if (want('corrupt')) await guarded('corrupt', 'inputs', () => corruptDrills(fx, rng));
    if (want('fuzz')) {
      await guarded('fuzz', 'arch strings', async () => archFuzzDrills(options.fuzz, options.seed));
      await guarded('fuzz', 'CLI flags', () => one(cliFuzzDrill(options.fuzz, options.seed)));
      add(
        skipped(
          'fuzz',
          'grid files',
          "not written yet: the grid format is issue 15's (supernet-lab sweep)",
        ),
      );
    }
    if (want('concurrent')) await guarded('concurrent', 'writers', () => one(concurrentDrill(fx)));
    if (want('disk-full')) await guarded('disk-full', 'tmpfs', () => one(diskFullDrill(fx)));
    if (want('memory')) {
      await guarded('memory', 'steps', async () => [
        await memoryDrill(options.steps, (await initEngine('auto')).name),
      ]);
    }
  } finally {
    fx.dispose();
    removeTemps();
  }
  return results;
}

/** Whether every drill ended as it must (skipped ones aside). */
export function drillsPassed(results: readonly DrillResult[]): boolean {
  return results.every(
    (r) => r.skipped !== undefined || (r.ok === r.tried && r.silentWrong === 0 && r.lost === 0),
  );
}

/** The printed table: one row per drill. */
export function formatDrillTable(results: readonly DrillResult[]): string {
  const rows = results.map((r) => [
    r.group,
    r.name,
    r.skipped ? '-' : `${r.ok}/${r.tried}`,
    r.skipped ? '-' : String(r.silentWrong),
    r.skipped ? '-' : String(r.lost),
    r.skipped ? `skipped: ${r.skipped}` : `${r.seconds}s`,
  ]);
  const header = ['group', 'drill', 'ok/tried', 'silent wrong', 'lost', 'time / note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const notes = results.flatMap((r) => r.notes.map((n) => `  ${r.group}/${r.name}: ${n}`));
  return (
    [
      line(header),
      line(widths.map((w) => '-'.repeat(w))),
      ...rows.map(line),
      ...(notes.length ? ['', 'notes:', ...notes] : []),
    ].join('\n') + '\n'
  );
}

function intFlag(v: string | undefined, name: string, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(
      `drills: --${name} must be an integer >= ${min}, got ${JSON.stringify(v)}\n`,
    );
    process.exit(2);
  }
  return n;
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      trials: { type: 'string' },
      steps: { type: 'string' },
      fuzz: { type: 'string' },
      seed: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run drills -- [--trials N (20)] [--steps N (10000)] [--fuzz N (1000)] ' +
        `[--only ${DRILL_GROUPS.join(',')}] [--seed S] [--out FILE]\n`,
    );
    return;
  }
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : [];
  const unknown = only.filter((g) => !(DRILL_GROUPS as readonly string[]).includes(g));
  if (unknown.length > 0) {
    process.stderr.write(
      `drills: --only ${unknown.join(',')}: groups are ${DRILL_GROUPS.join(', ')}\n`,
    );
    process.exit(2);
  }
  const options: DrillOptions = {
    trials: intFlag(values.trials, 'trials', 20, 1),
    steps: intFlag(values.steps, 'steps', 10_000, 10),
    fuzz: intFlag(values.fuzz, 'fuzz', 1000, 1),
    seed: intFlag(values.seed, 'seed', 0, 0),
    only,
  };
  const started = new Date();
  const results = await runDrills(options);
  const totals = {
    tried: results.reduce((s, r) => s + r.tried, 0),
    ok: results.reduce((s, r) => s + r.ok, 0),
    silentWrong: results.reduce((s, r) => s + r.silentWrong, 0),
    lost: results.reduce((s, r) => s + r.lost, 0),
    skipped: results.filter((r) => r.skipped).length,
  };
  const out = path.resolve(
    values.out ??
      path.join(ROOT, 'kernels-data', 'drills', `${started.toISOString().slice(0, 10)}.json`),
  );
  writeJsonAtomic(out, {
    startedAt: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    host: {
      platform: os.platform(),
      cpus: os.cpus().length,
      node: process.version,
      root: process.getuid?.() === 0,
    },
    library: libraryInfo(),
    options: {
      trials: options.trials,
      steps: options.steps,
      fuzz: options.fuzz,
      seed: options.seed,
      only,
    },
    passed: drillsPassed(results),
    totals,
    drills: results,
  });
  process.stdout.write(formatDrillTable(results));
  process.stdout.write(
    `\n${totals.ok}/${totals.tried} ok, ${totals.silentWrong} silent wrong, ${totals.lost} lost, ${totals.skipped} skipped -> ${path.relative(process.cwd(), out)}\n`,
  );
  process.exit(drillsPassed(results) ? 0 : 1);
}

if (require.main === module) {
  cli().catch((err: Error) => {
    process.stderr.write(`drills: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
