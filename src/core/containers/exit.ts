// What happens when a container exits, in one place: read its exit status, stop logging,
// release what only a running container needs (ports, cgroup, veth), record the end, tell
// waiters and event listeners, run the exit hooks, and remove it if it was started with --rm.
import { readExitFile, isAlive } from '../sys/launcher.js';
import path from 'node:path';
import type { ContainerRecord } from './record.js';
import { removeContainer } from './remove.js';
import { EXIT_FILE, type ContainerRuntime } from './runtime.js';

/** Called once per exit: by the shim's exit, or by the poll of a re-adopted container. */
export async function onExit(rt: ContainerRuntime, id: string): Promise<void> {
  const live = rt.live.get(id);
  if (!live || live.exiting) return;
  live.exiting = true;
  if (live.poll) clearInterval(live.poll);
  const rec = rt.store.get(id);
  if (!rec) return;
  await finishExit(rt, rec);
}

/** Records how the container ended and releases what only a running container needs. */
export async function finishExit(rt: ContainerRuntime, rec: ContainerRecord, note = ''): Promise<void> {
  const { d } = rt;
  const id = rec.id;
  const exitFile = path.join(rt.dir(id), EXIT_FILE);
  // The shim writes the exit file just after the container ends; after a restart it may
  // still be on its way.
  let code = readExitFile(exitFile);
  for (let i = 0; code === null && i < 40 && rec.state.shimPid && isAlive(rec.state.shimPid, ''); i++) {
    await new Promise((r) => setTimeout(r, 50));
    code = readExitFile(exitFile);
  }
  let oomKilled = false;
  try {
    oomKilled = d.cgroups.stats(id).oomKills > rec.state.oomKillsAtStart;
  } catch {
    /* no cgroup: no OOM information */
  }
  const live = rt.live.get(id);
  if (live) {
    // Readers end by themselves at EOF; give them a moment to drain, then close.
    await Promise.race([
      Promise.all(live.readers.map((s) => new Promise((r) => (s.destroyed ? r(null) : s.once('close', r))))),
      new Promise((r) => setTimeout(r, 1000)),
    ]);
    for (const s of live.readers) s.destroy();
    await live.writer.close();
    rt.live.delete(id);
  }
  const io = rt.existingIo(id);
  if (io) {
    // The terminal's master fd was closed with its reader stream above.
    io.ptyMaster = undefined;
    io.disconnectStdin();
    io.ended();
  }
  await d.ports.unpublish(id);
  rec.ports = [];
  await d.cgroups.remove(id).catch((e) => d.log(`cgroup ${id.slice(0, 12)}: ${String(e)}`));
  if (rec.network.hostVeth) await d.network.removeVeth(rec.network.hostVeth).catch(() => undefined);
  rec.state = {
    ...rec.state,
    status: 'exited',
    paused: false,
    pid: 0,
    shimPid: 0,
    exitCode: code ?? (oomKilled ? 137 : 255),
    oomKilled,
    error: code === null && note ? note : '',
    finishedAt: new Date().toISOString(),
  };
  rec.network = { ...rec.network, hostVeth: '' };
  rt.store.save(rec);
  const attrs = { name: rec.name, image: rec.imageRef, exitCode: String(rec.state.exitCode) };
  if (oomKilled) d.events.emit('container', 'oom', id, attrs);
  d.events.emit('container', 'die', id, attrs);
  rt.waiters.wake(id, ['not-running', 'next-exit'], rec.state.exitCode);
  await rt.runHooks('onExit', rec, { exitCode: rec.state.exitCode, oomKilled });
  if (rec.hostConfig.AutoRemove) await removeContainer(rt, id, { force: true }).catch((e) => d.log(`auto-remove: ${String(e)}`));
}
