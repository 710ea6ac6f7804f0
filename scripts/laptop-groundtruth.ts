/**
 * Regenerates kernels-data/laptop-nb201/ (the laptop tier's ground-truth table) with the project's
 * own multi-process ground-truth runner: `supernet-lab groundtruth --scale laptop` per seed and
 * chunk of cells, then one long table (a row per cell and seed).
 *
 * Usage: npx tsx scripts/laptop-groundtruth.ts [--cells 200] [--seeds 1,2] [--third 20]
 *          [--first 40] [--workers N] [--engine native] [--work DIR] [--out DIR] [--data-dir DIR]
 *   --first N trains the first N cells with every seed before the rest, and prints how well the
 *   seeds agree on them (the check that the budget separates cells before paying for all of them).
 *   --third N also trains the first N cells with seed 3.
 *   --work keeps the ground-truth run folders (default .laptop-groundtruth/ in the repository):
 *   re-running resumes them.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { spearman } from '../src/analysis';
import {
  LAPTOP_TABLE_DIR,
  LAPTOP_TABLE_FILE,
  SEED_TABLE_HEADER,
  seedPairs,
  type SeedTableRow,
} from '../src/groundtruth/laptop';
import {
  parseCsv,
  readTableText,
  toCsv,
  writeFileAtomic,
  writeTableAtomic,
} from '../src/runs/folder';
import { groundTruthPreset } from '../src/supernet/nb201/presets';
import { cpuSimd } from '../src/info';
import { spaceBinding } from '../src/supernet/registry';
import { sampleArchs } from '../src/train/pipeline';

const root = path.join(__dirname, '..');
const { values } = parseArgs({
  options: {
    cells: { type: 'string', default: '200' },
    seeds: { type: 'string', default: '1,2' },
    third: { type: 'string', default: '20' },
    first: { type: 'string', default: '40' },
    workers: { type: 'string', default: String(os.availableParallelism()) },
    engine: { type: 'string', default: 'native' },
    work: { type: 'string', default: path.join(root, '.laptop-groundtruth') },
    out: { type: 'string', default: LAPTOP_TABLE_DIR },
    'data-dir': { type: 'string' },
  },
});
const nCells = Number(values.cells);
const seeds = values.seeds!.split(',').map(Number);
const nThird = Number(values.third);
const nFirst = Math.min(Number(values.first), nCells);
const work = path.resolve(values.work!);
const out = path.resolve(values.out!);
/** The cells: distinct NB-201 strings, the CLI's `--sample N --arch-seed 0` list. */
const ARCH_SEED = 0;

const setup = spaceBinding('nb201').setup(
  { channels: 8, cellsPerStage: 1 },
  { inputChannels: 1, classes: 10, imageSize: 28 },
);
const cells = sampleArchs(setup.spec, nCells, ARCH_SEED);

function groundTruth(seed: number, part: string, archs: string[]): string {
  const dir = path.join(work, `seed-${seed}-${part}`);
  fs.mkdirSync(work, { recursive: true });
  const list = path.join(work, `cells-${part}.txt`);
  writeFileAtomic(list, archs.join('\n') + '\n');
  const args = [
    path.join(root, 'bin', 'supernet-lab.js'),
    'groundtruth',
    '--scale',
    'laptop',
    '--dataset',
    'fashion-mnist',
    '--seed',
    String(seed),
    '--archs',
    list,
    '--workers',
    values.workers!,
    '--engine',
    values.engine!,
    '--progress',
    'lines',
    '--out',
    dir,
  ];
  if (values['data-dir']) args.push('--data-dir', values['data-dir']);
  process.stderr.write(`laptop-groundtruth: seed ${seed}, ${archs.length} cells -> ${dir}\n`);
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`groundtruth for seed ${seed} (${part}) exited ${r.status}`);
  return dir;
}

function rowsOf(dir: string, seed: number): SeedTableRow[] {
  const table = (name: string) => parseCsv(readTableText(path.join(dir, name))).rows;
  const loss = new Map(table('standalone-loss.csv').map((r) => [r[0], Number(r[2])]));
  return table('groundtruth.csv').map((r) => ({
    arch: r[0],
    seed,
    val_accuracy: Number(r[1]),
    test_accuracy: Number(r[2]),
    val_loss: loss.get(r[0]) ?? NaN,
    params: Number(r[3]),
    flops: Number(r[4]),
    epochs: Number(r[5]),
    seconds: Number(r[6]),
  }));
}

function agreement(rows: SeedTableRow[], label: string): void {
  const pairs = seedPairs(rows, seeds[0], seeds[1]);
  const rho = spearman(
    pairs.map((p) => p.a.val_accuracy),
    pairs.map((p) => p.b.val_accuracy),
  );
  const gap = pairs.reduce((s, p) => s + Math.abs(p.a.val_accuracy - p.b.val_accuracy), 0);
  process.stderr.write(
    `laptop-groundtruth: ${label}: Spearman between seeds ${seeds[0]} and ${seeds[1]} over ` +
      `${pairs.length} cells = ${rho.toFixed(3)}, mean |difference| ${(gap / pairs.length).toFixed(2)} points\n`,
  );
}

const started = Date.now();
const rows: SeedTableRow[] = [];
for (const seed of seeds)
  rows.push(...rowsOf(groundTruth(seed, 'first', cells.slice(0, nFirst)), seed));
agreement(rows, `first ${nFirst} cells`);
if (nCells > nFirst) {
  for (const seed of seeds)
    rows.push(...rowsOf(groundTruth(seed, 'rest', cells.slice(nFirst)), seed));
}
if (nThird > 0) rows.push(...rowsOf(groundTruth(3, 'third', cells.slice(0, nThird)), 3));
agreement(rows, 'all cells');

const order = new Map(cells.map((c, i) => [c, i]));
rows.sort((x, y) => order.get(x.arch)! - order.get(y.arch)! || x.seed - y.seed);
fs.mkdirSync(out, { recursive: true });
writeTableAtomic(
  path.join(out, LAPTOP_TABLE_FILE),
  toCsv(
    SEED_TABLE_HEADER,
    rows.map((r) => SEED_TABLE_HEADER.map((k) => r[k])),
  ),
);
const hours = (Date.now() - started) / 3.6e6;
writeFileAtomic(
  path.join(out, 'budget.json'),
  JSON.stringify(
    {
      command: `npx tsx scripts/laptop-groundtruth.ts --cells ${nCells} --seeds ${seeds.join(',')} --third ${nThird} --first ${nFirst}`,
      cells: {
        space: 'nb201',
        count: nCells,
        sample: `--sample ${nCells} --arch-seed ${ARCH_SEED}`,
      },
      seeds,
      thirdSeedCells: nThird,
      dataset: 'fashion-mnist',
      preset: groundTruthPreset('laptop'),
      engine: values.engine,
      workers: Number(values.workers),
      wallHours: Number(hours.toFixed(2)),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cpuSimd: cpuSimd(),
      generated: new Date().toISOString().slice(0, 10),
    },
    null,
    2,
  ) + '\n',
);
process.stderr.write(
  `laptop-groundtruth: ${rows.length} rows -> ${out} in ${hours.toFixed(2)} h\n`,
);
