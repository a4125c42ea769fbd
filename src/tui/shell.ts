// A process inside a running container, started from the client side with nsenter: the
// shell of `boxify run` (boxify.yaml), `boxify exec -it`, and the TUI's attach. The daemon
// tells us the container's PID, cgroup files, environment and user (GET
// /boxify/containers/{id}/nsenter); the process joins the cgroup first (so limits and stats
// cover it), then the namespaces and root. Needs root, like nsenter itself.
import { spawn as spawnChild } from 'node:child_process';
import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';
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
 * `sh -c '<join cgroups>; exec nsenter --target PID ... -- env -i ENV... CMD'`: the process
 * writes its own PID into each of the container's cgroup.procs files, then replaces itself
 * with nsenter (which forks into the PID namespace) and runs CMD with exactly the
 * container's environment.
 */
export function buildShellCommand(info: NsenterInfo, cmd: string[], opts: ShellCommandOptions = {}): { file: string; args: string[] } {
  if (cmd.length === 0) throw new BoxifyError('invalid_argument', 'no command given to run in the container');
  const join = info.cgroupProcs
    .map((f) => `echo $$ > ${shellQuote(f)} || { echo "boxify: cannot join the container's cgroup (${f.replace(/["'`$\\]/g, '')})" >&2; exit 125; }`)
    .join('; ');
  const ids = userIds(info);
  const nsenter = [
    'exec nsenter',
    `--target ${Number(info.pid)}`,
    '--mount --uts --ipc --net --pid --cgroup --root --wd',
    ...(ids?.uid !== undefined ? [`--setuid ${ids.uid}`] : []),
    ...(ids?.gid !== undefined ? [`--setgid ${ids.gid}`] : []),
    '-- env -i "$@"',
  ].join(' ');
  const script = join ? `${join}; ${nsenter}` : nsenter;

  const env = [...info.env, ...(opts.env ?? [])];
  if (opts.term && !env.some((e) => e.startsWith('TERM='))) env.push(`TERM=${opts.term}`);
  const command = opts.workdir ? ['sh', '-c', 'cd "$1" || exit 126; shift; exec "$@"', 'boxify-cd', opts.workdir, ...cmd] : cmd;
  return { file: '/bin/sh', args: ['-c', script, 'boxify-shell', ...env, ...command] };
}

/**
 * The numeric user and group for nsenter. Numbers are used as given; a name is looked up
 * in the container's own /etc/passwd (through /proc/PID/root); root or empty means none.
 */
function userIds(info: NsenterInfo): { uid?: number; gid?: number } | undefined {
  const user = info.user?.trim() ?? '';
  if (user === '' || user === 'root' || user === '0') return undefined;
  const [u, g] = user.split(':') as [string, string | undefined];
  const passwd = (): string[][] => {
    try {
      return readFileSync(`/proc/${info.pid}/root/etc/passwd`, 'utf8').split('\n').map((l) => l.split(':'));
    } catch {
      return [];
    }
  };
  let uid: number | undefined;
  let gid: number | undefined;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
  } else {
    const entry = passwd().find((f) => f[0] === u);
    if (!entry) throw new BoxifyError('invalid_argument', `unable to find user ${u}: no matching entries in the container's /etc/passwd`);
    uid = Number(entry[2]);
    gid = Number(entry[3]);
  }
  if (g !== undefined) {
    if (!/^\d+$/.test(g)) throw new BoxifyError('invalid_argument', `group "${g}" must be numeric`);
    gid = Number(g);
  }
  return { uid, gid };
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
  const { file, args } = buildShellCommand(info, cmd, { ...opts, term: tty ? (opts.term ?? 'xterm') : opts.term });
  return tty ? runWithPty(file, args) : runPlain(file, args);
}

async function runWithPty(file: string, args: string[]): Promise<number> {
  const { spawn } = await import('node-pty');
  const stdin = process.stdin;
  const stdout = process.stdout;
  const term = spawn(file, args, {
    name: 'xterm-256color',
    cols: stdout.columns || 80,
    rows: stdout.rows || 24,
    cwd: '/',
    env: process.env as Record<string, string>,
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

async function runPlain(file: string, args: string[]): Promise<number> {
  // Ctrl-C reaches the child through the terminal's process group; the parent stays alive
  // to clean up after it.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawnChild(file, args, { stdio: 'inherit' });
      child.on('error', (err) => reject(new BoxifyError('internal', `cannot run ${file}: ${err.message}`, { cause: err })));
      child.on('exit', (code, signal) => {
        resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1));
      });
    });
  } finally {
    process.off('SIGINT', ignore);
  }
}
