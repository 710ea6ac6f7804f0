/**
 * The only list of search spaces: each entry is a space's binding (its pure space in
 * src/spaces/<name>, its networks and presets in src/supernet/<name>). Adding a space is one line
 * here plus its own folders.
 */
import { BadInputError } from '../errors';
import type { SpaceBinding } from './binding';
import { nb201Binding } from './nb201/binding';
import { nb101Binding } from './nb101/binding';
import { dartsBinding } from './darts/binding';
import { proxylessBinding } from './proxyless/binding';
import { dartsPtbBinding } from './darts-ptb/binding';

export const SPACE_BINDINGS: readonly SpaceBinding[] = [
  nb201Binding,
  nb101Binding,
  dartsBinding,
  proxylessBinding,
  dartsPtbBinding,
] as SpaceBinding[];

/** Registered space names, in registry order. */
export const SPACE_NAMES: readonly string[] = SPACE_BINDINGS.map((b) => b.name);

/** The binding of space `name`; a clear error naming it and the known spaces otherwise. */
export function spaceBinding(name: string): SpaceBinding {
  const b = SPACE_BINDINGS.find((x) => x.name === name);
  if (!b) {
    throw new BadInputError(
      `unknown space ${JSON.stringify(name)} (known: ${SPACE_NAMES.join(', ')})`,
    );
  }
  return b;
}

/** Whether `space` has a benchmark table of every architecture (NB-201's; its binding says so). */
export function hasBenchmarkTable(space: string): boolean {
  return SPACE_NAMES.includes(space) && spaceBinding(space).benchmark !== undefined;
}
