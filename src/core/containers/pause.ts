// docker pause / unpause: the container's cgroup is frozen through the cgroup interface (v1
// freezer.state, v2 cgroup.freeze). A paused container is still running (its processes
// exist, ports stay published) but gets no CPU; exec and attach are refused until unpause.
import { guard } from './record.js';
import type { ContainerRuntime } from './runtime.js';

export async function pauseContainer(rt: ContainerRuntime, id: string): Promise<void> {
  const rec = rt.store.resolve(id);
  guard.canPause(rec);
  await rt.d.cgroups.freeze(rec.id);
  rec.state.paused = true;
  rt.store.save(rec);
  rt.d.events.emit('container', 'pause', rec.id, { name: rec.name, image: rec.imageRef });
}

export async function unpauseContainer(rt: ContainerRuntime, id: string): Promise<void> {
  const rec = rt.store.resolve(id);
  guard.canUnpause(rec);
  await rt.d.cgroups.thaw(rec.id);
  rec.state.paused = false;
  rt.store.save(rec);
  rt.d.events.emit('container', 'unpause', rec.id, { name: rec.name, image: rec.imageRef });
}
