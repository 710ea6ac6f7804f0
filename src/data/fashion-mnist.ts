import * as fs from 'node:fs';
import * as path from 'node:path';
import { readIdxUint8 } from './idx';
import { toDataset, type Normalization } from './normalize';
import { DatasetError, type Dataset, type RawImages } from './types';

/** Where Debian's `dataset-fashion-mnist` package installs the idx files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** Mean and std of the 60000 training images on the 0..1 scale (tests recompute them). */
export const FASHION_MNIST_NORMALIZATION: Normalization = { mean: [0.286], std: [0.353] };

export interface FashionMnistOptions {
  /** Folder with the four idx files (gzipped or not); default FASHION_MNIST_DIR. */
  dir?: string;
  normalization?: Normalization;
}

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

function locate(dir: string, base: string): string {
  for (const name of [`${base}.gz`, base]) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  throw new DatasetError(
    `Fashion-MNIST file ${base}(.gz) not found in ${dir} (install Debian's dataset-fashion-mnist or pass the folder that holds the idx files)`,
    path.join(dir, base),
  );
}

/** Raw bytes of one split. */
export function readFashionMnistRaw(split: 'train' | 'test', dir = FASHION_MNIST_DIR): RawImages {
  const [imgBase, lblBase] = FILES[split];
  const imgFile = locate(dir, imgBase);
  const lblFile = locate(dir, lblBase);
  const img = readIdxUint8(imgFile, 3);
  const lbl = readIdxUint8(lblFile, 1);
  const [n, h, w] = img.dims;
  if (lbl.dims[0] !== n) {
    throw new DatasetError(
      `${lblFile}: ${lbl.dims[0]} labels for ${n} images in ${imgFile}`,
      lblFile,
    );
  }
  const labels = Int32Array.from(lbl.data);
  labels.forEach((l, i) => {
    if (l >= FASHION_MNIST_CLASSES.length) {
      throw new DatasetError(
        `${lblFile}: label ${l} of image ${i} is not a Fashion-MNIST class`,
        lblFile,
      );
    }
  });
  return { pixels: img.data, labels, shape: [n, h, w, 1], source: imgFile };
}

/** One split of Fashion-MNIST, normalised (28x28x1, 10 classes). */
export function loadFashionMnist(
  split: 'train' | 'test',
  options: FashionMnistOptions = {},
): Dataset {
  const raw = readFashionMnistRaw(split, options.dir ?? FASHION_MNIST_DIR);
  return toDataset(
    raw,
    `fashion-mnist/${split}`,
    options.normalization ?? FASHION_MNIST_NORMALIZATION,
    FASHION_MNIST_CLASSES,
  );
}
