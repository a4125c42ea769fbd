// What every subcommand gets: the client and the streams, passed in (no globals), so the
// commands can run against a test daemon with captured output.
import type { BoxifyClient } from '../client.js';
import type { FlagSpec, Parsed } from './args.js';

/** What attached commands read input from (process.stdin, or a stream in tests). */
export type InputStream = NodeJS.ReadableStream & { isTTY?: boolean; isRaw?: boolean; setRawMode?(raw: boolean): unknown };

export interface CliContext {
  client: BoxifyClient;
  /** Input for `run -i`, `attach` and `exec -i` (default: process.stdin). */
  stdin?: InputStream;
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
