import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../src/engine';
import { Rng } from '../../src/engine/random';
import { dartsPtbCost, sampleDartsPtb } from '../../src/spaces';
import {
  DARTS_PTB_CODEC,
  DARTS_PTB_SMOKE_SKELETON,
  dartsPtbRunSpec,
  ptbSegments,
} from '../../src/supernet/darts-ptb';
import { loadRunData } from '../../src/train/pipeline';
import { readRunConfig } from '../../src/runs/config';
import { STANDALONE_LOSS_FILE } from '../../src/evaluate';
import { parseCsv } from '../../src/runs/folder';
import { SMOKE_HYPER } from './smoke-data';
import { smokePipeline } from './smoke-pipeline';

before(async () => {
  await initEngine('cpu');
});

const PTB_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'ptb');

test('ptb supernet: parameters equal the cost model; codec round-trips', () => {
  const skeleton = { vocabulary: 50, embedding: 6, hidden: 6 };
  const net = dartsPtbRunSpec(skeleton).build(0);
  let total = 0;
  for (const v of net.variables.trainable.values()) total += v.size;
  const rng = new Rng('g');
  const g = sampleDartsPtb(rng);
  assert.equal(total, dartsPtbCost(g, skeleton).params);
  assert.deepEqual(DARTS_PTB_CODEC.decode(DARTS_PTB_CODEC.encode(g)), g);
  net.dispose();
});

test('ptb cell forward matches a scalar re-computation of the DARTS equations', () => {
  const sk = { vocabulary: 5, embedding: 2, hidden: 2 };
  const net = dartsPtbRunSpec(sk).build(3);
  const g = sampleDartsPtb(new Rng('cell'));
  const get = (n: string) => {
    const v = net.variables.trainable.get(n)!;
    return { d: Array.from(v.dataSync()), cols: v.shape[1] ?? 1 };
  };
  const emb = get('embedding');
  const bias = get('decoder.b').d;
  const w = [get('cell.w0'), ...Array.from({ length: 8 }, (_, i) => get(`cell.w${i + 1}`))];
  const matvec = (x: number[], m: { d: number[]; cols: number }) =>
    Array.from({ length: m.cols }, (_, j) =>
      x.reduce((t, xi, i) => t + xi * m.d[i * m.cols + j], 0),
    );
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const act = (op: string, v: number) =>
    op === 'tanh' ? Math.tanh(v) : op === 'relu' ? Math.max(0, v) : op === 'sigmoid' ? sig(v) : v;
  const tokens = [3, 1];
  let h = [0, 0];
  const want: number[] = [];
  for (const tok of tokens) {
    const x = emb.d.slice(tok * 2, tok * 2 + 2);
    const ch = matvec([...x, ...h], w[0]);
    const s0 = h.map((hv, k) => hv + sig(ch[k]) * (Math.tanh(ch[k + 2]) - hv));
    const states = [s0];
    g.recurrent.forEach((node, i) => {
      const p = states[node.input];
      const c = matvec(p, w[i + 1]);
      states.push(p.map((pv, k) => pv + sig(c[k]) * (act(node.op, c[k + 2]) - pv)));
    });
    h = [0, 1].map((k) => states.slice(1).reduce((t, s) => t + s[k], 0) / 8);
    for (let v = 0; v < 5; v++) want.push(h[0] * emb.d[v * 2] + h[1] * emb.d[v * 2 + 1] + bias[v]);
  }
  const logits = net.forward(tf.tensor2d([tokens], [1, 2]), g, { mode: 'train' });
  assert.deepEqual(logits.shape, [2, 5]);
  Array.from(logits.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `${i}`));
  logits.dispose();
  net.dispose();
});

test('ptbSegments: inputs and next-token targets, vocabulary clipped', () => {
  const s = ptbSegments(Int32Array.from([0, 1, 2, 7, 4, 5, 6]), 3, 5);
  assert.deepEqual(
    s.inputs.map((a) => Array.from(a)),
    [
      [0, 1, 2],
      [4, 4, 4],
    ],
  );
  assert.deepEqual(
    s.targets.map((a) => Array.from(a)),
    [
      [1, 2, 4],
      [4, 4, 4],
    ],
  );
});

test(
  'ptb smoke study on the shared valid/test files: train -> perplexity -> correlate',
  { skip: !fs.existsSync(PTB_DIR) },
  async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ptb-smoke-'));
    const settings = { kind: 'ptb' as const, steps: 8, trainTokens: 1024, validTokens: 256 };
    const data = await loadRunData('darts-ptb', settings, DARTS_PTB_SMOKE_SKELETON, {
      dataDir: PTB_DIR,
    });
    const hyper = {
      ...SMOKE_HYPER,
      lr: 1,
      momentum: 0,
      weightDecay: 0,
      clipNorm: 0.25,
      evalBatchSize: 16,
    };
    const r = await smokePipeline({
      space: 'darts-ptb',
      net: { ...DARTS_PTB_SMOKE_SKELETON },
      data,
      dataSettings: settings,
      outDir: out,
      supernet: hyper,
      standalone: { ...hyper, epochs: 1 },
      archs: 3,
    });
    assert.equal(r.scores.length, 3);
    // perplexity = exp(loss): finite and below the uniform guess over the vocabulary
    for (const s of r.scores) {
      assert.ok(Number.isFinite(s.loss));
      assert.ok(Math.exp(s.loss) < DARTS_PTB_SMOKE_SKELETON.vocabulary, `${Math.exp(s.loss)}`);
    }
    // The pipeline writes no study summary.json: the space, its metric and the supernet's
    // perplexities come from the run folder, the space's spec and the scores.
    assert.equal(readRunConfig(r.supernetDir).space, 'darts-ptb');
    assert.equal(r.metric, 'perplexity');
    assert.equal(r.supernet.length, 3);
    // The ground-truth run records each architecture's perplexity = exp(validation loss).
    const losses = parseCsv(
      fs.readFileSync(path.join(r.groundTruthDir, STANDALONE_LOSS_FILE), 'utf8'),
    );
    assert.deepEqual(losses.header, ['arch', 'accuracy', 'loss', 'perplexity']);
    assert.equal(losses.rows.length, 3);
    for (const row of losses.rows) {
      assert.ok(Math.abs(Number(row[3]) - Math.exp(Number(row[2]))) < 1e-6 * Number(row[3]));
    }
    fs.rmSync(out, { recursive: true, force: true });
  },
);
