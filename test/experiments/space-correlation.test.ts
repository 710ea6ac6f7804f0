/**
 * The any-space correlation-vs-epochs experiment (notebook 02 with SPACE): rank metrics against hand-computed
 * values, the SPACE parameter, and a smoke run on DARTS-PTB (perplexity, lower is better) whose
 * Spearman per checkpoint is recomputed by hand from the run folders' own CSV files.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine';
import {
  parseSpace,
  requireNb201,
  spaceCorrelationVsEpochs,
  spaceFromEnv,
  spaceRankMetrics,
} from '../../src/experiments';
import { parseCsv, readScores, scoresPath } from '../../src/train';

const PTB = path.join(__dirname, '..', '..', '..', 'shared', 'data', 'ptb');

before(async () => {
  await initEngine('auto');
});

test('spaceRankMetrics: Spearman, top-k and random top-k by hand, both orientations', () => {
  const archs = ['a', 'b', 'c', 'd'];
  // Supernet ranks a > b > c > d; truth ranks b > a > d > c: d^2 = 1+1+1+1 = 4,
  // rho = 1 - 6*4 / (4*15) = 0.6.
  const higher = spaceRankMetrics(archs, [4, 3, 2, 1], [80, 90, 60, 70], 2, false);
  assert.ok(Math.abs(higher.spearman - 0.6) < 1e-12);
  // Top-2 by supernet = {a, b}; best truth among them = 90 (b).
  assert.equal(higher.topK, 90);
  assert.equal(higher.topKArch, 'b');
  // Random top-2: expected max of 2 drawn without replacement from {60,70,80,90}:
  // pairs: (60,70)70 (60,80)80 (60,90)90 (70,80)80 (70,90)90 (80,90)90 -> 500/6.
  assert.ok(Math.abs(higher.randomTopK - 500 / 6) < 1e-9);
  // Perplexity (lower is better): same ranks mirrored.
  const lower = spaceRankMetrics(archs, [1, 2, 3, 4], [20, 10, 40, 30], 2, true);
  assert.ok(Math.abs(lower.spearman - 0.6) < 1e-12);
  assert.equal(lower.topK, 10);
  // Expected min of 2 of {10,20,30,40}: 10,10,10,20,20,30 -> 100/6.
  assert.ok(Math.abs(lower.randomTopK - 100 / 6) < 1e-9);
  assert.equal(lower.meanTruth, 25);
});

test('SPACE parameter: env, errors naming the input, NB-201-only notebooks refuse others', () => {
  const saved = process.env.SUPERNET_LAB_SPACE;
  try {
    delete process.env.SUPERNET_LAB_SPACE;
    assert.equal(spaceFromEnv('nb101'), 'nb101');
    process.env.SUPERNET_LAB_SPACE = 'darts-ptb';
    assert.equal(spaceFromEnv('nb101'), 'darts-ptb');
    process.env.SUPERNET_LAB_SPACE = 'nb999';
    assert.throws(() => spaceFromEnv(), /SUPERNET_LAB_SPACE "nb999" is not a search space/);
  } finally {
    if (saved === undefined) delete process.env.SUPERNET_LAB_SPACE;
    else process.env.SUPERNET_LAB_SPACE = saved;
  }
  assert.equal(parseSpace('proxyless'), 'proxyless');
  assert.doesNotThrow(() => requireNb201('nb201', '05-operator-and-size-bias'));
  assert.throws(
    () => requireNb201('darts', '05-operator-and-size-bias'),
    /05-operator-and-size-bias needs SPACE nb201, got "darts": it reads the whole NAS-Bench-201 table/,
  );
});

test(
  'darts-ptb smoke study: checkpoints scored, stand-alone perplexity, Spearman from the files',
  { skip: fs.existsSync(path.join(PTB, 'ptb.valid.txt')) ? false : 'no PTB files' },
  async () => {
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'space-study-'));
    const lines: string[] = [];
    const opts = { scale: 'smoke' as const, runsDir, log: (l: string) => lines.push(l) };
    const r = await spaceCorrelationVsEpochs('darts-ptb', opts, { dataDir: PTB });
    assert.equal(r.metric, 'perplexity');
    assert.deepEqual(
      r.rows.map((x) => x.epoch),
      [1, 2],
    );
    assert.equal(r.figures.length, 4);
    assert.equal(r.comparison.length, 5);
    // Oracle: Spearman of exp(supernet loss) vs the stand-alone perplexity column, by hand.
    const gt = parseCsv(
      fs.readFileSync(path.join(r.groundTruthDir, 'standalone-loss.csv'), 'utf8'),
    );
    const ppl = new Map(
      gt.rows.map((row) => [row[0], Number(row[gt.header.indexOf('perplexity')])]),
    );
    for (const row of r.rows) {
      const scores = readScores(scoresPath(r.supernetDir, row.epoch)).filter((s) =>
        ppl.has(s.arch),
      );
      assert.equal(scores.length, row.n);
      const x = scores.map((s) => Math.exp(s.loss));
      const y = scores.map((s) => ppl.get(s.arch)!);
      if (new Set(x).size === x.length && new Set(y).size === y.length) {
        const rank = (v: number[]) => v.map((a) => v.filter((b) => b < a).length + 1);
        const [rx, ry] = [rank(x), rank(y)];
        const n = x.length;
        const d2 = rx.reduce((s, q, i) => s + (q - ry[i]) ** 2, 0);
        assert.ok(Math.abs(row.spearman - (1 - (6 * d2) / (n * (n * n - 1)))) < 1e-9);
      }
    }
    // A second call reuses the run folders: nothing is trained or scored again.
    lines.length = 0;
    const again = await spaceCorrelationVsEpochs('darts-ptb', opts, { dataDir: PTB });
    assert.ok(
      lines.some((l) => /reused the finished supernet/.test(l)),
      lines.join('\n'),
    );
    assert.ok(lines.some((l) => /\(0 trained now\)/.test(l)));
    assert.deepEqual(again.rows, r.rows);
  },
);
