import { commands } from './commands';
import { commandHelp, parseCommandArgs, UsageError } from './command';

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'supernet-lab: weight sharing in neural architecture search',
    '',
    'Usage: supernet-lab <command> [options]',
    '       supernet-lab <command> --help',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`),
    '',
  ].join('\n');
}

/** Entry point; returns the exit code (0 ok, 1 failure, 2 bad usage). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
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
    if (err instanceof UsageError) {
      process.stderr.write(
        `supernet-lab ${err.message}\nRun 'supernet-lab ${command.name} --help'.\n`,
      );
      return 2;
    }
    throw err;
  }
}
