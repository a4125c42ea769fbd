// A shell inside a running container on a pseudo-terminal of its own, started from the client
// side: the shell of `boxify run` (boxify.yaml) on a terminal. (The TUI's shells go through
// the exec API, whose terminal the daemon makes.) The daemon tells us how to enter the container (GET /boxify/containers/{id}/nsenter): the same
// `boxify-init exec` docker exec uses, run by the daemon's read-only node, so the shell gets
// the container's cgroup, namespaces, capabilities and seccomp. It runs on a fresh
// pseudo-terminal (node-pty), which becomes its controlling terminal; this side copies keys and
// output between it and the user's terminal. The user's terminal itself never reaches the
// container (a process there could otherwise push input into it with TIOCSTI). Needs root.
// Without a terminal, `boxify run` uses the daemon's exec API with pipes instead (cli/run.ts).
import { enterCommand } from '../core/sys/enter.js';
import { BoxifyError } from '../core/errors.js';
import type { NsenterInfo } from './client.js';

export interface ShellCommandOptions {
  /** Run in this directory instead of the container process's current one. */
  workdir?: string;
  /** Extra `K=V` entries, added after (so overriding) the container's environment. */
  env?: string[];
  /** Set TERM (when the container's env has none), for a process on a terminal. */
  term?: string;
}

/** POSIX single-quoting: the word reaches sh unchanged. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The program, argv and environment that run CMD in the container with exactly the
 * container's environment (plus `opts.env`), in its cgroup, namespaces and confinement.
 */
export function buildShellCommand(
  info: NsenterInfo,
  cmd: string[],
  opts: ShellCommandOptions = {},
): { file: string; args: string[]; env: Record<string, string> } {
  if (cmd.length === 0) throw new BoxifyError('invalid_argument', 'no command given to run in the container');
  const env = [...info.env, ...(opts.env ?? [])];
  if (opts.term && !env.some((e) => e.startsWith('TERM='))) env.push(`TERM=${opts.term}`);
  // The same entry as docker exec: boxify-init joins the cgroup and namespaces, takes on the
  // container's capabilities, no_new_privs and seccomp, and spawns the command there.
  return enterCommand({ ...info, env, cwd: opts.workdir || info.cwd }, cmd);
}

/** What running a shell in a container from this side needs: root (boxify-init exec joins namespaces). */
export function checkShellPrerequisites(uid = process.getuid?.()): void {
  if (uid !== undefined && uid !== 0) {
    throw new BoxifyError('forbidden', 'a shell in a container on this terminal is entered by boxify-init, which needs root: run this command with sudo');
  }
}

/**
 * Runs `cmd` in the container on a fresh pseudo-terminal and resolves with its exit code
 * (128+N for a signal): this terminal goes raw, keys and resizes pass through, and the
 * terminal is restored on exit. stdin and stdout must be terminals.
 */
export async function runShell(info: NsenterInfo, cmd: string[], opts: ShellCommandOptions = {}): Promise<number> {
  checkShellPrerequisites();
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new BoxifyError('internal', 'runShell needs a terminal on stdin and stdout; without one, use the exec API with pipes');
  }
  const { file, args, env } = buildShellCommand(info, cmd, { ...opts, term: opts.term ?? 'xterm' });
  const { spawn } = await import('node-pty');
  const stdin = process.stdin;
  const stdout = process.stdout;
  const term = spawn(file, args, {
    name: 'xterm-256color',
    cols: stdout.columns || 80,
    rows: stdout.rows || 24,
    cwd: '/',
    env,
  });
  const wasRaw = stdin.isRaw;
  const onInput = (d: Buffer) => term.write(d);
  const onResize = () => term.resize(stdout.columns || 80, stdout.rows || 24);
  stdin.setRawMode(true);
  stdin.on('data', onInput);
  stdin.resume();
  stdout.on('resize', onResize);
  const output = term.onData((d) => stdout.write(d));
  try {
    return await new Promise<number>((resolve) => {
      term.onExit(({ exitCode, signal }) => resolve(signal ? 128 + signal : exitCode));
    });
  } finally {
    output.dispose();
    stdout.off('resize', onResize);
    stdin.off('data', onInput);
    stdin.setRawMode(wasRaw);
    stdin.pause();
  }
}
