import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderHtmlInChromium } from '../../src/plots/export';
import { EMBEDDED_PLOTLY_ATTRIBUTE, externalReferences } from '../../src/plots/html';

// End to end: `npm run notebooks` executes a real notebook with the tslab kernel, writes a
// self-contained HTML report, and that report draws its plot in Chromium without any network.
const root = path.join(__dirname, '..', '..');

function runNotebooks(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'scripts', 'notebooks.ts'), ...args],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, SUPERNET_LAB_SCALE: 'smoke' },
      timeout: 300_000,
    },
  );
}

test('00-getting-started executes and its report renders the plot offline', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'supernet-lab-reports-'));
  try {
    // Builds dist/ first: the notebook imports the built library.
    const r = runNotebooks('00-getting-started', '--out-dir', out);
    assert.equal(r.status, 0, `notebook run failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /00-getting-started\.ipynb: ok in/);

    const report = path.join(out, '00-getting-started.html');
    const html = fs.readFileSync(report, 'utf8');
    assert.match(html, /<title>Getting started with supernet-lab<\/title>/);
    assert.equal(html.split(EMBEDDED_PLOTLY_ATTRIBUTE).length - 1, 1, 'plotly.js inlined once');
    assert.deepEqual(externalReferences(html), [], 'no references to files or the network');
    assert.match(html, /Spearman rho \(simple-statistics\): 0\.9524/, 'the cell output is in');
    assert.match(html, /SUPERNET_LAB_SCALE=smoke/, 'the footer records the scale');

    const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    assert.match(
      index,
      /<a href="00-getting-started\.html">Getting started with supernet-lab<\/a>/,
    );

    const executed = JSON.parse(
      fs.readFileSync(path.join(out, 'executed', '00-getting-started.ipynb'), 'utf8'),
    ) as { cells: Array<{ cell_type: string; outputs?: Array<{ data?: object }> }> };
    const bundles = executed.cells
      .flatMap((c) => c.outputs ?? [])
      .filter((o) => o.data && 'application/vnd.plotly.v1+json' in o.data);
    assert.equal(bundles.length, 1, 'the executed notebook keeps the plotly mime bundle');

    const page = await renderHtmlInChromium(report);
    assert.deepEqual(page.blockedRequests, [], 'the page asked for nothing outside itself');
    assert.deepEqual(page.errors, []);
    assert.equal(page.figures, 1);
    assert.equal(page.plots, 1, 'the plotly figure was drawn as SVG');
    assert.ok(page.traces >= 1, `data traces in the SVG: ${page.traces}`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('a failing cell makes the command fail and prints the cell and its error', () => {
  const nb = JSON.parse(
    fs.readFileSync(path.join(root, 'notebooks', '00-getting-started.ipynb'), 'utf8'),
  ) as { cells: Array<Record<string, unknown>> };
  nb.cells.splice(3, 0, {
    cell_type: 'code',
    execution_count: null,
    metadata: {},
    outputs: [],
    source: [
      'const broken: number = 41;\n',
      'throw new Error(`deliberate failure ${broken + 1}`);',
    ],
  });
  // One folder below the repository root, like notebooks/, so `import '../dist'` resolves.
  const scratch = path.join(root, 'tmp');
  fs.mkdirSync(scratch, { recursive: true });
  const file = path.join(scratch, `broken-notebook-${process.pid}.ipynb`);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'supernet-lab-reports-'));
  try {
    fs.writeFileSync(file, JSON.stringify(nb));
    const r = runNotebooks(file, '--out-dir', out, '--no-build');
    assert.equal(r.status, 1, `expected failure, got ${r.status}:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /code cell 2 \(cell index 3\) failed/);
    assert.match(r.stderr, /\| throw new Error\(`deliberate failure \$\{broken \+ 1\}`\);/);
    assert.match(r.stderr, /Error: deliberate failure 42/, 'the error message itself is shown');
    assert.match(r.stdout, /0 ok, 1 failed/);
    assert.ok(!fs.existsSync(path.join(out, `broken-notebook-${process.pid}.html`)), 'no report');
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('bad selections and flags are reported clearly', () => {
  const none = runNotebooks('no-such-notebook-name', '--no-build');
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no notebook matches "no-such-notebook-name"/);
  const flag = runNotebooks('--cell-timeout', 'soon');
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--cell-timeout must be a whole number of seconds, got "soon"/);
});
