// Stopping and signalling a running container: stop sends the stop signal (StopSignal or
// SIGTERM) and SIGKILL after the timeout; kill sends one signal.
import { guard, isRunning, type ContainerRecord } from './record.js';
import type { ContainerRuntime } from './runtime.js';
import { parseSignal } from './validate.js';

export async function stopContainer(rt: ContainerRuntime, id: string, opts: { timeout?: number; signal?: string }): Promise<'stopped' | 'not-running'> {
  const rec = rt.store.resolve(id);
  if (!isRunning(rec)) return 'not-running';
  const sig = parseSignal(opts.signal || rec.config.StopSignal, 'signal');
  const timeout = opts.timeout ?? rec.config.StopTimeout;
  const exited = rt.waiters.add(id, 'next-exit');
  signalContainer(rec, sig);
  if (timeout >= 0) {
    const t = setTimeout(() => {
      if (isRunning(rec)) signalContainer(rec, 9);
    }, timeout * 1000);
    await exited;
    clearTimeout(t);
  } else {
    await exited;
  }
  return 'stopped';
}

export function killContainer(rt: ContainerRuntime, ref: string, signal = 'SIGKILL'): void {
  const rec = rt.store.resolve(ref);
  const sig = parseSignal(signal, 'signal');
  guard.canSignal(rec);
  signalContainer(rec, sig);
}

/** Signals the container's PID 1; a container that has just exited is not an error. */
export function signalContainer(rec: ContainerRecord, sig: number): void {
  try {
    process.kill(rec.state.pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}
