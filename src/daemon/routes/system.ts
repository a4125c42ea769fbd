// /_ping, /version, /info, /events: what every Docker client asks first.
import os from 'node:os';
import fs from 'node:fs';
import { API_VERSION, MIN_API_VERSION, type VersionResponse } from '../../core/api/types.js';
import { errors } from '../../core/errors.js';
import type { DaemonContext } from '../context.js';
import { reply, type Router } from '../router.js';
import { commonHeaders, SERVER_VERSION } from '../server.js';

export function registerSystemRoutes(router: Router, d: DaemonContext): void {
  const ping = (ctx: Parameters<Parameters<Router['get']>[1]>[0]) => {
    const res = ctx.res!;
    res.writeHead(200, {
      ...commonHeaders(),
      'Builder-Version': '1',
      Swarm: 'inactive',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': ctx.req.method === 'HEAD' ? '0' : '2',
    });
    res.end(ctx.req.method === 'HEAD' ? undefined : 'OK');
  };
  router.get('/_ping', ping);
  router.head('/_ping', ping);

  router.get('/version', (): VersionResponse => {
    const details = {
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      Os: 'linux',
      Arch: goArch(),
      KernelVersion: os.release(),
      GitCommit: 'boxify',
      GoVersion: `node${process.versions.node}`,
      BuildTime: '',
    };
    return {
      Version: SERVER_VERSION,
      ...details,
      Platform: { Name: 'Boxify' },
      Components: [{ Name: 'Engine', Version: SERVER_VERSION, Details: details }],
    };
  });

  router.get('/info', () => {
    const all = d.containers.list(true);
    const running = all.filter((c) => c.State === 'running').length;
    const paused = all.filter((c) => c.State === 'paused').length;
    return {
      ID: d.config.instance,
      Name: os.hostname(),
      ServerVersion: SERVER_VERSION,
      OSType: 'linux',
      OperatingSystem: osName(),
      KernelVersion: os.release(),
      Architecture: os.arch() === 'x64' ? 'x86_64' : os.arch(),
      NCPU: os.cpus().length,
      MemTotal: os.totalmem(),
      Containers: all.length,
      ContainersRunning: running,
      ContainersPaused: paused,
      ContainersStopped: all.length - running - paused,
      Images: d.images.list().length,
      Driver: 'overlay',
      DriverStatus: [['Backing Filesystem', 'overlayfs']],
      LoggingDriver: 'json-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: String(d.cgroups.version),
      DockerRootDir: d.config.root,
      SecurityOptions: [],
      Swarm: { LocalNodeState: 'inactive', ControlAvailable: false, NodeID: '', NodeAddr: '' },
      LiveRestoreEnabled: true,
      Warnings: [],
      Plugins: { Volume: ['local'], Network: ['bridge', 'null'], Log: ['json-file'] },
      RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: ['127.0.0.0/8'] },
      SystemTime: new Date().toISOString(),
      NEventsListener: 0,
      MemoryLimit: true,
      SwapLimit: false,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      PidsLimit: true,
      IPv4Forwarding: true,
      Runtimes: { 'boxify-init': { path: 'boxify-init' } },
      DefaultRuntime: 'boxify-init',
      Labels: [],
    };
  });

  router.get('/events', (ctx) => {
    const res = ctx.res!;
    const filters = parseFilters(ctx.query.get('filters'));
    const since = Number(ctx.query.get('since') ?? NaN);
    const until = Number(ctx.query.get('until') ?? NaN);
    res.writeHead(200, { ...commonHeaders(), 'Content-Type': 'application/json' });
    res.flushHeaders();
    const matches = (ev: { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> } }) =>
      (!filters.type || filters.type.includes(ev.Type)) &&
      (!filters.event || filters.event.some((a) => ev.Action === a || ev.Action.startsWith(`${a}:`))) &&
      (!filters.container || filters.container.some((c) => ev.Actor.ID.startsWith(c) || ev.Actor.Attributes.name === c));
    if (Number.isFinite(since)) for (const ev of d.events.history(since)) if (matches(ev)) res.write(JSON.stringify(ev) + '\n');
    const unsubscribe = d.events.subscribe((ev) => {
      if (matches(ev)) res.write(JSON.stringify(ev) + '\n');
    });
    let timer: NodeJS.Timeout | undefined;
    const end = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      res.end();
    };
    if (Number.isFinite(until)) timer = setTimeout(end, Math.max(0, until * 1000 - Date.now()));
    ctx.req.socket.once('close', end);
    return new Promise<void>((resolve) => res.once('close', resolve));
  });

  // `docker inspect NAME` falls through these when NAME is not a container or an image.
  router.get('/networks/:id', (ctx) => {
    throw errors.notFound(`network ${ctx.params.id} not found`);
  });
  router.get('/plugins/:name*/json', (ctx) => {
    throw errors.notFound(`plugin "${ctx.params.name}" not found`);
  });
  void reply;
}

/** Docker's `filters` query: JSON `{"key":["v"]}` or the older `{"key":{"v":true}}`. */
export function parseFilters(raw: string | null): Record<string, string[]> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw errors.invalid('filters', 'must be JSON like {"status":["running"]}');
  }
  if (typeof parsed !== 'object' || parsed === null) throw errors.invalid('filters', 'must be a JSON object');
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (Array.isArray(v)) out[k] = v.map(String);
    else if (v && typeof v === 'object') out[k] = Object.keys(v).filter((x) => (v as Record<string, unknown>)[x]);
    else throw errors.invalid(`filters.${k}`, 'must be a list of strings');
  }
  return out;
}

function goArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' } as Record<string, string>)[os.arch()] ?? os.arch();
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    if (m) return m[1]!;
  } catch {
    /* fall through */
  }
  return 'Linux';
}
