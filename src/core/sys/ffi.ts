// libc bindings through koffi, for the few system calls Node has no API for (mount,
// pivot_root, sethostname, execve...). Every call here is synchronous: it runs on the
// calling (main) thread, which matters because namespaces, credentials and the working
// directory are per thread in the kernel and libuv's pool threads would not see them.
//
// koffi is loaded on first use, so importing this module costs nothing until a call is made.
// Each wrapper throws a SysError naming the operation, its target and the errno name
// (`mount overlay on /var/lib/x/merged: EINVAL`), like runc's os.PathError.
import os from 'node:os';
import { createRequire } from 'node:module';

export class SysError extends Error {
  /** errno name, e.g. "ENOENT" (or "E<number>" when the name is unknown). */
  readonly errno: string;
  readonly errnoNumber: number;
  constructor(
    readonly op: string,
    readonly target: string,
    errnoNumber: number,
  ) {
    const name = errnoName(errnoNumber);
    super(`${op}${target ? ' ' + target : ''}: ${name}`);
    this.name = 'SysError';
    this.errno = name;
    this.errnoNumber = errnoNumber;
  }
}

let errnoNames: Map<number, string> | undefined;
export function errnoName(n: number): string {
  if (!errnoNames) {
    errnoNames = new Map();
    for (const [name, value] of Object.entries(os.constants.errno)) {
      // Aliases (EWOULDBLOCK = EAGAIN, EDEADLOCK = EDEADLK): keep the first, conventional name.
      if (!errnoNames.has(value)) errnoNames.set(value, name);
    }
  }
  return errnoNames.get(n) ?? `E${n}`;
}

// Flags and constants from <sys/mount.h>, <sched.h>, <fcntl.h>, <sys/prctl.h>.
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  REMOUNT: 0x20,
  BIND: 0x1000,
  REC: 0x4000,
  PRIVATE: 1 << 18,
  SLAVE: 1 << 19,
} as const;
export const MNT_DETACH = 2;
export const CLONE = {
  NEWNS: 0x00020000,
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000,
  NEWIPC: 0x08000000,
  NEWNET: 0x40000000,
  NEWPID: 0x20000000,
} as const;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const FD_CLOEXEC = 1;
export const O_NONBLOCK = 0o4000;
export const S_IFCHR = 0o020000;
const PR_SET_CHILD_SUBREAPER = 36;
const PR_SET_DUMPABLE = 4;
const CLOSE_RANGE_CLOEXEC = 1 << 2;
const TIOCNOTTY = 0x5422;
// Signal dispositions as signal(2) takes and returns them.
const SIG_DFL = 0;
const SIG_IGN = 1;
const SIG_ERR = -1;

/** Resource numbers of <sys/resource.h> (the same on x86_64 and arm64). */
export const RLIMIT: Record<string, number> = {
  cpu: 0,
  fsize: 1,
  data: 2,
  stack: 3,
  core: 4,
  rss: 5,
  nproc: 6,
  nofile: 7,
  memlock: 8,
  as: 9,
  locks: 10,
  sigpending: 11,
  msgqueue: 12,
  nice: 13,
  rtprio: 14,
  rttime: 15,
};
export const RLIM_INFINITY = 0xffffffffffffffffn;

const SYS_PIVOT_ROOT: Record<string, number> = { x64: 155, arm64: 41 };
// The same numbers on every architecture (added after the syscall tables were unified).
const SYS_CLOSE_RANGE = 436;
const SYS_PIDFD_OPEN = 434;
const SYS_PIDFD_SEND_SIGNAL = 424;
const TIOCGSID = 0x5429;

// The loaded functions; koffi's types are loose, so each is called through a typed wrapper.
type Fn = (...args: unknown[]) => any;
interface Libc {
  koffi: { errno(): number };
  mount: Fn;
  umount2: Fn;
  syscall: Fn;
  sethostname: Fn;
  unshare: Fn;
  setns: Fn;
  chdir: Fn;
  fcntl: Fn;
  execve: Fn;
  mknod: Fn;
  prlimit: Fn;
  setgroups: Fn;
  setresuid: Fn;
  setresgid: Fn;
  prctl: Fn;
  getpid: Fn;
  close: Fn;
  signal: Fn;
  ioctl: Fn;
  setsid: Fn;
  getsid: Fn;
  open: Fn;
}

let libc: Libc | undefined;
function load(): Libc {
  if (libc) return libc;
  if (process.platform !== 'linux') throw new Error(`libc bindings: Linux only, not ${process.platform}`);
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  libc = {
    koffi,
    mount: lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: lib.func('int umount2(const char *target, int flags)'),
    syscall: lib.func('long syscall(long number, ...)'),
    sethostname: lib.func('int sethostname(const char *name, size_t len)'),
    unshare: lib.func('int unshare(int flags)'),
    setns: lib.func('int setns(int fd, int nstype)'),
    chdir: lib.func('int chdir(const char *path)'),
    fcntl: lib.func('int fcntl(int fd, int cmd, ...)'),
    execve: lib.func('int execve(const char *path, const char **argv, const char **envp)'),
    mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    prlimit: lib.func('int prlimit(int pid, int resource, void *newLimit, void *oldLimit)'),
    setgroups: lib.func('int setgroups(size_t size, const uint32_t *list)'),
    setresuid: lib.func('int setresuid(uint32_t r, uint32_t e, uint32_t s)'),
    setresgid: lib.func('int setresgid(uint32_t r, uint32_t e, uint32_t s)'),
    prctl: lib.func('int prctl(int option, ...)'),
    getpid: lib.func('int getpid(void)'),
    close: lib.func('int close(int fd)'),
    signal: lib.func('intptr_t signal(int sig, uintptr_t handler)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long request, ...)'),
    setsid: lib.func('int setsid(void)'),
    getsid: lib.func('int getsid(int pid)'),
    open: lib.func('int open(const char *path, int flags, ...)'),
  };
  return libc;
}

/**
 * koffi's entry point spends ~13 ms of CPU finding its native module (libc detection,
 * deprecation wrappers) on top of the ~6 ms dlopen; every container start pays it, in
 * boxify-init. So load the prebuilt module of this platform directly when it is there (the
 * entry point only adds deprecated helpers to it), and fall back to the entry point otherwise.
 */
export function loadKoffi(): any {
  const require = createRequire(import.meta.url);
  try {
    const native = require(`@koromix/koffi-${process.platform}-${process.arch}/${process.platform}_${process.arch}/koffi.node`);
    if (typeof native.load === 'function' && typeof native.errno === 'function') return native;
  } catch {
    // not installed that way (musl, another layout): use the entry point
  }
  return require('koffi');
}

/** Runs a libc call; a -1 return becomes a SysError with the errno read right after it. */
function check(op: string, target: string, call: (l: Libc) => number | bigint): number {
  const l = load();
  const r = Number(call(l));
  if (r === -1) throw new SysError(op, target, l.koffi.errno());
  return r;
}

/** mount(2). `what` names the mount in errors, e.g. "overlay" or "bind /host/dir". */
export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null, what?: string): void {
  check(`mount ${what ?? fstype ?? source ?? '(remount)'} on`, target, (l) => l.mount(source, target, fstype, flags, data));
}

export function umount2(target: string, flags: number): void {
  check('umount', target, (l) => l.umount2(target, flags));
}

export function pivotRoot(newRoot: string, putOld: string): void {
  const nr = SYS_PIVOT_ROOT[process.arch];
  if (nr === undefined) throw new Error(`pivot_root: no system call number known for architecture ${process.arch} (known: ${Object.keys(SYS_PIVOT_ROOT).join(', ')})`);
  check('pivot_root', newRoot, (l) => l.syscall(nr, 'const char *', newRoot, 'const char *', putOld));
}

export function sethostname(name: string): void {
  check('sethostname', name, (l) => l.sethostname(name, Buffer.byteLength(name)));
}

export function unshare(flags: number): void {
  check('unshare', `0x${flags.toString(16)}`, (l) => l.unshare(flags));
}

export function setns(fd: number, nstype: number, what = `fd ${fd}`): void {
  check('setns', what, (l) => l.setns(fd, nstype));
}

/** chdir(2) of the calling thread (process.chdir would do, but this reports the errno the same way). */
export function chdir(path: string): void {
  check('chdir', path, (l) => l.chdir(path));
}

export function fcntlGet(fd: number, cmd: number): number {
  return check('fcntl', `fd ${fd}`, (l) => l.fcntl(fd, cmd));
}

export function fcntlSet(fd: number, cmd: number, value: number): void {
  check('fcntl', `fd ${fd}`, (l) => l.fcntl(fd, cmd, 'int', value));
}

/** Sets or clears FD_CLOEXEC. Node opens everything close-on-exec, stdio included. */
export function setCloexec(fd: number, on: boolean): void {
  const flags = fcntlGet(fd, F_GETFD);
  fcntlSet(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC);
}

export function closeFd(fd: number): void {
  check('close', `fd ${fd}`, (l) => l.close(fd));
}

/** execve(2): returns only by throwing. */
export function execve(path: string, args: string[], env: string[]): never {
  check('execve', path, (l) => l.execve(path, [...args, null], [...env, null]));
  throw new SysError('execve', path, 0); // execve returned without -1: cannot happen
}

/** The dev_t of glibc's makedev(3), as a BigInt-free number (exact below 2^53). */
export function makedev(major: number, minor: number): number {
  const dev =
    ((BigInt(major) & 0xfffff000n) << 32n) |
    ((BigInt(major) & 0xfffn) << 8n) |
    ((BigInt(minor) & 0xffffff00n) << 12n) |
    (BigInt(minor) & 0xffn);
  return Number(dev);
}

export function mknod(path: string, mode: number, dev: number): void {
  check('mknod', path, (l) => l.mknod(path, mode, dev));
}

/** prlimit(2) on the calling process: sets the limit when `next` is given, returns the previous one. */
export function prlimit(resource: number, next?: { soft: bigint; hard: bigint }, name = String(resource)): { soft: bigint; hard: bigint } {
  const old = new BigUint64Array(2);
  const nu = next ? BigUint64Array.of(next.soft, next.hard) : null;
  check('prlimit', name, (l) => l.prlimit(0, resource, nu, old));
  return { soft: old[0], hard: old[1] };
}

export function setgroups(gids: number[]): void {
  check('setgroups', gids.join(','), (l) => l.setgroups(gids.length, gids.length ? Uint32Array.from(gids) : null));
}

export function setresgid(gid: number): void {
  check('setresgid', String(gid), (l) => l.setresgid(gid, gid, gid));
}

export function setresuid(uid: number): void {
  check('setresuid', String(uid), (l) => l.setresuid(uid, uid, uid));
}

export function prctl(option: number, arg: number, what = String(option)): number {
  return check('prctl', what, (l) => l.prctl(option, 'unsigned long', arg));
}

/** Makes the calling process adopt its orphaned descendants (so it can reap them). */
export function setChildSubreaper(): void {
  prctl(PR_SET_CHILD_SUBREAPER, 1, 'PR_SET_CHILD_SUBREAPER');
}

/**
 * PR_SET_DUMPABLE 0: /proc/PID/{exe,fd,mem,environ,root,ns} and ptrace are then refused to
 * anyone without CAP_SYS_PTRACE, even a process of the same uid. The flag lives in the memory
 * map: a vfork child shares it, and execve resets it for the new program.
 */
export function setNonDumpable(): void {
  prctl(PR_SET_DUMPABLE, 0, 'PR_SET_DUMPABLE');
}

/**
 * close_range(from, ~0, CLOSE_RANGE_CLOEXEC): every fd from `from` up is closed at the next
 * execve, whoever opened it (Node marks only its own fds close-on-exec, not inherited ones).
 */
export function markCloexecFrom(from: number): void {
  check('close_range', `${from}..~0 CLOEXEC`, (l) => l.syscall(SYS_CLOSE_RANGE, 'unsigned int', from, 'unsigned int', 0xffffffff, 'unsigned int', CLOSE_RANGE_CLOEXEC));
}

/** setsid(2): the new session's ID, or the SysError (EPERM for a process group leader). */
export function setsid(): number {
  return check('setsid', '', (l) => l.setsid());
}

/**
 * Gives up the controlling terminal, if there is one: TIOCNOTTY on /dev/tty (ENXIO to open it
 * means there is none). A session leader doing this makes the kernel send SIGHUP and SIGCONT
 * to the terminal's foreground process group, which may be its own: handle or ignore SIGHUP
 * first. Returns whether a terminal was given up.
 */
export function dropControllingTerminal(): boolean {
  const O_RDWR = 2;
  const O_NOCTTY = 0o400;
  const O_CLOEXEC = 0o2000000;
  const l = load();
  const fd = l.open('/dev/tty', O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd === -1) return false;
  try {
    check('ioctl', '/dev/tty TIOCNOTTY', () => l.ioctl(fd, TIOCNOTTY));
  } finally {
    l.close(fd);
  }
  return true;
}

/** pidfd_open(2): an fd that names process `pid` for as long as it is held, whatever PID reuse. */
export function pidfdOpen(pid: number): number {
  return check('pidfd_open', String(pid), (l) => l.syscall(SYS_PIDFD_OPEN, 'int', pid, 'unsigned int', 0));
}

/** True while the process behind a pidfd has not exited (pidfd_send_signal with signal 0). */
export function pidfdAlive(pidfd: number): boolean {
  const l = load();
  if (Number(l.syscall(SYS_PIDFD_SEND_SIGNAL, 'int', pidfd, 'int', 0, 'void *', null, 'unsigned int', 0)) === 0) return true;
  const errno = l.koffi.errno();
  if (errnoName(errno) === 'ESRCH') return false;
  throw new SysError('pidfd_send_signal', `pidfd ${pidfd}`, errno);
}

/** The session ID of the terminal on `fd` (tcgetsid), or null when it is no session's terminal. */
export function terminalSession(fd: number): number | null {
  const l = load();
  const out = Buffer.alloc(4);
  if (Number(l.ioctl(fd, TIOCGSID, 'void *', out)) === -1) return null;
  return out.readInt32LE(0);
}

/** getsid(0): the calling process's session ID. */
export function sessionId(): number {
  return check('getsid', '', (l) => l.getsid(0));
}

/** TIOCNOTTY on `fd`, which must be this process's controlling terminal (see dropControllingTerminal). */
export function releaseTerminal(fd: number): void {
  check('ioctl', `fd ${fd} TIOCNOTTY`, (l) => l.ioctl(fd, TIOCNOTTY));
}

/** Ignores a signal (SIG_IGN); an ignored signal stays ignored across execve. */
export function ignoreSignal(name: keyof typeof os.constants.signals): void {
  const l = load();
  if (Number(l.signal(os.constants.signals[name], SIG_IGN)) === SIG_ERR) throw new SysError('signal', name, l.koffi.errno());
}

/** Restores the default disposition (SIG_DFL) of a signal, e.g. one Node ignores. */
export function resetSignal(name: keyof typeof os.constants.signals): void {
  const l = load();
  if (Number(l.signal(os.constants.signals[name], SIG_DFL)) === SIG_ERR) throw new SysError('signal', name, l.koffi.errno());
}

export function getpid(): number {
  return load().getpid();
}
