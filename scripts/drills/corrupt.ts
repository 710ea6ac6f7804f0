/**
 * Corrupted and truncated inputs, each on a copy in a temp folder: dataset idx files and the
 * CIFAR archive, checkpoints, config.json, run tables and result files, the NAS-Bench-201
 * table, notebook parameters. A case is caught when it ends in an error that names the input
 * (CLI: a non-zero exit with a short message, no stack) and no number was written or printed
 * from it; it is a silent wrong result when the command succeeded as if nothing were wrong.
 * A damaged newest checkpoint is the one case that must not fail: training resumes from the
 * newest checkpoint that verifies, says so, and ends bit-identical to an uninterrupted run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/engine/random';
import { spaceFromEnv } from '../../src/experiments/space-correlation';
import { scaleFromEnv } from '../../src/experiments/scales';
import { defaultDataset } from '../../src/experiments/context';
import { loadNb201GroundTruth, NB201_DATA_DIR } from '../../src/groundtruth/nb201';
import { latestCheckpoint } from '../../src/runs/folder';
import {
  FASHION_DIR,
  ROOT,
  clearError,
  copyDir,
  excerpt,
  flipBytes,
  newResult,
  removeTemps,
  runCli,
  tail,
  tempDir,
  tempMark,
  truncateFile,
  type CliResult,
  type DrillResult,
} from './common';
import type { DrillFixtures } from './fixtures';
import { tinyFlags, trainArtefacts } from './kill';

type Outcome = 'caught' | 'wrong' | 'failed';

interface CorruptCase {
  group: 'dataset' | 'checkpoint' | 'table' | 'nb201' | 'notebook';
  name: string;
  /** Damages a copy and runs the reader; says how it ended (and why, for notes). */
  run(rng: () => number): Promise<{ outcome: Outcome; note?: string }>;
}

/** A CLI case: caught when it fails clearly naming `names`, and nothing was written. */
function judgeCli(
  r: CliResult,
  names: string,
  wrote: () => boolean,
): { outcome: Outcome; note?: string } {
  if (r.code === 0) return { outcome: 'wrong', note: `exit 0: ${tail(r.stdout)}` };
  if (!clearError(r) || !r.stderr.includes(names)) {
    return {
      outcome: 'failed',
      note: `exit ${r.code} without a clear message naming ${names}: ${excerpt(r.stderr)}`,
    };
  }
  if (wrote()) return { outcome: 'wrong', note: 'failed, but wrote an output table first' };
  return { outcome: 'caught' };
}

/** A library case: caught when `read` throws a message naming `names`. */
function judgeThrow(read: () => unknown, names: string): { outcome: Outcome; note?: string } {
  try {
    read();
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (message.includes(names)) return { outcome: 'caught' };
    return { outcome: 'failed', note: `error does not name ${names}: ${message.slice(0, 200)}` };
  }
  return { outcome: 'wrong', note: 'read without an error' };
}

function fashionCopy(damage: (dir: string) => void): string {
  const dir = tempDir('fashion');
  for (const f of fs.readdirSync(FASHION_DIR))
    fs.copyFileSync(path.join(FASHION_DIR, f), path.join(dir, f));
  damage(dir);
  return dir;
}

const CIFAR_ARCHIVE = path.join(
  ROOT,
  '..',
  'shared',
  'data',
  'cifar-10-subset',
  'cifar-10-binary-subset.tar.gz',
);

function withEnv<T>(name: string, value: string, body: () => T): T {
  const old = process.env[name];
  process.env[name] = value;
  try {
    return body();
  } finally {
    if (old === undefined) delete process.env[name];
    else process.env[name] = old;
  }
}

function checkpointDir(run: string, epoch: number): string {
  return path.join(run, 'checkpoints', `epoch-${String(epoch).padStart(4, '0')}`);
}

export function corruptCases(fx: DrillFixtures): CorruptCase[] {
  const trainData = (dataDir: string, out: string, extra: string[] = []) =>
    runCli(['train', ...tinyFlags(dataDir), '--epochs', '1', ...extra, '--out', out]);
  const noCheckpoint = (out: string) => () => fs.existsSync(path.join(out, 'checkpoints'));
  const dataset = (
    name: string,
    file: string,
    damage: (f: string, rng: () => number) => void,
  ): CorruptCase => ({
    group: 'dataset',
    name,
    run: async (rng) => {
      const dir = fashionCopy((d) => damage(path.join(d, file), rng));
      const out = path.join(tempDir('corrupt-out'), 'run');
      return judgeCli(await trainData(dir, out), file, noCheckpoint(out));
    },
  });
  const cifar = (name: string, damage: (f: string, rng: () => number) => void): CorruptCase => ({
    group: 'dataset',
    name,
    run: async (rng) => {
      const copy = path.join(tempDir('cifar'), path.basename(CIFAR_ARCHIVE));
      fs.copyFileSync(CIFAR_ARCHIVE, copy);
      damage(copy, rng);
      const out = path.join(tempDir('corrupt-out'), 'run');
      const args = [
        'train',
        '--scale',
        'smoke',
        '--progress',
        'none',
        '--dataset',
        'cifar10-subset',
      ];
      args.push(
        '--data-dir',
        copy,
        '--epochs',
        '1',
        '--train-images',
        '32',
        '--valid-images',
        '32',
      );
      return judgeCli(
        await runCli([...args, '--out', out]),
        path.basename(copy),
        noCheckpoint(out),
      );
    },
  });
  /** evaluate on a copy of the trained run damaged by `damage`; caught names `names`. */
  const evaluateCopy = (
    group: CorruptCase['group'],
    name: string,
    names: string,
    damage: (run: string, rng: () => number) => void,
  ): CorruptCase => ({
    group,
    name,
    run: async (rng) => {
      const run = path.join(tempDir('corrupt-run'), 'run');
      copyDir((await fx.trainedRun()).dir, run);
      fs.rmSync(path.join(run, 'scores'), { recursive: true, force: true });
      damage(run, rng);
      const r = await runCli([
        'evaluate',
        '--run',
        run,
        '--sample',
        '3',
        '--progress',
        'none',
        '--data-dir',
        FASHION_DIR,
      ]);
      return judgeCli(r, names, () => fs.existsSync(path.join(run, 'scores', 'epoch-0003.csv')));
    },
  });
  /** A table of a finished run damaged, then read by `reader(file)`. */
  const table = (
    name: string,
    source: () => Promise<string>,
    rel: string,
    damage: (f: string, rng: () => number) => void,
    reader: (file: string, dir: string) => string[],
  ): CorruptCase => ({
    group: 'table',
    name,
    run: async (rng) => {
      const dir = path.join(tempDir('corrupt-table'), 'run');
      copyDir(await source(), dir);
      const file = path.join(dir, rel);
      damage(file, rng);
      const r = await runCli(reader(file, dir));
      return judgeCli(r, path.basename(file), () => false);
    },
  });
  const nb201 = (name: string, damage: (f: string, rng: () => number) => void): CorruptCase => ({
    group: 'nb201',
    name,
    run: async (rng) => {
      const dir = tempDir('nb201');
      copyDir(NB201_DATA_DIR, dir);
      damage(path.join(dir, 'ground-truth.csv.gz'), rng);
      return judgeThrow(() => loadNb201GroundTruth({ dir }), 'ground-truth.csv.gz');
    },
  });
  const notebook = (
    name: string,
    variable: string,
    value: string,
    read: () => unknown,
  ): CorruptCase => ({
    group: 'notebook',
    name,
    run: async () => withEnv(variable, value, () => judgeThrow(read, variable)),
  });
  const flip = (f: string, rng: () => number) => flipBytes(f, rng, 4, 64);
  const half = (f: string) => truncateFile(f, 0.5);
  const correlate = (file: string) => [
    'correlate',
    '--table',
    file,
    '--x',
    'params',
    '--y',
    'val_accuracy',
  ];
  return [
    dataset('fashion-mnist images gz truncated', 'train-images-idx3-ubyte.gz', half),
    dataset('fashion-mnist images gz bytes flipped', 'train-images-idx3-ubyte.gz', flip),
    dataset('fashion-mnist labels not gzip', 'train-labels-idx1-ubyte.gz', (f) =>
      fs.writeFileSync(f, 'not an idx file\n'),
    ),
    dataset(
      'fashion-mnist labels idx truncated (uncompressed)',
      'train-labels-idx1-ubyte.gz',
      (f) => {
        const raw = require('node:zlib').gunzipSync(fs.readFileSync(f)) as Buffer;
        fs.writeFileSync(f, raw.subarray(0, 1000));
      },
    ),
    cifar('cifar-10 archive truncated', half),
    cifar('cifar-10 archive bytes flipped', flip),
    evaluateCopy('checkpoint', 'tensors.bin bytes flipped (same size)', 'tensors.bin', (run, rng) =>
      flipBytes(path.join(checkpointDir(run, 3), 'tensors.bin'), rng, 8),
    ),
    evaluateCopy('checkpoint', 'tensors.bin truncated', 'tensors.bin', (run) =>
      truncateFile(path.join(checkpointDir(run, 3), 'tensors.bin'), 0.7),
    ),
    evaluateCopy('checkpoint', 'manifest.json bytes flipped', 'manifest.json', (run, rng) =>
      flipBytes(path.join(checkpointDir(run, 3), 'manifest.json'), rng, 2),
    ),
    evaluateCopy('checkpoint', 'config.json truncated', 'config.json', (run) =>
      truncateFile(path.join(run, 'config.json'), 0.5),
    ),
    {
      group: 'checkpoint',
      name: 'newest checkpoint damaged: resume falls back and ends bit-identical',
      run: async (rng) => {
        const { dir: ref, args } = await fx.trainedRun();
        const run = path.join(tempDir('corrupt-resume'), 'run');
        copyDir(ref, run);
        const newest = latestCheckpoint(run)!;
        flipBytes(path.join(checkpointDir(run, newest), 'tensors.bin'), rng, 8);
        const r = await runCli(args(run));
        if (r.code !== 0)
          return { outcome: 'failed', note: `resume exit ${r.code}: ${tail(r.stderr)}` };
        if (!/skipping checkpoint .*tensors\.bin/.test(r.stderr)) {
          return { outcome: 'failed', note: 'resumed without saying which checkpoint it skipped' };
        }
        return trainArtefacts(run) === trainArtefacts(ref)
          ? { outcome: 'caught' }
          : { outcome: 'wrong', note: 'resumed run differs from the uninterrupted one' };
      },
    },
    table(
      'groundtruth.csv bytes flipped',
      async () => (await fx.groundTruthRun()).dir,
      'groundtruth.csv',
      (f, rng) => flipBytes(f, rng, 2, 40),
      correlate,
    ),
    table(
      'groundtruth.csv truncated',
      async () => (await fx.groundTruthRun()).dir,
      'groundtruth.csv',
      half,
      correlate,
    ),
    table(
      'scores csv bytes flipped',
      async () => (await fx.trainedRun()).dir,
      'scores/epoch-0003.csv',
      (f, rng) => flipBytes(f, rng, 2, 20),
      (f) => ['correlate', '--table', f, '--x', 'accuracy', '--y', 'loss'],
    ),
    table(
      'scores csv truncated',
      async () => (await fx.trainedRun()).dir,
      'scores/epoch-0003.csv',
      half,
      (f) => ['correlate', '--table', f, '--x', 'accuracy', '--y', 'loss'],
    ),
    {
      group: 'table',
      name: 'ground-truth result file bytes flipped, then the run resumed',
      run: async (rng) => {
        const { dir: ref, args } = await fx.groundTruthRun();
        const dir = path.join(tempDir('corrupt-results'), 'run');
        copyDir(ref, dir);
        const results = path.join(dir, 'results');
        const file = path.join(
          results,
          fs.readdirSync(results).filter((f) => f.endsWith('.json'))[0],
        );
        flipBytes(file, rng, 2, 10);
        const before = fs.readFileSync(path.join(dir, 'groundtruth.csv'));
        const r = await runCli(args(dir));
        return judgeCli(
          r,
          path.basename(file),
          () => !fs.readFileSync(path.join(dir, 'groundtruth.csv')).equals(before),
        );
      },
    },
    nb201('NAS-Bench-201 table truncated', half),
    nb201('NAS-Bench-201 table bytes flipped', flip),
    notebook('SPACE parameter unknown', 'SUPERNET_LAB_SPACE', 'nb999', () => spaceFromEnv()),
    notebook('SCALE parameter unknown', 'SUPERNET_LAB_SCALE', 'huge', () => scaleFromEnv()),
    notebook('DATASET parameter unknown', 'SUPERNET_LAB_DATASET', 'mnist-ish', () =>
      defaultDataset(),
    ),
  ];
}

/** Runs the cases (those of `only` groups when given); one result per group. */
export async function corruptDrills(
  fx: DrillFixtures,
  rng: Rng,
  filter: (c: { group: string; name: string }) => boolean = () => true,
): Promise<DrillResult[]> {
  const byGroup = new Map<string, DrillResult>();
  for (const c of corruptCases(fx).filter(filter)) {
    const result = byGroup.get(c.group) ?? newResult('corrupt', c.group);
    byGroup.set(c.group, result);
    const t0 = Date.now();
    const mark = tempMark();
    result.tried++;
    let outcome: { outcome: Outcome; note?: string };
    try {
      outcome = await c.run(() => rng.next());
    } catch (err) {
      outcome = { outcome: 'failed', note: `drill error: ${(err as Error).message}` };
    }
    removeTemps(mark);
    if (outcome.outcome === 'caught') result.ok++;
    if (outcome.outcome === 'wrong') result.silentWrong++;
    if (outcome.outcome !== 'caught')
      result.notes.push(`${c.name}: ${outcome.note ?? outcome.outcome}`);
    result.seconds = Math.round(result.seconds * 10 + (Date.now() - t0) / 100) / 10;
  }
  return [...byGroup.values()];
}
