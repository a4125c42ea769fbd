// Waiting for the kernel's freezer: both backends write a request, then poll until the
// cgroup reports the state asked for, repeating the request now and then; past the time
// limit the request is undone and the error names the cgroup.
import { sysError } from '../errors.js';

export interface SettleOptions {
  request(): void;
  done(): boolean;
  /** Puts things back when the state is not reached in time. */
  undo?(): void;
  op: string;
  target: string;
  timeoutMs?: number;
}

export async function settle(o: SettleOptions): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 5000;
  const deadline = Date.now() + timeoutMs;
  o.request();
  for (let i = 1; !o.done(); i++) {
    if (Date.now() > deadline) {
      try {
        o.undo?.();
      } catch {
        /* reported below */
      }
      throw sysError(o.op, o.target, new Error(`the cgroup did not settle within ${timeoutMs} ms (a process in uninterruptible sleep?)`));
    }
    await new Promise((r) => setTimeout(r, Math.min(50, 2 * i)));
    if (i % 10 === 0) o.request();
  }
}
