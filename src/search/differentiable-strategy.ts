/**
 * Differentiable architecture search as a strategy of the one training loop (src/train/fit.ts):
 * the relaxed NB-201 network of src/optim trained by fit's epochs, data order, log and resume.
 */
import * as tf from '@tensorflow/tfjs';
import type { SpaceBatch } from '../data/types';
import type {
  DifferentiableSearch,
  DifferentiableSearchState,
} from '../optim/differentiable-search';
import { formatNb201 } from '../spaces/nb201/arch';
import type { Nb201Arch, Nb201Op } from '../spaces/nb201/definition';
import type { FitStrategy } from '../train/strategies';

function tensorsOf(b: SpaceBatch): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return {
    x: tf.tensor4d(b.images, b.shape as [number, number, number, number]),
    y: tf.tensor1d(b.labels, 'int32'),
  };
}

/**
 * Differentiable architecture search (DARTS 1st/2nd order, GAEA bilevel/ERM) on the relaxed
 * NB-201 network: each step is one weight step then one architecture step (`search.trainStep`,
 * which owns the weight SGD, its cosine schedule and the architecture optimizer). Bilevel methods
 * take their architecture batch from fit's paired stream (the held-out half). Checkpoints hold
 * `search.tensors()` and `{ search: search.state() }`; every epoch's log line gets archLoss (mean
 * over its steps), entropy and derived (the argmax cell).
 */
export function differentiableStrategy(search: DifferentiableSearch): FitStrategy<Nb201Arch> {
  let archLossSum = 0;
  let steps = 0;
  return {
    nets: [search.supernet],
    next() {
      throw new Error(`${search.method} trains the relaxed network: it draws no discrete paths`);
    },
    state: () => ({ name: search.method }),
    step(batch, { paired }) {
      if (search.spec.objective === 'bilevel' && paired === undefined) {
        throw new Error(`${search.method} is bilevel: fit needs a paired (held-out) stream`);
      }
      const train = tensorsOf(batch);
      const val = paired ? tensorsOf(paired) : undefined;
      try {
        const r = search.trainStep({ train, val });
        archLossSum += r.archLoss;
        steps++;
        return { loss: r.trainLoss, correct: r.trainCorrect, lr: r.lr };
      } finally {
        tf.dispose([train.x, train.y]);
        if (val) tf.dispose([val.x, val.y]);
      }
    },
    checkpoint: {
      tensors: () => search.tensors(),
      state: () => ({ search: search.state() }),
      restore(state, tensors) {
        search.restore(state['search'] as DifferentiableSearchState, tensors);
        return search.steps;
      },
    },
    endEpoch() {
      const snap = search.snapshot();
      const extra = {
        archLoss: archLossSum / steps,
        entropy: snap.entropy,
        derived: formatNb201(snap.derivedOps as Nb201Op[]),
      };
      archLossSum = 0;
      steps = 0;
      return extra;
    },
  };
}
