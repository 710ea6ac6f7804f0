/**
 * Two writers on one folder, through real processes: ground-truth workers that share a folder
 * rewrite its tables one at a time (no table paired with another writer's checksum, no row
 * lost), and every command that owns a folder (train, evaluate, search, study) refuses a live
 * holder naming it, or waits for it with --wait.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CorruptFileError } from '../../src/errors';
import { groundTruthPath, readGroundTruth, readScores } from '../../src/runs/folder';
import { readRunLock } from '../../src/runs/lock';
import { sharedRun, valueOf } from './fixtures/gt-table-writer';

const root = path.join(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'writers-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

function start(script: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<number>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code ?? 128));
  });

const firstLine = (child: ChildProcess) =>
  new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before a line: ${out}`)));
  });

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
  });
}

/** Holds `<dir>/<name>` from another process until killed (or for `ms`). */
async function holdLock(dir: string, name = '.lock', ms?: number) {
  const child = start(path.join(root, 'test/runs/fixtures/hold-lock.ts'), [
    dir,
    'drill holder',
    String(ms ?? ''),
    name,
  ]);
  assert.equal(await firstLine(child), `locked ${child.pid}`);
  return child;
}

test('ground-truth workers sharing a folder: tables rewritten one at a time, never mismatched, no row lost', async () => {
  const runDir = path.join(tmp, 'gt');
  const archs = 40;
  const env = { START_AT: String(Date.now() + 4000) };
  const script = path.join(root, 'test/runs/fixtures/gt-table-writer.ts');
  const writers = [0, 1].map((i) => start(script, [runDir, '2', String(i), String(archs)], env));
  const codes = Promise.all(writers.map(exited));
  let running = true;
  void codes.then(() => (running = false));
  let reads = 0;
  const corrupt: string[] = [];
  while (running) {
    try {
      readGroundTruth(groundTruthPath(runDir));
      reads++;
    } catch (err) {
      if (!(err instanceof CorruptFileError)) throw err;
      corrupt.push(err.message);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.deepEqual(await codes, [0, 0]);
  assert.deepEqual(corrupt, [], `a reader saw ${corrupt.length} mismatched tables`);
  assert.ok(reads > 0);
  const run = sharedRun(runDir, archs);
  const rows = readGroundTruth(groundTruthPath(runDir));
  assert.deepEqual(
    rows.map((r) => [r.arch, r.val_accuracy, r.params]),
    run.archs.map((a, i) => [a, valueOf(i), i]),
    'the last rewrite holds every result, in list order',
  );
  assert.ok(rows.every((r) => Number.isNaN(r.test_accuracy)));
  assert.equal(fs.existsSync(path.join(runDir, '.tables.lock')), false);
});

/** One line on stderr naming the holder and --wait; exit 1. */
function assertRefused(r: ReturnType<typeof cli>, holder: ChildProcess, what: string) {
  assert.equal(r.status, 1, `${what}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  const line = lines[lines.length - 1];
  assert.match(line, new RegExp(`process ${holder.pid} on ${os.hostname()} \\(drill holder\\)`));
  assert.match(line, /--wait/);
  assert.doesNotMatch(r.stderr, /^ {4}at /m);
}

const TINY = [
  '--scale',
  'smoke',
  '--progress',
  'none',
  '--epochs',
  '1',
  '--train-images',
  '32',
  '--valid-images',
  '32',
  '--calib-batches',
  '1',
];

test('train, evaluate, search and study refuse a folder another process holds; --wait waits for it', async () => {
  const run = path.join(tmp, 'sn');
  let holder = await holdLock(run);
  assertRefused(cli('train', ...TINY, '--out', run), holder, 'train');
  assert.equal(
    fs.existsSync(path.join(run, 'config.json')),
    false,
    'the refused train wrote nothing',
  );
  holder.kill('SIGKILL');
  await exited(holder);
  // two kept checkpoints (epochs 1 and 2): each epoch's shards have their own locks
  const trained = cli('train', ...TINY, '--epochs', '2', '--checkpoint-epochs', '1', '--out', run);
  assert.equal(trained.status, 0, trained.stderr);

  const scores = path.join(run, 'scores');
  const epoch1 = '.lock-epoch-0001-shard-0-of-1';
  holder = await holdLock(scores, epoch1);
  const evalArgs = ['evaluate', '--run', run, '--sample', '2', '--progress', 'none'];
  assertRefused(cli(...evalArgs, '--epoch', '1'), holder, 'evaluate');
  assert.equal(fs.existsSync(path.join(scores, 'epoch-0001.csv')), false);
  // another epoch of the same run is another lock: it scores while epoch 1 is held
  assert.equal(cli(...evalArgs, '--epoch', '2').status, 0);
  assert.equal(readScores(path.join(scores, 'epoch-0002.csv')).length, 2);
  // so is a different shard: shards of one list run side by side
  assert.equal(cli(...evalArgs, '--epoch', '1', '--shard', '1/2').status, 0);
  // --epoch all scores the epochs in turn and stops, refused, at the held one
  assertRefused(cli(...evalArgs, '--epoch', 'all'), holder, 'evaluate --epoch all');
  assert.equal(fs.existsSync(path.join(scores, 'epoch-0001.csv')), false);
  holder.kill('SIGKILL');
  await exited(holder);
  holder = await holdLock(scores, epoch1);
  const waiting = start('src/cli/run.ts', [...evalArgs, '--epoch', '1', '--wait']);
  let stderr = '';
  waiting.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (/waiting for it \(--wait\)/.test(stderr)) holder.kill('SIGKILL'); // the holder dies
  });
  assert.equal(await exited(waiting), 0, stderr);
  assert.match(stderr, new RegExp(`process ${holder.pid} .*--wait`));
  assert.equal(readScores(path.join(scores, 'epoch-0001.csv')).length, 2);
  assert.equal(readRunLock(scores, epoch1), null, 'released');
  assert.equal(readRunLock(scores, '.lock-epoch-0002-shard-0-of-1'), null, 'released');

  const search = path.join(tmp, 'search');
  holder = await holdLock(search);
  assertRefused(
    cli('search', '--method', 'darts-1', '--scale', 'smoke', '--progress', 'none', '--out', search),
    holder,
    'search',
  );
  assert.equal(fs.existsSync(path.join(search, 'config.json')), false);

  const study = path.join(tmp, 'study');
  holder = await holdLock(study);
  assertRefused(
    cli('study', '--scale', 'smoke', '--progress', 'none', '--out', study),
    holder,
    'study',
  );
  assert.deepEqual(fs.readdirSync(study), ['.lock']);
});
