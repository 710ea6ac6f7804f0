/**
 * A sweep's result tables, built with arquero from the run folders of its finished jobs and
 * written to sweeps/<name>/tables/ (CSV with checksum sidecars, like every run-folder table):
 *
 *   scores.csv       one row per (score job, checkpoint epoch, architecture): the supernet score
 *   groundtruth.csv  one row per (ground-truth job, architecture): stand-alone accuracy, size; a
 *                    list split into parts (shards) is one job, the whole list's, once every
 *                    part is done: the rows are those the unsplit job gives
 *   metrics.csv      one row per (score job, epoch, ground-truth job of the same space, data,
 *                    scale and architecture seed): Spearman and Kendall tau-b of the supernet
 *                    accuracy against the stand-alone validation accuracy over the architectures
 *                    both hold (NB-201's benchmark table is joined by notebooks and reports)
 *   subspaces.csv    one row per (subspace job, scored cell): the score at the last epoch of a
 *                    supernet trained on a reduced or pruned space, with its reduction, factor,
 *                    repeat and size in cells (Fig. 2 / 5 join NAS-Bench-201's table)
 *
 * Rows are in a fixed order and hold no timings, so a sweep run by any number of workers, in
 * any order, collects to the same bytes as the same sweep run locally.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { kendallTauB, spearman } from '../analysis/correlation';
import { BadInputError } from '../errors';
import { readGroundTruth, readScores, readTableText, writeTableAtomic } from '../runs/folder';
import {
  groundTruthGroup,
  type GroundTruthJobSpec,
  type ResolvedJob,
  type TrainJobSpec,
} from './spec';
import { isDone, runDir, sweepDir } from './storage';

export interface SweepTables {
  scores: ColumnTable;
  groundtruth: ColumnTable;
  metrics: ColumnTable;
  subspaces: ColumnTable;
}

type Row = Record<string, string | number>;

const byArch = <T extends { arch: string }>(rows: T[]) =>
  [...rows].sort((a, b) => a.arch.localeCompare(b.arch));

function scoreFiles(dir: string): { epoch: number; file: string }[] {
  const scores = path.join(dir, 'scores');
  if (!fs.existsSync(scores)) return [];
  return fs
    .readdirSync(scores)
    .map((f) => /^epoch-(\d+)\.csv$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ epoch: Number(m[1]), file: path.join(scores, m[0]) }))
    .sort((a, b) => a.epoch - b.epoch);
}

/** Builds the tables from the done jobs of `jobs` (jobs not done are left out). */
export function collectTables(storage: string, jobs: readonly ResolvedJob[]): SweepTables {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const scores: Row[] = [];
  const truth: Row[] = [];
  const truthByKey = new Map<string, { job: string; rows: Map<string, number> }[]>();
  // Ground truth pairs with scores of the same space, data, scale and architecture seed (the
  // shorter sample is the longer one's start; the pairs are the architectures both hold).
  const sampleKey = (s: { space: string; dataset: string; scale: string }, seed: number | string) =>
    `${s.space}|${s.dataset}|${s.scale}|${seed}`;
  for (const [group, parts] of doneGroundTruth(storage, jobs)) {
    const s = parts[0].spec as GroundTruthJobSpec;
    const rows = parts.flatMap((p) =>
      readGroundTruth(path.join(runDir(storage, p.id), 'groundtruth.csv')),
    );
    const accuracy = new Map<string, number>();
    for (const r of byArch(rows)) {
      accuracy.set(r.arch, r.val_accuracy);
      truth.push({
        job: group,
        space: s.space,
        dataset: s.dataset,
        scale: s.scale,
        seed: s.seed,
        arch: r.arch,
        val_accuracy: r.val_accuracy,
        test_accuracy: r.test_accuracy,
        params: r.params,
        flops: r.flops,
        epochs: r.epochs,
      });
    }
    // A reduced space's scored cells (no archSeed) pair with subspaces.csv by arch instead.
    if (s.archSeed === undefined) continue;
    const key = sampleKey(s, s.archSeed);
    truthByKey.set(key, [...(truthByKey.get(key) ?? []), { job: group, rows: accuracy }]);
  }
  const metrics: Row[] = [];
  for (const job of jobs) {
    if (job.spec.stage !== 'score' || !isDone(storage, job.id)) continue;
    const sc = job.spec;
    const train = byId.get(sc.train)?.spec as TrainJobSpec | undefined;
    if (!train) continue;
    const describe = {
      job: job.id,
      train_job: sc.train,
      space: train.space,
      dataset: train.dataset,
      scale: train.scale,
      seed: train.seed,
      sampler: train.sampler ?? 'uniform',
      budget: train.epochs ?? 0,
    };
    for (const { epoch, file } of scoreFiles(runDir(storage, sc.train))) {
      const rows = byArch(readScores(file));
      for (const r of rows)
        scores.push({ ...describe, epoch, arch: r.arch, accuracy: r.accuracy, loss: r.loss });
      // A score job of a list file (no archSeed) has no ground-truth job of the same list.
      const truths = sc.archSeed === undefined ? [] : truthByKey.get(sampleKey(train, sc.archSeed));
      for (const gt of truths ?? []) {
        const paired = rows.filter((r) => gt.rows.has(r.arch));
        if (paired.length < 2) continue;
        const x = paired.map((r) => r.accuracy);
        const y = paired.map((r) => gt.rows.get(r.arch)!);
        metrics.push({
          ...describe,
          epoch,
          groundtruth_job: gt.job,
          archs: paired.length,
          spearman: spearman(x, y),
          kendall_tau_b: kendallTauB(x, y),
        });
      }
    }
  }
  const subspaces: Row[] = [];
  for (const job of jobs) {
    if (job.spec.stage !== 'subspace' || !isDone(storage, job.id)) continue;
    const s = job.spec;
    const dir = runDir(storage, job.id);
    const cells = readTableText(path.join(dir, 'space.txt'))
      .split('\n')
      .filter((l) => l.trim() !== '').length;
    const last = scoreFiles(dir).find((f) => f.epoch === s.epochs);
    if (!last) throw new BadInputError(`${dir} is done but has no scores of epoch ${s.epochs}`);
    for (const r of byArch(readScores(last.file))) {
      subspaces.push({
        job: job.id,
        space: s.space,
        dataset: s.dataset!,
        scale: s.scale,
        seed: s.seed,
        reduction: s.reduction,
        factor: s.factor,
        repeat: s.repeat,
        cells,
        epoch: last.epoch,
        arch: r.arch,
        accuracy: r.accuracy,
        loss: r.loss,
      });
    }
  }
  /** The rows sorted by the space-separated `columns`, as a table. */
  const sorted = (rows: Row[], columns: string) => {
    const keys = columns.split(' ');
    return aq.from(
      [...rows].sort((a, b) => {
        for (const k of keys) {
          const c =
            typeof a[k] === 'number'
              ? (a[k] as number) - (b[k] as number)
              : String(a[k]).localeCompare(String(b[k]));
          if (c !== 0) return c;
        }
        return 0;
      }),
    );
  };
  return {
    scores: sorted(scores, 'space dataset seed job epoch arch'),
    groundtruth: sorted(truth, 'space dataset seed job arch'),
    metrics: sorted(metrics, 'space dataset seed job epoch groundtruth_job'),
    subspaces: sorted(subspaces, 'space dataset reduction factor repeat seed job arch'),
  };
}

/**
 * The done ground-truth lists of `jobs`, by the id of the whole-list job (groundTruthGroup):
 * the unsplit job when it is done, else a complete set of parts (every shard of one split).
 */
function doneGroundTruth(
  storage: string,
  jobs: readonly ResolvedJob[],
): Map<string, ResolvedJob[]> {
  const groups = new Map<string, ResolvedJob[]>();
  for (const job of jobs) {
    if (job.spec.stage !== 'groundtruth') continue;
    const g = groundTruthGroup(job);
    groups.set(g, [...(groups.get(g) ?? []), job]);
  }
  const out = new Map<string, ResolvedJob[]>();
  for (const [group, members] of groups) {
    const whole = members.find((j) => j.id === group);
    if (whole && isDone(storage, whole.id)) {
      out.set(group, [whole]);
      continue;
    }
    const splits = new Map<number, ResolvedJob[]>();
    for (const j of members) {
      const k = (j.spec as GroundTruthJobSpec).shards;
      if (k !== undefined && isDone(storage, j.id)) splits.set(k, [...(splits.get(k) ?? []), j]);
    }
    for (const [k, parts] of [...splits].sort((a, b) => a[0] - b[0])) {
      const shards = new Set(parts.map((p) => (p.spec as GroundTruthJobSpec).shard));
      if (shards.size === k) {
        out.set(group, parts);
        break;
      }
    }
  }
  return out;
}

/** Writes the tables to sweeps/<name>/tables/; returns the files. */
export function writeTables(storage: string, name: string, tables: SweepTables): string[] {
  const dir = path.join(sweepDir(storage, name), 'tables');
  return (Object.keys(tables) as (keyof SweepTables)[]).map((k) => {
    const file = path.join(dir, `${k}.csv`);
    const t = tables[k];
    writeTableAtomic(file, t.numRows() === 0 ? '' : t.toCSV() + '\n');
    return file;
  });
}
