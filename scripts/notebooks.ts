/**
 * `npm run notebooks [-- <notebook or name filter>...] [--out-dir reports] [--no-build]
 *  [--cell-timeout <s>]`
 *
 * Executes notebooks headless (nbclient + the project's tslab kernelspec) and writes one
 * self-contained HTML report per notebook to <out-dir>/<name>.html (plotly.js inlined once,
 * no references to local files or the network) and the executed notebook to
 * <out-dir>/executed/<name>.ipynb. SUPERNET_LAB_SCALE is passed through to the kernels, so
 * `SUPERNET_LAB_SCALE=smoke npm run notebooks` runs every notebook at the smoke scale.
 * A failing cell makes the command exit 1 after printing the cell and its error text.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { escapeHtml, externalReferences, reportPage, writeFileAtomic } from '../src/plots/html';
import {
  buildLibrary,
  findPython,
  installKernelspec,
  jupyterEnv,
  kernelName,
  kernelspecCurrent,
  missingPythonModules,
  root,
} from './notebooks-common';

export interface RunNotebooksOptions {
  /** Notebook files, or substrings of names in notebooks/; empty = every notebook. */
  selection?: string[];
  /** Where the HTML reports go (default: reports/). */
  outDir?: string;
  /** Compile src/ to dist/ first (notebooks import ../dist). Default true. */
  build?: boolean;
  /** Seconds a single cell may run; 0 = no limit. */
  cellTimeout?: number;
}

export interface NotebookResult {
  notebook: string;
  ok: boolean;
  report?: string;
  executed: string;
  seconds: number;
  error?: string;
}

interface Fragment {
  title: string;
  body: string;
  css: string;
  cells: number;
  seconds: number;
}

const notebooksDir = path.join(root, 'notebooks');

/** The notebooks a selection names, sorted by file name. */
export function selectNotebooks(selection: string[] = []): string[] {
  const all = fs.existsSync(notebooksDir)
    ? fs
        .readdirSync(notebooksDir)
        .filter((f) => f.endsWith('.ipynb'))
        .sort()
        .map((f) => path.join(notebooksDir, f))
    : [];
  if (selection.length === 0) return all;
  const chosen: string[] = [];
  for (const s of selection) {
    if (s.endsWith('.ipynb') && fs.existsSync(s)) {
      chosen.push(path.resolve(s));
      continue;
    }
    const matches = all.filter((f) => path.basename(f).includes(s));
    if (matches.length === 0) {
      throw new Error(`no notebook matches ${JSON.stringify(s)} (looked in notebooks/)`);
    }
    chosen.push(...matches);
  }
  return [...new Set(chosen)];
}

function footerText(fragment: Fragment): string {
  const own = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  const scale = process.env['SUPERNET_LAB_SCALE'];
  return [
    `Executed ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC`,
    `supernet-lab ${own.version}`,
    `Node ${process.version}`,
    scale ? `SUPERNET_LAB_SCALE=${scale}` : 'scale: notebook default',
    `${fragment.cells} code cells in ${fragment.seconds.toFixed(1)} s`,
  ].join(' · ');
}

/** Executes the selected notebooks one after another; never throws for a failing cell. */
export function runNotebooks(options: RunNotebooksOptions = {}): NotebookResult[] {
  const outDir = path.resolve(options.outDir ?? path.join(root, 'reports'));
  const executedDir = path.join(outDir, 'executed');
  const notebooks = selectNotebooks(options.selection);
  if (notebooks.length === 0) throw new Error('no notebooks found in notebooks/');

  const python = findPython();
  const missing = missingPythonModules(python);
  if (missing.length > 0) {
    throw new Error(
      `${python} cannot import ${missing.map((m) => m.module).join(', ')}; ` +
        `run 'npm run notebooks:setup' (Debian packages: ${missing.map((m) => m.deb).join(' ')})`,
    );
  }
  if (!kernelspecCurrent()) installKernelspec(python);
  if (options.build !== false) buildLibrary();
  fs.mkdirSync(executedDir, { recursive: true });

  const results: NotebookResult[] = [];
  for (const nb of notebooks) {
    const name = path.basename(nb, '.ipynb');
    const label = path.relative(root, nb);
    const executed = path.join(executedDir, `${name}.ipynb`);
    const fragmentFile = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'supernet-lab-nb-')),
      'fragment.json',
    );
    const started = Date.now();
    process.stdout.write(`${label}: executing with kernel ${kernelName}\n`);
    const r = spawnSync(
      python,
      [
        path.join(root, 'scripts', 'notebooks-exec.py'),
        nb,
        '--executed',
        executed,
        '--fragment',
        fragmentFile,
        '--kernel',
        kernelName,
        '--cell-timeout',
        String(options.cellTimeout ?? 0),
        '--label',
        label,
      ],
      {
        cwd: root,
        env: jupyterEnv(),
        stdio: ['ignore', 'inherit', 'pipe'],
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    const seconds = (Date.now() - started) / 1000;
    const stderr = r.stderr ?? '';
    if (stderr) process.stderr.write(stderr);
    const report = path.join(outDir, `${name}.html`);
    if (r.status !== 0 || !fs.existsSync(fragmentFile)) {
      fs.rmSync(report, { force: true }); // never leave an earlier, now misleading report
      const why = r.error ? r.error.message : stderr.trim() || `exit code ${r.status}`;
      results.push({ notebook: label, ok: false, executed, seconds, error: why });
      fs.rmSync(path.dirname(fragmentFile), { recursive: true, force: true });
      continue;
    }
    const fragment = JSON.parse(fs.readFileSync(fragmentFile, 'utf8')) as Fragment;
    fs.rmSync(path.dirname(fragmentFile), { recursive: true, force: true });
    const page = reportPage({
      title: fragment.title,
      body: fragment.body,
      css: fragment.css,
      footer: footerText(fragment),
    });
    const refs = externalReferences(page);
    if (refs.length > 0) {
      const error = `${label}: the report would load outside resources: ${refs.slice(0, 5).join(', ')}`;
      process.stderr.write(`${error}\n`);
      fs.rmSync(report, { force: true });
      results.push({ notebook: label, ok: false, executed, seconds, error });
      continue;
    }
    writeFileAtomic(report, page);
    const mb = (Buffer.byteLength(page) / 1e6).toFixed(1);
    process.stdout.write(
      `${label}: ok in ${seconds.toFixed(1)} s -> ${path.relative(root, report)} (${mb} MB)\n`,
    );
    results.push({ notebook: label, ok: true, report, executed, seconds });
  }
  writeIndex(outDir, results);
  return results;
}

/**
 * <out-dir>/index.html: links to every report in the folder (titles read from the pages) and
 * the notebooks that failed in this run.
 */
export function writeIndex(outDir: string, results: NotebookResult[]): string {
  const failed = new Set(
    results.filter((r) => !r.ok).map((r) => path.basename(r.notebook, '.ipynb')),
  );
  const pages = fs
    .readdirSync(outDir)
    .filter((f) => f.endsWith('.html') && f !== 'index.html')
    .sort();
  const items = pages.map((f) => {
    const head = fs.readFileSync(path.join(outDir, f), 'utf8').slice(0, 4000);
    const title = head.match(/<title>([^<]*)<\/title>/)?.[1] ?? f;
    return `<li><a href="${escapeHtml(encodeURIComponent(f))}">${title}</a> <code>${escapeHtml(f)}</code></li>`;
  });
  const failures = [...failed]
    .sort()
    .map((n) => `<li><code>${escapeHtml(n)}.ipynb</code> failed; see the command's output</li>`);
  const body = [
    '<h1>supernet-lab notebook reports</h1>',
    items.length ? `<ul>\n${items.join('\n')}\n</ul>` : '<p>No reports yet.</p>',
    failures.length ? `<h2>Failed in the last run</h2>\n<ul>\n${failures.join('\n')}\n</ul>` : '',
  ].join('\n');
  const file = path.join(outDir, 'index.html');
  writeFileAtomic(file, reportPage({ title: 'supernet-lab reports', body, plotly: false }));
  return file;
}

function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'out-dir': { type: 'string' },
        'no-build': { type: 'boolean' },
        'cell-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`notebooks: ${(err as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(
      [
        'Usage: npm run notebooks -- [notebook.ipynb | name-filter ...] [options]',
        '',
        'Executes notebooks in notebooks/ headless and writes reports/<name>.html.',
        '  --out-dir <dir>       where reports go (default: reports)',
        '  --no-build            do not compile src/ to dist/ first',
        '  --cell-timeout <s>    fail a cell that runs longer (default: no limit)',
        'Environment: SUPERNET_LAB_SCALE (passed to notebooks), SUPERNET_LAB_PYTHON (Python',
        'with the Jupyter packages; default /usr/bin/python3).',
        '',
      ].join('\n'),
    );
    return 0;
  }
  const timeoutText = values['cell-timeout'];
  let cellTimeout = 0;
  if (timeoutText !== undefined) {
    if (!/^\d+$/.test(timeoutText)) {
      process.stderr.write(
        `notebooks: --cell-timeout must be a whole number of seconds, got ${JSON.stringify(timeoutText)}\n`,
      );
      return 2;
    }
    cellTimeout = Number(timeoutText);
  }
  let results: NotebookResult[];
  try {
    results = runNotebooks({
      selection: positionals,
      outDir: values['out-dir'],
      build: !values['no-build'],
      cellTimeout,
    });
  } catch (err) {
    process.stderr.write(`notebooks: ${(err as Error).message}\n`);
    return 1;
  }
  const failed = results.filter((r) => !r.ok);
  process.stdout.write(
    `\nnotebooks: ${results.length - failed.length} ok, ${failed.length} failed` +
      (failed.length ? ` (${failed.map((f) => f.notebook).join(', ')})` : '') +
      '\n',
  );
  return failed.length === 0 ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
