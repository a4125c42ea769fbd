// The few system calls layer extraction needs that Node's fs lacks: mknod (overlay
// whiteouts are 0:0 character devices; FIFOs) and lsetxattr (opaque directories, file
// capabilities). Loaded lazily so modules that only read the store never touch FFI.
import os from 'node:os';
import koffi from 'koffi';
import { BoxifyError } from '../errors.js';

interface Libc {
  mknod: (path: string, mode: number, dev: number) => number;
  lsetxattr: (path: string, name: string, value: Buffer, size: number, flags: number) => number;
  lgetxattr: (path: string, name: string, value: Buffer, size: number) => number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (!libc) {
    const lib = koffi.load('libc.so.6');
    libc = {
      mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)') as Libc['mknod'],
      lsetxattr: lib.func(
        'int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)',
      ) as Libc['lsetxattr'],
      lgetxattr: lib.func('long lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)') as Libc['lgetxattr'],
    };
  }
  return libc;
}

function errnoError(op: string, target: string): BoxifyError {
  const errno = koffi.errno();
  const name = Object.entries(os.constants.errno).find(([, v]) => v === errno)?.[0] ?? `errno ${errno}`;
  return new BoxifyError('internal', `${op} ${target}: ${name}`);
}

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;

/** mknod(2); `dev` is makedev(major, minor). */
export function mknod(path: string, mode: number, dev = 0): void {
  if (load().mknod(path, mode, dev) !== 0) throw errnoError('mknod', path);
}

/** lsetxattr(2) on the path itself (never following a symlink). */
export function lsetxattr(path: string, name: string, value: Buffer | string): void {
  const buf = typeof value === 'string' ? Buffer.from(value) : value;
  if (load().lsetxattr(path, name, buf, buf.length, 0) !== 0) throw errnoError(`setxattr ${name}`, path);
}

/** lgetxattr(2); undefined when the attribute is absent. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const buf = Buffer.alloc(4096);
  const n = load().lgetxattr(path, name, buf, buf.length);
  if (n < 0) return undefined;
  return buf.subarray(0, n);
}
