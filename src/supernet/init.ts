/**
 * Seeded weight initialisation. Every parameter draws from its own stream, seeded by the network
 * seed and the parameter's name, so a stand-alone network and a supernet built with the same seed
 * start from identical weights on the ops they share, whatever else they contain.
 */
import { Rng } from '../engine/random';

function streamFor(seed: number, name: string): Rng {
  return new Rng(`nb201-init/${seed}/${name}`);
}

/** He (Kaiming) normal init, fan-in mode: N(0, 2 / fanIn). */
export function heNormal(seed: number, name: string, size: number, fanIn: number): Float32Array {
  return streamFor(seed, name).fillNormal(new Float32Array(size), 0, Math.sqrt(2 / fanIn));
}

/** Uniform(-bound, bound), PyTorch's default for linear layers with bound = 1/sqrt(fanIn). */
export function uniformInit(seed: number, name: string, size: number, bound: number): Float32Array {
  return streamFor(seed, name).fillUniform(new Float32Array(size), -bound, bound);
}
