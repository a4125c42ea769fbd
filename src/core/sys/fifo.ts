// mkfifo(3): Node has no binding for it, and running mkfifo(1) per container costs a process.
import koffi from 'koffi';
import os from 'node:os';
import { sysError } from '../errors.js';
import { fcntlGet, fcntlSet, F_GETFL, F_SETFL, O_NONBLOCK } from './ffi.js';

let mkfifoFn: ((path: string, mode: number) => number) | undefined;

export function makeFifo(path: string, mode: number): void {
  if (!mkfifoFn) {
    const libc = koffi.load('libc.so.6');
    mkfifoFn = libc.func('int mkfifo(const char *path, uint32_t mode)') as (p: string, m: number) => number;
  }
  if (mkfifoFn(path, mode) !== 0) {
    const errno = koffi.errno();
    const name = Object.entries(os.constants.errno).find(([, n]) => n === errno)?.[0] ?? `errno ${errno}`;
    throw sysError('mkfifo', path, name);
  }
}

/** Clears O_NONBLOCK on an fd, so the process that inherits it gets ordinary blocking reads. */
export function setBlocking(fd: number): void {
  const flags = fcntlGet(fd, F_GETFL);
  fcntlSet(fd, F_SETFL, flags & ~O_NONBLOCK);
}
