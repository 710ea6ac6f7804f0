/**
 * A small, fast, seeded pseudo-random generator (sfc32, Chris Doty-Humphrey's "small fast
 * chaotic" generator, 128-bit state) with a serialisable state so that checkpoints can resume a
 * run bit-for-bit. Not for cryptography.
 */
export interface RngState {
  algorithm: 'sfc32';
  /** Four unsigned 32-bit words. */
  s: [number, number, number, number];
}

/** 32-bit FNV-1a hash of a string (to seed from names like "supernet/seed-3"). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** splitmix32 step: turns one seed word into well-mixed state words. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export type Seed = number | string;

function seedWord(seed: Seed): number {
  if (typeof seed === 'string') return hashString(seed);
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
  // Fold in the high bits of seeds beyond 32 bits.
  const hi = Math.floor(seed / 2 ** 32);
  return ((seed >>> 0) ^ Math.imul(hi >>> 0, 0x9e3779b1)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: Seed = 0) {
    const mix = splitmix32(seedWord(seed));
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    // Discard the first outputs, as the generator's author recommends.
    for (let i = 0; i < 15; i++) this.uint32();
  }

  /** A generator that continues exactly from a saved state. */
  static fromState(state: RngState): Rng {
    if (
      state == null ||
      state.algorithm !== 'sfc32' ||
      !Array.isArray(state.s) ||
      state.s.length !== 4 ||
      !state.s.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)
    ) {
      throw new Error(`not an sfc32 generator state: ${JSON.stringify(state)}`);
    }
    const r = new Rng(0);
    [r.a, r.b, r.c, r.d] = state.s;
    return r;
  }

  /** The state to store in a checkpoint (plain JSON). */
  state(): RngState {
    return { algorithm: 'sfc32', s: [this.a, this.b, this.c, this.d] };
  }

  /** Next unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = (this.b ^ (this.b >>> 9)) >>> 0;
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n) without modulo bias; n must be an integer in [1, 2^32]. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) {
      throw new Error(`int(n) needs an integer n in [1, 2^32], got ${n}`);
    }
    if (n === 1) return 0;
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const u = this.uint32();
      if (u < limit) return u % n;
    }
  }

  /** Uniform float in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal sample (Box-Muller), scaled to the given mean and standard deviation. */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** One element chosen uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick() from an empty list');
    return items[this.int(items.length)];
  }

  /** An independent generator seeded from this one (e.g. one per worker or per purpose). */
  fork(): Rng {
    const r = new Rng(0);
    r.a = this.uint32();
    r.b = this.uint32();
    r.c = this.uint32();
    r.d = this.uint32();
    for (let i = 0; i < 15; i++) r.uint32();
    return r;
  }

  /** Fills `out` with normal samples (e.g. for weight initialisation); returns it. */
  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** Fills `out` with uniform samples in [lo, hi); returns it. */
  fillUniform(out: Float32Array, lo = 0, hi = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform(lo, hi);
    return out;
  }
}

/** Shorthand for `new Rng(seed)`. */
export function createRng(seed: Seed = 0): Rng {
  return new Rng(seed);
}
