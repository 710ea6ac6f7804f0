import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { summaryMarkdown } from '../../scripts/figures';

const root = path.join(__dirname, '..', '..');

function figures(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'scripts', 'figures.ts'), ...args],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
}

test('npm run figures: bad flags exit 2 naming the flag; --help explains', () => {
  const scale = figures('--scale', 'huge');
  assert.equal(scale.status, 2);
  assert.match(scale.stderr, /--scale "huge" is not a scale \(known: smoke, laptop, paper\)/);
  const fmt = figures('--formats', 'svg,gif');
  assert.equal(fmt.status, 2);
  assert.match(fmt.stderr, /--formats: unknown format "gif" \(known: svg, pdf, png\)/);
  const unknown = figures('--colour', 'red');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /figures: Unknown option '--colour'/);
  const help = figures('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: npm run figures/);
});

test('npm run figures: --only that matches nothing fails before any work', () => {
  const r = figures(
    '--scale',
    'smoke',
    '--only',
    'zz',
    '--out',
    path.join(root, 'tmp', 'no-figures'),
  );
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /--only \["zz"\] matches no experiment \(ids: 02, 05, 07, 04, 03, 06, 01, 08, 09\)/,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace without SUPERNET_LAB_DEBUG');
});

test('summary markdown: one table row per comparison, pipes escaped, conclusion as a list', () => {
  const md = summaryMarkdown('02-x', {
    title: 'T',
    figures: [{ id: 'fig1', title: '', caption: '', figure: { data: [], layout: {} } }],
    comparison: [
      { quantity: 'a|b', seed: 's', measured: 'm', scale: 'smoke', agrees: true, rule: 'r' },
      { quantity: 'c', seed: 's', measured: 'not measured', scale: 'smoke', agrees: null },
    ],
    conclusion: ['one', 'two'],
    runs: ['run-a'],
    seconds: 1,
  });
  assert.match(md, /^## 02-x: T$/m);
  assert.match(md, /^\| a\\\|b \| s \| m \| smoke \| yes \(r\) \|$/m);
  assert.match(md, /^\| c \| s \| not measured \| smoke \| n\/a \|$/m);
  assert.match(md, /^- one\n- two$/m);
  assert.match(md, /Runs: run-a\. Figures: fig1\./);
});
