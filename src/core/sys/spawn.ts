// glibc's posix_spawn through koffi: how `boxify-init exec` starts the command inside the
// container it has entered (src/init/steps/enter.ts).
//
// Why not Node's child_process: libuv's child runs code of its own between fork and execve
// and cannot make the child a session leader with a controlling terminal. posix_spawn's
// child is a vfork-style clone (CLONE_VM|CLONE_VFORK) of the calling thread: it inherits that
// thread's credentials, capabilities, seccomp filter, no_new_privs, namespaces (the PID
// namespace joined for children), root, cwd and (v1) cgroup, runs only glibc's C code (the
// attributes and file actions below), then execve. It shares the caller's memory map, and so
// its "non-dumpable" flag: between clone and execve, /proc/PID/exe, fd, mem and environ of
// that child are refused to the container's processes. posix_spawn returns once execve has
// succeeded, or with execve's errno.
//
// Everything is bound at preload time: after chroot into the container, libc and koffi's
// files are not reachable by path any more.
import os from 'node:os';
import { errnoName, loadKoffi } from './ffi.js';

// <spawn.h> flags (glibc).
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
// Opaque glibc types, allocated with room to spare: posix_spawnattr_t is 336 bytes and
// posix_spawn_file_actions_t 80 on x86_64 and aarch64; sigset_t is 128.
const ATTR_BYTES = 512;
const ACTIONS_BYTES = 256;
const SIGSET_BYTES = 128;
const O_RDWR = 2;
const EINTR = os.constants.errno.EINTR;

type Fn = (...args: unknown[]) => any;
interface SpawnLib {
  koffi: { errno(): number };
  spawn: Fn;
  attrInit: Fn;
  attrSetFlags: Fn;
  attrSetSigDefault: Fn;
  attrSetSigMask: Fn;
  actionsInit: Fn;
  actionsDup2: Fn;
  actionsOpen: Fn;
  actionsCloseFrom: Fn;
  sigfillset: Fn;
  sigemptyset: Fn;
  waitpid: Fn;
}

let lib: SpawnLib | undefined;

/** Binds the libc functions now (call before entering a container's root). Idempotent. */
export function preloadSpawn(): void {
  if (lib) return;
  const koffi = loadKoffi();
  const libc = koffi.load('libc.so.6');
  lib = {
    koffi,
    spawn: libc.func('int posix_spawn(_Out_ int *pid, const char *path, void *actions, void *attr, const char **argv, const char **envp)'),
    attrInit: libc.func('int posix_spawnattr_init(void *attr)'),
    attrSetFlags: libc.func('int posix_spawnattr_setflags(void *attr, short flags)'),
    attrSetSigDefault: libc.func('int posix_spawnattr_setsigdefault(void *attr, void *set)'),
    attrSetSigMask: libc.func('int posix_spawnattr_setsigmask(void *attr, void *set)'),
    actionsInit: libc.func('int posix_spawn_file_actions_init(void *actions)'),
    actionsDup2: libc.func('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)'),
    actionsOpen: libc.func('int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int flags, uint32_t mode)'),
    // glibc 2.34 and later.
    actionsCloseFrom: libc.func('int posix_spawn_file_actions_addclosefrom_np(void *actions, int from)'),
    sigfillset: libc.func('int sigfillset(void *set)'),
    sigemptyset: libc.func('int sigemptyset(void *set)'),
    waitpid: libc.func('int waitpid(int pid, _Out_ int *status, int options)'),
  };
}

function loaded(): SpawnLib {
  if (!lib) throw new Error('spawn: preloadSpawn() was not called');
  return lib;
}

/** A posix_spawn* call that returns an error number (0 = success) instead of setting errno. */
function ok(what: string, r: number): void {
  if (r !== 0) throw Object.assign(new Error(`${what}: ${errnoName(r)}`), { code: errnoName(r) });
}

export interface SpawnOptions {
  /** Absolute path of the program (already looked up). */
  file: string;
  args: string[];
  env: string[];
  /**
   * fd 0 is a terminal the child must take as its controlling terminal: it reopens it through
   * /proc/self/fd/0 after setsid (a session leader that opens a terminal without O_NOCTTY
   * acquires it), so the shell there gets job control.
   */
  terminal: boolean;
}

/**
 * The prepared attributes and file actions: the child starts a new session with every
 * signal at its default and none blocked (Node ignores SIGPIPE, and an ignored signal would
 * stay ignored across execve), keeps fds 0-2 (close-on-exec cleared) and nothing else.
 */
export interface PreparedSpawn {
  attr: Buffer;
  actions: Buffer;
  options: SpawnOptions;
}

export function prepareSpawn(options: SpawnOptions): PreparedSpawn {
  const l = loaded();
  const attr = Buffer.alloc(ATTR_BYTES);
  const actions = Buffer.alloc(ACTIONS_BYTES);
  const all = Buffer.alloc(SIGSET_BYTES);
  const none = Buffer.alloc(SIGSET_BYTES);
  ok('posix_spawnattr_init', l.attrInit(attr));
  ok('posix_spawn_file_actions_init', l.actionsInit(actions));
  l.sigfillset(all);
  l.sigemptyset(none);
  ok('posix_spawnattr_setflags', l.attrSetFlags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
  ok('posix_spawnattr_setsigdefault', l.attrSetSigDefault(attr, all));
  ok('posix_spawnattr_setsigmask', l.attrSetSigMask(attr, none));
  if (options.terminal) {
    // addopen closes its target fd first, so the terminal is opened as fd 3 (through fd 0,
    // which is still there), then put on 0.
    ok('addopen', l.actionsOpen(actions, 3, '/proc/self/fd/0', O_RDWR, 0));
    ok('adddup2', l.actionsDup2(actions, 3, 0));
  } else {
    ok('adddup2', l.actionsDup2(actions, 0, 0));
  }
  // dup2 of an fd onto itself clears its close-on-exec flag (Node sets it on 0-2).
  ok('adddup2', l.actionsDup2(actions, 1, 1));
  ok('adddup2', l.actionsDup2(actions, 2, 2));
  ok('addclosefrom_np', l.actionsCloseFrom(actions, 3));
  return { attr, actions, options };
}

/** Spawns; the child's PID, or the errno name execve (or a file action) failed with. */
export function spawnPrepared(p: PreparedSpawn): { pid: number } | { errno: string } {
  const l = loaded();
  const pid = [0];
  const { file, args, env } = p.options;
  const r = l.spawn(pid, file, p.actions, p.attr, [...args, null], [...env, null]);
  return r === 0 ? { pid: pid[0]! } : { errno: errnoName(r) };
}

/** Waits for `pid` (blocking the thread): its exit status, or 128+N when killed by signal N. */
export function waitExitCode(pid: number): number {
  const l = loaded();
  const status = [0];
  for (;;) {
    const r = l.waitpid(pid, status, 0);
    if (r === pid) break;
    if (r === -1 && l.koffi.errno() === EINTR) continue;
    throw new Error(`waitpid ${pid}: ${errnoName(l.koffi.errno())}`);
  }
  const s = status[0]!;
  const sig = s & 0x7f;
  return sig === 0 ? (s >> 8) & 0xff : 128 + sig;
}
