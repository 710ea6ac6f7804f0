import * as tf from '@tensorflow/tfjs';

/** A node of tfjs's autodiff tape (tfjs-core 4.22, tape.ts / engine.ts addTapeNode). */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: tf.NamedTensorMap;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/** The parts of tfjs's Engine that `Engine.gradients` uses. */
interface EngineInternals {
  backendName: string;
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients(
    f: () => tf.Tensor,
    xs: tf.Tensor[],
    dy?: tf.Tensor,
    allowNoGradients?: boolean,
  ): { value: tf.Tensor; grads: tf.Tensor[] };
}

const PATCHED = Symbol.for('supernet-lab.frugalBackprop');

let bypass = 0;

/** Runs `fn` with tfjs's own `Engine.gradients` (to compare against, or to rule this out). */
export function withTfjsBackprop<T>(fn: () => T): T {
  bypass++;
  try {
    return fn();
  } finally {
    bypass--;
  }
}

/** A tape node on a path from `xs` to `y`, with the names of its inputs that depend on `xs`. */
interface PathNode {
  node: TapeNode;
  inputNames: string[];
}

/** The nodes of `tape` (in tape order) through which `y` depends on any of `xs`. */
function nodesOnPath(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor) {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodeFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      nodeFromX.add(node.id);
      for (const o of node.outputs) fromX.add(o.id);
    }
  }
  const toY = new Set<number>([y.id]);
  const nodeToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      nodeToY.add(node.id);
      for (const t of Object.values(node.inputs)) toY.add(t.id);
    }
  }
  const path: PathNode[] = [];
  for (const node of tape) {
    if (!nodeFromX.has(node.id) || !nodeToY.has(node.id)) continue;
    path.push({
      node,
      inputNames: Object.keys(node.inputs).filter((n) => fromX.has(node.inputs[n].id)),
    });
  }
  return path;
}

/**
 * tfjs's `Engine.gradients` keeps every intermediate gradient and every tensor saved for the
 * backward pass alive until the whole backward pass ends, so a training step's peak holds all
 * activations plus all their gradients (measured on NB-201 C=16 N=5, batch 64: about 2x the
 * activations alone). This replacement walks the same tape in the same order with the same
 * gradient functions and additions (identical values), but disposes a tensor's gradient as soon
 * as the node that produced the tensor has been differentiated (every consumer comes later on
 * the tape, so it is complete and used), and that node's saved tensors with it — as PyTorch's
 * autograd frees its graph while it runs. Only first-order gradients on `backends` take this
 * path (nested/higher-order gradients need the tape kept, and other backends run as before).
 */
export function installFrugalBackprop(backends: ReadonlySet<string>): void {
  const engine = tf.engine() as unknown as EngineInternals & { [PATCHED]?: true };
  if (engine[PATCHED]) return;
  const original = engine.gradients;
  engine.gradients = function gradients(this: EngineInternals, f, xs, dy, allowNoGradients) {
    if (bypass > 0 || this.state.gradientDepth > 0 || !backends.has(this.backendName)) {
      return original.call(this, f, xs, dy, allowNoGradients);
    }
    if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
    if (dy != null && dy.dtype !== 'float32') {
      throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    }
    const y = this.scopedRun(
      () => this.startTape(),
      () => this.endTape(),
      () => this.tidy('forward', f),
    );
    if (!(y instanceof tf.Tensor))
      throw new Error('The result y returned by f() must be a tensor.');
    const tape = this.state.activeTape ?? [];
    const path = nodesOnPath(tape, xs, y);
    if (!allowNoGradients && path.length === 0) {
      throw new Error(
        'Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed ' +
          'encloses all operations that lead from x to y.',
      );
    }
    return this.tidy('backward', () => {
      const keepIds = new Set(xs.map((x) => x.id));
      const grads = new Map<number, tf.Tensor>();
      // Tensor objects held by `grads` (a gradient function may pass dy through as a dx).
      const held = new Map<tf.Tensor, number>();
      const hold = (id: number, g: tf.Tensor) => {
        grads.set(id, g);
        held.set(g, (held.get(g) ?? 0) + 1);
      };
      const unhold = (id: number): tf.Tensor | undefined => {
        const g = grads.get(id);
        if (!g) return undefined;
        grads.delete(id);
        const n = (held.get(g) ?? 1) - 1;
        if (n > 0) held.set(g, n);
        else held.delete(g);
        return g;
      };
      // The caller's dy is the caller's.
      const release = (t: tf.Tensor | undefined) => {
        if (t && t !== dy && !held.has(t) && !t.isDisposed) t.dispose();
      };
      hold(y.id, dy ?? tf.ones(y.shape));
      for (let i = path.length - 1; i >= 0; i--) {
        const { node, inputNames } = path[i];
        if (node.gradient == null) {
          throw new Error(
            `Cannot compute gradient: gradient function not found for ${node.kernelName}.`,
          );
        }
        const gradient = node.gradient;
        const dys = node.outputs.map((o) => grads.get(o.id) ?? null);
        // Temporaries of the gradient function itself (e.g. a customGrad's) end with the node.
        const dxs = this.tidy(() => {
          const fns = gradient(dys);
          return inputNames.map((name) => {
            if (!(name in fns)) {
              throw new Error(
                `Cannot backprop through input ${name}. Available gradients found: ${Object.keys(fns)}.`,
              );
            }
            return this.tidy(() => fns[name]());
          });
        });
        const spent: (tf.Tensor | undefined)[] = [];
        inputNames.forEach((name, k) => {
          const dx = dxs[k];
          const x = node.inputs[name];
          if (dx.dtype !== 'float32') {
            throw new Error(
              `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`,
            );
          }
          if (!tf.util.arraysEqual(dx.shape, x.shape)) {
            throw new Error(
              `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`,
            );
          }
          const cur = unhold(x.id);
          if (cur == null) hold(x.id, dx);
          else {
            hold(x.id, tf.add(cur, dx));
            spent.push(cur, dx);
          }
        });
        for (const o of node.outputs) if (!keepIds.has(o.id)) spent.push(unhold(o.id));
        for (const t of spent) release(t);
        // No second-order use at depth 0: the node's saved tensors are done.
        for (const t of node.saved ?? []) t.dispose();
      }
      const result = xs.map((x) => grads.get(x.id)) as tf.Tensor[];
      for (const node of tape) for (const t of node.saved ?? []) t.dispose();
      this.state.activeTape = null;
      return { value: y, grads: result };
    });
  };
  engine[PATCHED] = true;
}
