/**
 * Pins a tiny reduced-space supernet run (trainSubspaceSupernet, random 1/64 of NB-201) on the
 * pure-JS `cpu` engine: final checkpoint tensors hashed, the logged losses / accuracies / LRs,
 * and a resume from epoch 1 that must reach the same tensors. The values were produced by the
 * private epoch loop of src/experiments/subspace.ts before it went through fit (issue 13). The
 * checkpoint hash was re-pinned when NB-201's conv edges began to share their node's ReLU (a
 * node's gradient summed in another order; the logged values are unchanged to 7 digits).
 *
 * GOLDEN_PRINT=1 prints the values instead of asserting them.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine';
import { trainSubspaceSupernet, type SubspaceSpec } from '../../src/experiments';
import { createProgress, readLog } from '../../src/train';
import type { RunConfigInput } from '../../src/runs/config';
import { spaceBinding } from '../../src/supernet/registry';
import { hashCheckpoint } from '../train/golden-run';
import { fakeTrainingData } from '../supernet/smoke-data';

before(async () => {
  await initEngine('cpu');
});

const PINNED = {
  checkpoint: '6a8ca6c5a458bb448ff6df7bc880d1e57d53945983b6434dd807c644ed93eb66',
  log: [
    { epoch: 1, loss: 1.084584, accuracy: 45.83333, lr: 0.0375 },
    { epoch: 2, loss: 1.006883, accuracy: 52.08333, lr: 0.003349365 },
  ],
};

const round = (v: number) => Number(v.toPrecision(7));
const silent = createProgress({ silent: true });
const data = fakeTrainingData(48, 8);
const spec: SubspaceSpec = { reduction: 'random', factor: 64, seed: 1 };

/**
 * The run config of schema 2 (NB-201's smoke preset, C=2, N=1); its default seeds are the NB-201
 * trainer's, so the pinned values were produced by the same seeds.
 */
function config(): RunConfigInput {
  const preset = spaceBinding('nb201').preset('smoke');
  return {
    ...preset.supernet,
    kind: 'supernet',
    space: 'nb201',
    dataset: 'fashion-mnist',
    scale: 'smoke',
    skeleton: { space: 'nb201', net: { channels: 2, cellsPerStage: 1 } },
    data: preset.data,
    seed: 11,
    sampler: 'uniform',
    engine: 'cpu',
    epochs: 2,
    batchSize: 16,
    checkpointEpochs: [1, 2],
    spaceReduction: 'random',
    spaceFactor: 64,
    spaceSeed: 1,
  };
}

async function train(runDir: string): Promise<void> {
  await trainSubspaceSupernet({ runDir, config: config(), subspace: spec, data, progress: silent });
}

test('a tiny reduced-space supernet run holds bit for bit, and resumes to the same tensors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'subspace-golden-'));
  try {
    await train(dir);
    const got = {
      checkpoint: hashCheckpoint(dir),
      log: readLog(dir).map((e) => ({
        epoch: e.epoch,
        loss: round(e.loss),
        accuracy: round(e.accuracy),
        lr: round(e.lr),
      })),
    };
    if (process.env.GOLDEN_PRINT === '1') {
      process.stdout.write(`GOLDEN subspace ${JSON.stringify(got)}\n`);
    } else {
      assert.deepEqual(got, PINNED);
    }
    // killed after epoch 1: the epoch-2 checkpoint and log line are lost
    fs.rmSync(path.join(dir, 'checkpoints', 'epoch-0002'), { recursive: true });
    await train(dir);
    assert.equal(hashCheckpoint(dir), got.checkpoint, 'resumed run reaches the same tensors');
    assert.deepEqual(
      readLog(dir).map((e) => e.epoch),
      [1, 2],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
