import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as aq from 'arquero';
import {
  meanStdByX,
  mutualCorrelation,
  operatorBias,
  prunedSpaces,
  downscaledSpaces,
} from '../../src/analysis';
import {
  correlationHeatmap,
  entropyFigure,
  factorFigure,
  methodComparisonFigure,
  metricVsEpochsFigure,
  operatorBiasFigure,
  operatorRankFigure,
  scoreVsTruthFigure,
  trainingCurvesFigure,
  validateFigure,
  OKABE_ITO,
  PALETTE,
  type PlotlyFigure,
} from '../../src/plots';

const OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
const arch = (i: number) => {
  const o = (e: number) => OPS[(i + e * 2) % 5];
  return `|${o(0)}~0|+|${o(1)}~0|${o(2)}~1|+|${o(3)}~0|${o(4)}~1|${o(5)}~2|`;
};
const archs = Array.from({ length: 12 }, (_, i) => arch(i * 3 + (i > 4 ? 1 : 0)));
const small = aq.table({
  arch: archs,
  accuracy: archs.map((_, i) => 40 + ((i * 7) % 12)),
  val: archs.map((_, i) => 60 + ((i * 5) % 12) + i / 100),
  test: archs.map((_, i) => 59 + ((i * 5) % 12)),
  params: archs.map((_, i) => 0.1 + i / 10),
});

/** Structural checks every figure must pass: JSON-clean, axes titled, theme colours. */
function checkFigure(fig: PlotlyFigure): string {
  validateFigure(fig);
  const json = JSON.stringify(fig);
  assert.ok(!json.includes('NaN') && !json.includes('Infinity'), 'no NaN in the spec');
  assert.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify(fig)));
  for (const [key, value] of Object.entries(fig.layout)) {
    if (/^[xy]axis\d*$/.test(key)) {
      const title = (value as { title?: { text?: string } }).title?.text;
      assert.ok(title && title.length > 0, `${key} has a title`);
    }
  }
  const title = (fig.layout['title'] as { text: string }).text;
  assert.ok(title.length > 0);
  return json;
}

test('metric vs epochs (Fig. 1/8): correlations left, accuracies right, best-GT dash-dot line', () => {
  const t = aq.table({
    epoch: [1, 2, 4, 8],
    spearman: [0.1, 0.4, 0.6, NaN],
    kendall: [0.05, 0.3, 0.45, 0.5],
    topK: [70, 71, 72.5, 72],
    randomTopK: [69, 69, 69, 69],
    meanAccuracy: [30, 40, 50, 55],
    topKArch: [archs[0], archs[1], archs[2], archs[3]],
  });
  const fig = metricVsEpochsFigure(t, {
    bestGroundTruth: 73.5,
    meanGroundTruth: 60,
    archColumn: 'topKArch',
  });
  const json = checkFigure(fig);
  assert.equal(fig.data.length, 7);
  const names = fig.data.map((d) => d['name']);
  assert.deepEqual(names.slice(0, 2), ['Spearman ρ', 'Kendall τ-b']);
  const best = fig.data.find((d) => d['name'] === 'best ground truth')!;
  assert.deepEqual(best['y'], [73.5, 73.5]);
  assert.equal((best['line'] as { dash: string }).dash, 'dashdot');
  assert.equal((best['line'] as { color: string }).color, OKABE_ITO.bluishGreen);
  assert.equal(fig.data[0]['yaxis'], 'y');
  assert.equal(fig.data[2]['yaxis'], 'y2');
  assert.deepEqual(fig.data[0]['y'], [0.1, 0.4, 0.6, null]); // NaN plotted as a gap
  assert.ok(json.includes(archs[2]), 'hover names the top-k architecture');
  assert.match(JSON.stringify(fig.layout['yaxis2']), /accuracy \(%\)/);
  assert.throws(() => metricVsEpochsFigure(aq.table({ epoch: [1] })), /nothing to plot/);
  assert.throws(() => metricVsEpochsFigure(aq.table({ ep: [1] })), /no column 'epoch'/);
});

test('training curves from log rows', () => {
  const t = aq.from([
    { epoch: 1, loss: 2.3, accuracy: 10 },
    { epoch: 2, loss: 2.0, accuracy: 25 },
  ]);
  const fig = trainingCurvesFigure(t, { run: 'run-a' });
  checkFigure(fig);
  assert.equal(fig.data.length, 2);
  assert.match(JSON.stringify(fig.layout['yaxis']), /loss \(nats\)/);
});

test('factor figure (Fig. 2/5): min/max bands, correlation with error bars, log2 axis', () => {
  const d = downscaledSpaces(
    small,
    { score: 'accuracy', valid: 'val', test: 'test' },
    {
      factors: [1, 2, 4],
      repetitions: 2,
      k: 2,
    },
  );
  const fig = factorFigure(d.summary, { k: 2 });
  checkFigure(fig);
  assert.equal(fig.data.length, 5); // 2 bands + 2 means + correlation
  assert.equal(fig.data[0]['fill'], 'toself');
  assert.equal((fig.layout['xaxis'] as { type: string }).type, 'log');
  assert.deepEqual((fig.layout['xaxis'] as { ticktext: string[] }).ticktext, ['1×', '2×', '4×']);
  const corr = fig.data[4];
  assert.equal(corr['yaxis'], 'y2');
  const err = corr['error_y'] as { array: number[]; arrayminus: number[] };
  d.summary.forEach((s, i) => {
    assert.ok(Math.abs(err.array[i] - (s.spearman.max - s.spearman.mean)) < 1e-12);
  });
  const p = prunedSpaces(
    small,
    { score: 'accuracy', valid: 'val', test: 'test' },
    {
      factors: [1, 2, 4],
      k: 2,
    },
  );
  const pf = factorFigure(
    p.rows.map((r) => ({
      factor: r.factor,
      size: r.size,
      count: 1,
      spearman: { min: r.spearman, mean: r.spearman, max: r.spearman },
      kendall: { min: r.kendall, mean: r.kendall, max: r.kendall },
      topK: { min: r.topK, mean: r.topK, max: r.topK },
      randomTopK: { min: r.randomTopK, mean: r.randomTopK, max: r.randomTopK },
      best: { min: r.best, mean: r.best, max: r.best },
    })),
    { kind: 'pruned', k: 2 },
  );
  checkFigure(pf);
  assert.match(JSON.stringify(pf.layout['xaxis']), /prune factor/);
  assert.throws(() => factorFigure([]), /no factors/);
});

test('correlation heatmap (Fig. 3/7): values in cells, fixed [-1, 1] scale', () => {
  const m = mutualCorrelation(small, ['accuracy', 'val', 'params'], { labels: ['SN', 'GT', 'P'] });
  const fig = correlationHeatmap(m);
  checkFigure(fig);
  const h = fig.data[0];
  assert.equal(h['type'], 'heatmap');
  assert.equal(h['zmin'], -1);
  assert.equal(h['zmax'], 1);
  assert.deepEqual(h['x'], ['SN', 'GT', 'P']);
  const ann = fig.layout['annotations'] as { text: string }[];
  assert.equal(ann.length, 9);
  assert.equal(ann[0].text, '1.00');
  assert.equal(ann[1].text, m.matrix[0][1].toFixed(2));
});

test('score vs truth scatter with marginal histograms; hover names the architecture', () => {
  const fig = scoreVsTruthFigure(small, { score: 'accuracy', truth: 'test', note: 'ρ = 0.5' });
  checkFigure(fig);
  assert.deepEqual(
    fig.data.map((d) => d['type']),
    ['scatter', 'histogram', 'histogram'],
  );
  assert.deepEqual(fig.data[0]['text'], archs);
  assert.match(String(fig.data[0]['hovertemplate']), /%\{text\}/);
  assert.equal(fig.data[2]['xaxis'], 'x2');
  assert.throws(
    () => scoreVsTruthFigure(small, { score: 'accuracy', truth: 'nope' }),
    /no column 'nope'/,
  );
});

test('operator bias figures (Fig. 4): one trace per op, most biased highlighted', () => {
  const b = operatorBias(small, { score: 'accuracy', truth: 'test' });
  const fig = operatorBiasFigure(b);
  const json = checkFigure(fig);
  const hot = fig.data.filter((d) => String(d['name']).includes('most biased'));
  assert.equal(hot.length, 1);
  assert.ok(String(hot[0]['name']).startsWith(b.mostBiased.op));
  const points = fig.data.reduce((s, d) => s + (d['x'] as number[]).length, 0);
  assert.equal(points, archs.length); // every architecture once on the chosen edge
  assert.ok(json.includes(archs[0]));
  assert.throws(() => operatorBiasFigure(b, { edge: '9-9' }), /no edge '9-9'/);
  const boxes = operatorRankFigure(b);
  checkFigure(boxes);
  assert.equal(boxes.data.length, 2 * b.ops.length);
  assert.ok(boxes.data.every((d) => d['type'] === 'box'));
});

test('entropy and method comparison (GAEA figures): mean ± std', () => {
  const gaea = meanStdByX([
    [
      { x: 1, y: 1.6 },
      { x: 2, y: 0.8 },
    ],
    [
      { x: 1, y: 1.5 },
      { x: 2, y: 0.6 },
    ],
  ]);
  const darts = meanStdByX([
    [
      { x: 1, y: 1.6 },
      { x: 2, y: 1.5 },
    ],
  ]);
  const fig = entropyFigure([
    { label: 'GAEA', points: gaea },
    { label: 'DARTS', points: darts },
  ]);
  checkFigure(fig);
  assert.equal(fig.data.length, 4);
  assert.deepEqual(fig.data[1]['y'], [1.55, 0.7]);
  assert.match(JSON.stringify(fig.layout['yaxis']), /nats/);
  const cmp = methodComparisonFigure(
    [
      { method: 'DARTS', group: 'CIFAR-10', mean: 54.3, std: 0, n: 4 },
      { method: 'GAEA', group: 'CIFAR-10', mean: 94.1, std: 0.3, n: 4 },
      { method: 'GAEA', group: 'CIFAR-100', mean: 73.4, std: 0.1, n: 4 },
    ],
    { optimum: 94.37 },
  );
  checkFigure(cmp);
  assert.equal(cmp.data.length, 3);
  assert.deepEqual((cmp.data[0]['error_y'] as { array: number[] }).array, [0, 0.3]);
  assert.equal((cmp.data[0]['marker'] as { color: string }).color, PALETTE[0]);
  assert.throws(() => methodComparisonFigure([{ method: 'x', mean: NaN, std: 1 }]), /method 'x'/);
});
