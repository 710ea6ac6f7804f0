/**
 * The ProxylessNAS chain space, GPU setting (Cai et al., 2019; seed 001, appendix A.1): a
 * MobileNetV2-like network whose searchable layers each pick an MBConv block (kernel 3, 5 or 7;
 * expansion 3 or 6) or skip the layer, at width multiplier 1.35.
 *
 *   first conv   Conv3x3 stride 2 (3 -> 32w) + BN + ReLU6
 *   first block  MBConv1 3x3 (32w -> 16w), fixed
 *   6 stages     widths 24, 40, 80, 96, 192, 320 (times w), 4, 4, 4, 4, 4, 1 layers, first-layer
 *                strides 2, 2, 2, 1, 2, 1: 21 searchable layers. A layer may be skipped only
 *                when its input and output shapes agree (stride 1, same width): the first layer
 *                of every stage must be an MBConv.
 *   head         Conv1x1 (320w -> 1280w) + BN + ReLU6, global average pool, Linear(-> 1000)
 *
 * Widths are rounded to multiples of 8 as MobileNet does (make_divisible). Size: 6 choices for
 * the 6 first layers and 7 for the other 15: 6^6 * 7^15 = 221,502,229,807,900,608 (~2.22e17,
 * the seed's number). In evaluation the seed keeps the mobile setting: FLOPs <= 600M.
 */

/** MBConv choices, named as ProxylessNAS names them (`KxK_MBConvE`), and skipping the layer. */
export const PROXYLESS_OPS = [
  '3x3_MBConv3',
  '3x3_MBConv6',
  '5x5_MBConv3',
  '5x5_MBConv6',
  '7x7_MBConv3',
  '7x7_MBConv6',
  'skip',
] as const;

export type ProxylessOp = (typeof PROXYLESS_OPS)[number];

/** One op per searchable layer, in network order. */
export type ProxylessArch = readonly ProxylessOp[];

/** The network around the searchable layers. */
export interface ProxylessSkeleton {
  /** Width multiplier applied to every channel count (then rounded to a multiple of 8). */
  widthMult: number;
  /** Base output channels of the stages (before the multiplier). */
  widthStages: readonly number[];
  /** Searchable layers per stage. */
  layersPerStage: readonly number[];
  /** Stride of each stage's first layer. */
  strideStages: readonly number[];
  /** Base channels of the first conv and of the fixed first block. */
  firstConv: number;
  firstBlock: number;
  /** Base channels of the final 1x1 conv (multiplied only when widthMult > 1, as ProxylessNAS). */
  lastChannel: number;
  inChannels: number;
  numClasses: number;
  /** Height = width of the input images. */
  imageSize: number;
}

/** ProxylessNAS-GPU on ImageNet: width 1.35, 224x224. */
export const PROXYLESS_GPU_SKELETON: Readonly<ProxylessSkeleton> = Object.freeze({
  widthMult: 1.35,
  widthStages: Object.freeze([24, 40, 80, 96, 192, 320]),
  layersPerStage: Object.freeze([4, 4, 4, 4, 4, 1]),
  strideStages: Object.freeze([2, 2, 2, 1, 2, 1]),
  firstConv: 32,
  firstBlock: 16,
  lastChannel: 1280,
  inChannels: 3,
  numClasses: 1000,
  imageSize: 224,
});

/** The mobile-setting FLOPs limit the seed applies in evaluation. */
export const PROXYLESS_FLOPS_LIMIT = 600e6;
