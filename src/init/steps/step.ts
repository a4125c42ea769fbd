// Step bookkeeping and the sync/gate pipes of boxify-init (see src/core/sys/init-protocol.ts).
// Every failure leaves init as one InitMessage on fd 3 naming the step, so the daemon can
// report `rootfs: mount overlay on /var/lib/...: EINVAL` instead of a bare exit status.
import fs from 'node:fs';
import type { InitMessage } from '../../core/sys/init-protocol.js';
import { fcntlGet, fcntlSet, F_GETFL, F_SETFL, O_NONBLOCK } from '../../core/sys/ffi.js';

export const SYNC_FD = 3;
export const GATE_FD = 4;

export class StepError extends Error {
  constructor(
    readonly step: string,
    readonly detail: string,
    readonly errno?: string,
    readonly exitCode = 1,
  ) {
    super(`${step}: ${detail}`);
    this.name = 'StepError';
  }
}

/** Runs one named step; any error becomes a StepError carrying the step name and errno. */
export function step<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof StepError) throw err;
    const e = err as { message?: string; errno?: unknown; code?: unknown };
    // SysError has `errno` as a name; Node's fs errors have `code` ("ENOENT") and a message
    // such as "ENOENT: no such file or directory, open '/x'".
    const errno = typeof e.errno === 'string' ? e.errno : typeof e.code === 'string' ? e.code : undefined;
    throw new StepError(name, e.message ?? String(err), errno);
  }
}

export function send(msg: InitMessage): void {
  fs.writeSync(SYNC_FD, JSON.stringify(msg) + '\n');
}

/**
 * Blocks until the daemon opens the gate: true for "1", false for EOF (the daemon gave up
 * or died). Synchronous on purpose: nothing else may run in this process meanwhile.
 */
export function waitAtGate(): boolean {
  // A non-blocking pipe would make readSync fail with EAGAIN instead of waiting.
  const fl = fcntlGet(GATE_FD, F_GETFL);
  if (fl & O_NONBLOCK) fcntlSet(GATE_FD, F_SETFL, fl & ~O_NONBLOCK);
  const buf = Buffer.alloc(1);
  const n = fs.readSync(GATE_FD, buf, 0, 1, null);
  if (n === 0) return false;
  if (buf[0] === 0x31 /* "1" */) return true;
  throw new StepError('gate', `read fd ${GATE_FD}: unexpected byte 0x${buf[0].toString(16)} (want "1")`);
}
