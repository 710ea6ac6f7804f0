import { ArchError, checkWith } from '../types';
import {
  PROXYLESS_OPS,
  type ProxylessArch,
  type ProxylessOp,
  type ProxylessSkeleton,
} from './definition';
import { proxylessLayers } from './layers';

/** Short spellings accepted by the parser: k3e3 ... k7e6, and identity/zero for skip. */
const ALIASES = new Map<string, ProxylessOp>([
  ...PROXYLESS_OPS.map((op): [string, ProxylessOp] => [op, op]),
  ...PROXYLESS_OPS.filter((op) => op !== 'skip').map((op): [string, ProxylessOp] => [
    `k${op[0]}e${op[op.length - 1]}`,
    op,
  ]),
  ['identity', 'skip'],
  ['zero', 'skip'],
]);

/** Kernel size and expansion ratio of an MBConv op (undefined for skip). */
export function mbconvShape(op: ProxylessOp): { kernel: number; expand: number } | undefined {
  if (op === 'skip') return undefined;
  return { kernel: Number(op[0]), expand: Number(op[op.length - 1]) };
}

function fail(text: string, why: string): never {
  throw new ArchError(`invalid ProxylessNAS architecture ${JSON.stringify(text)}: ${why}`, text);
}

/** Why `ops` is not an architecture on the skeleton's layers, or undefined. */
function problem(
  ops: readonly string[],
  skeleton?: Partial<ProxylessSkeleton>,
): string | undefined {
  const layers = proxylessLayers(skeleton);
  if (ops.length !== layers.length) {
    return `expected ${layers.length} layer choices, got ${ops.length}`;
  }
  for (const layer of layers) {
    const op = ops[layer.index];
    if (!(PROXYLESS_OPS as readonly string[]).includes(op)) {
      return `layer ${layer.index}: unknown op ${JSON.stringify(op)} (expected one of ${PROXYLESS_OPS.join(', ')})`;
    }
    if (op === 'skip' && !layer.skippable) {
      return `layer ${layer.index} (first of stage ${layer.stage}, ${layer.inChannels} -> ${layer.outChannels} channels, stride ${layer.stride}) cannot be skipped`;
    }
  }
  return undefined;
}

/**
 * Parses the space's string: one op per searchable layer (21 on the GPU skeleton), separated by
 * commas, e.g. `5x5_MBConv3,skip,skip,skip,7x7_MBConv3,...`. Ops are ProxylessNAS's names
 * (3x3_MBConv3 ... 7x7_MBConv6) or k3e3 ... k7e6, and skip (or identity, zero). Throws ArchError
 * quoting the string.
 */
export function parseProxyless(text: string, skeleton?: Partial<ProxylessSkeleton>): ProxylessArch {
  if (typeof text !== 'string') fail(String(text), 'not a string');
  if (text.trim() === '') fail(text, 'empty string');
  const tokens = text.split(',').map((t) => t.trim());
  const ops = tokens.map((t, i) => {
    const op = ALIASES.get(t) ?? ALIASES.get(t.toLowerCase());
    if (op === undefined) {
      fail(
        text,
        `layer ${i}: unknown op ${JSON.stringify(t)} (expected one of ${PROXYLESS_OPS.join(', ')}, or k3e3 ... k7e6)`,
      );
    }
    return op;
  });
  const why = problem(ops, skeleton);
  if (why) fail(text, why);
  return ops;
}

/** Like parseProxyless but returns the error instead of throwing. */
export const checkProxyless = checkWith(parseProxyless);

/** Throws ArchError unless `arch` fits the skeleton's layers. */
export function assertProxylessArch(
  arch: ProxylessArch,
  skeleton?: Partial<ProxylessSkeleton>,
): void {
  const shown = JSON.stringify(arch);
  const why = Array.isArray(arch) ? problem(arch, skeleton) : 'expected an array of ops';
  if (why) throw new ArchError(`invalid ProxylessNAS architecture ${shown}: ${why}`, shown);
}

/** The space's string (inverse of parseProxyless). */
export function formatProxyless(
  arch: ProxylessArch,
  skeleton?: Partial<ProxylessSkeleton>,
): string {
  assertProxylessArch(arch, skeleton);
  return arch.join(',');
}
