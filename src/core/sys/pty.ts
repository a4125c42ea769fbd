// Pseudo-terminals for containers created with a TTY (`docker run -t`): the daemon keeps the
// master end, the container gets the slave as stdin, stdout and stderr. Node has no API for
// posix_openpt or TIOCSWINSZ, so they come from libc through koffi.
import koffi from 'koffi';
import fs from 'node:fs';
import { sysError } from '../errors.js';
import { errnoName } from './ffi.js';

const O_RDWR = 0o2;
const O_NOCTTY = 0o400;
const O_CLOEXEC = 0o2000000;
const TIOCSWINSZ = 0x5414;

interface PtyLib {
  posix_openpt: (flags: number) => number;
  grantpt: (fd: number) => number;
  unlockpt: (fd: number) => number;
  ptsname: (fd: number) => string | null;
  ioctlWinsize: (fd: number, req: number, ws: Buffer) => number;
}

let lib: PtyLib | undefined;
function load(): PtyLib {
  if (lib) return lib;
  const libc = koffi.load('libc.so.6');
  lib = {
    posix_openpt: libc.func('int posix_openpt(int flags)'),
    grantpt: libc.func('int grantpt(int fd)'),
    unlockpt: libc.func('int unlockpt(int fd)'),
    ptsname: libc.func('const char *ptsname(int fd)'),
    ioctlWinsize: libc.func('int ioctl(int fd, unsigned long req, _Inout_ uint8_t *ws)'),
  } as unknown as PtyLib;
  return lib;
}

function check(op: string, r: number): number {
  if (r === -1) throw sysError(op, '', errnoName(koffi.errno()));
  return r;
}

export interface PtyPair {
  /** Master end, kept by the daemon. */
  master: number;
  /** Slave end, handed to the container (close it in the daemon once the child has it). */
  slave: number;
  slavePath: string;
}

export function openPty(rows = 24, cols = 80): PtyPair {
  const l = load();
  const master = check('posix_openpt', l.posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  check('grantpt', l.grantpt(master));
  check('unlockpt', l.unlockpt(master));
  const slavePath = l.ptsname(master);
  if (!slavePath) throw sysError('ptsname', String(master), errnoName(koffi.errno()));
  const slave = fs.openSync(slavePath, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  resizePty(master, rows, cols);
  return { master, slave, slavePath };
}

/** TIOCSWINSZ: the kernel then sends SIGWINCH to the terminal's foreground process group. */
export function resizePty(fd: number, rows: number, cols: number): void {
  const ws = Buffer.alloc(8);
  ws.writeUInt16LE(rows, 0);
  ws.writeUInt16LE(cols, 2);
  check('ioctl TIOCSWINSZ', load().ioctlWinsize(fd, TIOCSWINSZ, ws));
}
