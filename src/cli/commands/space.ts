import {
  UsageError,
  choiceOption,
  intOption,
  optionalInt,
  stringOption,
  type Command,
} from '../command';
import type { SkeletonOptions, SpaceCounts } from '../../spaces';
import { createRng } from '../../engine/random';
import { SPACE_NAMES, spaceBinding } from '../../supernet/registry';
import { nb201BenchmarkIndex } from '../../groundtruth/nb201';

/** JSON number when exact, else a decimal string (counts of the larger spaces exceed 2^53). */
function countValue(n: bigint | undefined): number | string | undefined {
  if (n === undefined) return undefined;
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

/** The counts as JSON values (JSON.stringify leaves out a count the space does not have). */
const countsJson = (c: SpaceCounts) => ({
  total: countValue(c.total),
  valid: countValue(c.valid),
  unique: countValue(c.unique),
});

const SKELETON_FLAGS = ['channels', 'cells', 'classes', 'in-channels', 'image-size'] as const;

export const spaceCommand: Command = {
  name: 'space',
  summary:
    'Count a search space, describe an architecture (validity, canonical form, params, FLOPs), or sample one.',
  details: `
Exactly one of --count, --arch or --sample.
  supernet-lab space --space nb201 --count
      {"total":15625,"valid":15284,"unique":6466}
  supernet-lab space --space nb201 --arch '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|' [--channels 16 --cells 5 --classes 10]
      one JSON object: arch, index (benchmark index), valid, canonical, unique, params (exact
      trainable parameters), flops, ... for that skeleton
  supernet-lab space --space nb201 --sample 5 --seed 1
      one valid architecture string per line, drawn uniformly
Counts too large for a JSON number are printed as decimal strings.
Other spaces (see each space's module for its string format):
  --space nb101 --arch 'conv3x3-bn-relu~0+conv1x1-bn-relu~1+maxpool3x3~1+conv3x3-bn-relu~2,3+conv3x3-bn-relu~3,4+output~4,5'
      (--channels = stem channels, --cells = cells per stack)
  --space darts --arch "Genotype(normal=[('sep_conv_3x3', 0), ...], reduce=[...])"
      (--channels = C, --cells = total cells; default the C=36, 20-cell evaluation network)
  --space darts-ptb --arch "Genotype(recurrent=[('sigmoid', 0), ...], concat=range(1, 9))"
      (--channels = embedding = hidden size, --classes = vocabulary)
  --space proxyless --arch '5x5_MBConv3,skip,skip,skip,7x7_MBConv3,...' (21 ops)
      (--channels = first-conv width, i.e. width multiplier channels/32; prints withinFlopsLimit)`,
  options: {
    space: {
      type: 'string',
      description: `search space: ${SPACE_NAMES.join(', ')}`,
      default: 'nb201',
    },
    count: { type: 'boolean', description: 'print total / valid / unique counts as JSON' },
    arch: {
      type: 'string',
      description: "describe one architecture given in the space's string format",
    },
    sample: { type: 'string', description: 'print N uniformly drawn valid architectures' },
    seed: { type: 'string', description: 'seed for --sample', default: '0' },
    channels: { type: 'string', description: 'skeleton: channels of the first stage (C)' },
    cells: { type: 'string', description: 'skeleton: cells per stage (N)' },
    classes: { type: 'string', description: 'skeleton: output classes' },
    'in-channels': { type: 'string', description: 'skeleton: image channels' },
    'image-size': { type: 'string', description: 'skeleton: image height = width' },
  },
  async run(values) {
    const name = choiceOption(values, 'space', SPACE_NAMES, 'nb201');
    const binding = spaceBinding(name);
    const space = binding.searchSpace;
    const modes = (['count', 'arch', 'sample'] as const).filter((m) => values[m] !== undefined);
    if (modes.length !== 1) {
      throw new UsageError(
        modes.length === 0
          ? 'space: give one of --count, --arch STR or --sample N'
          : `space: give only one of ${modes.map((m) => `--${m}`).join(', ')}`,
      );
    }
    // A flag the chosen mode does not read is refused, never silently ignored.
    const usedBy: Record<string, (typeof modes)[number]> = { seed: 'sample' };
    for (const flag of SKELETON_FLAGS) usedBy[flag] = 'arch';
    for (const [flag, mode] of Object.entries(usedBy)) {
      if (values[flag] !== undefined && mode !== modes[0]) {
        throw new UsageError(`space: --${flag} applies to --${mode} only, not --${modes[0]}`);
      }
    }
    const out = (obj: unknown) => process.stdout.write(JSON.stringify(obj) + '\n');
    if (modes[0] === 'count') {
      out(countsJson(space.counts()));
      return 0;
    }
    if (modes[0] === 'sample') {
      const n = intOption(values, 'sample', 1, 1, 1_000_000);
      const rng = createRng(String(intOption(values, 'seed', 0, 0, 2 ** 32 - 1)));
      const lines: string[] = [];
      for (let i = 0; i < n; i++) lines.push(space.format(space.sample(rng)));
      process.stdout.write(lines.join('\n') + '\n');
      return 0;
    }
    const text = stringOption(values, 'arch');
    const checked = space.check(text);
    if (!checked.ok) throw new UsageError(`space: --arch: ${checked.error}`);
    const opt = (flag: string) => optionalInt(values, flag, 1, 1 << 20);
    const sk: SkeletonOptions = {
      channels: opt('channels'),
      cells: opt('cells'),
      classes: opt('classes'),
      inChannels: opt('in-channels'),
      imageSize: opt('image-size'),
    };
    let skeleton: unknown;
    try {
      skeleton = space.skeleton(sk);
    } catch (err) {
      throw new UsageError(`space: ${(err as Error).message}`);
    }
    const described = space.describe(checked.arch, skeleton as Partial<unknown>);
    const { space: spaceName, arch, ...rest } = described;
    // The benchmark's own row index, where the space has a benchmark of every architecture.
    const index =
      binding.benchmark === 'nas-bench-201'
        ? { index: nb201BenchmarkIndex(checked.arch as Parameters<typeof nb201BenchmarkIndex>[0]) }
        : {};
    out({ space: spaceName, arch, ...index, ...rest });
    return 0;
  },
};
