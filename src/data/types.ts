import { BadInputError } from '../errors';

/** An image classification set held in memory, ready for a network. */
export interface Dataset {
  /** e.g. 'fashion-mnist/train', 'cifar10/test', 'cifar10/train[search-train]'. */
  name: string;
  /** NHWC, normalised per channel: (pixel / 255 - mean[c]) / std[c]. */
  images: Float32Array;
  /** Class index of each image, in [0, numClasses). */
  labels: Int32Array;
  /** [n, height, width, channels]. */
  shape: readonly [number, number, number, number];
  numClasses: number;
  classNames: readonly string[];
  /** Per-channel normalisation applied to `images` (on the 0..1 pixel scale). */
  mean: readonly number[];
  std: readonly number[];
  /** Where the pixels came from (file or archive), for provenance. */
  source: string;
}

/** Raw 8-bit pixels before normalisation. */
export interface RawImages {
  /** NHWC bytes. */
  pixels: Uint8Array;
  labels: Int32Array;
  shape: readonly [number, number, number, number];
  source: string;
}

/** A dataset file is missing, truncated or corrupt; the message names the file (CLI exit 2). */
export class DatasetError extends BadInputError {
  override name = 'DatasetError';
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/** A batch: inputs (images NHWC, or token ids) as floats, integer targets. */
export interface SpaceBatch {
  images: Float32Array;
  labels: Int32Array;
  shape: number[];
}

/**
 * Where batches come from: image data (`TrainingData`, via `imageBatchSource`) or any other
 * source (the PTB language model's token segments).
 */
export interface BatchSource {
  /** Training batches of one epoch (full batches only), order fixed by (seed, epoch). */
  train(epoch: number, batchSize: number, seed: string): Iterable<SpaceBatch>;
  /** Validation batches, in order. */
  valid(batchSize: number): Iterable<SpaceBatch>;
  /** Test batches, in order (absent: the data has no test split here). */
  test?(batchSize: number): Iterable<SpaceBatch>;
  /**
   * The training examples that recalibrate BatchNorm before scoring: `batches` batches of
   * `batchSize`, a seeded sample without augmentation (absent: nothing to recalibrate).
   */
  calibration?(batches: number, batchSize: number, seed: string): Iterable<SpaceBatch>;
  /** Size of the training set in examples (images or segments). */
  trainSize: number;
  /** Metadata for config.json. */
  describe: Record<string, unknown>;
}
