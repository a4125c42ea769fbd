#!/usr/bin/env node
// The `boxify` program: subcommands (src/tui/cli/), or with no arguments the full-screen
// TUI on a terminal (src/tui/app/), or `ps -a` when the output is not a terminal.
import { BoxifyClient } from './client.js';
import type { CliContext } from './cli/context.js';
import { parseGlobals, type Globals } from './cli/globals.js';
import { reportError, runCli } from './cli/index.js';
import { clientVersion } from './cli/misc.js';

async function main(argv: string[]): Promise<number> {
  const stderr = process.stderr;
  let g: Globals;
  try {
    g = parseGlobals(argv);
  } catch (err) {
    return reportError(err, { stderr });
  }
  if (g.version) {
    process.stdout.write(`Boxify version ${clientVersion()}\n`);
    return 0;
  }
  const client = new BoxifyClient({ socketPath: g.socketPath });
  const ctx: CliContext = {
    client,
    stdout: process.stdout,
    stderr,
    cwd: process.cwd(),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
  };
  if (g.rest.length === 0) {
    if (ctx.stdinIsTTY && ctx.stdoutIsTTY) {
      try {
        const result: unknown = await import('./app/run.js').then((m) => m.runTui({ client }));
        return typeof result === 'number' ? result : 0;
      } catch (err) {
        return reportError(err, { stderr });
      }
    }
    return runCli(['ps', '-a'], ctx);
  }
  return runCli(g.rest, ctx);
}

main(process.argv.slice(2)).then(
  (code) => {
    // Let buffered output reach a pipe before leaving.
    process.stdout.write('', () => process.exit(code & 0xff));
  },
  (err: unknown) => {
    process.exit(reportError(err, { stderr: process.stderr }));
  },
);
