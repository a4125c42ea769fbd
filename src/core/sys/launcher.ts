// The daemon's side of the init protocol (src/core/sys/init-protocol.ts): start a container
// with no resident Node process, and learn its fate from files that outlive the daemon.
//
// Process tree of one container (the shim is detached: its own session, so stopping the
// daemon leaves containers running):
//
//   unshare --pid --uts --ipc --net -- sh -c SHIM     (execs sh: the shim, host PID namespace)
//     └─ unshare --mount -- node boxify-init SPEC      (execs node: PID 1 of the new namespaces)
//          └─ execve(the container's command)           (still PID 1)
//
// Why not one `unshare --fork --pid ...`: its waiting parent would keep fds 3 and 4 open, so
// the sync pipe would never show EOF at execve. Here unshare without --fork makes only the
// shim's *next* child PID 1; the shim hands fds 3 and 4 to that child alone, closes its own
// copies, waits, and writes the exit status to the exit file (tmp + rename). Its last steps
// fork nothing (printf is built in, mv is exec'd), because the dead PID namespace the shim's
// children would belong to refuses new processes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { BoxifyError } from '../errors.js';
import type { InitMessage, InitSpec } from './init-protocol.js';

/** A container that could not start: `exitCode` is what Docker records (127 not found, 126 not runnable, else 1). */
export class StartError extends BoxifyError {
  readonly exitCode: number;
  readonly step: string;
  constructor(message: string, exitCode: number, step: string) {
    // Docker answers 400 for a command that cannot be found or run (a mistake in the
    // request), and 500 for anything else.
    super(exitCode === 126 || exitCode === 127 ? 'invalid_argument' : 'internal', message);
    this.name = 'StartError';
    this.exitCode = exitCode;
    this.step = step;
  }
}

export const SHIM_SCRIPT = [
  // A background job's stdin is /dev/null unless redirected: keep the real one in fd 5.
  'exec 5<&0',
  'unshare --mount --propagation unchanged -- "$1" "$2" "$3" <&5 5<&- &',
  'exec 3>&- 4<&- 5<&-',
  'wait $!',
  // 128+N when killed by signal N, as docker reports it.
  'code=$?',
  'printf "%s\\n" "$code" >"$4.tmp" && exec mv -f -- "$4.tmp" "$4"',
].join('\n');

export function initProgram(): string {
  return process.env.BOXIFY_INIT || fileURLToPath(new URL('../../init/main.js', import.meta.url));
}

export interface LaunchOptions {
  spec: InitSpec;
  /**
   * The node binary init runs as: the daemon's read-only bind mount of it (see node-binary.ts),
   * so that a container can never write to the host's node through /proc/self/exe.
   */
  node: string;
  specPath: string;
  exitFile: string;
  stdio: [stdin: number | 'ignore', stdout: number, stderr: number];
  /** Called with the container's host PID while init waits at the gate (wire the network here). */
  onReady: (hostPid: number) => Promise<void>;
  /** Limit for init to reach the gate, and again for execve after it (default 30 s). */
  timeoutMs?: number;
}

export interface Launched {
  /** Host PID of the container's PID 1. */
  pid: number;
  /** Host PID of the shim, which writes the exit file when the container ends. */
  shimPid: number;
  shim: ChildProcess;
  /**
   * Settles when the shim has exited, i.e. the container ended and its exit file is written.
   * Use this, not shim.once('exit'): a short command may be gone before the launch resolves,
   * and that event would have fired already.
   */
  exited: Promise<ShimExit>;
}

export interface ShimExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export async function launchContainer(opts: LaunchOptions): Promise<Launched> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  writeFileAtomic(opts.specPath, JSON.stringify(opts.spec), 0o600);
  fs.rmSync(opts.exitFile, { force: true });
  const stderrStart = regularFileSize(opts.stdio[2]);

  const shim = spawn(
    'unshare',
    ['--pid', '--uts', '--ipc', '--net', '--', '/bin/sh', '-c', SHIM_SCRIPT, 'boxify-shim', opts.node, initProgram(), opts.specPath, opts.exitFile],
    {
      detached: true,
      stdio: [opts.stdio[0], opts.stdio[1], opts.stdio[2], 'pipe', 'pipe'],
      // Nothing of the daemon's environment (NODE_OPTIONS...) reaches init; the command gets spec.process.env.
      env: { PATH: process.env.PATH || '/usr/sbin:/usr/bin:/sbin:/bin' },
    },
  );
  const exited = new Promise<ShimExit>((resolve) => {
    shim.once('exit', (code, signal) => resolve({ code, signal }));
    shim.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
  const sync = shim.stdio[3] as Readable;
  const gate = shim.stdio[4] as Writable;
  const messages = lineReader(sync);
  gate.on('error', () => {}); // EPIPE if init is already gone: its exit is reported instead

  /** Ends a launch that went wrong: the gate closes (init exits), then waits for the shim. */
  const abandon = async (err: Error): Promise<never> => {
    gate.destroy();
    sync.destroy();
    const t = setTimeout(() => killGroup(shim.pid), timeoutMs);
    await exited;
    clearTimeout(t);
    throw err;
  };
  const withTimeout = <T>(p: Promise<T>, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        killGroup(shim.pid);
        reject(new BoxifyError('internal', `container ${opts.spec.id}: boxify-init did not ${what} within ${timeoutMs} ms; it was killed`));
      }, timeoutMs);
      p.then(resolve, reject).finally(() => clearTimeout(t));
    });

  const early = async (): Promise<never> => {
    const r = await exited;
    if (r.error) throw new BoxifyError('unavailable', `start container ${opts.spec.id}: cannot run unshare: ${r.error.message} (install util-linux)`);
    const code = readExitFile(opts.exitFile) ?? r.code ?? (r.signal ? 128 + os.constants.signals[r.signal] : 1);
    const stderr = readFrom(opts.stdio[2], stderrStart).trim();
    const detail = stderrStart === null ? " (its error output went to the container's stderr)" : stderr ? `: ${stderr}` : ' (no error output)';
    throw new StartError(
      `container ${opts.spec.id}: boxify-init exited (status ${code}) before it was ready${detail}`,
      code,
      'init',
    );
  };

  let first: InitMessage | null;
  try {
    // When init or the shim dies, every copy of fd 3 closes: EOF, so no separate exit watch.
    first = await withTimeout(messages.next(), 'get ready');
  } catch (err) {
    return abandon(err as Error);
  }
  if (first === null) return early();
  if (first.type === 'error') {
    await exited;
    throw new StartError(first.message, first.exitCode, first.step);
  }
  if (first.type !== 'ready') return abandon(new BoxifyError('internal', `boxify-init sent ${JSON.stringify(first)} before "ready"`));

  try {
    await opts.onReady(first.pid);
  } catch (err) {
    return abandon(err as Error);
  }
  gate.end('1');

  let last: InitMessage | null;
  try {
    last = await withTimeout(messages.next(), 'exec');
  } catch (err) {
    return abandon(err as Error);
  }
  sync.destroy();
  if (last !== null) {
    await exited;
    if (last.type === 'error') throw new StartError(last.message, last.exitCode, last.step);
    throw new BoxifyError('internal', `boxify-init sent ${JSON.stringify(last)} after the gate`);
  }
  // EOF: fd 3 was close-on-exec, so execve succeeded.
  return { pid: first.pid, shimPid: shim.pid!, shim, exited };
}

/** Reads newline-delimited InitMessages; next() gives null at EOF. */
function lineReader(stream: Readable): { next(): Promise<InitMessage | null> } {
  let buf = '';
  const queue: (InitMessage | null)[] = [];
  let waiter: ((m: InitMessage | null) => void) | undefined;
  const push = (m: InitMessage | null) => {
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w(m);
    } else queue.push(m);
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      try {
        push(JSON.parse(line) as InitMessage);
      } catch {
        push({ type: 'error', step: 'protocol', message: `boxify-init sent a line that is not JSON: ${line.slice(0, 200)}`, exitCode: 1 });
      }
    }
  });
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    push(null);
  };
  stream.on('end', end);
  stream.on('close', end);
  stream.on('error', end);
  return {
    next: () =>
      new Promise((resolve) => {
        if (queue.length > 0) resolve(queue.shift()!);
        else if (ended) resolve(null);
        else waiter = resolve;
      }),
  };
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL'); // the shim leads its own process group (detached)
  } catch {
    // already gone
  }
}

function writeFileAtomic(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}

function regularFileSize(fd: number): number | null {
  try {
    const st = fs.fstatSync(fd);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

/** What init wrote to a stderr file since `start` (at most 4 KiB), for "exited before ready" errors. */
function readFrom(fd: number, start: number | null): string {
  if (start === null) return '';
  try {
    const size = fs.fstatSync(fd).size;
    const from = Math.max(start, size - 4096);
    const buf = Buffer.alloc(size - from);
    const n = fs.readSync(fd, buf, 0, buf.length, from);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return '';
  }
}

/** The exit status the shim recorded, or null while the container runs (or never ran). */
export function readExitFile(exitFile: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(exitFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const code = Number(text.trim());
  if (!Number.isInteger(code) || code < 0 || code > 255) {
    throw new BoxifyError('internal', `exit file ${exitFile}: ${JSON.stringify(text.slice(0, 40))} is not an exit status (0-255)`);
  }
  return code;
}

/**
 * Field 22 of /proc/PID/stat (start time in clock ticks since boot): with the PID it
 * identifies a process across PID reuse, e.g. when a restarted daemon re-adopts containers.
 */
export function processStartTime(pid: number): string | null {
  const fields = statFields(pid);
  return fields ? fields[19] : null;
}

/** True when `pid` is the same live (not zombie) process that had `startTime` ('' = any start time). */
export function isAlive(pid: number, startTime: string): boolean {
  const fields = statFields(pid);
  return fields !== null && (startTime === '' || fields[19] === startTime) && fields[0] !== 'Z';
}

/** Fields 3.. of /proc/PID/stat (state first); the command name may hold spaces and ")". */
function statFields(pid: number): string[] | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join('/proc', String(pid), 'stat'), 'utf8');
  } catch {
    return null;
  }
  return parseStat(text);
}

export function parseStat(text: string): string[] | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text.slice(close + 2).trim().split(' ');
  return fields.length >= 20 ? fields : null;
}
