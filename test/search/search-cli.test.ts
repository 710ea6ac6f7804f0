import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
function cli(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), ...args],
    { cwd: root, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } },
  );
}

test('search: bad flags exit 2 and name the flag', () => {
  const missing = cli('search', '--scale', 'smoke');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--method/);
  const bad = cli('search', '--method', 'darts-3');
  assert.equal(bad.status, 2);
  assert.match(
    bad.stderr,
    /--method must be one of darts-1, darts-2, gaea-bilevel, gaea-erm, rsws/,
  );
  const space = cli('search', '--space', 'nb101', '--method', 'darts-1');
  assert.equal(space.status, 2);
  assert.match(space.stderr, /--space/);
  const small = cli('search', '--method', 'darts-1', '--scale', 'smoke', '--train-images', '3');
  assert.equal(small.status, 2);
  assert.match(small.stderr, /trainImages \(3\)/);
  const eta = cli('search', '--method', 'gaea-erm', '--gaea-eta', '-1');
  assert.equal(eta.status, 2);
  assert.match(eta.stderr, /--gaea-eta/);
});

const fmnist = '/usr/share/datasets/fashion-mnist';
test(
  'search --scale smoke on Fashion-MNIST writes a complete run folder',
  { skip: !fs.existsSync(fmnist) && 'Fashion-MNIST (Debian dataset-fashion-mnist) not installed' },
  () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'search-cli-'));
    const r = cli(
      'search',
      '--space',
      'nb201',
      '--method',
      'gaea-bilevel',
      '--dataset',
      'fashion-mnist',
      '--scale',
      'smoke',
      '--epochs',
      '1',
      '--ground-truth',
      'benchmark',
      '--progress',
      'none',
      // the run must not depend on which engine 'auto' picks today; wasm is always there
      '--engine',
      'wasm',
      '--out',
      out,
    );
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(result.method, 'gaea-bilevel');
    assert.match(result.derived, /^\|[a-z_0-9]+~0\|\+/);
    assert.ok(result.entropy > 0 && result.entropy <= Math.log(5));
    assert.equal(typeof result.benchmark.cifar10_test, 'number');
    for (const f of ['config.json', 'log.jsonl', 'arch.jsonl', 'result.json']) {
      assert.ok(fs.existsSync(path.join(out, f)), f);
    }
    assert.ok(fs.existsSync(path.join(out, 'checkpoints', 'epoch-0001', 'manifest.json')));
    fs.rmSync(out, { recursive: true });
  },
);
