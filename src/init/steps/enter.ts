// Steps of `boxify-init exec`: a process of the host (started by the daemon, or by a client
// shell) that runs one command inside a running container with the container's confinement.
//
// The danger (CVE-2019-5736 and its kin): anything the container can see before the command
// is exec'd may be opened through /proc/PID/{exe,fd,mem} by a process waiting for it. So this
// process never joins the container's PID namespace; only its child will be there:
//
//   1. hygiene      non-dumpable, fds from 3 close-on-exec                 (first of all)
//   2. target       pidfd_open(PID), start time checked, /proc/PID/root opened, the pidfd
//                   checked alive again (so that root belongs to the same process)
//   3. cgroup files the container's join files, and this process's own ones to go back to,
//                   opened now: cgroup migration checks the opener's credentials and cgroup
//                   namespace, which are still the host's
//   4. terminal     a terminal on fd 0 that is our own controlling terminal (node-pty made us
//                   its session leader) is given up, so the command's session can take it
//   5. cgroup join  "0" into each join file: on v1 `tasks`, only this (main) thread moves and
//                   Node's other threads count against nothing; on v2 the whole process
//   6. namespaces   on the main thread: cgroup; unshare(CLONE_FS) then mount (a thread that
//                   shares its root and cwd with others may not change mount namespace);
//                   fchdir(root) + chroot("."); net, uts, ipc; PID (for children only)
//   7. rlimits, cwd, the command looked up in the container's PATH
//   8. security     user, groups, capabilities, no_new_privs, seccomp: on this thread only,
//                   which is the one posix_spawn clones
//   9. spawn        posix_spawn (src/core/sys/spawn.ts): a new session, default signals,
//                   fds 0-2 only; with a terminal, it becomes the controlling terminal
//  10. leave        back to our own cgroup (the command stays), then wait and exit with the
//                   command's status
//
// Node's other threads keep the host's namespaces, root and credentials throughout; none is
// ever visible from inside the container, and the one child that is shares this process's
// non-dumpable memory map until its execve.
import fs from 'node:fs';
import path from 'node:path';
import { isatty } from 'node:tty';
import {
  CLONE,
  SysError,
  chdir,
  ignoreSignal,
  markCloexecFrom,
  pidfdAlive,
  pidfdOpen,
  releaseTerminal,
  resetSignal,
  sessionId,
  setNonDumpable,
  setns,
  terminalSession,
  unshare,
} from '../../core/sys/ffi.js';
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
  if (!Array.isArray(spec.cgroupJoin)) throw new Error(`${from}: cgroupJoin must be a list of files`);
  if (!spec.security) throw new Error(`${from}: security options are missing`);
  return spec;
}

/** Step 1. */
export function execHygiene(): void {
  setNonDumpable();
  markCloexecFrom(3);
}

export interface Target {
  pid: number;
  pidfd: number;
  root: number;
}

const gone = (pid: number) =>
  new StepError('target', `the container's process ${pid} is gone: is the container still running?`, 'ESRCH', 126);

/** Step 2: the container's PID 1, pinned by a pidfd, and its root. */
export function openTarget(pid: number, startTime: string): Target {
  let pidfd: number;
  try {
    pidfd = pidfdOpen(pid);
  } catch (err) {
    if (err instanceof SysError && err.errno === 'ESRCH') throw gone(pid);
    throw err;
  }
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    throw gone(pid);
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (startTime !== '' && fields[19] !== startTime) {
    throw new StepError('target', `process ${pid} is no longer the container's (it exited and the PID was reused)`, 'ESRCH', 126);
  }
  const root = fs.openSync(`/proc/${pid}/root`, 'r');
  // Still alive: the PID cannot have been reused between the check above and the open.
  if (!pidfdAlive(pidfd)) throw gone(pid);
  return { pid, pidfd, root };
}

/**
 * The file of this process's own cgroup that matches `joinFile` (same hierarchy, same file
 * name), from /proc/self/mountinfo and /proc/self/cgroup; null when `joinFile` is not below a
 * cgroup mount. Pure, for tests.
 */
export function ownCgroupFile(joinFile: string, mountinfo: string, procSelfCgroup: string): string | null {
  let best: { point: string; root: string; type: string; opts: string[] } | undefined;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const f = line.slice(0, sep).split(' ');
    const [type, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    const point = unescapeMount(f[4] ?? '');
    const under = point === '/' ? joinFile.startsWith('/') : joinFile.startsWith(`${point}/`);
    if (!under || (best && best.point.length >= point.length)) continue;
    best = { point, root: unescapeMount(f[3] ?? '/'), type, opts: superOpts.split(',') };
  }
  if (!best) return null;
  let own: string | undefined;
  let ownWidth = 0;
  for (const line of procSelfCgroup.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const controllers = m[1] === '' ? [] : m[1]!.split(',');
    if (best.type === 'cgroup2') {
      if (controllers.length === 0) own = m[2];
    } else if (controllers.length > ownWidth && controllers.every((c) => best!.opts.includes(c))) {
      own = m[2];
      ownWidth = controllers.length;
    }
  }
  if (own === undefined) return null;
  let rel = own;
  if (best.root !== '/') {
    if (own !== best.root && !own.startsWith(`${best.root}/`)) return null;
    rel = own.slice(best.root.length);
  }
  return path.posix.join(best.point, rel, path.posix.basename(joinFile));
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export interface CgroupMove {
  join(): void;
  /** Back to where this process was; best effort (the command runs in any case). */
  leave(): void;
}

/** Step 3. */
export function openCgroupFiles(files: string[]): CgroupMove {
  const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const self = fs.readFileSync('/proc/self/cgroup', 'utf8');
  const join = files.map((f) => ({ file: f, fd: fs.openSync(f, fs.constants.O_WRONLY) }));
  const back: number[] = [];
  for (const f of files) {
    const own = ownCgroupFile(f, mountinfo, self);
    if (!own) continue;
    try {
      back.push(fs.openSync(own, fs.constants.O_WRONLY));
    } catch {
      // not ours to write (an unusual host): we stay in the container's cgroup until we exit
    }
  }
  return {
    join: () => {
      for (const { file, fd } of join) {
        // "0" is "the writing task" to the kernel: on v1 `tasks` this thread, on v2 the process.
        try {
          fs.writeSync(fd, '0');
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
          throw Object.assign(new Error(`write 0 to ${file}: ${code}`), { code });
        }
        fs.closeSync(fd);
      }
    },
    leave: () => {
      for (const fd of back) {
        try {
          fs.writeSync(fd, '0');
        } catch {
          // e.g. EBUSY: a v2 cgroup with controllers enabled for its children takes no process
        }
      }
    },
  };
}

/**
 * Step 4. True when fd 0 is a terminal, which the command will take as its controlling
 * terminal. When it is ours (node-pty starts us as the leader of its session), we give it
 * up: a terminal can be the controlling terminal of one session only. The kernel then
 * sends SIGHUP to our own process group, ignored for that moment. A command that will not
 * run as root gets the terminal's ownership, as login(1) does: it reopens it by path.
 */
export function prepareTerminal(uid: number): boolean {
  if (!isatty(0)) return false;
  if (terminalSession(0) === sessionId()) {
    ignoreSignal('SIGHUP');
    releaseTerminal(0);
    resetSignal('SIGHUP');
  }
  if (uid !== 0) fs.fchownSync(0, uid, -1);
  return true;
}

/**
 * Step 6: the container's namespaces and root, exactly as its PID 1 sees them, on the
 * calling (main) thread. The PID namespace applies to children only.
 */
export function enterNamespaces(t: Target): void {
  const what = (ns: string) => `${ns} of pid ${t.pid}`;
  setns(t.pidfd, CLONE.NEWCGROUP, what('cgroup namespace'));
  unshare(CLONE_FS);
  setns(t.pidfd, CLONE.NEWNS, what('mount namespace'));
  sysInts('root', `fchdir(/proc/${t.pid}/root)`, NR.fchdir!, t.root);
  sys('root', 'chroot(.)', NR.chroot!, 'const char *', '.');
  setns(t.pidfd, CLONE.NEWNET | CLONE.NEWUTS | CLONE.NEWIPC, what('network, UTS and IPC namespaces'));
  setns(t.pidfd, CLONE.NEWPID, what('PID namespace'));
  fs.closeSync(t.root);
  fs.closeSync(t.pidfd);
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
