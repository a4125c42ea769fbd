// A process inside a running container, started from the client side with nsenter: the
// shell of `boxify run` (boxify.yaml) and the TUI's attach. The daemon tells us how to enter
// the container (GET /boxify/containers/{id}/nsenter); src/core/sys/enter.ts builds the
// same command docker exec uses, so the shell gets the container's cgroup, namespaces,
// capabilities and seccomp. Needs root, like nsenter itself.
import { spawn as spawnChild } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';
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
  // The same entry as docker exec: nsenter, then boxify-init joins the cgroup and the mount
  // namespace and applies the container's capabilities, no_new_privs and seccomp.
  return enterCommand({ ...info, env, cwd: opts.workdir || info.cwd }, cmd);
}

/** The path of `name` on PATH, or null. */
export function findExecutable(name: string, path = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, fsConstants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** What running a process in a container needs on this side: root and nsenter on PATH. */
export function checkShellPrerequisites(uid = process.getuid?.(), path = process.env.PATH): void {
  if (uid !== undefined && uid !== 0) {
    throw new BoxifyError('forbidden', 'entering a container runs nsenter, which needs root: run this command with sudo');
  }
  if (!findExecutable('nsenter', path)) {
    throw new BoxifyError('unavailable', 'nsenter is not installed: install the Debian package util-linux (apt-get install util-linux)');
  }
}

export interface RunShellOptions extends ShellCommandOptions {
  /** Use a pseudo-terminal (default: when stdin is a terminal). */
  tty?: boolean;
}

/**
 * Runs `cmd` in the container and resolves with its exit code (128+N for a signal). With a
 * TTY it runs under node-pty: the terminal goes raw, resizes pass through, and the terminal
 * is restored on exit. Without one it inherits stdin, stdout and stderr.
 */
export async function runShell(info: NsenterInfo, cmd: string[], opts: RunShellOptions = {}): Promise<number> {
  checkShellPrerequisites();
  const tty = opts.tty ?? Boolean(process.stdin.isTTY);
  const { file, args, env } = buildShellCommand(info, cmd, { ...opts, term: tty ? (opts.term ?? 'xterm') : opts.term });
  return tty ? runWithPty(file, args, env) : runPlain(file, args, env);
}

async function runWithPty(file: string, args: string[], env: Record<string, string>): Promise<number> {
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
  const wasRaw = stdin.isTTY ? stdin.isRaw : false;
  const onInput = (d: Buffer) => term.write(d);
  const onResize = () => term.resize(stdout.columns || 80, stdout.rows || 24);
  if (stdin.isTTY) stdin.setRawMode(true);
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
    if (stdin.isTTY) stdin.setRawMode(wasRaw);
    stdin.pause();
  }
}

async function runPlain(file: string, args: string[], env: Record<string, string>): Promise<number> {
  // Ctrl-C reaches the child through the terminal's process group; the parent stays alive
  // to clean up after it.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawnChild(file, args, { stdio: 'inherit', env });
      child.on('error', (err) => reject(new BoxifyError('internal', `cannot run ${file}: ${err.message}`, { cause: err })));
      child.on('exit', (code, signal) => {
        resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1));
      });
    });
  } finally {
    process.off('SIGINT', ignore);
  }
}
