import type { ColumnTable } from 'arquero';
import { meanSimplexEntropy, meanStdByX } from '../../analysis/entropy';
import { numericColumn, stringColumn } from '../../analysis/columns';
import { mergeSources, sourcesOf } from '../../analysis/provenance';
import type { RunFolder } from '../../analysis/runs';
import { assertNb201Arch, formatNb201, parseNb201 } from '../../spaces/nb201/arch';
import type { Nb201Arch } from '../../spaces/nb201/definition';
import { methodComparisonFigure, type MethodResult } from '../compare';
import { entropyFigure } from '../epochs';
import { mean, sampleStd } from '../../analysis/bootstrap';
import { emptySection, round, type ReportContext } from './context';
import { nb201TestColumn } from './groundtruth';
import type { ReportSection } from './types';
import { hasBenchmarkTable } from '../../supernet/registry';

const methodOf = (run: RunFolder): string =>
  String(run.config['method'] ?? run.config['optimizer'] ?? run.config.kind ?? 'search');

/** Mean entropy per epoch of a search run: recorded `entropy`, else from recorded `weights`. */
export function entropySeries(run: RunFolder): { x: number; y: number }[] {
  const rows = run.archLog.length > 0 ? run.archLog : (run.log as Record<string, unknown>[]);
  const out: { x: number; y: number }[] = [];
  rows.forEach((r, i) => {
    const epoch = typeof r['epoch'] === 'number' ? r['epoch'] : i + 1;
    if (typeof r['entropy'] === 'number' && Number.isFinite(r['entropy'])) {
      out.push({ x: epoch, y: r['entropy'] });
    } else if (Array.isArray(r['weights'])) {
      out.push({ x: epoch, y: meanSimplexEntropy(r['weights'] as number[][]) });
    }
  });
  return out;
}

function derivedArch(run: RunFolder): string | null {
  for (let i = run.archLog.length - 1; i >= 0; i--) {
    const { derived, derivedOps } = run.archLog[i];
    try {
      if (typeof derived === 'string') return formatNb201(parseNb201(derived));
    } catch {
      // not an NB-201 string: try derivedOps
    }
    try {
      if (Array.isArray(derivedOps)) {
        assertNb201Arch(derivedOps as string[]);
        return formatNb201(derivedOps as Nb201Arch);
      }
    } catch {
      // not NB-201 ops either
    }
  }
  return null;
}

/**
 * Architecture-search runs (DARTS, GAEA, ...): sparsity (mean entropy of the architecture
 * simplices) per method as mean ± std across runs, and - for NAS-Bench-201 runs - the benchmark
 * test accuracy of the derived cells per method against the optimum of the space.
 */
export function searchSection(
  runs: readonly RunFolder[],
  nb201: (() => ColumnTable) | null,
  ctx: ReportContext,
): ReportSection | null {
  if (runs.length === 0) return null;
  const section = emptySection('search', 'Architecture search runs');
  const methods = [...new Set(runs.map(methodOf))];
  const series = methods
    .map((m) => ({
      label: m,
      points: meanStdByX(runs.filter((r) => methodOf(r) === m).map(entropySeries)),
    }))
    .filter((s) => s.points.length > 0);
  if (series.length > 0) {
    section.figures.push(
      ctx.figure(
        'search-entropy',
        'Sparsity of architecture weights',
        'Mean entropy (nats) of the per-edge op distributions over search epochs; line = mean ' +
          'over the runs of a method, band = ± 1 std (GAEA Fig. 4).',
        entropyFigure(series),
      ),
    );
    for (const s of series) {
      const last = s.points[s.points.length - 1];
      ctx.number(`final mean entropy ${s.label}`, last.mean, {
        sources: mergeSources(
          ...runs.filter((r) => methodOf(r) === s.label).map((r) => [r.source]),
        ),
        columns: { entropy: 'entropy' },
      });
    }
  } else {
    section.paragraphs.push('The search runs record no entropy or architecture weights yet.');
  }
  const results: MethodResult[] = [];
  const rows: (string | number | null)[][] = [];
  if (nb201) {
    const perMethod = new Map<string, { runs: RunFolder[]; acc: number[]; column: string }>();
    for (const run of runs) {
      const column = nb201TestColumn(run.config.dataset);
      const arch = derivedArch(run);
      if (!hasBenchmarkTable(String(run.config.space)) || !column || !arch) continue;
      const gt = nb201();
      const archs = stringColumn(gt, 'arch');
      const row = archs.indexOf(arch);
      if (row < 0) {
        ctx.warn(`${run.name}: derived architecture ${arch} is not in the NAS-Bench-201 table`);
        continue;
      }
      const acc = numericColumn(gt, column)[row];
      const key = `${methodOf(run)}|${column}`;
      const entry = perMethod.get(key) ?? { runs: [], acc: [], column };
      entry.runs.push(run);
      entry.acc.push(acc);
      perMethod.set(key, entry);
      rows.push([run.name, methodOf(run), arch, column, round(acc, 2)]);
      ctx.number(
        'derived architecture test accuracy',
        acc,
        {
          sources: mergeSources([run.source], sourcesOf(gt)),
          columns: { test: column },
        },
        { run: run.name },
      );
    }
    for (const [key, e] of perMethod) {
      const m = mean(e.acc);
      const std = sampleStd(e.acc, m);
      results.push({ method: key.split('|')[0], group: e.column, mean: m, std, n: e.acc.length });
    }
    if (results.length > 0) {
      const columns = [...new Set(results.map((r) => r.group!))];
      const gt = nb201();
      const optimum = columns.length === 1 ? Math.max(...numericColumn(gt, columns[0])) : undefined;
      section.figures.push(
        ctx.figure(
          'search-methods',
          'Derived architectures per method',
          'NAS-Bench-201 test accuracy of the cell each search derived (argmax per edge), mean ± ' +
            'std over runs; dashed: optimum of the space.',
          methodComparisonFigure(results, {
            optimum,
            yTitle: 'benchmark test accuracy of the derived cell (%)',
          }),
        ),
      );
      section.tables.push({
        caption: 'Derived cells and their NAS-Bench-201 test accuracy.',
        columns: ['run', 'method', 'derived cell', 'benchmark column', 'test accuracy (%)'],
        rows,
      });
    }
  }
  return section;
}
