import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adamStep,
  archOptimizerFromState,
  DARTS_ARCH_ADAM,
  DartsArchOptimizer,
  initAdamState,
} from '../../src/optim';

function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
}

test('DARTS architecture Adam defaults', () => {
  assert.deepEqual(
    { ...DARTS_ARCH_ADAM },
    { lr: 3e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8, weightDecay: 1e-3 },
  );
});

test('Adam on a hand-computed two-step case', () => {
  const opts = { lr: 0.1, beta1: 0.5, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
  // step 1, g = 0.2: m = 0.1, v = 4e-5; m^ = 0.2, v^ = 0.04 -> p = 1 - 0.1 * 0.2 / (0.2 + 1e-8)
  const s1 = adamStep([[1]], [[0.2]], initAdamState(1, 1), opts);
  close(s1.params[0][0], 1 - 0.02 / 0.20000001, 1e-15, 'p1');
  close(s1.state.m[0][0], 0.1, 1e-15, 'm1');
  close(s1.state.v[0][0], 4e-5, 1e-18, 'v1');
  // step 2, g = -0.1: m = 0.5 * 0.1 + 0.5 * (-0.1) = 0 -> no move; v = 0.999 * 4e-5 + 0.001 * 0.01
  const s2 = adamStep(s1.params, [[-0.1]], s1.state, opts);
  assert.equal(s2.params[0][0], s1.params[0][0]);
  close(s2.state.v[0][0], 4.996e-5, 1e-18, 'v2');
  assert.equal(s2.state.step, 2);
});

test('Adam weight decay is an L2 term on the gradient (PyTorch semantics)', () => {
  // p = 2, g = 0, wd = 1e-3: g' = 0.002, first step moves by lr * 0.002 / (0.002 + 1e-8)
  const s = adamStep([[2]], [[0]], initAdamState(1, 1), { ...DARTS_ARCH_ADAM });
  close(s.params[0][0], 2 - (3e-4 * 0.002) / (0.002 + 1e-8), 1e-15, 'decayed');
});

test('DARTS optimizer: small random start, checkpoint round trip, inputs not aliased', () => {
  let k = 0;
  const normal = () => [1, -2, 0.5][k++ % 3];
  const opt = DartsArchOptimizer.init(2, 3, normal);
  assert.deepEqual(opt.params(), [
    [1e-3, -2e-3, 5e-4],
    [1e-3, -2e-3, 5e-4],
  ]);
  const grad = [
    [1, 0, -1],
    [0.5, 0.5, 0.5],
  ];
  opt.step(grad);
  const copy = archOptimizerFromState(JSON.parse(JSON.stringify(opt.state())));
  opt.step(grad);
  copy.step(grad);
  assert.deepEqual(copy.params(), opt.params());
  assert.deepEqual(copy.weights(), opt.weights());
  const p = opt.params();
  p[0][0] = 99;
  assert.notEqual(opt.params()[0][0], 99);
});
