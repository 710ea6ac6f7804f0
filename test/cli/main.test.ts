import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
function cli(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), ...args],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
}

test('--help lists the commands and exits 0', () => {
  const r = cli('--help');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Commands:/);
  assert.match(r.stdout, /\binfo\b/);
});

test('an unknown command exits 2 and names it', () => {
  const r = cli('frobnicate');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test('an unknown flag exits 2 and names the flag', () => {
  const r = cli('info', '--no-such-flag');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--no-such-flag/);
});

test('info prints JSON with the tfjs version', () => {
  const r = cli('info');
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { packages: Record<string, string | null> };
  assert.equal(info.packages['@tensorflow/tfjs'], '4.22.0');
});
