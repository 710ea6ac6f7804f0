import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireRunLock, readRunLock, runLockPath, RunLockedError } from '../../src/runs/lock';

const fixture = path.join(__dirname, 'fixtures', 'hold-lock.ts');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'run-lock-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});
let runs = 0;
const tempRun = () => path.join(root, `run-${runs++}`);

/** Starts a holder process; resolves with it and its first stdout line. */
function holder(
  runDir: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fixture, runDir, 'train --out x', ...extra],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env,
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ child, line: out.split('\n')[0] });
    });
    child.on('exit', (code) => reject(new Error(`holder exited ${code} before a line: ${out}`)));
  });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.on('exit', () => resolve());
  });

async function refusal(runDir: string): Promise<RunLockedError> {
  try {
    await acquireRunLock(runDir, { command: 'evaluate' });
  } catch (err) {
    assert.ok(err instanceof RunLockedError, String(err));
    return err;
  }
  assert.fail('expected RunLockedError');
}

test('a live holder process: a second acquire is refused naming it; after kill -9 it is taken over', async () => {
  const dir = tempRun();
  const { child, line } = await holder(dir);
  assert.equal(line, `locked ${child.pid}`);
  const err = await refusal(dir);
  assert.ok(err.message.includes(dir), err.message);
  assert.ok(err.message.includes(`process ${child.pid} on ${os.hostname()} (train --out x)`));
  assert.match(err.message, /holds its lock since \d{4}-\d\d-\d\dT/);
  assert.match(err.message, /--wait/);
  assert.equal(err.holder?.pid, child.pid);

  child.kill('SIGKILL');
  await exited(child);
  assert.equal(readRunLock(dir)?.pid, child.pid, 'kill -9 leaves the lock file behind');
  const release = await acquireRunLock(dir, { command: 'evaluate' });
  const mine = readRunLock(dir)!;
  assert.equal(mine.pid, process.pid);
  assert.equal(mine.command, 'evaluate');
  release();
  release(); // idempotent
  assert.equal(fs.existsSync(runLockPath(dir)), false);
});

test('wait: true polls until the holder exits (released on exit), then takes the lock', async () => {
  const dir = tempRun();
  const { child } = await holder(dir, ['400']);
  const waits: string[] = [];
  const release = await acquireRunLock(dir, {
    command: 'evaluate',
    wait: true,
    pollMs: 25,
    onWait: (m) => waits.push(m),
  });
  await exited(child);
  assert.equal(child.exitCode, 0);
  assert.equal(waits.length, 1);
  assert.ok(waits[0].includes(`process ${child.pid}`), waits[0]);
  assert.equal(readRunLock(dir)?.pid, process.pid);
  release();
});

test('several processes race for one stale lock: exactly one gets it', async () => {
  const dir = tempRun();
  fs.mkdirSync(dir, { recursive: true });
  const now = new Date().toISOString();
  // a dead holder on this host (pid of an exited child)
  const { child: dead } = await holder(tempRun(), ['0']);
  await exited(dead);
  fs.writeFileSync(
    runLockPath(dir),
    JSON.stringify({
      pid: dead.pid,
      host: os.hostname(),
      command: 'train',
      startedAt: now,
      heartbeatAt: now,
      token: 'dead',
    }),
  );
  const env = { ...process.env, START_AT: String(Date.now() + 2500) }; // all acquire at once
  const lines = (await Promise.all([1, 2, 3, 4].map(() => holder(dir, [], env)))).map(
    (r) => r.line,
  );
  assert.equal(lines.filter((l) => l.startsWith('locked')).length, 1, lines.join('\n'));
  assert.equal(
    lines.filter((l) => l.startsWith('refused RunLockedError')).length,
    3,
    lines.join('\n'),
  );
  const winner = Number(lines.find((l) => l.startsWith('locked'))!.split(' ')[1]);
  assert.equal(readRunLock(dir)?.pid, winner);
});

test('heartbeat: a lock from another host is live while it beats, stale once older than staleMs', async () => {
  const dir = tempRun();
  fs.mkdirSync(dir, { recursive: true });
  const lock = (heartbeatAt: string) =>
    fs.writeFileSync(
      runLockPath(dir),
      JSON.stringify({
        pid: 1,
        host: 'elsewhere',
        command: 'train',
        startedAt: heartbeatAt,
        heartbeatAt,
        token: 't',
      }),
    );
  lock(new Date().toISOString());
  const err = await refusal(dir);
  assert.match(err.message, /process 1 on elsewhere \(train\)/);
  lock(new Date(Date.now() - 61_000).toISOString());
  const release = await acquireRunLock(dir, { command: 'study' });
  assert.equal(readRunLock(dir)?.host, os.hostname());
  release();

  // our own heartbeat keeps the lock fresh
  const release2 = await acquireRunLock(dir, { command: 'study', staleMs: 1000 });
  const first = readRunLock(dir)!.heartbeatAt;
  await new Promise((r) => setTimeout(r, 600));
  const later = readRunLock(dir)!;
  assert.ok(Date.parse(later.heartbeatAt) > Date.parse(first), `${first} -> ${later.heartbeatAt}`);
  await assert.rejects(acquireRunLock(dir, { command: 'x', staleMs: 1000 }), RunLockedError);
  release2();
});

test('the same process cannot take a lock twice; release removes only its own lock', async () => {
  const dir = tempRun();
  const release = await acquireRunLock(dir, { command: 'a' });
  await assert.rejects(acquireRunLock(dir, { command: 'b' }), RunLockedError);
  // someone else's lock in place: release leaves it alone
  const other = fs
    .readFileSync(runLockPath(dir), 'utf8')
    .replace(/"token":"[0-9a-f]+"/, '"token":"other"');
  fs.writeFileSync(runLockPath(dir), other);
  release();
  assert.equal(readRunLock(dir)?.token, 'other');
});

test('an unreadable lock file is refused while fresh and taken over once old', async () => {
  const dir = tempRun();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(runLockPath(dir), '{"pid": 12');
  const err = await refusal(dir);
  assert.match(err.message, /cannot be read/);
  const old = new Date(Date.now() - 120_000);
  fs.utimesSync(runLockPath(dir), old, old);
  const release = await acquireRunLock(dir, { command: 'a' });
  assert.equal(readRunLock(dir)?.pid, process.pid);
  release();
});
