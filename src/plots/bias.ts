import { AnalysisInputError } from '../analysis/columns';
import type { OperatorBias } from '../analysis/bias';
import { axis, baseLayout, colorAt, ROLE_COLORS } from './theme';
import type { PlotlyFigure } from './types';

/** The rows of `bias.long`: one per (architecture, edge). */
const longRows = (bias: OperatorBias) =>
  bias.long.objects() as Array<
    Record<'arch' | 'edge' | 'op', string> &
      Record<'score' | 'truth' | 'scoreRank' | 'truthRank', number>
  >;

/** Colour of the i-th op (black instead of vermillion, which marks the most biased op). */
const opColor = (i: number) => colorAt(i === 1 ? 6 : i);

/**
 * Supernet estimate vs ground truth of every architecture, coloured by the op it uses on one
 * edge (default: the edge of the most biased op, which is highlighted) - seed 001 Fig. 4.
 */
export function operatorBiasFigure(
  bias: OperatorBias,
  options: { edge?: string; scoreTitle?: string; truthTitle?: string; title?: string } = {},
): PlotlyFigure {
  const edge = options.edge ?? bias.mostBiased.edge;
  if (!bias.edges.includes(edge)) {
    throw new AnalysisInputError(
      `operatorBiasFigure: no edge '${edge}'; edges: ${bias.edges.join(', ')}`,
    );
  }
  const onEdge = longRows(bias).filter((r) => r.edge === edge);
  const highlighted = bias.mostBiased.edge === edge ? bias.mostBiased.op : null;
  const scoreTitle = options.scoreTitle ?? 'supernet accuracy (%)';
  const truthTitle = options.truthTitle ?? 'ground-truth accuracy (%)';
  const data = bias.ops
    .map((op, i) => ({ op, i, pts: onEdge.filter((r) => r.op === op) }))
    .filter((g) => g.pts.length > 0)
    .map(({ op, i, pts }) => {
      const cell = bias.cells.find((c) => c.edge === edge && c.op === op)!;
      const hot = op === highlighted;
      return {
        type: 'scatter',
        mode: 'markers',
        name: `${op} (bias ${cell.bias >= 0 ? '+' : ''}${cell.bias.toFixed(2)})${hot ? ' ★ most biased' : ''}`,
        x: pts.map((p) => p.score),
        y: pts.map((p) => p.truth),
        text: pts.map((p) => p.arch),
        marker: {
          color: hot ? ROLE_COLORS.highlight : opColor(i),
          size: hot ? 8 : 6,
          opacity: highlighted && !hot ? 0.45 : 0.85,
          symbol: hot ? 'diamond' : 'circle',
        },
        hovertemplate: `%{text}<br>edge ${edge}: ${op}<br>${scoreTitle}: %{x:.2f}<br>${truthTitle}: %{y:.2f}<extra></extra>`,
      };
    });
  return {
    data,
    layout: baseLayout(options.title ?? `Operator bias on edge ${edge}`, {
      xaxis: axis(scoreTitle),
      yaxis: axis(truthTitle),
      legend: { orientation: 'v', x: 1.02, y: 1, title: { text: `op on edge ${edge}` } },
      margin: { l: 70, r: 240, t: 60, b: 60 },
    }),
  };
}

/**
 * Distributions of normalised ranks (0 worst .. 1 best) per edge and op: supernet rank on top,
 * ground-truth rank below, one box per (edge, op) - where the two differ, weight sharing is
 * biased for or against the op.
 */
export function operatorRankFigure(
  bias: OperatorBias,
  options: { title?: string } = {},
): PlotlyFigure {
  const rows = longRows(bias);
  const data: Record<string, unknown>[] = [];
  bias.ops.forEach((op, i) => {
    const pts = rows.filter((r) => r.op === op);
    const color = opColor(i);
    for (const [which, yaxis, key] of [
      ['supernet', 'y', 'scoreRank'],
      ['ground truth', 'y2', 'truthRank'],
    ] as const) {
      data.push({
        type: 'box',
        name: op,
        legendgroup: op,
        showlegend: which === 'supernet',
        x: pts.map((p) => p.edge),
        y: pts.map((p) => p[key]),
        text: pts.map((p) => p.arch),
        yaxis,
        marker: { color, size: 3 },
        line: { color, width: 1.5 },
        boxpoints: false,
        hovertemplate: `${op} on edge %{x}<br>${which} rank %{y:.2f}<extra></extra>`,
      });
    }
  });
  return {
    data,
    layout: baseLayout(options.title ?? 'Normalised ranks by op and edge (0 worst, 1 best)', {
      boxmode: 'group',
      xaxis: axis('edge (from node - to node)', {
        type: 'category',
        categoryorder: 'array',
        categoryarray: bias.edges,
        anchor: 'y2',
      }),
      yaxis: axis('supernet rank', { domain: [0.55, 1], range: [0, 1] }),
      yaxis2: axis('ground-truth rank', { domain: [0, 0.45], range: [0, 1] }),
      height: 620,
    }),
  };
}
