// Removing a container: refused while it runs unless forced (then it is killed first), and
// then everything it had goes: published ports, anonymous volumes (with -v or --rm), cgroup,
// veth, address lease, its directory and record.
import { guard, isRunning, type ContainerRecord } from './record.js';
import type { ContainerRuntime } from './runtime.js';
import { signalContainer, thawForSignal } from './stop.js';

export function removeContainer(rt: ContainerRuntime, ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
  const rec = rt.store.resolve(ref);
  return rt.locks.run(rec.id, async () => {
    const cur = rt.store.get(rec.id);
    if (!cur) return;
    guard.canRemove(cur, !!opts.force);
    if (isRunning(cur)) {
      const exited = rt.waiters.add(cur.id, 'next-exit');
      signalContainer(cur, 9);
      await thawForSignal(rt, cur);
      await exited;
    }
    await destroy(rt, cur, !!opts.volumes);
  });
}

/** Removes a container that no longer runs. Its status is saved as "removing" first, so a crash half-way is finished at the next start. */
export async function destroy(rt: ContainerRuntime, rec: ContainerRecord, removeVolumes = false): Promise<void> {
  const { d, store } = rt;
  await rt.runHooks('beforeRemove', rec);
  rec.state.status = 'removing';
  store.save(rec);
  await d.ports.unpublish(rec.id);
  // Anonymous volumes go with `rm -v` (or --rm); named volumes only when asked for by name.
  if (removeVolumes || rec.hostConfig.AutoRemove) {
    for (const v of rec.anonymousVolumes ?? []) {
      try {
        d.volumes.remove(v, { force: true, inUse: store.all().some((o) => o.id !== rec.id && o.volumes?.includes(v)) });
      } catch (e) {
        d.log(`volume ${v}: ${String(e)}`);
      }
    }
  }
  await d.cgroups.remove(rec.id).catch(() => undefined);
  if (rec.network.hostVeth) await d.network.removeVeth(rec.network.hostVeth).catch(() => undefined);
  await d.network.ipam.release(rec.id);
  store.delete(rec.id);
  rt.forgetIo(rec.id);
  d.events.emit('container', 'destroy', rec.id, { name: rec.name, image: rec.imageRef });
  rt.waiters.wake(rec.id, ['removed', 'not-running', 'next-exit'], rec.state.exitCode);
}
