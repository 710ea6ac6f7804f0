/**
 * Penn Treebank token segments as a batch source. Without ptb.train.txt (../shared/data has
 * none) the supernet trains on the start of the validation file and is scored on the start of
 * the test file; the vocabulary is cut to the `vocabulary - 1` first-seen words plus one bucket
 * for every other word.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../info';
import { BadInputError } from '../../errors';
import { loadPtb } from '../../data/ptb';
import { Rng } from '../../engine/random';
import { permutation } from '../../spaces/choices';
import type { BatchSource, SpaceBatch } from '../../data/types';

/** Default folder of the Penn Treebank files: kernels-data/ptb, else ../shared/data/ptb. */
export function defaultPtbDir(): string {
  const local = path.join(packageRoot, 'kernels-data', 'ptb');
  if (fs.existsSync(path.join(local, 'ptb.valid.txt'))) return local;
  const shared = path.join(packageRoot, '..', 'shared', 'data', 'ptb');
  if (fs.existsSync(path.join(shared, 'ptb.valid.txt'))) return shared;
  throw new BadInputError(
    `no Penn Treebank files found (looked for ptb.valid.txt in ${local} and ${shared}); pass --data-dir with ptb.train.txt / ptb.valid.txt / ptb.test.txt`,
  );
}

export interface PtbSmokeOptions {
  /** Folder with ptb.valid.txt and ptb.test.txt (and optionally ptb.train.txt). */
  dir: string;
  vocabulary: number;
  /** Tokens per segment (truncated back-propagation length). */
  steps: number;
  trainTokens: number;
  validTokens: number;
}

/** Segments of `steps` inputs and their next tokens, from ids (clipped to the vocabulary). */
export function ptbSegments(
  ids: Int32Array,
  steps: number,
  vocabulary: number,
): { inputs: Float32Array[]; targets: Int32Array[] } {
  const clip = (v: number) => Math.min(v, vocabulary - 1);
  const inputs: Float32Array[] = [];
  const targets: Int32Array[] = [];
  for (let start = 0; start + steps + 1 <= ids.length; start += steps) {
    inputs.push(Float32Array.from(ids.subarray(start, start + steps), clip));
    targets.push(Int32Array.from(ids.subarray(start + 1, start + steps + 1), clip));
  }
  return { inputs, targets };
}

function batchOf(
  seg: { inputs: Float32Array[]; targets: Int32Array[] },
  idx: readonly number[],
  steps: number,
): SpaceBatch {
  const images = new Float32Array(idx.length * steps);
  const labels = new Int32Array(idx.length * steps);
  idx.forEach((k, i) => {
    images.set(seg.inputs[k], i * steps);
    labels.set(seg.targets[k], i * steps);
  });
  return { images, labels, shape: [idx.length, steps] };
}

export function ptbBatchSource(o: PtbSmokeOptions): BatchSource {
  const corpus = loadPtb(o.dir);
  const trainSplit = corpus.splits.train ? 'train' : 'valid';
  const validSplit = trainSplit === 'valid' ? 'test' : 'valid';
  const segments = (split: 'train' | 'valid' | 'test', tokens: number) =>
    ptbSegments(corpus.splits[split]!.subarray(0, tokens + 1), o.steps, o.vocabulary);
  const train = segments(trainSplit, o.trainTokens);
  const valid = segments(validSplit, o.validTokens);
  if (train.inputs.length === 0 || valid.inputs.length === 0) {
    throw new Error(`too few PTB tokens for segments of ${o.steps}`);
  }
  return {
    trainSize: train.inputs.length,
    describe: {
      dataset: 'ptb',
      trainSplit,
      validSplit,
      vocabulary: o.vocabulary,
      steps: o.steps,
      trainTokens: o.trainTokens,
      validTokens: o.validTokens,
    },
    *train(epoch, batchSize, seed) {
      const order = permutation(new Rng(`${seed}/epoch-${epoch}`), train.inputs.length);
      for (let i = 0; i + batchSize <= order.length; i += batchSize) {
        yield batchOf(train, order.slice(i, i + batchSize), o.steps);
      }
    },
    *valid(batchSize) {
      const n = valid.inputs.length;
      for (let i = 0; i < n; i += batchSize) {
        yield batchOf(
          valid,
          Array.from({ length: Math.min(batchSize, n - i) }, (_, k) => i + k),
          o.steps,
        );
      }
    },
  };
}
