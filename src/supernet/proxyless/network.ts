/**
 * ProxylessNAS chain supernet: the MobileNetV2-like skeleton of src/spaces/proxyless (first conv
 * stride 2 + BN + ReLU6, fixed MBConv1 3x3 block, searchable layers, 1x1 conv + BN + ReLU6,
 * global average pool, linear) where every searchable layer owns one MBConv block per choice
 * (kernel 3/5/7 x expansion 3/6; 1x1 expand + BN + ReLU6, depthwise kxk at the layer's stride
 * + BN + ReLU6, 1x1 project + BN), as ProxylessNAS's mixed edges do; `skip` makes the layer the
 * identity. Layers with equal input/output shapes add a residual shortcut. A path's parameters
 * equal the space's cost model for that architecture. Stride-2 convolutions are computed at
 * stride 1 and subsampled (PyTorch's symmetric padding).
 */
import * as tf from '@tensorflow/tfjs';
import type { ProxylessArch, ProxylessSkeleton } from '../../spaces/proxyless/definition';
import { PROXYLESS_OPS } from '../../spaces/proxyless/definition';
import { mbconvShape } from '../../spaces/proxyless/arch';
import {
  proxylessLayers,
  proxylessSkeleton,
  proxylessWidths,
  type ProxylessLayer,
} from '../../spaces/proxyless/layers';
import type { ForwardOptions } from '../network';
import * as ops from '../ops';
import { BankNetwork, WeightBank, type BatchNorm, type SpaceNetwork, classify } from '../blocks';
import { subsample2 } from '../darts/network';

interface Mb {
  expand: { w: tf.Variable<tf.Rank.R4>; bn: BatchNorm } | null;
  dw: tf.Variable<tf.Rank.R4>;
  dwBn: BatchNorm;
  project: tf.Variable<tf.Rank.R4>;
  projectBn: BatchNorm;
  stride: number;
}

export class ProxylessSupernet extends BankNetwork implements SpaceNetwork<ProxylessArch> {
  readonly skeleton: ProxylessSkeleton;
  private readonly layers: ProxylessLayer[];
  private readonly stem: { w: tf.Variable<tf.Rank.R4>; bn: BatchNorm };
  private readonly first: Mb;
  private readonly blocks: Array<Map<string, Mb>> = [];
  private readonly last: { w: tf.Variable<tf.Rank.R4>; bn: BatchNorm };
  private readonly head: { w: tf.Variable; b: tf.Variable | null };

  constructor(skeleton: Partial<ProxylessSkeleton>, seed: number) {
    super(new WeightBank(seed));
    this.skeleton = proxylessSkeleton(skeleton);
    const s = this.skeleton;
    const w = proxylessWidths(s);
    this.stem = {
      w: this.bank.conv('stem.conv.w', 3, s.inChannels, w.firstConv),
      bn: this.bank.batchNorm('stem.bn', w.firstConv),
    };
    this.first = this.mbconv('first', w.firstConv, w.firstBlock, 3, 1, 1);
    this.layers = proxylessLayers(s);
    for (const layer of this.layers) {
      const m = new Map<string, Mb>();
      for (const op of PROXYLESS_OPS) {
        const shape = mbconvShape(op);
        if (!shape) continue;
        m.set(
          op,
          this.mbconv(
            `layers.${layer.index}.${op}`,
            layer.inChannels,
            layer.outChannels,
            shape.kernel,
            shape.expand,
            layer.stride,
          ),
        );
      }
      this.blocks.push(m);
    }
    const lastIn = w.stages[w.stages.length - 1];
    this.last = {
      w: this.bank.conv('last.conv.w', 1, lastIn, w.last),
      bn: this.bank.batchNorm('last.bn', w.last),
    };
    this.head = this.bank.dense('head.fc', w.last, s.numClasses);
  }

  pathNames(arch: ProxylessArch): { trainable: string[]; buffers: string[] } {
    this.check(arch);
    const prefixes = ['stem.', 'first.', 'last.', 'head.'];
    arch.forEach((op, i) => {
      if (op !== 'skip') prefixes.push(`layers.${i}.${op}.`);
    });
    return this.bank.pick(prefixes);
  }

  forward(x: tf.Tensor, arch: ProxylessArch, options: ForwardOptions): tf.Tensor2D {
    this.check(arch);
    return tf.tidy(() => {
      let h = subsample2(ops.conv2d(x as tf.Tensor4D, this.stem.w, 1, 1));
      h = tf.relu6(this.bank.bn(this.stem.bn, h, options));
      h = this.mbForward(this.first, h, options);
      this.layers.forEach((layer, i) => {
        const op = arch[i];
        if (op === 'skip') return;
        const y = this.mbForward(this.blocks[i].get(op)!, h, options);
        h = layer.skippable ? tf.add(h, y) : y;
      });
      h = tf.relu6(this.bank.bn(this.last.bn, ops.conv2d(h, this.last.w, 1, 0), options));
      return classify(h, this.head);
    });
  }

  private check(arch: ProxylessArch): void {
    if (arch.length !== this.layers.length) {
      throw new Error(`expected ${this.layers.length} layer ops, got ${arch.length}`);
    }
    arch.forEach((op, i) => {
      if (op === 'skip' && !this.layers[i].skippable) {
        throw new Error(`layer ${i} cannot be skipped (its shapes change)`);
      }
    });
  }

  private mbconv(name: string, cin: number, cout: number, k: number, e: number, stride: number) {
    const mid = Math.round(cin * e);
    return {
      expand:
        e === 1
          ? null
          : {
              w: this.bank.conv(`${name}.expand.w`, 1, cin, mid),
              bn: this.bank.batchNorm(`${name}.expand.bn`, mid),
            },
      dw: this.bank.depthwise(`${name}.dw.w`, k, mid),
      dwBn: this.bank.batchNorm(`${name}.dw.bn`, mid),
      project: this.bank.conv(`${name}.project.w`, 1, mid, cout),
      projectBn: this.bank.batchNorm(`${name}.project.bn`, cout),
      stride,
    };
  }

  private mbForward(m: Mb, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    let h = x;
    if (m.expand) h = tf.relu6(this.bank.bn(m.expand.bn, ops.conv2d(h, m.expand.w, 1, 0), options));
    h = tf.depthwiseConv2d(h, m.dw, 1, 'same');
    if (m.stride === 2) h = subsample2(h);
    h = tf.relu6(this.bank.bn(m.dwBn, h, options));
    return this.bank.bn(m.projectBn, ops.conv2d(h, m.project, 1, 0), options);
  }
}
