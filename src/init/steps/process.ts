// The last steps before execve: cgroup, limits, credentials, working directory, file
// descriptors, and the command itself.
import fs from 'node:fs';
import path from 'node:path';
import type { InitSpec } from '../../core/sys/init-protocol.js';
import {
  CLONE,
  RLIMIT,
  RLIM_INFINITY,
  SysError,
  chdir,
  markCloexecFrom,
  closeFd,
  execve,
  prlimit,
  resetSignal,
  setCloexec,
  unshare,
} from '../../core/sys/ffi.js';
import { GATE_FD, StepError, SYNC_FD } from './step.js';

/** Opens the cgroup.procs files now: their host paths are gone after pivot_root. */
export function openCgroupProcs(files: string[]): number[] {
  return files.map((f) => fs.openSync(f, fs.constants.O_WRONLY));
}

export function joinCgroups(fds: number[], files: string[], newNamespace: boolean): void {
  fds.forEach((fd, i) => {
    // "0" is "the writing process" to the kernel, whatever PID namespace we are in (getpid()
    // would say 1 here). The whole thread group moves, Node's helper threads included.
    try {
      fs.writeSync(fd, '0');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      throw Object.assign(new Error(`write 0 to ${files[i]}: ${code}`), { code });
    }
    fs.closeSync(fd);
  });
  if (newNamespace) unshare(CLONE.NEWCGROUP);
}

function toRlim(n: number): bigint {
  // Negative (Docker's -1) or beyond 2^53 means unlimited.
  return n < 0 || !Number.isSafeInteger(n) ? RLIM_INFINITY : BigInt(n);
}

/**
 * Limits above the current hard limit cannot be set without CAP_SYS_RESOURCE (missing from
 * some hosts' bounding set), so they are clamped to it instead of failing the container.
 */
export function clampRlimit(want: { soft: bigint; hard: bigint }, currentHard: bigint): { soft: bigint; hard: bigint } {
  const hard = want.hard < currentHard ? want.hard : currentHard;
  const soft = want.soft < hard ? want.soft : hard;
  return { soft, hard };
}

export function rlimitNumber(type: string): number {
  const name = type.toLowerCase().replace(/^rlimit_/, '');
  const n = RLIMIT[name];
  if (n === undefined) throw new Error(`rlimit ${JSON.stringify(type)}: unknown resource (known: ${Object.keys(RLIMIT).join(', ')})`);
  return n;
}

export function setRlimits(limits: InitSpec['rlimits']): void {
  for (const l of limits) {
    const res = rlimitNumber(l.type);
    const current = prlimit(res, undefined, l.type);
    prlimit(res, clampRlimit({ soft: toRlim(l.soft), hard: toRlim(l.hard) }, current.hard), l.type);
  }
}

/** Like Docker, a missing working directory is created rather than refused. */
export function enterCwd(cwd: string): void {
  if (!path.posix.isAbsolute(cwd)) throw new Error(`working directory ${JSON.stringify(cwd)} must be an absolute path`);
  fs.mkdirSync(cwd, { recursive: true });
  chdir(cwd);
}

/**
 * stdio must survive execve (Node marks it close-on-exec); the sync pipe must not (its EOF
 * tells the daemon execve succeeded), nor any other fd; the gate is done with. Node ignores SIGPIPE and
 * SIGXFSZ, and an ignored signal stays ignored across execve: give the command defaults.
 */
export function prepareFds(gate = true): void {
  for (const fd of [0, 1, 2]) setCloexec(fd, false);
  if (gate) closeFd(GATE_FD);
  // Whatever else is open (the daemon's own parent may have left fds without close-on-exec,
  // and the shim passes them on) must not reach the container, as runc's CloseExecFrom(3)
  // ensures. The sync pipe is among them: its EOF tells the daemon execve succeeded.
  markCloexecFrom(SYNC_FD);
  resetSignal('SIGPIPE');
  resetSignal('SIGXFSZ');
  process.umask(0o022);
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function envPath(env: string[]): string {
  let value = DEFAULT_PATH;
  for (const v of env) if (v.startsWith('PATH=')) value = v.slice(5); // the last one wins, as in getenv
  return value;
}

function isExecutableFile(p: string): boolean {
  try {
    const st = fs.statSync(p);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Finds the command like Go's exec.LookPath (which runc uses): a name with a slash is taken as is. */
export function lookPath(name: string, pathVar: string): string {
  if (name.includes('/')) return name;
  for (const dir of pathVar.split(':')) {
    const candidate = path.posix.join(dir === '' ? '.' : dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new StepError('exec', `"${name}": executable file not found in $PATH`, 'ENOENT', 127);
}

/** Docker's wording and exit codes for a command that cannot start: 127 not found, 126 not runnable. */
export function execFailure(name: string, errno: string): StepError {
  switch (errno) {
    case 'ENOENT':
      return new StepError('exec', `"${name}": no such file or directory`, errno, 127);
    case 'EACCES':
      return new StepError('exec', `"${name}": permission denied`, errno, 126);
    case 'EISDIR':
      return new StepError('exec', `"${name}": is a directory`, errno, 126);
    case 'ENOEXEC':
      return new StepError('exec', `"${name}": exec format error`, errno, 126);
    default:
      return new StepError('exec', `"${name}": ${errno}`, errno, 126);
  }
}

/** The file to execute for `p.args[0]`, looked up in the command's own PATH. */
export function resolveCommand(p: InitSpec['process']): string {
  const name = p.args[0]!;
  const file = lookPath(name, envPath(p.env));
  // execve says EACCES for a directory; Docker says "is a directory".
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw execFailure(name, 'EISDIR');
  return file;
}

export function execCommand(p: InitSpec['process']): never {
  const name = p.args[0]!;
  const file = resolveCommand(p);
  try {
    return execve(file, p.args, p.env);
  } catch (err) {
    throw execFailure(name, err instanceof SysError ? err.errno : 'EIO');
  }
}
