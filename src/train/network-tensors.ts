/**
 * A network's variables as the stored tensors of a checkpoint and back: `param/<name>` weights,
 * `buffer/<name>` BN running statistics and `momentum/<name>` SGD buffers.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedVariables } from '../supernet/network';
import type { StoredTensor } from '../runs/folder';
import type { Sgd } from '../core/sgd';

/** Weights, BN buffers and momentum buffers as stored tensors, named `<prefix><name>`. */
export function networkTensors(
  net: { variables: NamedVariables },
  sgd?: Sgd,
  prefixes = { param: 'param/', buffer: 'buffer/', momentum: 'momentum/' },
): StoredTensor[] {
  const out: StoredTensor[] = [];
  const add = (prefix: string, m: ReadonlyMap<string, tf.Tensor>) => {
    for (const [name, v] of m) {
      out.push({ name: prefix + name, shape: v.shape, data: v.dataSync() as Float32Array });
    }
  };
  add(prefixes.param, net.variables.trainable);
  add(prefixes.buffer, net.variables.buffers);
  if (sgd) add(prefixes.momentum, sgd.state());
  return out;
}

/** Loads weights and BN buffers (and momentum buffers into `sgd`) from stored tensors. */
export function loadNetworkTensors(
  net: { variables: NamedVariables },
  tensors: ReadonlyMap<string, StoredTensor>,
  sgd?: Sgd,
): void {
  for (const kind of ['trainable', 'buffers'] as const) {
    const prefix = kind === 'trainable' ? 'param/' : 'buffer/';
    for (const [name, v] of net.variables[kind]) {
      const t = tensors.get(prefix + name);
      if (!t) throw new Error(`checkpoint has no ${prefix}${name}`);
      if (t.shape.join() !== v.shape.join()) {
        throw new Error(`checkpoint ${prefix}${name} has shape [${t.shape}], network [${v.shape}]`);
      }
      tf.tidy(() => v.assign(tf.tensor(t.data, v.shape)));
    }
  }
  if (sgd) {
    const buffers = new Map<string, tf.Tensor>();
    for (const [key, t] of tensors) {
      if (key.startsWith('momentum/')) buffers.set(key.slice(9), tf.tensor(t.data, t.shape));
    }
    sgd.loadState(buffers);
    tf.dispose([...buffers.values()]);
  }
}
