import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/run.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });

test('correlate prints n, spearman, kendall and intervals; bad input exits non-zero naming it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'correlate-'));
  try {
    const file = path.join(dir, 't.csv');
    // hand-counted example: tau-b = -4 / sqrt(72)
    fs.writeFileSync(file, 'arch,a,b,c\nA,12,1,x\nB,2,4,1\nC,1,7,2\nD,12,1,3\nE,2,0,4\n');
    const ok = cli('correlate', '--table', file, '--x', 'a', '--y', 'b', '--resamples', '200');
    assert.equal(ok.status, 0, ok.stderr);
    const r = JSON.parse(ok.stdout) as Record<string, unknown>;
    assert.equal(r.n, 5);
    assert.ok(Math.abs((r.kendall as number) + 4 / Math.sqrt(72)) < 1e-12);
    assert.equal(typeof r.spearman, 'number');
    assert.equal((r.spearmanCI as { resamples: number }).resamples, 200);
    assert.equal((r.kendallCI as { level: number }).level, 0.95);
    assert.deepEqual((r.provenance as { columns: unknown }).columns, { x: 'a', y: 'b' });

    const missing = cli('correlate', '--table', file, '--x', 'a', '--y', 'gt');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no column 'gt'; available columns: 'arch', 'a', 'b', 'c'/);
    const text = cli('correlate', '--table', file, '--x', 'a', '--y', 'c');
    assert.equal(text.status, 1);
    assert.match(text.stderr, /column 'c' is not a finite number: "x" at row 1 \(arch "A"\)/);
    const noFile = cli('correlate', '--table', path.join(dir, 'nope.csv'), '--x', 'a', '--y', 'b');
    assert.equal(noFile.status, 1);
    assert.match(noFile.stderr, /cannot read table .*nope\.csv/);
    const noFlag = cli('correlate', '--table', file, '--x', 'a');
    assert.equal(noFlag.status, 2);
    assert.match(noFlag.stderr, /missing required option --y/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
