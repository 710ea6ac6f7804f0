import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs's Engine that `Engine.clone` uses (tfjs-core 4.22, engine.ts). */
interface EngineInternals {
  backendName: string;
  backend: { incRef(dataId: object): void };
  state: { activeScope: { name: string } | null };
  clone(x: tf.Tensor): tf.Tensor;
  makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
  addTapeNode(
    kernelName: string,
    inputs: tf.NamedTensorMap,
    outputs: tf.Tensor[],
    gradientsFunc: (dy: tf.Tensor) => Record<string, () => tf.Tensor>,
    saved: tf.Tensor[],
    attrs: tf.NamedAttrMap,
  ): void;
}

const PATCHED = Symbol.for('supernet-lab.directClone');

/**
 * tfjs keeps every tensor a gradient needs by cloning it (`Engine.saveTensorsForBackwardMode`
 * and the `save` of `customGrad` call `Engine.clone`), and each clone dispatches the Identity
 * kernel through the whole engine (kernel lookup, scoped run, profiling hooks): about half of
 * all kernel calls of a training step (377 of 970 on the laptop network, 1529 of 3358 on
 * NB-201). On `backendName` this makes the clone directly, as the cpu backend's Identity kernel
 * does (one more reference to the same data, a new tensor), and records the same tape node as
 * `Engine.clone` (so gradients through a saved tensor, e.g. second order, are unchanged).
 * Other backends and dtypes go through the original.
 */
export function installDirectClone(backendName: string): void {
  const engine = tf.engine() as unknown as EngineInternals & { [PATCHED]?: true };
  if (engine[PATCHED]) return;
  const original = engine.clone;
  engine.clone = function clone(this: EngineInternals, x: tf.Tensor): tf.Tensor {
    if (this.backendName !== backendName || x.dtype === 'string' || x.dtype === 'complex64') {
      return original.call(this, x);
    }
    this.backend.incRef(x.dataId);
    const y = this.makeTensorFromTensorInfo({ dataId: x.dataId, shape: x.shape, dtype: x.dtype });
    const grad = (dy: tf.Tensor) => ({
      x: () => tf.engine().runKernel('Cast', { x: dy }, { dtype: 'float32' }) as tf.Tensor,
    });
    this.addTapeNode(this.state.activeScope!.name, { x }, [y], grad, [], {});
    return y;
  };
  engine[PATCHED] = true;
}
