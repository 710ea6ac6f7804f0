/**
 * Pins a short deterministic differentiable search of every method (DARTS 1st/2nd order, GAEA
 * bilevel/ERM) on the pure-JS `cpu` engine: the final checkpoint's tensors hashed, arch.jsonl
 * hashed, and the logged numbers; a search killed after epoch 1 must resume to the same files.
 * The values were produced by the private epoch loop of src/search/search-run.ts before it went
 * through fit (issue 13).
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
    checkpoint: '49d507b4daedd9fd8c7bf59a92e69b1b6cc14f3d3b4cab905c7e463b44aad914',
    arch: '830aa41be4de2c30fb841fbd7d977ce3fd91c0c0ee9ff61bd364eae469de11f4',
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
    checkpoint: 'b13ed6a3925b3623c8fe085878286b9b29375661de8c61a6af7834e0a5965504',
    arch: '0a4d3e5f5be9d4db7c8436f29e0501733f756e11760b124e1cfabc48b6a36b72',
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
    checkpoint: '55de2cef3b174e0278a3f65c03068ff903854758689e0f5ea57ad497018925a9',
    arch: 'f9fc82f983f86e96e4baf07d9e6267bbdbd7ae0c96b727e06f5d3e18bd91f31b',
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
    checkpoint: '187ddd0ce4dee4808d2ba9daf188aa6b08bb3b32a0004fba4656160b7b0ba91d',
    arch: 'd2bc42af73767574994d0cb8b7ec6b3c4dfe97b84cc6cd29cc4e210ea9bb3285',
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
