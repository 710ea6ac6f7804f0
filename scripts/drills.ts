/**
 * `npm run drills`: the reliability drills of issue 16 (not part of `npm test`; a smoke subset
 * of them is, test/drills/drills-smoke.test.ts). Runs, at smoke scale on real data:
 *
 *   kill        kill -9 at random moments of train, evaluate, groundtruth, search, study, then
 *               the same command again: bit-identical artefacts; a sweep worker killed mid-job
 *               on a real redis-server, fresh workers finish: the tables of an undisturbed run
 *   corrupt     damaged dataset files, checkpoints, run tables, the NAS-Bench-201 table and
 *               notebook parameters: a named error each, never a number
 *   fuzz        fast-check: architecture strings of every space, genotype literals, CLI flags,
 *               grid files (YAML and JSON)
 *   concurrent  two writers on one folder: refused or serialised, never interleaved
 *   disk-full   writes onto a full tmpfs (root only): the previous state survives
 *   memory      training steps and sub-network evaluations with flat tf.memory() and RSS
 *
 * and writes kernels-data/drills/<date>.json (or --out) plus a table on stdout. Exit code 0 when
 * no drill had a silent wrong result, a lost run or a case that did not end as it must.
 *
 * Usage: npm run drills -- [--trials N] [--steps N] [--fuzz N] [--only kill,fuzz/grid-files]
 *        [--seed S] [--out FILE] [--merge-into FILE]
 *        (a full run: --trials 20 --steps 10000 --fuzz 1000)
 *
 * --only takes groups (kill) and single drills as group/drill (kill/sweep-worker,
 * fuzz/grid-files: the drill's name in lower case, other characters as '-'). --merge-into FILE
 * puts this run's results into an existing drills JSON (a full run's): each replaces the entry
 * of the same group/drill there (new ones are added), totals and `passed` are recomputed, and
 * `supplements` records this run (startedAt, seconds, options). Only FILE is written then,
 * unless --out is given too.
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
import { ROOT, excerpt, newResult, removeTemps, type DrillResult } from './drills/common';
import { concurrentDrill } from './drills/concurrent';
import { corruptDrills } from './drills/corrupt';
import { diskFullDrill } from './drills/diskfull';
import { drillFixtures, type DrillFixtures } from './drills/fixtures';
import { archFuzzDrills, cliFuzzDrill } from './drills/fuzz';
import { gridFuzzDrill } from './drills/fuzz-grid';
import { killDrill, killScenarios } from './drills/kill';
import { memoryDrill } from './drills/memory';
import { sweepWorkerDrill } from './drills/sweep-worker';

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

/** A drill's name in --only and in merges: group/name, lower case, other characters as '-'. */
export function drillKey(group: string, name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${group}/${slug}`;
}

interface DrillEntry {
  group: string;
  name: string;
  run(): Promise<DrillResult[]>;
}

/** Every drill, in the order of a full run (`fx` and `rng` are used only when one runs). */
function drillEntries(options: DrillOptions, fx: DrillFixtures, rng: Rng): DrillEntry[] {
  const one = async (r: Promise<DrillResult>) => [await r];
  return [
    ...killScenarios(async () => (await fx.trainedRun()).dir).map((s) => ({
      group: 'kill',
      name: s.name,
      run: () => one(killDrill(s, options.trials, rng)),
    })),
    {
      group: 'kill',
      name: 'sweep-worker',
      run: () => one(sweepWorkerDrill(options.trials, rng)),
    },
    { group: 'corrupt', name: 'inputs', run: () => corruptDrills(fx, rng) },
    {
      group: 'fuzz',
      name: 'arch strings',
      run: async () => archFuzzDrills(options.fuzz, options.seed),
    },
    { group: 'fuzz', name: 'CLI flags', run: () => one(cliFuzzDrill(options.fuzz, options.seed)) },
    {
      group: 'fuzz',
      name: 'grid files',
      run: () => one(gridFuzzDrill(options.fuzz, options.seed)),
    },
    { group: 'concurrent', name: 'writers', run: () => one(concurrentDrill(fx)) },
    { group: 'disk-full', name: 'tmpfs', run: () => one(diskFullDrill(fx)) },
    {
      group: 'memory',
      name: 'steps',
      run: async () => [await memoryDrill(options.steps, (await initEngine('auto')).name)],
    },
  ];
}

/** The names --only takes: the groups and every group/drill. */
export function drillNames(): string[] {
  const entries = drillEntries(
    { trials: 1, steps: 10, fuzz: 1, seed: 0, only: [] },
    drillFixturesUnused,
    new Rng('names'),
  );
  return [...DRILL_GROUPS, ...entries.map((e) => drillKey(e.group, e.name))];
}

/** Fixtures for listing names: never built. */
const drillFixturesUnused: DrillFixtures = {
  trainedRun: () => Promise.reject(new Error('listing only')),
  groundTruthRun: () => Promise.reject(new Error('listing only')),
  dispose: () => {},
};

/** Runs the chosen drills (groups or group/drill names); one result per drill. */
export async function runDrills(options: DrillOptions): Promise<DrillResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const want = (e: DrillEntry) =>
    options.only.length === 0 ||
    options.only.includes(e.group) ||
    options.only.includes(drillKey(e.group, e.name));
  const fx = drillFixtures();
  const rng = new Rng(`drills/${options.seed}`);
  const results: DrillResult[] = [];
  const add = (r: DrillResult) => {
    results.push(r);
    log(
      `drill ${r.group}/${r.name}: ${r.skipped ? `skipped (${r.skipped})` : `${r.ok}/${r.tried} ok`}`,
    );
  };
  try {
    for (const e of drillEntries(options, fx, rng).filter(want)) {
      // A drill that throws is recorded as a failed case, and the others still run.
      try {
        for (const r of await e.run()) add(r);
      } catch (err) {
        add({
          ...newResult(e.group, e.name),
          tried: 1,
          notes: [`the drill threw: ${excerpt((err as Error).stack ?? String(err))}`],
        });
      }
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

/** The counts over all drills. */
export function drillTotals(results: readonly DrillResult[]) {
  return {
    tried: results.reduce((s, r) => s + r.tried, 0),
    ok: results.reduce((s, r) => s + r.ok, 0),
    silentWrong: results.reduce((s, r) => s + r.silentWrong, 0),
    lost: results.reduce((s, r) => s + r.lost, 0),
    skipped: results.filter((r) => r.skipped).length,
  };
}

/** What a supplementary run adds to a drills JSON. */
export interface Supplement {
  startedAt: string;
  seconds: number;
  options: Record<string, unknown>;
}

/**
 * A drills JSON with `results` in place of its entries of the same group/drill (new ones added
 * at the end), totals and `passed` recomputed and the run recorded under `supplements`.
 */
export function mergeDrills(
  report: Record<string, unknown>,
  results: readonly DrillResult[],
  supplement: Supplement,
): Record<string, unknown> {
  const drills = [...(report.drills as DrillResult[])];
  for (const r of results) {
    const at = drills.findIndex((d) => drillKey(d.group, d.name) === drillKey(r.group, r.name));
    if (at >= 0) drills[at] = r;
    else drills.push(r);
  }
  const supplements = Array.isArray(report.supplements) ? report.supplements : [];
  return {
    ...report,
    passed: drillsPassed(drills),
    totals: drillTotals(drills),
    drills,
    supplements: [...supplements, supplement],
  };
}

function readReport(file: string): Record<string, unknown> {
  let report: unknown;
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    process.stderr.write(`drills: --merge-into ${file}: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (report === null || typeof report !== 'object' || !Array.isArray((report as any).drills)) {
    process.stderr.write(`drills: --merge-into ${file} is not a drills JSON (no drills list)\n`);
    process.exit(2);
  }
  return report as Record<string, unknown>;
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
      'merge-into': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run drills -- [--trials N (20)] [--steps N (10000)] [--fuzz N (1000)] ' +
        '[--only GROUP|GROUP/DRILL,...] [--seed S] [--out FILE] [--merge-into FILE]\n' +
        `  --only        groups or single drills: ${drillNames().join(', ')}\n` +
        '  --merge-into  put the results into an existing drills JSON: they replace its entries of\n' +
        '                the same group/drill, totals and passed are recomputed, supplements records\n' +
        '                this run; only that file is written (and --out if given)\n',
    );
    return;
  }
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : [];
  const names = drillNames();
  const unknown = only.filter((g) => !names.includes(g));
  if (unknown.length > 0) {
    process.stderr.write(`drills: --only ${unknown.join(',')}: known are ${names.join(', ')}\n`);
    process.exit(2);
  }
  const mergeInto = values['merge-into'] && path.resolve(values['merge-into']);
  const base = mergeInto ? readReport(mergeInto) : undefined;
  const options: DrillOptions = {
    trials: intFlag(values.trials, 'trials', 20, 1),
    steps: intFlag(values.steps, 'steps', 10_000, 10),
    fuzz: intFlag(values.fuzz, 'fuzz', 1000, 1),
    seed: intFlag(values.seed, 'seed', 0, 0),
    only,
  };
  const started = new Date();
  const results = await runDrills(options);
  const totals = drillTotals(results);
  const seconds = (Date.now() - started.getTime()) / 1000;
  const runOptions = {
    trials: options.trials,
    steps: options.steps,
    fuzz: options.fuzz,
    seed: options.seed,
    only,
  };
  const out =
    values.out !== undefined || !mergeInto
      ? path.resolve(
          values.out ??
            path.join(ROOT, 'kernels-data', 'drills', `${started.toISOString().slice(0, 10)}.json`),
        )
      : undefined;
  if (out) writeRun(out, started, seconds, runOptions, results, totals);
  process.stdout.write(formatDrillTable(results));
  process.stdout.write(
    `\n${totals.ok}/${totals.tried} ok, ${totals.silentWrong} silent wrong, ${totals.lost} lost, ${totals.skipped} skipped${out ? ` -> ${path.relative(process.cwd(), out)}` : ''}\n`,
  );
  if (mergeInto && base) {
    const merged = mergeDrills(base, results, {
      startedAt: started.toISOString(),
      seconds,
      options: runOptions,
    });
    writeJsonAtomic(mergeInto, merged);
    const t = merged.totals as ReturnType<typeof drillTotals>;
    process.stdout.write(
      `merged into ${path.relative(process.cwd(), mergeInto)}: ${t.ok}/${t.tried} ok, ${t.silentWrong} silent wrong, ${t.lost} lost, ${t.skipped} skipped, passed ${String(merged.passed)}\n`,
    );
    process.exit(merged.passed ? 0 : 1);
  }
  process.exit(drillsPassed(results) ? 0 : 1);
}

function writeRun(
  out: string,
  started: Date,
  seconds: number,
  options: Record<string, unknown>,
  results: DrillResult[],
  totals: ReturnType<typeof drillTotals>,
): void {
  writeJsonAtomic(out, {
    startedAt: started.toISOString(),
    seconds,
    host: {
      platform: os.platform(),
      cpus: os.cpus().length,
      node: process.version,
      root: process.getuid?.() === 0,
    },
    library: libraryInfo(),
    options,
    passed: drillsPassed(results),
    totals,
    drills: results,
  });
}

if (require.main === module) {
  cli().catch((err: Error) => {
    process.stderr.write(`drills: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
