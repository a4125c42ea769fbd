// Stopping and signalling a running container: stop sends the stop signal (StopSignal or
// SIGTERM) and SIGKILL after the timeout (StopTimeout, or `stop -t`); kill sends one signal.
// Either, when it is a signal that ends the container, records that a user stopped it
// (restart policies then leave it down) and thaws a paused container so the signal lands.
import { guard, isRunning, type ContainerRecord } from './record.js';
import type { ContainerRuntime } from './runtime.js';
import { parseSignal } from './validate.js';

export async function stopContainer(rt: ContainerRuntime, id: string, opts: { timeout?: number; signal?: string }): Promise<'stopped' | 'not-running'> {
  const rec = rt.store.resolve(id);
  const sig = parseSignal(opts.signal || rec.config.StopSignal, 'signal');
  if (rec.state.status === 'restarting') {
    // Waiting for its restart policy: stopping means it stays down.
    stayDown(rt, rec);
    rt.d.events.emit('container', 'stop', rec.id, { name: rec.name, image: rec.imageRef });
    return 'stopped';
  }
  if (!isRunning(rec)) return 'not-running';
  const timeout = opts.timeout ?? rec.config.StopTimeout;
  const exited = rt.waiters.add(id, 'next-exit');
  markStoppedByUser(rt, rec);
  sendSignal(rt, rec, sig);
  await thawForSignal(rt, rec);
  if (timeout >= 0) {
    const t = setTimeout(() => {
      if (isRunning(rec)) sendSignal(rt, rec, 9);
    }, timeout * 1000);
    await exited;
    clearTimeout(t);
  } else {
    await exited;
  }
  rt.d.events.emit('container', 'stop', rec.id, { name: rec.name, image: rec.imageRef });
  return 'stopped';
}

/** docker kill: one signal; SIGKILL (the default) waits for the container to be gone, as Docker does. */
export async function killContainer(rt: ContainerRuntime, ref: string, signal = 'SIGKILL'): Promise<void> {
  const rec = rt.store.resolve(ref);
  const sig = parseSignal(signal, 'signal');
  const ends = sig === 9 || sig === parseSignal(rec.config.StopSignal || 'SIGTERM', 'StopSignal');
  if (rec.state.status === 'restarting') {
    if (ends) stayDown(rt, rec);
    return;
  }
  guard.canSignal(rec);
  const exited = sig === 9 ? rt.waiters.add(rec.id, 'next-exit') : undefined;
  if (ends) markStoppedByUser(rt, rec);
  sendSignal(rt, rec, sig);
  if (ends) await thawForSignal(rt, rec);
  if (exited) await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
}

/** Signals the container's PID 1; a container that has just exited is not an error. */
export function signalContainer(rec: ContainerRecord, sig: number): void {
  try {
    process.kill(rec.state.pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

function sendSignal(rt: ContainerRuntime, rec: ContainerRecord, sig: number): void {
  signalContainer(rec, sig);
  rt.d.events.emit('container', 'kill', rec.id, { name: rec.name, image: rec.imageRef, signal: String(sig) });
}

/** A frozen process acts on a signal only once thawed (v1 not even on SIGKILL). */
export async function thawForSignal(rt: ContainerRuntime, rec: ContainerRecord): Promise<void> {
  if (!rec.state.paused) return;
  try {
    await rt.d.cgroups.thaw(rec.id);
  } catch (e) {
    rt.d.log(`thaw ${rec.id.slice(0, 12)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  rec.state.paused = false;
  rt.d.events.emit('container', 'unpause', rec.id, { name: rec.name, image: rec.imageRef });
}

function markStoppedByUser(rt: ContainerRuntime, rec: ContainerRecord): void {
  if (rec.state.stoppedByUser) return;
  rec.state.stoppedByUser = true;
  rt.store.save(rec);
}

/** A container waiting to be restarted by its policy stays exited. */
function stayDown(rt: ContainerRuntime, rec: ContainerRecord): void {
  rec.state = { ...rec.state, status: 'exited', stoppedByUser: true };
  rt.store.save(rec);
}
