// What every subcommand gets: the client and the streams, passed in (no globals), so the
// commands can run against a test daemon with captured output.
import type { BoxifyClient } from '../client.js';
import type { FlagSpec, Parsed } from './args.js';

export interface CliContext {
  client: BoxifyClient;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
}

export interface Command {
  name: string;
  /** e.g. "[OPTIONS] IMAGE [COMMAND] [ARG...]" */
  usage: string;
  summary: string;
  /** Extra paragraphs for `boxify CMD --help`. */
  details?: string;
  flags: FlagSpec[];
  /** False: flags end at the first positional (run, exec). */
  interspersed?: boolean;
  /** Resolves with the process exit code. */
  run(ctx: CliContext, p: Parsed): Promise<number>;
}

/** Ends the command with `message` on stderr and a specific exit code (e.g. 127 for a missing executable). */
export class CommandFailed extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CommandFailed';
  }
}
