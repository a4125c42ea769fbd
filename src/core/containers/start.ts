// Starting a container, in one linear order: cgroup, address, /etc files, published ports,
// stdio, the init spec, then boxify-init through the launcher (the network is wired while
// init waits at its gate). Whatever was allocated is released again when a step fails.
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerSecurity } from '../security/container.js';
import { DEFAULT_SYSCTLS, resolveContainerSecurity } from '../security/container.js';
import { precompileSecurity, type SecurityOptions } from '../security/index.js';
import type { InitSpec } from '../sys/init-protocol.js';
import { launchContainer, processStartTime } from '../sys/launcher.js';
import { parsePortBindings } from '../network/ports.js';
import { processEnv } from './environment.js';
import { writeEtcFiles, type EtcFiles } from './etc-files.js';
import { onExit } from './exit.js';
import { LogWriter } from './logs.js';
import { guard, initialState, type ContainerRecord } from './record.js';
import { destroy } from './remove.js';
import { EXIT_FILE, type ContainerRuntime, type Live } from './runtime.js';
import { openStdio } from './stdio.js';
import { resolveUser, type ResolvedUser } from './validate.js';

export async function startContainer(rt: ContainerRuntime, id: string): Promise<'started' | 'already-running'> {
  const { d } = rt;
  const rec = rt.store.resolve(id);
  if (guard.canStart(rec) === 'already-running') return 'already-running';
  const dir = rt.dir(id);
  const image = d.images.resolve(rec.imageId);
  const layers = d.images.layerDirs(image);
  const user = resolveUser(rec.config.User, layers);
  const sec: ContainerSecurity = rec.security ?? resolveContainerSecurity(rec.hostConfig, { cgroupVersion: d.cgroups.version });
  // Before anything is allocated: this is where a start can still fail cleanly.
  const security = precompileSecurity(sec.security);

  // Privileged: no device allowlist either (v1 devices controller), as in Docker.
  d.cgroups.create(id, { ...rec.limits, allowAllDevices: sec.security.privileged === true });
  const oomBefore = d.cgroups.stats(id).oomKills;
  let ip = '';
  if (rec.network.mode === 'bridge') ip = await d.network.ipam.allocate(id);
  const etcFiles = writeEtcFiles(rec, dir, ip);
  // Published before launch: a taken port fails the start with nothing to kill.
  const mappings = parsePortBindings(rec.hostConfig.PortBindings, rec.config.ExposedPorts);
  rec.ports = mappings.length ? await d.ports.publish(id, ip, mappings) : [];
  fs.rmSync(path.join(dir, EXIT_FILE), { force: true });

  const live: Live = { writer: new LogWriter(rt.logPath(id)), readers: [], exiting: false };
  const io = rt.io(id);
  const stdio = openStdio(rt, rec, io);
  const spec = initSpec(rt, rec, { layers, user, sec, security, etcFiles });
  let launched: Awaited<ReturnType<typeof launchContainer>>;
  try {
    launched = await launchContainer({
      spec,
      node: d.nodeBinary,
      specPath: path.join(dir, 'spec.json'),
      exitFile: path.join(dir, EXIT_FILE),
      stdio: stdio.child,
      onReady: async (pid) => {
        if (rec.network.mode === 'bridge') {
          const a = await d.network.attach(id, pid);
          rec.network = { mode: 'bridge', ip: a.ip, prefixLength: a.prefixLength, gateway: a.gateway, mac: a.mac, hostVeth: a.hostVeth };
        } else {
          await d.network.loopbackOnly(pid);
        }
      },
    });
  } catch (err) {
    stdio.closeChildEnds();
    stdio.abort();
    await d.ports.unpublish(id);
    rec.ports = [];
    await live.writer.close();
    await d.cgroups.remove(id).catch(() => undefined);
    if (rec.network.hostVeth) await d.network.removeVeth(rec.network.hostVeth).catch(() => undefined);
    const code = (err as { exitCode?: number }).exitCode ?? 125;
    rec.state = { ...rec.state, status: rec.state.status === 'created' ? 'created' : 'exited', exitCode: code, error: (err as Error).message };
    rt.store.save(rec);
    // `docker run --rm` waits for removal: a container that cannot start goes too.
    if (rec.hostConfig.AutoRemove) await destroy(rt, rec);
    throw err;
  }
  // Readers first, then the daemon's copies of the child's ends are closed: a FIFO that
  // nobody has open loses what is in it, and a short command may already have exited.
  live.shim = launched.shim;
  rt.live.set(id, live);
  stdio.connect(live);
  stdio.closeChildEnds();
  void launched.exited.then(() => onExit(rt, id));

  rec.state = {
    ...initialState(),
    status: 'running',
    pid: launched.pid,
    shimPid: launched.shimPid,
    pidStartTime: processStartTime(launched.pid) ?? '',
    startedAt: new Date().toISOString(),
    oomKillsAtStart: oomBefore,
  };
  rt.store.save(rec);
  d.events.emit('container', 'start', id, { name: rec.name, image: rec.imageRef });
  await rt.runHooks('afterStart', rec);
  return 'started';
}

/** What boxify-init is told to do for this container (src/core/sys/init-protocol.ts). */
function initSpec(
  rt: ContainerRuntime,
  rec: ContainerRecord,
  o: { layers: string[]; user: ResolvedUser; sec: ContainerSecurity; security: SecurityOptions; etcFiles: EtcFiles },
): InitSpec {
  const dir = rt.dir(rec.id);
  return {
    id: rec.id,
    rootfs: {
      lowerDirs: o.layers,
      upperDir: path.join(dir, 'upper'),
      workDir: path.join(dir, 'work'),
      mergedDir: path.join(dir, 'rootfs'),
      readonly: !!rec.hostConfig.ReadonlyRootfs,
    },
    hostname: rec.config.Hostname,
    etcFiles: o.etcFiles,
    mounts: [...rec.mounts.map(({ source, target, type, readonly, data }) => ({ source, target, type, readonly, data })), ...o.sec.tmpfs],
    process: {
      args: [rec.path, ...rec.args],
      env: processEnv({ hostname: rec.config.Hostname, tty: !!rec.config.Tty, home: o.user.home, containerEnv: rec.config.Env }),
      cwd: rec.config.WorkingDir,
      uid: o.user.uid,
      gid: o.user.gid,
      additionalGids: o.user.additionalGids,
    },
    cgroupProcs: rt.d.cgroups.procsFiles(rec.id),
    cgroupNamespace: true,
    rlimits: o.sec.rlimits,
    security: o.security,
    maskPaths: o.sec.maskPaths,
    tty: !!rec.config.Tty,
    sysctls: { ...DEFAULT_SYSCTLS },
  };
}
