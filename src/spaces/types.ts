/**
 * What every search space provides. A space is pure data: architectures are plain values, no
 * tensors. NAS-Bench-201 is the first implementation; the other spaces follow the same shape.
 */

/** Any seeded generator with a uniform float in [0, 1) (e.g. the engine's or analysis's Rng). */
export interface RandomSource {
  next(): number;
}

/** Size counts of a space. bigint because some spaces (DARTS: 2.76e20) exceed 2^53. */
export interface SpaceCounts {
  /** Every encodable architecture. */
  total: bigint;
  /** Architectures that pass `isValid` (undefined when too expensive to count). */
  valid?: bigint;
  /** Isomorphism classes (undefined when not known). */
  unique?: bigint;
}

/** Generic skeleton knobs a command line can set; each space maps them onto its own skeleton. */
export interface SkeletonOptions {
  channels?: number;
  cells?: number;
  classes?: number;
  inChannels?: number;
  imageSize?: number;
}

/** An image network's skeleton knobs under a space's own names for its width and depth fields. */
export type ImageSkeletonKnobs<W extends string, D extends string> = Record<
  W | D | 'numClasses' | 'inChannels' | 'imageSize',
  number | undefined
>;

/** The command-line knobs of an image network, renamed to a space's skeleton fields. */
export function imageSkeletonKnobs<W extends string, D extends string>(
  o: SkeletonOptions,
  width: W,
  depth: D,
): ImageSkeletonKnobs<W, D> {
  const knobs = { numClasses: o.classes, inChannels: o.inChannels, imageSize: o.imageSize };
  return { [width]: o.channels, [depth]: o.cells, ...knobs } as ImageSkeletonKnobs<W, D>;
}

/** Result of checking an architecture string without throwing. */
export type ArchCheck<A> = { ok: true; arch: A } | { ok: false; error: string };

/** A space's `check`: its parser, returning the error message instead of throwing. */
export function checkWith<A>(parse: (text: string) => A): (text: string) => ArchCheck<A> {
  return (text) => {
    try {
      return { ok: true, arch: parse(text) };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  };
}

/** Thrown for a malformed or unknown architecture; the message quotes the input. */
export class ArchError extends Error {
  override name = 'ArchError';
  constructor(
    message: string,
    /** The offending input, verbatim. */
    readonly input: string,
  ) {
    super(message);
  }
}

/**
 * A search space over architectures of type A whose cost is measured on a skeleton of type S.
 * `describe` gives a JSON-ready summary used by `supernet-lab space --arch`.
 */
export interface SearchSpace<A, S> {
  readonly name: string;
  readonly description: string;
  /** Parses the space's string format; throws ArchError quoting the string. */
  parse(text: string): A;
  /** The space's string format; `parse(format(a))` equals `a`. */
  format(arch: A): string;
  /** Like parse, but returns the error message instead of throwing. */
  check(text: string): ArchCheck<A>;
  /** Semantic validity (e.g. the cell output is connected to its input). */
  isValid(arch: A): boolean;
  /** Counts of the space (exact). */
  counts(): SpaceCounts;
  /** A uniformly drawn valid architecture. */
  sample(rng: RandomSource): A;
  /** A valid neighbour that differs from `arch` in one decision. */
  mutate(arch: A, rng: RandomSource): A;
  /** A string shared exactly by the architectures that compute the same function. */
  canonical(arch: A): string;
  /** Every architecture, in the space's own order; only for spaces small enough to list. */
  enumerate?(): Iterable<A>;
  /** The skeleton of the published benchmark / paper. */
  readonly defaultSkeleton: Readonly<S>;
  /** Builds a skeleton from command-line knobs (missing ones from the default skeleton). */
  skeleton(options: SkeletonOptions): S;
  /** Trainable parameters of the network for `arch` on skeleton `s`. */
  paramCount(arch: A, s?: Partial<S>): number;
  /** FLOPs of one forward pass of one image (the space documents its counting convention). */
  flops(arch: A, s?: Partial<S>): number;
  /** JSON-ready summary of one architecture on a skeleton. */
  describe(arch: A, s?: Partial<S>): Record<string, unknown>;
}

/**
 * A skeleton of whole-number fields: `defaults` with the fields that `input` sets, each checked
 * to be a positive integer (the error names the field).
 */
export function integerSkeleton<S extends Record<keyof S, number>>(
  defaults: Readonly<S>,
  input: Partial<S>,
): S {
  const s = { ...defaults } as S;
  for (const key of Object.keys(s) as (keyof S)[]) {
    const v = input[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 1) {
      throw new Error(
        `skeleton ${String(key)} must be a positive integer, got ${JSON.stringify(v)}`,
      );
    }
    s[key] = v as S[keyof S];
  }
  return s;
}

/** A space's paramCount and flops from its cost function (one pass counts both). */
export function costCounts<A, P>(cost: (arch: A, s?: P) => { params: number; flops: number }) {
  return {
    paramCount: (arch: A, s?: P) => cost(arch, s).params,
    flops: (arch: A, s?: P) => cost(arch, s).flops,
  };
}
