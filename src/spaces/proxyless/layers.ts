import { PROXYLESS_GPU_SKELETON, type ProxylessSkeleton } from './definition';

/** MobileNet's channel rounding: nearest multiple of `divisor`, never 10% below `v`. */
export function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

/** A complete, checked skeleton (missing fields from the ProxylessNAS-GPU skeleton). */
export function proxylessSkeleton(input: Partial<ProxylessSkeleton> = {}): ProxylessSkeleton {
  const s: ProxylessSkeleton = { ...PROXYLESS_GPU_SKELETON, ...stripUndefined(input) };
  const positive = (name: string, v: unknown, integer = true) => {
    if (!(typeof v === 'number' && v > 0 && (integer ? Number.isInteger(v) : Number.isFinite(v)))) {
      throw new Error(
        `skeleton ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(v)}`,
      );
    }
  };
  positive('widthMult', s.widthMult, false);
  const counts = ['firstConv', 'firstBlock', 'lastChannel', 'inChannels', 'numClasses'] as const;
  for (const key of [...counts, 'imageSize'] as const) positive(key, s[key]);
  const n = s.widthStages.length;
  if (s.layersPerStage.length !== n || s.strideStages.length !== n) {
    throw new Error(
      `skeleton widthStages, layersPerStage and strideStages must have the same length (${n}, ${s.layersPerStage.length}, ${s.strideStages.length})`,
    );
  }
  s.widthStages.forEach((v, i) => positive(`widthStages[${i}]`, v));
  s.layersPerStage.forEach((v, i) => positive(`layersPerStage[${i}]`, v));
  s.strideStages.forEach((v, i) => {
    if (v !== 1 && v !== 2) throw new Error(`skeleton strideStages[${i}] must be 1 or 2, got ${v}`);
  });
  return s;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** One searchable layer of the network. */
export interface ProxylessLayer {
  /** Position among the searchable layers. */
  index: number;
  stage: number;
  /** Position within the stage. */
  indexInStage: number;
  inChannels: number;
  outChannels: number;
  stride: number;
  /** Height = width of the layer's input. */
  inputSize: number;
  /** Whether the layer may be skipped (stride 1 and equal widths). */
  skippable: boolean;
}

/** Output size of a 'same'-padded layer as ProxylessNAS counts it: floor(size / stride). */
export const strided = (size: number, stride: number) => Math.floor(size / stride);

/** The stem and head channel counts of a skeleton (after the width multiplier). */
export function proxylessWidths(s: ProxylessSkeleton) {
  return {
    firstConv: makeDivisible(s.firstConv * s.widthMult),
    firstBlock: makeDivisible(s.firstBlock * s.widthMult),
    stages: s.widthStages.map((w) => makeDivisible(w * s.widthMult)),
    last: s.widthMult > 1 ? makeDivisible(s.lastChannel * s.widthMult) : s.lastChannel,
  };
}

/** The searchable layers of a skeleton, in order. */
export function proxylessLayers(skeleton?: Partial<ProxylessSkeleton>): ProxylessLayer[] {
  const s = proxylessSkeleton(skeleton);
  const w = proxylessWidths(s);
  const out: ProxylessLayer[] = [];
  let size = strided(s.imageSize, 2); // first conv has stride 2; the first block stride 1
  let cin = w.firstBlock;
  s.widthStages.forEach((_, stage) => {
    for (let i = 0; i < s.layersPerStage[stage]; i++) {
      const stride = i === 0 ? s.strideStages[stage] : 1;
      const cout = w.stages[stage];
      out.push({
        index: out.length,
        stage,
        indexInStage: i,
        inChannels: cin,
        outChannels: cout,
        stride,
        inputSize: size,
        skippable: stride === 1 && cin === cout,
      });
      size = strided(size, stride);
      cin = cout;
    }
  });
  return out;
}
