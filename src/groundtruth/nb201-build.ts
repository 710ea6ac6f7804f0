/**
 * Converts the published NAS-Bench-201 reference files into this project's compact tables
 * (kernels-data/nb201/). Pure text in, text out; `scripts/nb201-groundtruth.ts` does the I/O.
 *
 * Inputs (see ../shared/data/README.md):
 * - the benchmark CSV: CIFAR10TestAccuracy200Epochs, CIFAR100TestAccuracy200Epochs,
 *   ImageNetTestAccuracy200Epochs, ArchitectureString, UniqueString; row order = benchmark index;
 * - NASLib's NAS-Bench-201 zero-cost JSON: per dataset, tuple key -> val_accuracy, params and
 *   flops (millions), plus proxy scores that are not kept.
 * Every row is checked: arch strings parse and are all distinct, the unique strings equal ours,
 * and NASLib's params/FLOPs equal the computed ones; any disagreement throws.
 */
import {
  formatNb201,
  isValidNb201,
  nb201Cost,
  nb201FromNaslib,
  nb201Ordinal,
  nb201UniqueString,
  parseNb201,
  type Nb201SkeletonInput,
} from '../spaces/nb201';

/** Datasets of the benchmark: our short name, NASLib's key, and the skeleton that fits it. */
export const NB201_DATASETS = [
  { name: 'cifar10', naslib: 'cifar10', skeleton: { numClasses: 10, imageSize: 32 } },
  { name: 'cifar100', naslib: 'cifar100', skeleton: { numClasses: 100, imageSize: 32 } },
  { name: 'imagenet16', naslib: 'ImageNet16-120', skeleton: { numClasses: 120, imageSize: 16 } },
] as const satisfies ReadonlyArray<{ name: string; naslib: string; skeleton: Nb201SkeletonInput }>;

export type Nb201Dataset = (typeof NB201_DATASETS)[number]['name'];

/** Columns of the ground-truth table, in file order. */
export const NB201_GROUND_TRUTH_COLUMNS = [
  'index',
  'arch',
  'unique',
  'valid',
  'cifar10_test',
  'cifar100_test',
  'imagenet16_test',
  'params',
  'flops',
  'params_cifar100',
  'flops_cifar100',
  'params_imagenet16',
  'flops_imagenet16',
] as const;

/** Columns of the NASLib subset table, in file order. */
export const NB201_SUBSET_COLUMNS = [
  'dataset',
  'index',
  'arch',
  'val_accuracy',
  'params_m',
  'flops_m',
] as const;

const EXPECTED_HEADER = [
  'CIFAR10TestAccuracy200Epochs',
  'CIFAR100TestAccuracy200Epochs',
  'ImageNetTestAccuracy200Epochs',
  'ArchitectureString',
  'UniqueString',
];

function num(text: string, where: string): string {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v))
    throw new Error(`${where}: not a number: ${JSON.stringify(text)}`);
  // Shortest round-trip form: identical for every producer that writes the same double.
  return String(v);
}

/** The ground-truth CSV (header + 15625 rows in benchmark index order). */
export function buildNb201GroundTruthCsv(benchmarkCsv: string, source = 'benchmark CSV'): string {
  const lines = benchmarkCsv.replace(/\r\n/g, '\n').trimEnd().split('\n');
  const header = lines[0].split(',');
  if (header.join(',') !== EXPECTED_HEADER.join(',')) {
    throw new Error(`${source}: unexpected header ${JSON.stringify(lines[0])}`);
  }
  const out: string[] = [NB201_GROUND_TRUTH_COLUMNS.join(',')];
  const seen = new Set<number>();
  for (let i = 1; i < lines.length; i++) {
    const where = `${source} line ${i + 1}`;
    const f = lines[i].split(',');
    if (f.length !== 5) throw new Error(`${where}: expected 5 fields, got ${f.length}`);
    const arch = parseNb201(f[3]);
    const ordinal = nb201Ordinal(arch);
    if (seen.has(ordinal)) throw new Error(`${where}: architecture ${f[3]} appears twice`);
    seen.add(ordinal);
    const unique = nb201UniqueString(arch);
    if (unique !== f[4]) {
      throw new Error(
        `${where}: unique string ${JSON.stringify(f[4])} differs from computed ${JSON.stringify(unique)}`,
      );
    }
    const costs = NB201_DATASETS.map((d) => nb201Cost(arch, d.skeleton));
    out.push(
      [
        String(i - 1),
        formatNb201(arch),
        unique,
        String(isValidNb201(arch)),
        num(f[0], where),
        num(f[1], where),
        num(f[2], where),
        ...costs.flatMap((c) => [String(c.params), String(c.flops)]),
      ].join(','),
    );
  }
  if (seen.size !== 15625)
    throw new Error(`${source}: expected 15625 architectures, got ${seen.size}`);
  return out.join('\n') + '\n';
}

interface NaslibEntry {
  val_accuracy?: number;
  params?: { score?: number };
  flops?: { score?: number };
}

/**
 * The NASLib subset CSV: one row per (dataset, architecture) with NASLib's validation accuracy
 * and its published params/FLOPs (millions, as published), sorted by dataset then index.
 * `indexOfArch` maps a benchmark string to its benchmark index.
 */
export function buildNb201SubsetCsv(
  naslibJson: string,
  indexOfArch: ReadonlyMap<string, number>,
  source = 'NASLib JSON',
): string {
  // Python's json module writes -Infinity/NaN for a few proxy scores; they are not kept.
  const data = JSON.parse(naslibJson.replace(/-Infinity|Infinity|NaN/g, 'null')) as Record<
    string,
    Record<string, NaslibEntry>
  >;
  const out: string[] = [NB201_SUBSET_COLUMNS.join(',')];
  for (const d of NB201_DATASETS) {
    const entries = data[d.naslib];
    if (!entries) throw new Error(`${source}: no dataset ${JSON.stringify(d.naslib)}`);
    const rows: Array<[number, string]> = [];
    for (const [key, e] of Object.entries(entries)) {
      const where = `${source} ${d.naslib} ${key}`;
      const arch = formatNb201(nb201FromNaslib(key));
      const index = indexOfArch.get(arch);
      if (index === undefined) throw new Error(`${where}: ${arch} is not in the benchmark table`);
      const params = e.params?.score;
      const flops = e.flops?.score;
      const val = e.val_accuracy;
      if (typeof params !== 'number' || typeof flops !== 'number' || typeof val !== 'number') {
        throw new Error(`${where}: missing val_accuracy, params or flops`);
      }
      const cost = nb201Cost(nb201FromNaslib(key), d.skeleton);
      if (Math.round(params * 1e6) !== cost.params || Math.round(flops * 1e6) !== cost.flops) {
        throw new Error(
          `${where}: published params/FLOPs ${params}/${flops} M differ from computed ${cost.params}/${cost.flops}`,
        );
      }
      rows.push([
        index,
        [d.name, index, arch, String(val), String(params), String(flops)].join(','),
      ]);
    }
    rows.sort((a, b) => a[0] - b[0]);
    out.push(...rows.map((r) => r[1]));
  }
  return out.join('\n') + '\n';
}

/** Benchmark string -> benchmark index, from a ground-truth CSV built above. */
export function indexOfArchFromGroundTruthCsv(csv: string): Map<string, number> {
  const map = new Map<string, number>();
  const lines = csv.trimEnd().split('\n');
  for (let i = 1; i < lines.length; i++) {
    const [index, arch] = lines[i].split(',', 2);
    map.set(arch, Number(index));
  }
  return map;
}
