// The few raw system calls the security step needs, through koffi.
//
// koffi is loaded synchronously (createRequire, not `import`) on first use or by
// preloadNative, so importing the security module costs nothing in the daemon and
// boxify-init never awaits. init preloads it before pivot_root (see preloadNative). Everything here is a raw syscall(2), on purpose: capabilities,
// securebits, no_new_privs, seccomp filters (without TSYNC) and the uid/gid set by raw
// setresuid(2) are per *thread*. The caller is Node's main thread, which is the thread
// that calls execve, and execve discards every other thread, so the new program gets
// exactly what was set here. (glibc's setuid() would broadcast to all threads; not needed.)

import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { BoxifyError } from '../errors.js';
import { SYSCALLS_X86_64 } from './syscalls-x86_64.js';

interface Native {
  koffi: { errno(): number; address(value: unknown): bigint };
  // long syscall(long number, ...): variadic, every extra argument is (type, value).
  syscall: (nr: number, ...typedArgs: unknown[]) => number | bigint;
}

let cached: Native | undefined;

function native(): Native {
  return cached ?? preloadNative();
}

/**
 * Loads koffi and binds syscall(2) now. boxify-init must call this (through
 * preloadProcessSecurity) BEFORE pivot_root: koffi's files live on the host and cannot be
 * found from inside the container's root. `koffi` lets the caller pass the instance it
 * already loaded. Idempotent.
 */
export function preloadNative(koffiModule?: unknown): Native {
  if (cached) return cached;
  if (process.arch !== 'x64' || process.platform !== 'linux') {
    throw new BoxifyError('internal', `process security is implemented for Linux x86_64 only, not ${process.platform}/${process.arch}`);
  }
  const koffi = (koffiModule ?? loadKoffi()) as {
    load(name: string): { func(decl: string): Native['syscall'] };
  } & Native['koffi'];
  const libc = koffi.load('libc.so.6');
  cached = { koffi, syscall: libc.func('long syscall(long number, ...)') };
  return cached;
}

/**
 * koffi's prebuilt native module directly when present (what src/core/sys/ffi.ts does too,
 * so both share one loaded copy): the package entry point spends tens of milliseconds on
 * start-up work that every container start would pay. The entry point otherwise.
 */
function loadKoffi(): unknown {
  const require = createRequire(import.meta.url);
  try {
    const m = require(`@koromix/koffi-${process.platform}-${process.arch}/${process.platform}_${process.arch}/koffi.node`);
    if (typeof m.load === 'function' && typeof m.errno === 'function' && typeof m.address === 'function') return m;
  } catch {
    // another layout (musl, a different install): fall back
  }
  return require('koffi');
}

const errnoNames = new Map<number, string>();
for (const [name, num] of Object.entries(osConstants.errno)) if (!errnoNames.has(num)) errnoNames.set(num, name);

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

/** A failed security syscall: the step, what it was doing, and the errno by name. */
export class SecurityStepError extends BoxifyError {
  readonly errno: number;
  readonly step: string;
  constructor(step: string, what: string, errno: number) {
    super('internal', `${step}: ${what}: ${errnoName(errno)}`);
    this.step = step;
    this.errno = errno;
  }
  get errnoName(): string {
    return errnoName(this.errno);
  }
}

export const NR = SYSCALLS_X86_64 as Record<string, number>;

/** syscall(nr, ...typed args); throws SecurityStepError on -1. Returns the result. */
export function sys(step: string, what: string, nr: number, ...typedArgs: unknown[]): number {
  const n = native();
  const r = Number(n.syscall(nr, ...typedArgs));
  if (r === -1) throw new SecurityStepError(step, what, n.koffi.errno());
  return r;
}

/** syscall with only integer arguments (up to 5), e.g. prctl. */
export function sysInts(step: string, what: string, nr: number, ...args: (number | bigint)[]): number {
  const typed: unknown[] = [];
  for (const a of args) typed.push('unsigned long', a);
  return sys(step, what, nr, ...typed);
}

/** Like sysInts but returns -errno instead of throwing (for probes and tests). */
export function trySysInts(nr: number, ...args: (number | bigint)[]): { result: number; errno: number } {
  const n = native();
  const typed: unknown[] = [];
  for (const a of args) typed.push('unsigned long', a);
  const r = Number(n.syscall(nr, ...typed));
  return { result: r, errno: r === -1 ? n.koffi.errno() : 0 };
}

/** The address of a Buffer's bytes, for structs that hold pointers (sock_fprog). */
export function addressOf(buf: Buffer): bigint {
  return native().koffi.address(buf);
}
