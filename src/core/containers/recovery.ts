// The daemon's start and stop as the containers see them. At start: load the records,
// re-adopt containers that still run (PID and start time match), mark the rest exited with
// the status their shim recorded, finish removals a crash interrupted, and collect what
// nothing owns any more (cgroups, veths, leases). At stop: stop reading, leave them running.
import fs from 'node:fs';
import { isAlive } from '../sys/launcher.js';
import { finishExit, onExit } from './exit.js';
import { LogWriter } from './logs.js';
import { isRunning, type ContainerRecord } from './record.js';
import { destroy, removeContainer } from './remove.js';
import type { ContainerRuntime, Live } from './runtime.js';
import { readFifos } from './stdio.js';

/** Loads records and reconciles them with what is alive; collects leftovers. */
export async function recoverContainers(rt: ContainerRuntime): Promise<void> {
  const { d, store } = rt;
  for (const dir of store.load()) {
    d.log(`removing half-made container directory ${dir}`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const known = new Set<string>();
  for (const rec of store.all()) {
    known.add(rec.id);
    if (rec.state.status === 'running' || rec.state.status === 'restarting') {
      if (rec.state.pid && isAlive(rec.state.pid, rec.state.pidStartTime)) {
        d.log(`re-adopting running container ${rec.id.slice(0, 12)} (pid ${rec.state.pid})`);
        adopt(rt, rec);
        continue;
      }
      await finishExit(rt, rec, 'the container exited while the daemon was down');
    } else if (rec.state.status === 'removing') {
      await destroy(rt, rec);
      known.delete(rec.id);
    }
  }
  const running = new Set(store.all().filter(isRunning).map((r) => r.id));
  for (const name of d.cgroups.list()) {
    if (!running.has(name)) {
      d.log(`removing leftover cgroup ${name}`);
      await d.cgroups.remove(name).catch((e) => d.log(`cgroup ${name}: ${String(e)}`));
    }
  }
  for (const veth of d.network.listHostVeths()) {
    const owner = [...running].some((id) => store.get(id)?.network.hostVeth === veth);
    if (!owner) {
      d.log(`removing leftover veth ${veth}`);
      await d.network.removeVeth(veth).catch((e) => d.log(`veth ${veth}: ${String(e)}`));
    }
  }
  await d.network.ipam.prune(known);
}

/** Takes over a container a previous daemon started: its output FIFOs, ports, and its exit. */
function adopt(rt: ContainerRuntime, rec: ContainerRecord): void {
  // The freezer outlives the daemon: the cgroup says whether it is paused.
  const paused = rt.d.cgroups.frozen(rec.id);
  if (paused !== !!rec.state.paused) {
    rec.state.paused = paused;
    rt.store.save(rec);
  }
  const live: Live = { writer: new LogWriter(rt.logPath(rec.id)), readers: [], exiting: false };
  rt.live.set(rec.id, live);
  readFifos(rt, rec.id, live);
  if (rec.ports?.length) {
    rt.d.ports.publish(rec.id, rec.network.ip, rec.ports).catch((e) => rt.d.log(`ports of ${rec.id.slice(0, 12)}: ${String(e)}`));
  }
  // The shim is not our child: its exit is noticed by polling.
  live.poll = setInterval(() => {
    if (!isAlive(rec.state.pid, rec.state.pidStartTime)) void onExit(rt, rec.id);
  }, 500);
}

/** Daemon stop: containers keep running; stop reading their output. */
export async function detachAll(rt: ContainerRuntime): Promise<void> {
  await rt.d.ports.unpublishAll();
  for (const [, live] of rt.live) {
    if (live.poll) clearInterval(live.poll);
    for (const s of live.readers) s.destroy();
    live.shim?.unref();
    await live.writer.close();
  }
  rt.live.clear();
}

/** `boxifyd cleanup`: kill and remove every container of this state root. */
export async function removeAll(rt: ContainerRuntime): Promise<void> {
  for (const r of rt.store.all()) {
    if (isRunning(r) && r.state.pid && isAlive(r.state.pid, r.state.pidStartTime)) {
      if (!rt.live.has(r.id)) adopt(rt, r);
    } else if (isRunning(r)) {
      r.state.status = 'exited';
    }
    await removeContainer(rt, r.id, { force: true }).catch((e) => rt.d.log(`remove ${r.id.slice(0, 12)}: ${String(e)}`));
  }
}
