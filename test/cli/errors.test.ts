import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commandHelp, UsageError, type Command } from '../../src/cli/command';
import { debugRequested, exitCodeFor, formatCliError, main } from '../../src/cli/main';
import { DivergenceError } from '../../src/core/divergence';
import { BadInputError, CorruptFileError } from '../../src/errors';
import { RunLockedError } from '../../src/runs/lock';

const root = path.join(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-errors-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const base = { ...process.env };
  delete base.SUPERNET_LAB_DEBUG;
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), ...args],
    { cwd: root, encoding: 'utf8', env: { ...base, ...env } },
  );
}

const STACK = /^ {4}at /m;

test('exit codes: bad input 2, divergence 3, runtime failure (and a locked run folder) 1', () => {
  assert.equal(exitCodeFor(new UsageError('--x must be a number')), 2);
  assert.equal(exitCodeFor(new BadInputError('bad table')), 2);
  assert.equal(exitCodeFor(new CorruptFileError('/f', '/f is corrupt')), 2);
  assert.equal(exitCodeFor(new DivergenceError('loss is NaN at step 3')), 3);
  const named = new Error('diverged');
  named.name = 'DivergenceError';
  assert.equal(exitCodeFor(named), 3, 'matched by name, whatever module threw it');
  assert.equal(exitCodeFor(new RunLockedError('/r', null, '/r is in use')), 1);
  assert.equal(exitCodeFor(new Error('ENOSPC')), 1);
  assert.equal(exitCodeFor('a string'), 1);
});

test('formatCliError: one line without stack; --debug adds the stack; causes are named', () => {
  const err = new Error('cannot read /x/config.json', { cause: new Error('EACCES') });
  const plain = formatCliError(err, 'evaluate', false);
  assert.equal(plain, 'supernet-lab evaluate: cannot read /x/config.json\ncause: EACCES\n');
  const debug = formatCliError(err, 'evaluate', true);
  assert.match(debug, /^supernet-lab evaluate: Error: cannot read \/x\/config.json\n {4}at /);
  assert.match(debug, STACK);
  // a message that embeds a stack (e.g. a worker's) loses the stack lines
  const embedded = new Error(
    `worker failed: Error: boom\n    at f (/a/b.js:1:2)\n    at g (/a/c.js:3:4)`,
  );
  assert.equal(
    formatCliError(embedded, 'study', false),
    'supernet-lab study: worker failed: Error: boom\n',
  );
  assert.equal(
    formatCliError(new UsageError('--lr must be > 0'), 'train', false),
    "supernet-lab train: --lr must be > 0\nRun 'supernet-lab train --help'.\n",
  );
  assert.equal(debugRequested(['train', '--debug'], {}), true);
  assert.equal(debugRequested(['train'], { SUPERNET_LAB_DEBUG: '1' }), true);
  assert.equal(debugRequested(['train'], { SUPERNET_LAB_DEBUG: '0' }), false);
});

test('every help text documents the exit codes and --debug', () => {
  const command: Command = { name: 'demo', summary: 's', options: {}, run: async () => 0 };
  const help = commandHelp(command);
  assert.match(help, /Exit codes: 0 done, 1 runtime failure, 2 bad input or usage/);
  assert.match(help, /3 training diverged/);
  assert.match(help, /--debug/);
  assert.match(help, /SUPERNET_LAB_DEBUG=1/);
  const main = cli(['--help']);
  assert.equal(main.status, 0);
  assert.match(main.stdout, /Exit codes: .*\n3 training diverged.*--debug/);
});

test('CLI: a corrupt config.json is one line on stderr (exit 2); --debug or SUPERNET_LAB_DEBUG=1 adds the stack', () => {
  const run = path.join(tmp, 'corrupt-run');
  fs.mkdirSync(run, { recursive: true });
  fs.writeFileSync(path.join(run, 'config.json'), '{"kind": "supernet", "spa');
  const r = cli(['evaluate', '--run', run, '--sample', '2']);
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(
    lines[0].startsWith(
      `supernet-lab evaluate: ${path.join(run, 'config.json')} is not valid JSON`,
    ),
    r.stderr,
  );
  assert.doesNotMatch(r.stderr, STACK);

  for (const [args, env] of [
    [['evaluate', '--debug', '--run', run, '--sample', '2'], {}],
    [['evaluate', '--run', run, '--sample', '2'], { SUPERNET_LAB_DEBUG: '1' }],
  ] as const) {
    const d = cli([...args], env);
    assert.equal(d.status, 2, d.stderr);
    assert.match(d.stderr, /CorruptFileError: .*config\.json is not valid JSON/);
    assert.match(d.stderr, STACK, 'the stack is shown');
  }
});

/** Runs `main` in this process and captures its exit code and stderr. */
async function mainCaptured(argv: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stderr };
  } finally {
    process.stderr.write = write;
  }
}

// Found by the CLI-flags fuzz drill: each of these ran (exit 0 or 1) instead of being refused.
test('CLI: stray words, flags the chosen mode ignores and out-of-range forwarded flags are bad input (exit 2)', async () => {
  const cases: [string[], RegExp][] = [
    [['space', '--count', 'stray'], /unexpected argument "stray"/],
    [['correlate', 'a.csv'], /unexpected argument "a\.csv"/],
    [['space', '--sample', '2', '--channels=1.5'], /--channels applies to --arch only/],
    [['space', '--count', '--seed=7'], /--seed applies to --sample only/],
    [['space', '--sample', '2', '--seed= '], /--seed must be an integer/],
    [['space', '--sample', '2', '--seed=999999999999999999999999'], /--seed must be in/],
    [['study', '--no-report', '--batch-size=1e999'], /--batch-size must be an integer/],
  ];
  for (const [argv, message] of cases) {
    const r = await mainCaptured(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, argv.join(' '));
    assert.ok(r.stderr.trim().split('\n').length <= 2, r.stderr);
  }
  // The commands that do take words still do.
  const plan = await mainCaptured(['sweep', 'plan']);
  assert.doesNotMatch(plan.stderr, /unexpected argument/);
});
