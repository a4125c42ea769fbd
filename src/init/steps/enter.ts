// Steps of `boxify-init exec`: entering a running container's cgroup, cgroup namespace,
// mount namespace and root from a process that nsenter has already put into its PID, network,
// UTS and IPC namespaces (see src/core/sys/init-protocol.ts).
//
// Why not `nsenter --mount --root` as well: the process would then start in the container's
// filesystem, where neither node nor koffi exists, and could not apply capabilities or
// seccomp. Node is multi-threaded, and setns(2) refuses CLONE_NEWNS to a process whose
// filesystem attributes (root, cwd, umask: CLONE_FS) are shared with another thread, which
// all of libuv's threads are. unshare(CLONE_FS) gives the calling thread its own copy first;
// mount namespaces, like every namespace, belong to the thread that joins them, and execve
// from that thread keeps them (Go's runtime enters mount namespaces the same way).
import fs from 'node:fs';
import path from 'node:path';
import { CLONE, chdir, setns, unshare } from '../../core/sys/ffi.js';
import type { ExecSpec } from '../../core/sys/init-protocol.js';
import { NR, sys, sysInts } from '../../core/security/native.js';
import { StepError } from './step.js';

/** Not in ffi.CLONE: share the root, cwd and umask with the parent (threads always do). */
const CLONE_FS = 0x200;

export function parseExecSpec(json: string | undefined, from: string): ExecSpec {
  if (!json) throw new Error(`${from} is empty: boxify-init exec is started by the daemon with an ExecSpec`);
  const spec = JSON.parse(json) as ExecSpec;
  if (!Number.isInteger(spec.pid) || spec.pid <= 0) throw new Error(`${from}: pid must be the container's host PID`);
  const args = spec.process?.args;
  if (!Array.isArray(args) || args.length === 0 || typeof args[0] !== 'string' || args[0] === '') {
    throw new Error(`${from}: process.args is empty: exec needs a command`);
  }
  if (!spec.security) throw new Error(`${from}: security options are missing`);
  return spec;
}

/** Refuses a PID that no longer belongs to the container (it exited and the PID was reused). */
export function checkTarget(pid: number, startTime: string): void {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    throw new StepError('target', `the container's process ${pid} is gone: is the container still running?`, 'ESRCH', 126);
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (startTime !== '' && fields[19] !== startTime) {
    throw new StepError('target', `process ${pid} is no longer the container's (it exited and the PID was reused)`, 'ESRCH', 126);
  }
}

export interface TargetFds {
  cgroupNs: number;
  mntNs: number;
  root: number;
}

/** Opened while the host's /proc is ours to read. */
export function openTarget(pid: number): TargetFds {
  return {
    cgroupNs: fs.openSync(`/proc/${pid}/ns/cgroup`, 'r'),
    mntNs: fs.openSync(`/proc/${pid}/ns/mnt`, 'r'),
    root: fs.openSync(`/proc/${pid}/root`, 'r'),
  };
}

/**
 * The cgroup namespace, then the mount namespace, then the container's root exactly as its
 * PID 1 sees it (what `nsenter --root` does: fchdir to /proc/PID/root opened before, chroot .).
 * After this, every path is the container's.
 */
export function enterFilesystem(fds: TargetFds, pid: number): void {
  setns(fds.cgroupNs, CLONE.NEWCGROUP, `/proc/${pid}/ns/cgroup`);
  unshare(CLONE_FS);
  setns(fds.mntNs, CLONE.NEWNS, `/proc/${pid}/ns/mnt`);
  sysInts('root', `fchdir(/proc/${pid}/root)`, NR.fchdir!, fds.root);
  sys('root', 'chroot(.)', NR.chroot!, 'const char *', '.');
  for (const fd of [fds.cgroupNs, fds.mntNs, fds.root]) fs.closeSync(fd);
}

/** Unlike a container's start, exec does not create a missing working directory (as Docker). */
export function enterExistingCwd(cwd: string): void {
  if (!path.posix.isAbsolute(cwd)) throw new StepError('cwd', `working directory ${JSON.stringify(cwd)} must be an absolute path`, 'EINVAL', 126);
  try {
    chdir(cwd);
  } catch (err) {
    const errno = (err as { errno?: string }).errno ?? 'EIO';
    throw new StepError('cwd', `chdir to ${JSON.stringify(cwd)}: ${errno === 'ENOENT' ? 'no such file or directory' : errno}`, errno, 126);
  }
}
