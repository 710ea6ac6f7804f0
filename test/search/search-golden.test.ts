/**
 * Pins a short deterministic differentiable search of every method (DARTS 1st/2nd order, GAEA
 * bilevel/ERM) on the pure-JS `cpu` engine: the final checkpoint's tensors hashed, arch.jsonl
 * hashed, and the logged numbers; a search killed after epoch 1 must resume to the same files.
 * The values were produced by the private epoch loop of src/search/search-run.ts before it went
 * through fit (issue 13). The checkpoint and arch.jsonl hashes were re-pinned when the relaxed
 * NB-201 network's convs began to share their node's ReLU (a node's gradient summed in another
 * order; every logged number and derived cell is unchanged to 7 digits).
 *
 * GOLDEN_PRINT=1 prints the values instead of asserting them.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Dataset } from '../../src/data/types';
import { initEngine } from '../../src/engine';
import { archPath, runSearch, type SearchConfigInput, type SearchMethod } from '../../src/search';
import type { TrainingData } from '../../src/train/data';
import { readLog } from '../../src/runs/folder';
import { hashCheckpoint, hashFile } from '../train/golden-run';

before(async () => {
  await initEngine('cpu');
});

interface Pinned {
  checkpoint: string;
  arch: string;
  derived: string;
  log: Record<string, number | string>[];
}

const PINNED: Record<string, Pinned> = {
  'darts-1': {
    checkpoint: 'd9074ca18ebddc45008f09b4d40b1832f15b032b442ec1166155f873da99fc7f',
    arch: '408fdf74c2b612115603a7a22a33701fed8a8492a65d55946763e468e8e2a10b',
    derived:
      '|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|avg_pool_3x3~0|skip_connect~1|skip_connect~2|',
    log: [
      {
        epoch: 1,
        loss: 1.089938,
        accuracy: 41.66667,
        lr: 0.019,
        archLoss: 1.081186,
        entropy: 1.609437,
        derived:
          '|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|nor_conv_3x3~0|skip_connect~1|skip_connect~2|',
      },
      {
        epoch: 2,
        loss: 1.134537,
        accuracy: 45.83333,
        lr: 0.002607695,
        archLoss: 1.163158,
        entropy: 1.609437,
        derived:
          '|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|avg_pool_3x3~0|skip_connect~1|skip_connect~2|',
      },
    ],
  },
  'darts-2': {
    checkpoint: '38fde6fb7f3d59c4cfa0208d7de7750dee2d9c8af65758011e4cd07bddd7194d',
    arch: '65e12109c7a5ba9cdd4d5f9c0640a7e86ad4bef027990c40d20ab1692746f3c5',
    derived:
      '|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|avg_pool_3x3~0|skip_connect~1|avg_pool_3x3~2|',
    log: [
      {
        epoch: 1,
        loss: 1.089948,
        accuracy: 41.66667,
        lr: 0.019,
        archLoss: 1.079113,
        entropy: 1.609437,
        derived:
          '|nor_conv_1x1~0|+|avg_pool_3x3~0|none~1|+|nor_conv_3x3~0|skip_connect~1|skip_connect~2|',
      },
      {
        epoch: 2,
        loss: 1.134746,
        accuracy: 45.83333,
        lr: 0.002607695,
        archLoss: 1.162233,
        entropy: 1.609437,
        derived:
          '|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|avg_pool_3x3~0|skip_connect~1|avg_pool_3x3~2|',
      },
    ],
  },
  'gaea-bilevel': {
    checkpoint: '34cafa0ee8a50c9425c0a49cd61d2c9a97ee2a8da6eb7fec8638e9ab66d7b27d',
    arch: '97ac484801e4a5743ed39b6bfb750ac528d3cfe992eb61f527c3cbe46638fb59',
    derived:
      '|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_3x3~1|nor_conv_3x3~2|',
    log: [
      {
        epoch: 1,
        loss: 1.081593,
        accuracy: 45.83333,
        lr: 0.019,
        archLoss: 1.078436,
        entropy: 1.608867,
        derived:
          '|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_3x3~1|nor_conv_3x3~2|',
      },
      {
        epoch: 2,
        loss: 1.135407,
        accuracy: 45.83333,
        lr: 0.002607695,
        archLoss: 1.166445,
        entropy: 1.607734,
        derived:
          '|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_3x3~1|nor_conv_3x3~2|',
      },
    ],
  },
  'gaea-erm': {
    checkpoint: '263811732b003ecd0ce498ffb668c220a7270a5b078427ff34e25b1c2a535818',
    arch: 'bc9752fc437f80cb74389ef2b0885c18156b6e52a885ea05646df708c0d9ae60',
    derived:
      '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_1x1~2|',
    log: [
      {
        epoch: 1,
        loss: 1.114967,
        accuracy: 31.25,
        lr: 0.01534108,
        archLoss: 1.066655,
        entropy: 1.608451,
        derived:
          '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_3x3~1|nor_conv_1x1~2|',
      },
      {
        epoch: 2,
        loss: 1.082332,
        accuracy: 42.1875,
        lr: 0.001230577,
        archLoss: 1.06889,
        entropy: 1.607853,
        derived:
          '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_1x1~2|',
      },
    ],
  },
};

/** Tiny synthetic image set: class k has a bright k-th row band (learnable, 8x8 grey). */
function synthetic(name: string, n: number, seed: number): Dataset {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const images = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    labels[i] = k;
    for (let p = 0; p < 64; p++)
      images[i * 64 + p] = 0.3 * rnd() + (Math.floor(p / 8) % 3 === k ? 1 : 0);
  }
  return {
    name,
    images,
    labels,
    shape: [n, 8, 8, 1],
    numClasses: 3,
    classNames: ['a', 'b', 'c'],
    mean: [0],
    std: [1],
    source: 'synthetic',
  };
}

// Held-out half larger than the training half: bilevel epochs have min(train, valid) steps.
const DATA: TrainingData = {
  train: synthetic('syn/train', 24, 1),
  valid: synthetic('syn/valid', 40, 2),
  test: synthetic('syn/test', 16, 3),
  inputChannels: 1,
  classes: 3,
  imageSize: 8,
};

function input(method: SearchMethod): SearchConfigInput {
  return {
    method,
    dataset: 'fashion-mnist',
    scale: 'smoke',
    seed: 3,
    engine: 'cpu',
    groundTruth: 'benchmark',
    overrides: { epochs: 2, batchSize: 8, channels: 2, trainImages: 24, validImages: 40 },
  };
}

const silent = { update() {}, line() {}, done() {} };
const round = (v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(7)) : (v as string));

function observe(dir: string, derived: string): Pinned {
  return {
    checkpoint: hashCheckpoint(dir),
    arch: hashFile(archPath(dir)),
    derived,
    log: readLog(dir).map((e) => {
      const out: Record<string, number | string> = {};
      for (const k of ['epoch', 'loss', 'accuracy', 'lr', 'archLoss', 'entropy', 'derived']) {
        out[k] = round(e[k]);
      }
      return out;
    }),
  };
}

for (const method of ['darts-1', 'darts-2', 'gaea-bilevel', 'gaea-erm'] as const) {
  test(`a short ${method} search holds bit for bit, and resumes to the same files`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `search-golden-${method}-`));
    const killed = fs.mkdtempSync(path.join(os.tmpdir(), `search-golden-${method}-k-`));
    try {
      const out = await runSearch(input(method), { runDir: dir, data: DATA, progress: silent });
      const got = observe(dir, out.result!.derived);
      if (process.env.GOLDEN_PRINT === '1') {
        process.stdout.write(`GOLDEN ${method} ${JSON.stringify(got)}\n`);
      } else {
        assert.deepEqual(got, PINNED[method]);
      }
      const first = await runSearch(input(method), {
        runDir: killed,
        data: DATA,
        progress: silent,
        maxEpochs: 1,
      });
      assert.equal(first.result, null);
      assert.equal(first.epochsRun, 1);
      const resumed = await runSearch(input(method), {
        runDir: killed,
        data: DATA,
        progress: silent,
      });
      assert.equal(resumed.epochsRun, 1);
      const again = observe(killed, resumed.result!.derived);
      assert.equal(again.checkpoint, got.checkpoint, 'same tensors after resume');
      assert.equal(again.arch, got.arch, 'same arch.jsonl after resume');
      assert.deepEqual(again.log, got.log);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(killed, { recursive: true, force: true });
    }
  });
}
