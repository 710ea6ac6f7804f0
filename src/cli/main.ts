import { BadInputError } from '../errors';
import { commands } from './commands';
import { commandHelp, EXIT_CODES_HELP, parseCommandArgs, UsageError } from './command';

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'supernet-lab: weight sharing in neural architecture search',
    '',
    'Usage: supernet-lab <command> [options] [--debug]',
    '       supernet-lab <command> --help',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`),
    '',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
}

/** The stack is shown when `--debug` is anywhere in argv or SUPERNET_LAB_DEBUG is set (not 0). */
export function debugRequested(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const v = env.SUPERNET_LAB_DEBUG;
  return argv.includes('--debug') || (v !== undefined && !['', '0', 'false'].includes(v));
}

/**
 * Exit code of an error: 2 bad input or usage (BadInputError, its subclasses UsageError and
 * CorruptFileError), 3 divergence (DivergenceError, matched by name so the CLI needs no training
 * code), 1 anything else (runtime failure, RunLockedError included).
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof BadInputError) return 2;
  if (err instanceof Error && err.name === 'DivergenceError') return 3;
  return 1;
}

const STACK_LINE = /^\s+at (.*:\d+:\d+\)?|.*\((native|index \d+)\)|<anonymous>)$/;

/**
 * What the CLI prints for an error: `supernet-lab <command>: <message>` (plus a help hint for
 * usage errors and the cause's message); with `debug`, the message and the stack of the error
 * and of each cause.
 */
export function formatCliError(err: unknown, commandName: string | undefined, debug: boolean) {
  const prefix = commandName ? `supernet-lab ${commandName}: ` : 'supernet-lab: ';
  if (!(err instanceof Error)) return `${prefix}${String(err)}\n`;
  const lines: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; depth++) {
    const text =
      e instanceof Error
        ? debug
          ? (e.stack ?? `${e.name}: ${e.message}`)
          : e.message.trim() || e.name
        : String(e);
    const kept = debug
      ? text
      : text
          .split('\n')
          .filter((l) => !STACK_LINE.test(l))
          .join('\n');
    if (depth === 0) lines.push(prefix + kept);
    else if (!lines.some((l) => l.includes(kept))) lines.push(`cause: ${kept}`);
    e = e instanceof Error ? e.cause : undefined;
  }
  if (err instanceof UsageError && commandName) {
    lines.push(`Run 'supernet-lab ${commandName} --help'.`);
  }
  return lines.join('\n') + '\n';
}

/** Entry point; returns the exit code (0 ok, 1 failure, 2 bad input or usage, 3 divergence). */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--debug')) process.env.SUPERNET_LAB_DEBUG = '1'; // child processes too
  const debug = debugRequested(argv);
  const [name, ...rest] = argv.filter((a) => a !== '--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const hint = name.startsWith('-') ? 'a command must come first' : `unknown command '${name}'`;
    process.stderr.write(`supernet-lab: ${hint}. Run 'supernet-lab --help' to list commands.\n`);
    return 2;
  }
  try {
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help) {
      process.stdout.write(commandHelp(command));
      return 0;
    }
    return await command.run(values, positionals);
  } catch (err) {
    process.stderr.write(formatCliError(err, command.name, debug));
    return exitCodeFor(err);
  }
}

/**
 * Runs the CLI as the process (bin/supernet-lab.js, src/cli/run.ts): an error that escapes
 * `main` (an exception thrown from a timer, say) is printed the same way, never as a bare stack.
 */
export function runCli(argv: string[]): void {
  const debug = debugRequested(argv);
  const first = argv.find((a) => a !== '--debug');
  const name = commands.some((c) => c.name === first) ? first : undefined;
  const fatal = (err: unknown) => {
    process.stderr.write(formatCliError(err, name, debug));
    process.exit(exitCodeFor(err));
  };
  process.on('uncaughtException', fatal);
  main(argv).then((code) => process.exit(code), fatal);
}
