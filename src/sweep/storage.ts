/**
 * The storage root of sweeps: one directory that every worker mounts (an NFS share, a cluster's
 * scratch, a local folder). Its layout is fixed; every path is the root joined with names this
 * module checks (job ids, sweep names), so nothing read from a queue or a grid can point outside:
 *
 *   runs/<job id>/          the run folder a job's command writes (score jobs: their train job's)
 *   jobs/<job id>/          the job's state: .lock (held by the process running it), job.log
 *                           (every attempt's output), done.json (the result), parked.json
 *   sweeps/<name>/plan.json the sweep: its grid and the resolved jobs; tables/ from collect
 *   lists/<sha256>.txt      an architecture list a score job names by its bytes' SHA-256
 *
 * The storage root, not the queue, is the record of what is done: a job whose done.json exists
 * is never run again, whoever delivers it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BadInputError } from '../errors';
import { packageRoot } from '../info';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../runs/folder';
import { sha256Hex } from '../runs/integrity';
import { DEFAULT_STALE_MS, pidAlive, readRunLock, type RunLockInfo } from '../runs/lock';
import { archListPath, JOB_ID, type ResolvedJob } from './spec';

/** Sweep names: letters, digits, dot, dash, underscore; no path separators. */
export const SWEEP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Default storage root: $SUPERNET_LAB_STORAGE, else kernels-data/sweeps in the package. */
export function defaultStorageRoot(): string {
  return process.env.SUPERNET_LAB_STORAGE ?? path.join(packageRoot, 'kernels-data', 'sweeps');
}

function checkedId(id: string): string {
  if (!JOB_ID.test(id)) {
    throw new BadInputError(
      `not a job id: ${JSON.stringify(id)} (expected e.g. train-0123456789abcdef)`,
    );
  }
  return id;
}

export function checkSweepName(name: string): string {
  if (!SWEEP_NAME.test(name)) {
    throw new BadInputError(
      `sweep name ${JSON.stringify(name)} must be letters, digits, '.', '-' or '_' (at most 100)`,
    );
  }
  return name;
}

export const runDir = (root: string, id: string) => path.join(root, 'runs', checkedId(id));
export const jobDir = (root: string, id: string) => path.join(root, 'jobs', checkedId(id));
export const sweepDir = (root: string, name: string) =>
  path.join(root, 'sweeps', checkSweepName(name));
export const planPath = (root: string, name: string) =>
  path.join(sweepDir(root, name), 'plan.json');

/** Writes `archs` (one per line) as lists/<sha256>.txt, once; returns the SHA-256 (archList). */
export function writeArchList(root: string, archs: readonly string[]): string {
  // One architecture per line, as `evaluate --archs` reads it back (no blank or '#' lines).
  const bad = archs.find(
    (a) => a.trim() !== a || a === '' || a.includes('\n') || a.startsWith('#'),
  );
  if (bad !== undefined)
    throw new Error(`cannot write ${JSON.stringify(bad)} as a line of an architecture list`);
  const text = archs.map((a) => `${a}\n`).join('');
  const hash = sha256Hex(text);
  const file = archListPath(root, hash);
  if (!fs.existsSync(file)) writeFileAtomic(file, text);
  return hash;
}

/**
 * Checks that lists/<archList>.txt exists, still has the bytes its name is the SHA-256 of, and
 * holds `count` architectures: a lost or edited list is an error, never a different list scored.
 */
export function checkArchList(root: string, archList: string, count: number): void {
  const file = archListPath(root, archList);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new BadInputError(
      `architecture list ${file} is missing: the storage root lacks the list this score job names (submit the experiment again to write it)`,
    );
  }
  if (sha256Hex(bytes) !== archList) {
    throw new BadInputError(
      `architecture list ${file} was changed after it was submitted (its SHA-256 is not its name): remove it and submit the experiment again`,
    );
  }
  const lines = bytes
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '').length;
  if (lines !== count) {
    throw new BadInputError(`architecture list ${file} has ${lines} lines, the job says ${count}`);
  }
}

export const jobLogPath = (root: string, id: string) => path.join(jobDir(root, id), 'job.log');

/** The result of a finished job (jobs/<id>/done.json). */
export interface DoneRecord {
  id: string;
  stage: string;
  /** The command's result line (JSON it printed on stdout), if any. */
  output: unknown;
  attempt: number;
  worker: string;
  finishedAt: string;
  seconds: number;
}

/** A job given up after its attempts (jobs/<id>/parked.json). */
export interface ParkedRecord {
  id: string;
  error: string;
  logTail: string[];
  attempts: number;
  worker: string;
  parkedAt: string;
}

const donePath = (root: string, id: string) => path.join(jobDir(root, id), 'done.json');
const parkedPath = (root: string, id: string) => path.join(jobDir(root, id), 'parked.json');

function readIfExists<T>(file: string): T | null {
  return fs.existsSync(file) ? readJson<T>(file) : null;
}

export const readDone = (root: string, id: string) => readIfExists<DoneRecord>(donePath(root, id));
export const readParked = (root: string, id: string) =>
  readIfExists<ParkedRecord>(parkedPath(root, id));
export const isDone = (root: string, id: string) => fs.existsSync(donePath(root, id));

export function writeDone(root: string, record: DoneRecord): void {
  fs.rmSync(parkedPath(root, record.id), { force: true });
  writeJsonAtomic(donePath(root, record.id), record);
}

/** Parks a job: its record, by this process (workerName) now. */
export function writeParked(root: string, job: Omit<ParkedRecord, 'worker' | 'parkedAt'>): void {
  const record = { ...job, worker: workerName(), parkedAt: new Date().toISOString() };
  writeJsonAtomic(parkedPath(root, job.id), record);
}

export function clearParked(root: string, id: string): void {
  fs.rmSync(parkedPath(root, id), { force: true });
}

/** The name this process reports as a worker: host and pid. */
export function workerName(): string {
  return `${os.hostname()}:${process.pid}`;
}

/**
 * The live process holding job `id` (its jobs/<id>/.lock), or null: a holder on this host whose
 * pid is gone, or one elsewhere whose heartbeat is older than the lock's stale time, holds
 * nothing (the lock module takes such locks over).
 */
export function jobHolder(root: string, id: string): RunLockInfo | null {
  const h = readRunLock(jobDir(root, id));
  if (!h) return null;
  if (h.host === os.hostname()) return pidAlive(h.pid) ? h : null;
  return Date.now() - Date.parse(h.heartbeatAt) <= DEFAULT_STALE_MS ? h : null;
}

/** A planned sweep (sweeps/<name>/plan.json). */
export interface SweepPlan {
  schema: 1;
  name: string;
  /** The grid as read from its file. */
  grid: unknown;
  jobs: ResolvedJob[];
}

export function writePlan(root: string, plan: SweepPlan): void {
  writeJsonAtomic(planPath(root, plan.name), plan);
}

export function readPlan(root: string, name: string): SweepPlan {
  const file = planPath(root, name);
  if (!fs.existsSync(file)) {
    throw new BadInputError(
      `no sweep ${JSON.stringify(name)} under ${root} (${file} is missing): run 'supernet-lab sweep plan GRID --storage ${root}' first`,
    );
  }
  const plan = readJson<SweepPlan>(file);
  if (plan.schema !== 1 || !Array.isArray(plan.jobs)) {
    throw new BadInputError(`${file} is not a sweep plan (schema 1)`);
  }
  return plan;
}
