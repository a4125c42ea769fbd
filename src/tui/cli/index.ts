// The subcommand table, help, dispatch, and the one place errors become messages and exit
// codes: a usage mistake exits 1, anything the daemon or the system refused exits 125
// (docker's code), with `boxify: <message>` and never a stack trace; a bug says so.
import { BoxifyError } from '../../core/errors.js';
import { attachCommand } from './attach.js';
import { parseArgs, UsageError, type FlagSpec } from './args.js';
import { inspectCommand, killCommand, logsCommand, psCommand, restartCommand, rmCommand, startCommand, stopCommand } from './containers.js';
import { CommandFailed, type CliContext, type Command } from './context.js';
import { execCommand } from './exec.js';
import { imageCommand, imagesCommand, importCommand, loadCommand, pullCommand, rmiCommand, tagCommand } from './images.js';
import { statsCommand, versionCommand } from './misc.js';
import { runCommand } from './run.js';

export const COMMANDS: Command[] = [
  runCommand,
  psCommand,
  execCommand,
  attachCommand,
  logsCommand,
  startCommand,
  stopCommand,
  restartCommand,
  killCommand,
  rmCommand,
  inspectCommand,
  statsCommand,
  imagesCommand,
  imageCommand,
  pullCommand,
  loadCommand,
  importCommand,
  tagCommand,
  rmiCommand,
  versionCommand,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 3;
  return [
    'Usage:  boxify [OPTIONS] COMMAND',
    '',
    'A small Docker-compatible container manager. boxify talks to the boxifyd daemon.',
    '',
    '  boxify              with no command: the full-screen terminal UI (on a terminal),',
    '                      or the list of all containers (ps -a) when output is not a terminal',
    `  boxify run          with no image: run ./boxify.yaml and open a shell in the container`,
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    `  ${'help'.padEnd(width)}Show this help, or a command's (help COMMAND)`,
    '',
    'Global options:',
    '  -H, --host unix://PATH   Daemon socket (default $BOXIFY_SOCKET or /var/run/boxify.sock)',
    '  -v, --version            Print the version and exit',
    '      --help               Show this help',
    '',
    "Run 'boxify COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

function flagLine(f: FlagSpec): [string, string] {
  const name = `${f.short ? `-${f.short}, ` : '    '}--${f.long}${f.value ? ` ${f.metavar ?? 'VALUE'}` : ''}`;
  return [name, f.help];
}

export function commandHelp(c: Command): string {
  const lines = [`Usage:  boxify ${c.name} ${c.usage}`, '', c.summary, ''];
  if (c.details) lines.push(c.details, '');
  if (c.flags.length) {
    const rows = c.flags.map(flagLine);
    const width = Math.max(...rows.map(([n]) => n.length)) + 3;
    lines.push('Options:', ...rows.map(([n, h]) => `  ${n.padEnd(width)}${h}`), '');
  }
  return lines.join('\n');
}

/** Runs one subcommand line (`run -d busybox`), resolving with the exit code; errors are reported here. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help') {
    const which = name === 'help' && rest[0] ? findCommand(rest[0]) : undefined;
    if (name === 'help' && rest[0] && !which) return reportError(new UsageError(`unknown command "${rest[0]}"`), ctx);
    ctx.stdout.write(which ? commandHelp(which) : mainHelp());
    return 0;
  }
  const cmd = findCommand(name);
  if (!cmd) return reportError(new UsageError(`unknown command "${name}"`), ctx);
  try {
    const parsed = parseArgs(rest, { flags: cmd.flags, interspersed: cmd.interspersed });
    if (parsed.help) {
      ctx.stdout.write(commandHelp(cmd));
      return 0;
    }
    return await cmd.run(ctx, parsed);
  } catch (err) {
    if (err instanceof UsageError && !err.command) return reportError(new UsageError(err.message, cmd.name), ctx);
    return reportError(err, ctx);
  }
}

/** Prints `err` for a person and returns the exit code. */
export function reportError(err: unknown, ctx: Pick<CliContext, 'stderr'>): number {
  const out = ctx.stderr;
  if (err instanceof UsageError) {
    const see = err.command ? `boxify ${err.command} --help` : 'boxify --help';
    out.write(`boxify: ${err.message}\nSee '${see}'.\n`);
    return 1;
  }
  if (err instanceof CommandFailed) {
    out.write(`boxify: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof BoxifyError && (err.isUserError || err.code === 'unavailable')) {
    out.write(`boxify: ${err.message}\n`);
    return 125;
  }
  const message = err instanceof Error ? err.message : String(err);
  out.write(`boxify: ${message}\n`);
  out.write(
    'This is a bug in Boxify, not something you did: please report it with the command you ran' +
      (process.env.BOXIFY_DEBUG ? '.\n' : ' (BOXIFY_DEBUG=1 prints the details).\n'),
  );
  if (process.env.BOXIFY_DEBUG && err instanceof Error && err.stack) out.write(`${err.stack}\n`);
  return 125;
}
