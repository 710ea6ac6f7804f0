/**
 * `npm run figures [-- --scale laptop] [--out figures] [--only 02,05] [--formats svg,pdf]`
 *
 * Regenerates every figure of the study notebooks (seed 001 Fig. 1-5, 7, 8, Table 3's Fig. 7,
 * seed 002's GAEA figures, seed 000's search traces) as SVG and PDF without Jupyter: each
 * experiment of src/experiments reuses the matching run folders in kernels-data/runs (or
 * SUPERNET_LAB_RUNS) and runs what is missing at the chosen scale, then every figure is exported
 * through headless Chromium. Also writes <out>/index.json (what each file shows, scale, dataset)
 * and <out>/summary.md (every "seed reports / we measure / scale" table and conclusion).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { exportFigures, type ExportJob } from '../src/plots/export';
import { writeFileAtomic } from '../src/runs/folder';
import {
  budgetFrontier,
  consistentBias,
  correlationVsEpochs,
  ensureEngine,
  experimentContext,
  gaeaVsDarts,
  operatorAndSizeBias,
  parseScale,
  prunedSpaceStudy,
  scaleFromEnv,
  sharingDensity,
  trainingTricks,
  weightSharingBasics,
  type ComparisonRow,
  type ExperimentContext,
  type StudyResult,
} from '../src/experiments';

const root = path.resolve(__dirname, '..');

/** The experiments in the order that lets later ones reuse earlier runs. */
export const FIGURE_EXPERIMENTS: ReadonlyArray<{
  id: string;
  notebook: string;
  run: (ctx: ExperimentContext) => Promise<StudyResult>;
}> = [
  { id: '02', notebook: '02-correlation-vs-epochs', run: correlationVsEpochs },
  { id: '05', notebook: '05-operator-and-size-bias', run: operatorAndSizeBias },
  { id: '07', notebook: '07-training-tricks', run: (ctx) => trainingTricks(ctx) },
  { id: '04', notebook: '04-consistent-bias', run: consistentBias },
  { id: '03', notebook: '03-sharing-density', run: sharingDensity },
  { id: '06', notebook: '06-pruned-spaces', run: prunedSpaceStudy },
  { id: '01', notebook: '01-weight-sharing-basics', run: weightSharingBasics },
  { id: '08', notebook: '08-gaea-vs-darts', run: (ctx) => gaeaVsDarts(ctx) },
  { id: '09', notebook: '09-budget-frontier', run: (ctx) => budgetFrontier(ctx) },
];

const FORMATS = ['svg', 'pdf', 'png'] as const;
type Format = (typeof FORMATS)[number];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A markdown section of one experiment's comparison table and conclusion. */
export function summaryMarkdown(notebook: string, r: StudyResult): string {
  const agrees = (c: ComparisonRow) =>
    (c.agrees === null ? 'n/a' : c.agrees ? 'yes' : 'no') + (c.rule ? ` (${c.rule})` : '');
  return [
    `## ${notebook}: ${r.title}`,
    '',
    '| quantity | seed reports | we measure | scale | agrees |',
    '| --- | --- | --- | --- | --- |',
    ...r.comparison.map(
      (c) =>
        `| ${cell(c.quantity)} | ${cell(c.seed)} | ${cell(c.measured)} | ${cell(c.scale)} | ${cell(agrees(c))} |`,
    ),
    '',
    ...r.conclusion.map((s) => `- ${s}`),
    '',
    `Runs: ${r.runs.join(', ')}. Figures: ${r.figures.map((f) => f.id).join(', ')}. ${r.seconds.toFixed(0)} s.`,
    '',
  ].join('\n');
}

export interface FiguresOptions {
  ctx: ExperimentContext;
  outDir: string;
  only?: string[];
  formats?: Format[];
  log?: (line: string) => void;
}

export async function makeFigures(options: FiguresOptions): Promise<string[]> {
  const log = options.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const formats = options.formats ?? ['svg', 'pdf'];
  const chosen = FIGURE_EXPERIMENTS.filter(
    (e) => !options.only || options.only.some((o) => e.id === o || e.notebook.includes(o)),
  );
  if (chosen.length === 0) {
    throw new Error(
      `--only ${JSON.stringify(options.only)} matches no experiment (ids: ${FIGURE_EXPERIMENTS.map((e) => e.id).join(', ')})`,
    );
  }
  await ensureEngine();
  fs.mkdirSync(options.outDir, { recursive: true });
  const jobs: ExportJob[] = [];
  const index: Record<string, unknown>[] = [];
  const sections: string[] = [];
  for (const e of chosen) {
    log(`== ${e.notebook} (${options.ctx.scale})`);
    const r = await e.run(options.ctx);
    sections.push(summaryMarkdown(e.notebook, r));
    for (const f of r.figures) {
      const layout = f.figure.layout as { width?: number; height?: number };
      const size = { width: layout.width ?? 800, height: layout.height ?? 500 };
      for (const fmt of formats) {
        jobs.push({
          figure: f.figure,
          file: path.join(options.outDir, `${f.id}.${fmt}`),
          options: size,
        });
      }
      index.push({
        id: f.id,
        title: f.title,
        caption: f.caption,
        notebook: e.notebook,
        files: formats.map((fmt) => `${f.id}.${fmt}`),
      });
    }
  }
  log(`exporting ${jobs.length} files to ${path.relative(root, options.outDir) || '.'}`);
  const written = await exportFigures(jobs);
  const meta = {
    scale: options.ctx.scale,
    dataset: options.ctx.dataset,
    runsDir: path.relative(root, options.ctx.runsDir),
    createdAt: new Date().toISOString(),
    figures: index,
  };
  writeFileAtomic(path.join(options.outDir, 'index.json'), JSON.stringify(meta, null, 1) + '\n');
  writeFileAtomic(
    path.join(options.outDir, 'summary.md'),
    [
      `# Study figures: ${options.ctx.scale} scale, ${options.ctx.dataset}`,
      '',
      `Generated ${meta.createdAt} by \`npm run figures\` from the run folders in ${meta.runsDir}.`,
      '',
      ...sections,
    ].join('\n'),
  );
  return written;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        scale: { type: 'string' },
        out: { type: 'string' },
        only: { type: 'string' },
        formats: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`figures: ${(err as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(
      [
        'Usage: npm run figures -- [--scale smoke|laptop|paper] [--out figures] [--only 02,05]',
        '                          [--formats svg,pdf,png]',
        '',
        'Regenerates every study figure from the run folders (running missing experiments at the',
        'scale) as SVG and PDF in figures/, plus figures/index.json and figures/summary.md.',
        'Environment: SUPERNET_LAB_SCALE (default scale), SUPERNET_LAB_RUNS (runs folder),',
        'SUPERNET_LAB_DATASET (dataset), SUPERNET_LAB_ENGINE (tensor engine).',
        '',
      ].join('\n'),
    );
    return 0;
  }
  let scale;
  let formats: Format[];
  try {
    scale = v.scale !== undefined ? parseScale(v.scale, '--scale') : scaleFromEnv();
    formats = (v.formats ?? 'svg,pdf').split(',').map((f) => {
      const t = f.trim() as Format;
      if (!FORMATS.includes(t)) {
        throw new Error(
          `--formats: unknown format ${JSON.stringify(f)} (known: ${FORMATS.join(', ')})`,
        );
      }
      return t;
    });
  } catch (err) {
    process.stderr.write(`figures: ${(err as Error).message}\n`);
    return 2;
  }
  const outDir = path.resolve(v.out ?? path.join(root, 'figures'));
  const t0 = Date.now();
  try {
    const written = await makeFigures({
      ctx: experimentContext({ scale }),
      outDir,
      only: v.only
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      formats,
    });
    process.stdout.write(
      `figures: ${written.length} files in ${path.relative(process.cwd(), outDir) || '.'} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`,
    );
    return 0;
  } catch (err) {
    // One line; the stack only when asked for (as the CLI does).
    const debug = ['1', 'true'].includes(process.env.SUPERNET_LAB_DEBUG ?? '');
    const e = err as Error;
    process.stderr.write(`figures: ${debug && e.stack ? e.stack : e.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`figures: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
