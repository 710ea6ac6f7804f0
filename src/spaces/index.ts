/** Search spaces as pure data: parse/format/validate, enumerate, sample, mutate, params/FLOPs. */
import type { SearchSpace } from './types';
import { nb201Space } from './nb201';

export * from './types';
export * from './nb201';

/** A space whose architecture and skeleton types are not known statically (registry entries). */
export type AnySearchSpace = SearchSpace<unknown, unknown>;

/** Every registered space by name (`supernet-lab space --space NAME`). */
export const SPACES: Readonly<Record<string, AnySearchSpace>> = Object.freeze({
  nb201: nb201Space,
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
