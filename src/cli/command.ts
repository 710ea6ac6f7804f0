import { parseArgs } from 'node:util';
import { BadInputError } from '../errors';

export { BadInputError };

/** One CLI flag. `string` flags take a value; `boolean` flags are switches. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  multiple?: boolean;
  short?: string;
  /** Shown in help; the command applies its own defaults. */
  default?: string;
}

export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** A `supernet-lab <name>` subcommand. Each lives in its own file under src/cli/commands/. */
export interface Command {
  name: string;
  summary: string;
  /** Extra help text shown by `supernet-lab <name> --help` after the option list. */
  details?: string;
  options: Record<string, OptionSpec>;
  /** Whether the command takes words after its name (`sweep plan GRID`); others refuse them. */
  positionals?: boolean;
  /** Returns the process exit code. */
  run(values: OptionValues, positionals: string[]): Promise<number>;
}

/** Bad command-line input: printed without a stack trace, exit code 2. */
export class UsageError extends BadInputError {
  override name = 'UsageError';
}

/** The footer of every help text: exit codes and --debug. */
export const EXIT_CODES_HELP = `Exit codes: 0 done, 1 runtime failure, 2 bad input or usage (also a corrupt file),
3 training diverged (NaN/inf loss). An error prints one line; --debug (anywhere on the
command line) or SUPERNET_LAB_DEBUG=1 adds its JavaScript stack.`;

export function parseCommandArgs(
  command: Command,
  argv: string[],
): { values: OptionValues; positionals: string[] } {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; multiple?: boolean; short?: string }
  > = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(command.options)) {
    // parseArgs rejects `short: undefined`, so only set the keys that are given.
    options[name] = { type: spec.type };
    if (spec.multiple !== undefined) options[name].multiple = spec.multiple;
    if (spec.short !== undefined) options[name].short = spec.short;
  }
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    const { values, positionals } = parseArgs({
      args: attachNegativeNumbers(argv, options),
      options,
      strict: true,
      allowPositionals: true,
    });
    parsed = { values: values as OptionValues, positionals };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(message.split('\n')[0].split('. To specify')[0]);
  }
  // A stray word is most often a flag's value typed after a boolean switch: say so, never ignore it.
  if (!command.positionals && parsed.positionals.length > 0) {
    throw new UsageError(
      `${command.name}: unexpected argument ${JSON.stringify(parsed.positionals[0])} (every input is a --flag; see supernet-lab ${command.name} --help)`,
    );
  }
  return parsed;
}

/**
 * parseArgs treats `--lr -1` as a missing value followed by an unknown flag; rewrite a string
 * option followed by a negative number into `--lr=-1` so range checks can name the real problem.
 */
function attachNegativeNumbers(
  argv: string[],
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>,
): string[] {
  const stringOptionName = (token: string): string | undefined => {
    const name = token.startsWith('--')
      ? token.slice(2)
      : Object.keys(options).find((n) => token === `-${options[n].short}`);
    return name !== undefined && options[name]?.type === 'string' ? name : undefined;
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = stringOptionName(argv[i]);
    const next = argv[i + 1];
    if (name !== undefined && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

export function commandHelp(command: Command): string {
  const lines = [
    `Usage: supernet-lab ${command.name} [options]`,
    '',
    command.summary,
    '',
    'Options:',
  ];
  const entries = Object.entries(command.options);
  for (const [name, spec] of entries) {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ' <value>' : ''}`;
    const def = spec.default !== undefined ? ` (default: ${spec.default})` : '';
    const many = spec.multiple ? ' (repeatable)' : '';
    lines.push(`  ${flag.padEnd(30)} ${spec.description}${def}${many}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(30)} show this help`);
  if (command.details) lines.push('', command.details.trim());
  lines.push('', EXIT_CODES_HELP);
  return lines.join('\n') + '\n';
}

/** Reads a string flag; throws a UsageError naming the flag when it is required and missing. */
export function stringOption(values: OptionValues, name: string, fallback?: string): string {
  const v = values[name];
  if (typeof v === 'string') return v;
  if (fallback !== undefined) return fallback;
  throw new UsageError(`missing required option --${name}`);
}

/** Reads an integer flag, rejecting anything that is not a whole number in [min, max]. */
export function intOption(
  values: OptionValues,
  name: string,
  fallback: number,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = values[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !/^-?\d+$/.test(v.trim())) {
    throw new UsageError(`--${name} must be an integer, got ${JSON.stringify(v)}`);
  }
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`--${name} must be in [${min}, ${max}], got ${n}`);
  return n;
}

/** An integer flag in [min, max], or undefined when it is not given. */
export function optionalInt(
  values: OptionValues,
  name: string,
  min: number,
  max?: number,
): number | undefined {
  return values[name] === undefined ? undefined : intOption(values, name, min, min, max);
}

const NUMBER_RULES = {
  '> 0': (n: number) => n > 0,
  '>= 0': (n: number) => n >= 0,
  'in [0, 1)': (n: number) => n >= 0 && n < 1,
  'in (0, 1)': (n: number) => n > 0 && n < 1,
};

/** Reads a finite numeric flag; with `rule`, the value (given or fallback) must also obey it. */
export function numberOption(
  values: OptionValues,
  name: string,
  fallback: number,
  rule?: keyof typeof NUMBER_RULES,
): number {
  const v = values[name];
  const n = v === undefined ? fallback : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) && v !== undefined) {
    throw new UsageError(`--${name} must be a number, got ${JSON.stringify(v)}`);
  }
  if (rule && !NUMBER_RULES[rule](n)) throw new UsageError(`--${name} must be ${rule}, got ${n}`);
  return n;
}

/** Reads a flag restricted to a fixed set of choices. */
export function choiceOption<T extends string>(
  values: OptionValues,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const v = values[name];
  if (v === undefined) return fallback;
  if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
  throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got ${JSON.stringify(v)}`);
}
