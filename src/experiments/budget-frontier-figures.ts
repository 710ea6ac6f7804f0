/**
 * Figures of the budget frontier (notebook 09): rank correlation and size bias against images
 * seen (log axis) and against width, each point with its 95 % bootstrap interval, and the
 * reference lines a reader needs to place them: 0, seed 001's value, the table's noise ceiling
 * and what size alone predicts.
 */
import type { ColumnTable } from 'arquero';
import { scoreVsTruthFigure } from '../plots/scatter';
import { axis, baseLayout, OKABE_ITO, ROLE_COLORS, withAlpha } from '../plots/theme';
import type { PlotlyFigure } from '../plots/types';
import type { SeedReference } from '../study/seed-reference';
import { imagesText } from './budget-frontier-budget';
import type { FrontierPoint } from './budget-frontier';
import { fmt } from './report';
import type { StudyFigure } from './report';

export interface FrontierFigureInput {
  points: readonly FrontierPoint[];
  reference: SeedReference | null;
  /** Best rho any estimator can reach against the table (null: unknown). */
  ceiling: number | null;
  /** rho(ground truth, params) of the table. */
  truthVsParams: number;
  /** arch, score, truth (table mean validation accuracy) at the largest images-seen budget. */
  largest: ColumnTable;
  largestLabel: string;
}

type Stat = 'spearman' | 'sizeBias';

interface Line {
  label: string;
  color: string;
  dash?: string;
  symbol?: string;
  points: readonly FrontierPoint[];
  stat: Stat;
  x: (p: FrontierPoint) => number;
}

function lineTrace(l: Line): Record<string, unknown> {
  const ps = l.points;
  return {
    type: 'scatter',
    mode: 'lines+markers',
    name: l.label,
    x: ps.map(l.x),
    y: ps.map((p) => p[l.stat]),
    error_y: {
      type: 'data',
      symmetric: false,
      array: ps.map((p) => p[`${l.stat}High`] - p[l.stat]),
      arrayminus: ps.map((p) => p[l.stat] - p[`${l.stat}Low`]),
      color: l.color,
      thickness: 1.2,
    },
    customdata: ps.map((p) => [
      p[`${l.stat}Low`],
      p[`${l.stat}High`],
      p.epoch,
      p.scheduleEpochs,
      p.channels,
      imagesText(p.imagesSeen),
    ]),
    line: { color: l.color, width: 2, dash: l.dash ?? 'solid' },
    marker: { color: l.color, size: 8, symbol: l.symbol ?? 'circle' },
    hovertemplate:
      `${l.label}: %{y:.3f} [%{customdata[0]:.3f}, %{customdata[1]:.3f}]<br>` +
      'epoch %{customdata[2]} of %{customdata[3]}, C=%{customdata[4]}, %{customdata[5]} images seen<extra></extra>',
  };
}

function refTrace(
  xs: readonly number[],
  y: number,
  label: string,
  color: string,
  dash: string,
): Record<string, unknown> {
  return {
    type: 'scatter',
    mode: 'lines',
    name: label,
    x: [Math.min(...xs), Math.max(...xs)],
    y: [y, y],
    line: { color, dash, width: 1.5 },
    hovertemplate: `${label}: ${fmt(y, 3)}<extra></extra>`,
  };
}

/** The reference lines of a correlation panel: 0, the seed's rho, the ceiling. */
function correlationRefs(xs: number[], input: FrontierFigureInput): Record<string, unknown>[] {
  const refs = [refTrace(xs, 0, 'ρ = 0 (chance)', ROLE_COLORS.muted, 'dash')];
  if (input.reference) {
    refs.push(
      refTrace(
        xs,
        input.reference.spearman.value,
        `seed 001: ρ ≈ ${fmt(input.reference.spearman.value, 2)} (NB-201, ${input.reference.epochs} epochs)`,
        ROLE_COLORS.bestGroundTruth,
        'dashdot',
      ),
    );
  }
  if (input.ceiling !== null) {
    refs.push(
      refTrace(xs, input.ceiling, 'noise ceiling of the table', ROLE_COLORS.meanGroundTruth, 'dot'),
    );
  }
  return refs;
}

/** The seed's sign of the size bias as a shaded half-plane (the text gives no value). */
function seedSignBand(xs: number[], reference: SeedReference | null): Record<string, unknown>[] {
  if (!reference) return [];
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const [y0, y1] = reference.sizeBias.sign > 0 ? [0, 1] : [-1, 0];
  return [
    {
      type: 'scatter',
      mode: 'lines',
      name: `seed 001: ${reference.sizeBias.sign > 0 ? '> 0, favours big models' : '< 0'} (sign only)`,
      x: [lo, hi, hi, lo],
      y: [y0, y0, y1, y1],
      fill: 'toself',
      fillcolor: withAlpha(OKABE_ITO.bluishGreen, 0.08),
      line: { width: 0, color: OKABE_ITO.bluishGreen },
      hoverinfo: 'skip',
    },
  ];
}

const RHO_AXIS = axis('rank correlation (unitless)', { range: [-1, 1], dtick: 0.25 });

function imagesAxis(xs: number[]): Record<string, unknown> {
  const ticks = [...new Set(xs)].sort((a, b) => a - b);
  return axis('images seen by the supernet (epochs × training images, log scale)', {
    type: 'log',
    tickvals: ticks,
    ticktext: ticks.map(imagesText),
  });
}

export function budgetFrontierFigures(input: FrontierFigureInput): StudyFigure[] {
  const images = input.points.filter((p) => p.series === 'images');
  const epochs = input.points.filter((p) => p.series === 'epochs');
  const widths = input.points.filter((p) => p.series === 'width');
  const seen = (p: FrontierPoint) => p.imagesSeen;
  const xs = [...images, ...epochs].map(seen);
  const figures: StudyFigure[] = [];

  const rho: PlotlyFigure = {
    data: [
      ...correlationRefs(xs, input),
      lineTrace({
        label: 'Spearman ρ, checkpoints of one run',
        color: ROLE_COLORS.correlation,
        points: images,
        stat: 'spearman',
        x: seen,
      }),
      lineTrace({
        label: 'Spearman ρ, complete runs',
        color: ROLE_COLORS.weightSharing,
        dash: 'dot',
        symbol: 'diamond',
        points: epochs,
        stat: 'spearman',
        x: seen,
      }),
    ],
    layout: baseLayout('Supernet ranking vs budget: where ρ crosses zero', {
      xaxis: imagesAxis(xs),
      yaxis: RHO_AXIS,
    }),
  };
  figures.push({
    id: 'frontier-correlation-vs-images',
    title: 'Rank correlation vs images seen',
    caption:
      'Spearman ρ between supernet accuracy (after BN recalibration) and the table’s mean validation accuracy, with 95 % bootstrap intervals: black, checkpoints of one run (cosine schedule still running); blue, complete runs (schedule annealed). Grey dashed: 0; green dash-dot: seed 001’s NB-201 value; purple dotted: the table’s noise ceiling.',
    figure: rho,
  });

  const size: PlotlyFigure = {
    data: [
      ...seedSignBand(xs, input.reference),
      refTrace(xs, 0, 'no size preference', ROLE_COLORS.muted, 'dash'),
      refTrace(
        xs,
        input.truthVsParams,
        'ρ(ground truth, params) of the table',
        ROLE_COLORS.meanGroundTruth,
        'dot',
      ),
      lineTrace({
        label: 'size bias ρ(score, params), checkpoints',
        color: OKABE_ITO.orange,
        points: images,
        stat: 'sizeBias',
        x: seen,
      }),
      lineTrace({
        label: 'size bias, complete runs',
        color: OKABE_ITO.vermillion,
        dash: 'dot',
        symbol: 'diamond',
        points: epochs,
        stat: 'sizeBias',
        x: seen,
      }),
    ],
    layout: baseLayout('Size bias vs budget', { xaxis: imagesAxis(xs), yaxis: RHO_AXIS }),
  };
  figures.push({
    id: 'frontier-size-bias-vs-images',
    title: 'Size bias vs images seen',
    caption:
      'Spearman ρ between supernet accuracy and parameter count, 95 % bootstrap intervals; purple dotted: the same for the table’s ground truth (what size alone predicts); green band: the side of 0 seed 001 reports (its text gives no value).',
    figure: size,
  });

  if (widths.length > 0) {
    const cs = widths.map((p) => p.channels);
    const width: PlotlyFigure = {
      data: [
        ...correlationRefs(cs, input),
        lineTrace({
          label: 'Spearman ρ',
          color: ROLE_COLORS.correlation,
          points: widths,
          stat: 'spearman',
          x: (p) => p.channels,
        }),
        lineTrace({
          label: 'size bias ρ(score, params)',
          color: OKABE_ITO.orange,
          dash: 'dash',
          points: widths,
          stat: 'sizeBias',
          x: (p) => p.channels,
        }),
      ],
      layout: baseLayout(`Supernet width at ${widths[0].scheduleEpochs} epochs`, {
        xaxis: axis('supernet width C (channels of the first stage, log scale)', {
          type: 'log',
          tickvals: cs,
          ticktext: cs.map(String),
        }),
        yaxis: RHO_AXIS,
      }),
    };
    figures.push({
      id: 'frontier-width',
      title: 'Rank correlation and size bias vs width',
      caption: `Complete runs of ${widths[0].scheduleEpochs} epochs at each width C; 95 % bootstrap intervals; reference lines as in the first figure.`,
      figure: width,
    });
  }

  figures.push({
    id: 'frontier-score-vs-truth',
    title: 'Supernet vs ground truth at the largest budget',
    caption: `One point per cell of the table, ${input.largestLabel}.`,
    figure: scoreVsTruthFigure(input.largest, {
      score: 'score',
      truth: 'truth',
      xTitle: 'supernet validation accuracy after BN recalibration (%)',
      yTitle: 'table: mean stand-alone validation accuracy (%)',
      title: `Supernet vs ground truth, ${input.largestLabel}`,
    }),
  });
  return figures;
}
