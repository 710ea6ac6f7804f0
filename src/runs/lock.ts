/**
 * Run-folder lock (a lease): `<runDir>/.lock` (or another name, `RunLockOptions.name`) holds
 * {pid, host, command, startedAt, heartbeatAt} of the one process that writes the folder. It is
 * created atomically (the content is written to a temp file first, then hard-linked into place,
 * which fails when a lock exists: O_EXCL semantics, and no reader ever sees a half-written lock).
 * The holder refreshes heartbeatAt on a timer. A lock is stale when its holder's pid is dead on
 * this host, or its heartbeat is older than `staleMs`; a stale lock is taken over under a
 * short-lived guard file (`.lock.takeover`, O_EXCL): the taker renames its own lock over the
 * stale one and reads it back to confirm. The holder's event loop must not block for longer than
 * `staleMs`.
 *
 * `withTableLock` is the same lock held for a short synchronous critical section (no heartbeat):
 * folders that several processes share by design (ground-truth workers with their claim files,
 * scoring shards) rewrite their merged tables under it, so that two rewrites never interleave.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RunLockInfo {
  pid: number;
  host: string;
  /** What holds the folder, e.g. "train --out runs/a". */
  command: string;
  startedAt: string;
  heartbeatAt: string;
  /** Random id of this acquisition (tells a reused pid from the holder). */
  token: string;
}

export interface RunLockOptions {
  command: string;
  /** File name of the lock inside the folder (default `.lock`). */
  name?: string;
  /** Poll until the lock is free instead of throwing RunLockedError. */
  wait?: boolean;
  /** A lock whose heartbeat is older than this is stale (default 60000 ms). */
  staleMs?: number;
  /** Poll interval while waiting (default 1000 ms). */
  pollMs?: number;
  /** Called once with the refusal message when `wait` starts waiting. */
  onWait?: (message: string) => void;
}

/** Releases the lock (idempotent; removes `.lock` only while it is still this holder's). */
export type ReleaseRunLock = () => void;

/** Another live process holds the run folder's lock. */
export class RunLockedError extends Error {
  override name = 'RunLockedError';
  constructor(
    readonly runDir: string,
    /** The holder, or null when its lock file cannot be read. */
    readonly holder: RunLockInfo | null,
    message: string,
  ) {
    super(message);
  }
}

export const DEFAULT_STALE_MS = 60_000;
/** A takeover guard older than this was left by a crashed taker and is removed. */
const GUARD_STALE_MS = 10_000;

export function runLockPath(runDir: string, name = '.lock'): string {
  return path.join(runDir, name);
}

/** Blocks the thread for `ms` milliseconds (synchronous waits: table locks, config creation). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

interface Holder {
  /** Null when the file is not a valid lock. */
  info: RunLockInfo | null;
  raw: string;
  mtimeMs: number;
}

function readHolder(file: string): Holder | null {
  let raw: string;
  let mtimeMs: number;
  try {
    raw = fs.readFileSync(file, 'utf8');
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let info: RunLockInfo | null = null;
  try {
    const v = JSON.parse(raw) as Partial<RunLockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string') {
      info = v as RunLockInfo;
    }
  } catch {
    // not a lock: judged by its age below
  }
  return { info, raw, mtimeMs };
}

/** The current holder of a run folder's lock, or null when it is free or unreadable. */
export function readRunLock(runDir: string, name?: string): RunLockInfo | null {
  return readHolder(runLockPath(runDir, name))?.info ?? null;
}

/** Whether process `pid` of this host is alive (EPERM: alive, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(h: Holder, staleMs: number): boolean {
  if (h.info === null) return Date.now() - h.mtimeMs > staleMs;
  if (h.info.host === os.hostname() && !pidAlive(h.info.pid)) return true;
  const beat = Date.parse(h.info.heartbeatAt);
  return !Number.isFinite(beat) || Date.now() - beat > staleMs;
}

let tempCounter = 0;
function writeTemp(file: string, info: RunLockInfo): string {
  const tmp = `${file}.tmp-${process.pid}-${info.token}-${tempCounter++}`;
  fs.writeFileSync(tmp, JSON.stringify(info) + '\n');
  return tmp;
}

/** Creates the lock if there is none (atomic: link fails with EEXIST). */
function tryCreate(file: string, info: RunLockInfo): boolean {
  const tmp = writeTemp(file, info);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Replaces the stale lock `stale` by our own, under the takeover guard; true when ours. */
function tryTakeOver(file: string, stale: Holder, info: RunLockInfo): boolean {
  const guard = `${file}.takeover`;
  try {
    fs.closeSync(fs.openSync(guard, 'wx'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    try {
      if (Date.now() - fs.statSync(guard).mtimeMs > GUARD_STALE_MS) fs.rmSync(guard);
    } catch {
      // another taker removed it first
    }
    return false;
  }
  try {
    const current = readHolder(file);
    if (current === null || current.raw !== stale.raw) return false; // changed: look again
    fs.renameSync(writeTemp(file, info), file);
    return readHolder(file)?.info?.token === info.token;
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

function lockedMessage(runDir: string, h: Holder, staleMs: number): string {
  const s = Math.round(staleMs / 1000);
  if (h.info === null) {
    return (
      `${runDir} is locked: its .lock file cannot be read (written ${new Date(h.mtimeMs).toISOString()}). ` +
      `It is taken over once older than ${s} s; delete it if no other process writes this folder.`
    );
  }
  const i = h.info;
  return (
    `${runDir} is in use: process ${i.pid} on ${i.host} (${i.command}) holds its lock since ` +
    `${i.startedAt} (last heartbeat ${i.heartbeatAt}). Wait for it to finish, or re-run with ` +
    `--wait to start when it does; a lock whose holder is gone is taken over (after ${s} s ` +
    'without heartbeat when it ran on another host).'
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A new lock's content for this process (heartbeat now). */
function lockInfo(command: string, startedAt: string, token: string): RunLockInfo {
  return {
    pid: process.pid,
    host: os.hostname(),
    command,
    startedAt,
    heartbeatAt: new Date().toISOString(),
    token,
  };
}

/**
 * One attempt at the lock: 'taken'; 'again' (released or taken over by someone else in between:
 * try again after a short pause); or the live holder that keeps it.
 */
function tryAcquire(
  file: string,
  info: () => RunLockInfo,
  staleMs: number,
): 'taken' | 'again' | Holder {
  if (tryCreate(file, info())) return 'taken';
  const holder = readHolder(file);
  if (holder === null) return 'again';
  if (!isStale(holder, staleMs)) return holder;
  return tryTakeOver(file, holder, info()) ? 'taken' : 'again';
}

/** Removes the lock file when it is still the one with `token`. */
function releaseIfOurs(file: string, token: string): void {
  try {
    if (readHolder(file)?.info?.token === token) fs.rmSync(file, { force: true });
  } catch {
    // nothing left to release
  }
}

/**
 * Takes the lock of `runDir` (created if missing). A live holder: throws RunLockedError naming
 * it, or with `wait` polls until the lock is free. A stale lock is taken over. Returns the
 * release function; the lock is also released when the process exits.
 */
export async function acquireRunLock(
  runDir: string,
  options: RunLockOptions,
): Promise<ReleaseRunLock> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const pollMs = options.pollMs ?? 1000;
  fs.mkdirSync(runDir, { recursive: true });
  const file = runLockPath(runDir, options.name);
  const startedAt = new Date().toISOString();
  const token = randomBytes(8).toString('hex');
  const info = () => lockInfo(options.command, startedAt, token);
  let waiting = false;
  for (;;) {
    const got = tryAcquire(file, info, staleMs);
    if (got === 'taken') break;
    if (got === 'again') {
      await sleep(Math.min(pollMs, 50));
      continue;
    }
    const message = lockedMessage(runDir, got, staleMs);
    if (!options.wait) throw new RunLockedError(runDir, got.info, message);
    if (!waiting) options.onWait?.(message);
    waiting = true;
    await sleep(pollMs);
  }

  const timer = setInterval(
    () => {
      try {
        const h = readHolder(file);
        if (h?.info?.token !== token) {
          clearInterval(timer); // taken over: never write someone else's lock
          return;
        }
        fs.renameSync(writeTemp(file, { ...h.info, heartbeatAt: new Date().toISOString() }), file);
      } catch {
        // a transient file-system error: the next beat tries again
      }
    },
    Math.max(10, Math.floor(staleMs / 4)),
  );
  timer.unref();
  let released = false;
  const release: ReleaseRunLock = () => {
    if (released) return;
    released = true;
    clearInterval(timer);
    process.removeListener('exit', release);
    releaseIfOurs(file, token);
  };
  process.on('exit', release);
  return release;
}

/** Name of the table lock inside a folder. */
export const TABLE_LOCK_NAME = '.tables.lock';

/**
 * Runs `fn` while holding the table lock of `dir` (`.tables.lock`), waiting for another holder
 * (critical sections are short: read a few files, write a table). A holder that died is taken
 * over at once on this host; one on another host after `staleMs` without a fresh lock.
 */
export function withTableLock<T>(
  dir: string,
  command: string,
  fn: () => T,
  staleMs = DEFAULT_STALE_MS,
): T {
  fs.mkdirSync(dir, { recursive: true });
  const file = runLockPath(dir, TABLE_LOCK_NAME);
  const startedAt = new Date().toISOString();
  const token = randomBytes(8).toString('hex');
  const info = () => lockInfo(command, startedAt, token);
  for (
    let pause = 1;
    tryAcquire(file, info, staleMs) !== 'taken';
    pause = Math.min(pause * 2, 50)
  ) {
    sleepSync(pause);
  }
  try {
    return fn();
  } finally {
    releaseIfOurs(file, token);
  }
}
