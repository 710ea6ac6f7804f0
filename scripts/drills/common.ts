/**
 * What every drill shares: the result record, running the real CLI in a child process (its own
 * process group, so that kill -9 takes its workers too), temp folders, and the checks of "a
 * clear error" (one short block on stderr, no JavaScript stack).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

/** One drill's counts, as the JSON and the printed table hold them. */
export interface DrillResult {
  /** Group (kill, corrupt, fuzz, concurrent, disk-full, memory, worker). */
  group: string;
  name: string;
  /** Cases tried. */
  tried: number;
  /** Cases that ended as they must (survived, caught, refused or serialised, flat). */
  ok: number;
  /** A number came out that differs from the truth, without an error: must be 0. */
  silentWrong: number;
  /** A run that could not be completed afterwards: must be 0. */
  lost: number;
  /** Why the drill did not run here (then the counts are 0). */
  skipped?: string;
  seconds: number;
  /** One line per case that did not end as it must, and measurements. */
  notes: string[];
  /** Measurements of the drill (memory: tensor counts and RSS). */
  data?: Record<string, unknown>;
}

export function newResult(group: string, name: string): DrillResult {
  return { group, name, tried: 0, ok: 0, silentWrong: 0, lost: 0, seconds: 0, notes: [] };
}

export function skipped(group: string, name: string, reason: string): DrillResult {
  return { ...newResult(group, name), skipped: reason };
}

/** Times `body` into `result.seconds`. */
export async function timed(result: DrillResult, body: () => Promise<void>): Promise<DrillResult> {
  const t0 = Date.now();
  try {
    await body();
  } finally {
    result.seconds = Math.round((Date.now() - t0) / 100) / 10;
  }
  return result;
}

export interface CliResult {
  code: number | null;
  /** 'SIGKILL' when the drill killed it. */
  signal: string | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/**
 * Runs `supernet-lab <args>` (src/cli/run.ts through tsx) in a new process group; with
 * `killAfterMs`, kill -9 of the whole group at that moment (the command and any worker it
 * started), as a crash of the machine would; with `killWhen`, the same once it settles.
 */
export function runCli(
  args: readonly string[],
  options: {
    killAfterMs?: number;
    killWhen?: Promise<unknown>;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
  } = {},
): Promise<CliResult> {
  const t0 = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'run.ts'), ...args],
    {
      cwd: options.cwd ?? ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SUPERNET_LAB_DEBUG: '', ...options.env },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let timer: NodeJS.Timeout | undefined;
  if (options.killAfterMs !== undefined) {
    timer = setTimeout(() => killGroup(child.pid!), options.killAfterMs);
  }
  let exited = false;
  const kill = () => !exited && killGroup(child.pid!);
  options.killWhen?.then(kill, kill);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      exited = true;
      if (timer) clearTimeout(timer);
      // Workers of a killed group may outlive the leader for a moment: make sure they are gone.
      if (signal === 'SIGKILL') killGroup(child.pid!);
      resolve({ code, signal, stdout, stderr, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

const temps: string[] = [];

/** A fresh temp folder under the OS temp dir (removed by `removeTemps`). */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `drill-${prefix}-`));
  temps.push(dir);
  return dir;
}

/** How many temp folders exist so far (a mark for `removeTemps`). */
export function tempMark(): number {
  return temps.length;
}

/** Removes the temp folders made since `mark` (default: all). */
export function removeTemps(mark = 0): void {
  for (const dir of temps.splice(mark)) fs.rmSync(dir, { recursive: true, force: true });
}

const STACK_LINE = /^\s+at .*(:\d+:\d+\)?|\(native\))$/m;

/**
 * Whether a failed command said what went wrong clearly: a non-zero exit, stderr a short block
 * (at most `maxLines` lines) starting with `supernet-lab`, and no JavaScript stack.
 */
export function clearError(r: CliResult, maxLines = 3): boolean {
  const lines = r.stderr.trim().split('\n');
  const last = lines.slice(-maxLines);
  return (
    r.code !== 0 &&
    r.code !== null &&
    !STACK_LINE.test(r.stderr) &&
    last.some((l) => l.startsWith('supernet-lab'))
  );
}

/** The first and last lines of a long text (where a crash says what it was), for notes. */
export function excerpt(text: string): string {
  const lines = text.trim().split('\n');
  const kept = lines.length <= 5 ? lines : [...lines.slice(0, 3), '...', ...lines.slice(-2)];
  return kept.join(' | ').slice(0, 600);
}

/** The last lines of stderr, for notes. */
export function tail(text: string, lines = 2): string {
  return text.trim().split('\n').slice(-lines).join(' | ').slice(0, 400);
}

/** Copies a folder (recursively). */
export function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

/** Flips `count` bytes of `file` in place at offsets drawn from [lo, size) (same size). */
export function flipBytes(file: string, rng: () => number, count = 4, lo = 0): void {
  const buf = fs.readFileSync(file);
  const start = Math.min(lo, buf.length - 1);
  for (let i = 0; i < count; i++) {
    const at = start + Math.floor(rng() * (buf.length - start));
    buf[at] ^= 0x5a;
  }
  fs.writeFileSync(file, buf);
}

/** Cuts `file` to `fraction` of its size. */
export function truncateFile(file: string, fraction: number): void {
  const size = fs.statSync(file).size;
  fs.truncateSync(file, Math.floor(size * fraction));
}
