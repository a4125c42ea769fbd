#!/usr/bin/env node
// boxifyd: the one daemon per host (or per state root). Sets itself up in one linear order:
// configuration, privileges, image store, cgroups, network, container recovery, then the API.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { openCgroups } from '../core/cgroups/index.js';
import { ContainerManager } from '../core/containers/manager.js';
import { BoxifyError, toBoxifyError } from '../core/errors.js';
import { EventBus } from '../core/events.js';
import { ImageStore } from '../core/images/store.js';
import { BridgeNetwork } from '../core/network/bridge.js';
import { Ipam } from '../core/network/ipam.js';
import { PortPublisher } from '../core/network/ports.js';
import { VolumeStore } from '../core/volumes/index.js';
import { registerVolumeRoutes } from './routes/volumes.js';
import { setChildSubreaper } from '../core/sys/ffi.js';
import { bindNodeBinary, nodeBinaryPath, unbindNodeBinary } from '../core/sys/node-binary.js';
import { hardenDaemonProcess } from './process-hygiene.js';
import { loadConfig, USAGE, type DaemonConfig } from './config.js';
import type { DaemonContext } from './context.js';
import { Router } from './router.js';
import { registerBoxifyRoutes } from './routes/boxify.js';
import { registerContainerRoutes } from './routes/containers.js';
import { registerExecRoutes } from './routes/exec.js';
import { registerImageRoutes } from './routes/images.js';
import { registerSystemRoutes } from './routes/system.js';
import { createApiServer } from './server.js';

function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString()} boxifyd: ${msg}\n`);
}

async function socketInUse(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socket);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function checkPrograms(): void {
  for (const [prog, pkg] of [['unshare', 'util-linux'], ['nsenter', 'util-linux'], ['ip', 'iproute2'], ['iptables', 'iptables']] as const) {
    try {
      execFileSync('sh', ['-c', `command -v ${prog}`], { stdio: 'ignore' });
    } catch {
      throw new BoxifyError('unavailable', `${prog} is not installed: install the Debian package ${pkg} (apt-get install ${pkg})`);
    }
  }
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new BoxifyError('forbidden', 'boxifyd must run as root (it creates namespaces, mounts and cgroups): sudo boxifyd');
  }
}

async function setup(config: DaemonConfig, nodeBinary: string) {
  requireRoot();
  checkPrograms();
  setChildSubreaper();
  fs.mkdirSync(config.root, { recursive: true, mode: 0o711 });

  const images = new ImageStore(path.join(config.root, 'images'));
  images.init();
  images.ensureDefaultImage();
  if (fs.existsSync(config.seedRootfs)) images.registerSeedRootfs(config.seedRootfs);

  const cgroups = openCgroups({ instance: config.instance });
  const ipam = new Ipam({ file: path.join(config.root, 'network', 'leases.json'), subnet: config.subnet, gateway: config.gateway });
  const network = new BridgeNetwork({ bridge: config.bridge, subnet: config.subnet, gateway: config.gateway }, ipam);
  const volumes = new VolumeStore(path.join(config.root, 'volumes'));
  volumes.recover();
  const ports = new PortPublisher();
  const events = new EventBus();
  const containers = new ContainerManager({ root: config.root, images, cgroups, network, events, ports, volumes, nodeBinary, log });
  return { images, cgroups, network, events, containers, volumes };
}

async function serve(config: DaemonConfig): Promise<void> {
  if (await socketInUse(config.socket)) {
    throw new BoxifyError('conflict', `another daemon is already serving ${config.socket}: stop it first, or use --socket`);
  }
  requireRoot();
  // Containers' init and exec helpers run node from a read-only bind of it (node-binary.ts).
  fs.mkdirSync(config.root, { recursive: true, mode: 0o711 });
  const nodeBinary = bindNodeBinary(config.root);
  const s = await setup(config, nodeBinary);
  await s.network.ensure();
  await s.containers.recover();

  const ctx: DaemonContext = { config, ...s, log, startedAt: new Date() };
  const router = new Router();
  registerSystemRoutes(router, ctx);
  registerContainerRoutes(router, ctx);
  registerExecRoutes(router, ctx);
  registerImageRoutes(router, { images: s.images, imageInUse: (id) => s.containers.imageInUse(id), events: s.events });
  registerVolumeRoutes(router, { volumes: s.volumes, volumeInUse: (n) => s.containers.volumeInUse(n), events: s.events });
  registerBoxifyRoutes(router, ctx);

  const server = createApiServer(router, log);
  fs.mkdirSync(path.dirname(config.socket), { recursive: true });
  fs.rmSync(config.socket, { force: true });
  // The socket is made (bound, synchronously inside listen) with no access for others, so
  // there is no moment before the chmod below when anyone could connect.
  const umask = process.umask(0o177);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    try {
      server.listen(config.socket, () => resolve());
    } finally {
      process.umask(umask);
    }
  });
  // Root and the boxify group only.
  fs.chmodSync(config.socket, 0o660);
  const gid = boxifyGroupId();
  if (gid !== null) fs.chownSync(config.socket, 0, gid);
  log(`serving on ${config.socket} (state ${config.root}, cgroup v${s.cgroups.version}, bridge ${config.bridge} ${config.subnet})`);

  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping; containers keep running and are re-adopted at the next start`);
    server.close();
    server.closeAllConnections?.();
    await s.containers.detachAll();
    fs.rmSync(config.socket, { force: true });
    unbindNodeBinary(config.root);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // The daemon never dies on one bad request: log what escaped and carry on.
  process.on('uncaughtException', (e) => log(`uncaught: ${e.stack ?? e.message}`));
  process.on('unhandledRejection', (e) => log(`unhandled rejection: ${e instanceof Error ? e.stack : String(e)}`));
}

async function cleanup(config: DaemonConfig): Promise<void> {
  if (await socketInUse(config.socket)) {
    throw new BoxifyError('conflict', `the daemon is still serving ${config.socket}: stop it before cleanup`);
  }
  const s = await setup(config, nodeBinaryPath(config.root));
  await s.containers.recover();
  await s.containers.removeAll();
  await s.network.teardown();
  s.cgroups.removeInstance();
  unbindNodeBinary(config.root);
  log(`cleaned up ${config.root}: containers, bridge ${config.bridge}, NAT rules, cgroups and the node mount removed`);
}

function boxifyGroupId(): number | null {
  try {
    const line = fs.readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith('boxify:'));
    return line ? Number(line.split(':')[2]) : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  if (config === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (config.command === 'cleanup') await cleanup(config);
  else {
    hardenDaemonProcess(log);
    await serve(config);
  }
}

main().catch((err) => {
  const e = toBoxifyError(err);
  log(e.isUserError || e.code === 'unavailable' ? e.message : `fatal: ${e.stack ?? e.message}`);
  process.exit(1);
});
