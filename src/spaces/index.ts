/** Search spaces as pure data: parse/format/validate, enumerate, sample, mutate, params/FLOPs. */
import type { SearchSpace } from './types';
import { nb201Space } from './nb201';
import { nb101Space } from './nb101';
import { dartsSpace } from './darts';
import { dartsPtbSpace } from './darts-ptb';
import { proxylessSpace } from './proxyless';

export * from './types';
export * from './nb201';
export * from './nb101';
export * from './darts';
export * from './darts-ptb';
export * from './proxyless';

/** A space whose architecture and skeleton types are not known statically (registry entries). */
export type AnySearchSpace = SearchSpace<unknown, unknown>;

/** Every registered space by name (`supernet-lab space --space NAME`). */
export const SPACES: Readonly<Record<string, AnySearchSpace>> = Object.freeze({
  nb201: nb201Space,
  nb101: nb101Space,
  darts: dartsSpace,
  'darts-ptb': dartsPtbSpace,
  proxyless: proxylessSpace,
});

/** The space called `name`; throws naming it and the known spaces. */
export function getSpace(name: string): AnySearchSpace {
  const space = SPACES[name];
  if (!space) {
    throw new Error(
      `unknown search space ${JSON.stringify(name)} (known: ${Object.keys(SPACES).join(', ')})`,
    );
  }
  return space;
}
