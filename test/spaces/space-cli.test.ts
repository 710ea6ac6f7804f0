import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './helpers';

function cli(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'src/cli/run.ts'), ...args],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  );
}

const EXAMPLE =
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';

test('space --count prints total, valid and unique', () => {
  const r = cli('space', '--space', 'nb201', '--count');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { total: 15625, valid: 15284, unique: 6466 });
});

test('space --arch prints validity, canonical form, index, params and FLOPs for the skeleton', () => {
  const r = cli('space', '--space', 'nb201', '--arch', EXAMPLE);
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(o.valid, true);
  assert.equal(o.canonical, EXAMPLE);
  assert.equal(o.index, 1); // row 1 of the benchmark table
  // 3 conv3x3 edges: 73306 + 3 * 243040 (see nb201-cost tests for the derivation).
  assert.equal(o.params, 802426);
  assert.equal(typeof o.flops, 'number');
  const small = JSON.parse(
    cli('space', '--arch', EXAMPLE, '--channels', '8', '--cells', '1', '--classes', '100').stdout,
  ) as Record<string, number>;
  // C=8, N=1: stem 3*8*9+16; conv3x3 edges 3*(9c^2+2c) for c=8,16,32; reductions; head 2*32+32*100+100.
  const red = (c: number) => 9 * c * 2 * c + 4 * c + 36 * c * c + 4 * c + 2 * c * c;
  const cells = [8, 16, 32].reduce((s, c) => s + 3 * (9 * c * c + 2 * c), 0);
  assert.equal(small.params, 3 * 8 * 9 + 16 + cells + red(8) + red(16) + 64 + 32 * 100 + 100);
});

test('a malformed --arch exits non-zero with a message that quotes it', () => {
  const bad = EXAMPLE.replace('skip_connect~2', 'skip_conect~2');
  const r = cli('space', '--space', 'nb201', '--arch', bad);
  assert.notEqual(r.status, 0);
  assert.ok(r.stderr.includes(JSON.stringify(bad)), r.stderr);
  assert.match(r.stderr, /unknown op "skip_conect"/);
});

test('space --sample is seeded; bad usage exits 2', () => {
  const a = cli('space', '--sample', '4', '--seed', '9');
  const b = cli('space', '--sample', '4', '--seed', '9');
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.equal(a.stdout.trim().split('\n').length, 4);
  assert.equal(cli('space').status, 2);
  assert.equal(cli('space', '--count', '--arch', EXAMPLE).status, 2);
  const r = cli('space', '--space', 'nope', '--count');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--space must be one of/);
});
