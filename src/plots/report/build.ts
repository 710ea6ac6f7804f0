import type { ColumnTable } from 'arquero';
import { correlationSummary } from '../../analysis/summary';
import { numericColumn } from '../../analysis/columns';
import { mutualCorrelation } from '../../analysis/mutual';
import { mergeSources, provenanceOf, type SourceRef } from '../../analysis/provenance';
import { alignRuns, loadRunFolder, type RunFolder } from '../../analysis/runs';
import { scaledSpaceSummary } from '../../analysis/subspaces';
import { loadNb201GroundTruth } from '../../groundtruth/nb201';
import { libraryInfo } from '../../info';
import { factorFigure } from '../factor';
import { correlationHeatmap } from '../heatmap';
import { scoreVsTruthFigure } from '../scatter';
import { emptySection, ReportContext, round } from './context';
import { resolveGroundTruth, groundTruthFromTable } from './groundtruth';
import { searchSection } from './search';
import { supernetSection, topKCols, type JoinedEpoch } from './supernet';
import type { GroundTruthSource, Report, ReportOptions, ReportSection } from './types';

function uniqueNames(runs: RunFolder[]): void {
  const seen = new Map<string, number>();
  for (const r of runs) {
    const n = (seen.get(r.name) ?? 0) + 1;
    seen.set(r.name, n);
    if (n > 1) r.name = `${r.name}#${n}`;
  }
}

function overview(runs: RunFolder[], gts: Map<RunFolder, GroundTruthSource | null>): ReportSection {
  const info = libraryInfo();
  return {
    id: 'overview',
    title: 'Runs',
    paragraphs: [
      `supernet-lab ${info.supernetLab}, Node ${info.node}, ${info.platform}. ` +
        `Report of ${runs.length} run folder${runs.length === 1 ? '' : 's'}.`,
    ],
    tables: [
      {
        caption: 'Run folders in this report.',
        columns: [
          'run',
          'kind',
          'space',
          'dataset',
          'scale',
          'seed',
          'logged epochs',
          'score epochs',
          'ground truth',
        ],
        rows: runs.map((r) => [
          r.name,
          String(r.config.kind ?? '?'),
          String(r.config.space ?? '?'),
          String(r.config.dataset ?? '?'),
          String(r.config.scale ?? '?'),
          r.config.seed === undefined ? null : String(r.config.seed),
          r.log.length,
          r.scores.map((s) => s.epoch).join(', '),
          gts.get(r)?.label ?? (r.groundTruth ? 'groundtruth.csv' : '-'),
        ]),
      },
    ],
    figures: [],
  };
}

function acrossRuns(
  latest: { run: RunFolder; gt: GroundTruthSource; joined: JoinedEpoch }[],
  ctx: ReportContext,
): ReportSection | null {
  if (latest.length < 2) return null;
  const entries = latest.map((l) => ({
    label: l.run.name,
    table: l.joined.table,
    column: 'accuracy',
  }));
  const sameGt = latest.every((l) => l.gt.label === latest[0].gt.label);
  const first = latest[0].joined;
  if (sameGt) {
    entries.push({ label: 'GT', table: first.table, column: first.valid });
    if (first.params) entries.push({ label: 'P', table: first.table, column: first.params });
  }
  const aligned = alignRuns(entries, { mode: 'intersect' });
  const largest = Math.max(...latest.map((l) => l.joined.table.numRows()));
  if (aligned.numRows() < largest) {
    ctx.warn(
      `runs ${latest.map((l) => l.run.name).join(', ')} scored different architectures: the ` +
        `mutual correlation uses the ${aligned.numRows()} they share`,
    );
  }
  if (aligned.numRows() < 3) {
    ctx.warn('the supernet runs share fewer than 3 architectures: no mutual correlation');
    return null;
  }
  const labels = entries.map((e) => e.label);
  const m = mutualCorrelation(aligned, labels);
  ctx.number(`mutual correlation (${labels.join(', ')})`, JSON.stringify(m.matrix), m.provenance);
  return {
    id: 'across-runs',
    title: 'Across supernet runs',
    paragraphs: [
      `Latest scored epoch of each supernet run; ${aligned.numRows()} architectures scored by ` +
        `all of them.` +
        (sameGt ? '' : ' The runs use different ground truths, so GT is not shown.'),
    ],
    tables: [],
    figures: [
      ctx.figure(
        'across-runs-mutual',
        'Mutual correlation between supernets',
        'Spearman ρ between the rankings of different supernet runs (budgets, seeds, tricks), ' +
          'ground truth (GT) and parameter count (P) (seed Fig. 3, 7; Table 3 Corr-BL).',
        correlationHeatmap(m, { title: 'Mutual correlation between runs' }),
      ),
    ],
  };
}

/**
 * Supernets trained on reduced spaces (config.spaceFactor = space size / reduced size, and
 * config.spaceReduction 'random' (default) or 'pruned'): top-k, random top-k and correlation
 * against the factor, min/max over the runs of a factor (seed Fig. 2 and 5).
 */
function reducedSpacesSection(
  latest: { run: RunFolder; gt: GroundTruthSource; joined: JoinedEpoch }[],
  ctx: ReportContext,
): ReportSection | null {
  const withFactor = latest.filter(
    (l) => typeof l.run.config['spaceFactor'] === 'number' && l.run.config['spaceFactor'] >= 1,
  );
  const section = emptySection('reduced-spaces', 'Down-scaled and pruned spaces');
  for (const reduction of ['random', 'pruned'] as const) {
    const group = withFactor.filter(
      (l) =>
        String(l.run.config['spaceReduction'] ?? '').startsWith('pruned') ===
        (reduction === 'pruned'),
    );
    if (new Set(group.map((l) => l.run.config['spaceFactor'])).size < 2) continue;
    const s = scaledSpaceSummary(
      group.map((l) => ({ factor: l.run.config['spaceFactor'] as number, table: l.joined.table })),
      topKCols(group[0].joined),
      ctx.k,
    );
    for (const f of s.summary) {
      const name = `${reduction} space ${f.factor}x`;
      ctx.number(`${name} spearman (mean over runs)`, f.spearman.mean, s.provenance);
      ctx.number(`${name} top${ctx.k} (mean over runs)`, f.topK.mean, s.provenance);
    }
    section.figures.push(
      ctx.figure(
        `${reduction}-spaces`,
        reduction === 'pruned' ? 'Pruned spaces' : 'Down-scaled spaces',
        `Supernets trained on spaces reduced by each factor (${group.length} runs); lines: mean ` +
          `over the runs of a factor, regions and error bars: min/max (seed Fig. ${reduction === 'pruned' ? 5 : 2}).`,
        factorFigure(s.summary, {
          kind: reduction === 'pruned' ? 'pruned' : 'downscaled',
          k: ctx.k,
        }),
      ),
    );
  }
  return section.figures.length > 0 ? section : null;
}

function groundTruthRunsSection(runs: RunFolder[], ctx: ReportContext): ReportSection | null {
  const gtRuns = runs.filter((r) => r.config.kind === 'groundtruth' && r.groundTruth);
  if (gtRuns.length === 0) return null;
  const section = emptySection('groundtruth-runs', 'Stand-alone (ground-truth) runs');
  const rows: (string | number | null)[][] = [];
  for (const run of gtRuns) {
    const gt = groundTruthFromTable(run.groundTruth!, `${run.name}/groundtruth.csv`);
    const t = gt.table;
    const test = numericColumn(t, gt.test, { what: gt.label });
    const prov = provenanceOf(t, { valid: gt.valid, test: gt.test });
    let rho: number | null = null;
    if (gt.valid !== gt.test && test.length >= 3) {
      const valid = numericColumn(t, gt.valid, { what: gt.label });
      rho = correlationSummary(valid, test, { noIntervals: true }).spearman;
      ctx.number('spearman(val, test)', rho, prov, { run: run.name });
      section.figures.push(
        ctx.figure(
          `${run.name}-val-vs-test`,
          'Validation vs test ground truth',
          `Stand-alone training of ${t.numRows()} architectures (${run.name}).`,
          scoreVsTruthFigure(t, {
            score: gt.valid,
            truth: gt.test,
            xTitle: 'stand-alone validation accuracy (%)',
            yTitle: 'stand-alone test accuracy (%)',
            title: `Stand-alone validation vs test: ${run.name}`,
          }),
        ),
      );
    }
    rows.push([
      run.name,
      t.numRows(),
      round(Math.min(...test), 2),
      round(Math.max(...test), 2),
      round(rho),
    ]);
  }
  section.tables.push({
    caption: 'Ground-truth runs: architectures trained stand-alone.',
    columns: ['run', 'architectures', 'min test (%)', 'max test (%)', 'Spearman(val, test)'],
    rows,
  });
  return section;
}

function provenanceSection(sources: SourceRef[]): ReportSection {
  return {
    id: 'provenance',
    title: 'Provenance',
    paragraphs: [
      'Every number above was computed from these files; the page embeds all numbers with their ' +
        'sources as JSON (script#supernet-lab-report-data).',
    ],
    tables: [
      {
        caption: 'Sources.',
        columns: ['kind', 'path', 'version', 'part', 'sha256'],
        rows: sources.map((s) => [
          s.kind,
          s.path,
          s.version ?? null,
          s.detail ?? null,
          s.sha256 ? s.sha256.slice(0, 16) : null,
        ]),
      },
    ],
    figures: [],
  };
}

/**
 * Builds a report from run folders: per supernet run the training curves, rank statistics per
 * epoch (with bootstrap intervals), top-k and random top-k, the score-vs-truth scatter, operator
 * and size bias, pruned spaces and mutual correlation across budgets; mutual correlation across
 * runs; search runs' entropy and derived cells; ground-truth runs; provenance of every number.
 */
export function buildReport(options: ReportOptions): Report {
  if (options.runs.length === 0) throw new Error('buildReport: no run folders given');
  const ctx = new ReportContext(options.k ?? 10, options.resamples ?? 1000, options.seed ?? 0);
  const runs = options.runs.map((dir) => loadRunFolder(dir));
  uniqueNames(runs);
  let nb201Table: ColumnTable | null = null;
  const nb201 =
    options.nb201 === null
      ? null
      : () => (nb201Table ??= (options.nb201 ?? (() => loadNb201GroundTruth()))());
  const supernets = runs.filter(
    (r) => r.config.kind === 'supernet' || (r.config.kind === undefined && r.scores.length > 0),
  );
  const searches = runs.filter((r) => r.config.kind === 'search');
  const gts = new Map<RunFolder, GroundTruthSource | null>();
  for (const r of supernets) gts.set(r, resolveGroundTruth(r, runs, options.groundTruth, nb201));
  for (const r of runs) {
    if (!['supernet', 'groundtruth', 'search', undefined].includes(r.config.kind as string)) {
      ctx.warn(`${r.name}: unknown run kind ${JSON.stringify(r.config.kind)}; not analysed`);
    }
  }
  const sections: ReportSection[] = [overview(runs, gts)];
  const latest: { run: RunFolder; gt: GroundTruthSource; joined: JoinedEpoch }[] = [];
  for (const run of supernets) {
    const gt = gts.get(run) ?? null;
    const { section, latest: l } = supernetSection(run, gt, ctx);
    sections.push(section);
    if (l && gt) latest.push({ run, gt, joined: l });
  }
  const across = acrossRuns(latest, ctx);
  if (across) sections.push(across);
  const reduced = reducedSpacesSection(latest, ctx);
  if (reduced) sections.push(reduced);
  const search = searchSection(searches, nb201, ctx);
  if (search) sections.push(search);
  const gtSection = groundTruthRunsSection(runs, ctx);
  if (gtSection) sections.push(gtSection);
  const sources = mergeSources(
    runs.map((r) => r.source),
    ...ctx.numbers.map((n) => n.provenance.sources),
  );
  sections.push(provenanceSection(sources));
  return {
    title: options.title ?? `supernet-lab report: ${runs.map((r) => r.name).join(', ')}`,
    createdAt: new Date().toISOString(),
    sections,
    numbers: ctx.numbers,
    warnings: ctx.warnings,
    sources,
  };
}
