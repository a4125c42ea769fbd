// Published ports (`-p [ip:]host:container[/proto]`): parsing Docker's PortBindings and the
// CLI flag, and publishing them with a userland proxy inside the daemon.
//
// Why a userland proxy and not DNAT: a proxy listening on hostIp:hostPort is reachable from
// 127.0.0.1 without `route_localnet` (DNAT to a bridge address from loopback needs it, and
// it weakens the host's martian-packet protection), it leaves no netfilter state that a crash
// could leak, and "port taken" is simply the bind failing, also against programs that are not
// containers. The cost: the container sees connections from its gateway rather than from the
// client's address, and the proxy lives in the daemon, so a restarted daemon must call
// `publish` again for each re-adopted container (with the ports it had, from the record).
import dgram from 'node:dgram';
import net from 'node:net';
import type { PortBinding, PortSummary } from '../api/types.js';
import { BoxifyError, errors } from '../errors.js';

export type PortProto = 'tcp' | 'udp';

export interface PortMapping {
  /** Address to listen on; '0.0.0.0' means every IPv4 address of the host. */
  hostIp: string;
  /** 0 = let the kernel pick a free port when publishing. */
  hostPort: number;
  containerPort: number;
  proto: PortProto;
}

/** A mapping as actually published: hostPort is the bound port, never 0. */
export interface PublishedPort extends PortMapping {
  containerIp: string;
}

const ALL_V4 = '0.0.0.0';
const PORT_FIELD = 'HostConfig.PortBindings';

// ---------------------------------------------------------------- parsing

function parsePort(raw: string, field: string, what: string, ctx: string): number {
  if (!/^\d+$/.test(raw)) throw errors.invalid(field, `${ctx}: ${what} "${raw}" is not a number (use 1-65535)`);
  const n = Number(raw);
  if (n < 1 || n > 65535) throw errors.invalid(field, `${ctx}: ${what} ${n} is out of range (use 1-65535)`);
  return n;
}

/** "80", "8000-8002" -> [80], [8000, 8001, 8002]. */
function parsePortRange(raw: string, field: string, what: string, ctx: string): number[] {
  const m = /^([^-]*)-([^-]*)$/.exec(raw);
  if (!m) return [parsePort(raw, field, what, ctx)];
  const lo = parsePort(m[1]!, field, what, ctx);
  const hi = parsePort(m[2]!, field, what, ctx);
  if (hi < lo) throw errors.invalid(field, `${ctx}: ${what} range ${raw} ends before it starts`);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

function parseProto(raw: string, field: string, ctx: string): PortProto {
  const p = raw.toLowerCase();
  if (p !== 'tcp' && p !== 'udp') throw errors.invalid(field, `${ctx}: protocol "${raw}" is not supported (use tcp or udp)`);
  return p;
}

function parseHostIp(raw: string, field: string, ctx: string): string {
  const ip = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (ip === '') return ALL_V4;
  if (net.isIP(ip) === 0) throw errors.invalid(field, `${ctx}: host IP "${raw}" is not an IP address (e.g. 127.0.0.1, or leave it empty for all addresses)`);
  return ip;
}

/** "80/tcp", "80/udp", "80" -> port and protocol. */
function parsePortKey(key: string, field: string): { port: number; proto: PortProto } {
  const slash = key.indexOf('/');
  const portPart = slash === -1 ? key : key.slice(0, slash);
  const proto = slash === -1 ? 'tcp' : parseProto(key.slice(slash + 1), field, `"${key}"`);
  return { port: parsePort(portPart, field, 'container port', `"${key}"`), proto };
}

function checkDuplicates(mappings: PortMapping[], field: string): void {
  const seen = new Set<string>();
  for (const m of mappings) {
    if (m.hostPort === 0) continue;
    const k = `${m.hostIp}:${m.hostPort}/${m.proto}`;
    if (seen.has(k)) throw errors.invalid(field, `host port ${k} is bound twice: each host address and port can be published once`);
    seen.add(k);
  }
}

/**
 * Docker's HostConfig.PortBindings (`{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8080"}]}`)
 * as a flat list. Empty HostPort means "pick a free port", empty HostIp "all addresses".
 * ExposedPorts are only validated, unless `publishAll` (`docker run -P`) publishes each on a
 * free port.
 */
export function parsePortBindings(
  portBindings: unknown,
  exposedPorts?: unknown,
  opts: { publishAll?: boolean } = {},
): PortMapping[] {
  const out: PortMapping[] = [];
  const bound = new Set<string>();
  if (portBindings !== undefined && portBindings !== null) {
    if (typeof portBindings !== 'object' || Array.isArray(portBindings)) {
      throw errors.invalid(PORT_FIELD, 'must be an object like {"80/tcp":[{"HostIp":"","HostPort":"8080"}]}');
    }
    for (const [key, list] of Object.entries(portBindings as Record<string, unknown>)) {
      const { port, proto } = parsePortKey(key, PORT_FIELD);
      bound.add(`${port}/${proto}`);
      if (list === null || list === undefined) continue;
      if (!Array.isArray(list)) throw errors.invalid(PORT_FIELD, `"${key}": must be a list of {"HostIp","HostPort"}`);
      const bindings = list.length ? list : [{}];
      for (const b of bindings as unknown[]) {
        if (b === null || typeof b !== 'object' || Array.isArray(b)) {
          throw errors.invalid(PORT_FIELD, `"${key}": each binding must be an object {"HostIp","HostPort"}`);
        }
        const { HostIp = '', HostPort = '' } = b as PortBinding;
        if (typeof HostIp !== 'string') throw errors.invalid(PORT_FIELD, `"${key}": HostIp must be a string`);
        if (typeof HostPort !== 'string' && typeof HostPort !== 'number') throw errors.invalid(PORT_FIELD, `"${key}": HostPort must be a string`);
        const hp = String(HostPort);
        if (hp.includes('-')) {
          throw errors.invalid(PORT_FIELD, `"${key}": host port range "${hp}" is not supported: give one port, or leave it empty to pick a free one`);
        }
        out.push({
          hostIp: parseHostIp(HostIp, PORT_FIELD, `"${key}"`),
          hostPort: hp === '' || hp === '0' ? 0 : parsePort(hp, PORT_FIELD, 'host port', `"${key}"`),
          containerPort: port,
          proto,
        });
      }
    }
  }
  const exposed = parseExposedPorts(exposedPorts);
  if (opts.publishAll) {
    for (const e of exposed) {
      if (!bound.has(`${e.port}/${e.proto}`)) out.push({ hostIp: ALL_V4, hostPort: 0, containerPort: e.port, proto: e.proto });
    }
  }
  checkDuplicates(out, PORT_FIELD);
  return out;
}

/** Docker's Config.ExposedPorts (`{"80/tcp":{}}`), validated. */
export function parseExposedPorts(exposedPorts: unknown): { port: number; proto: PortProto }[] {
  if (exposedPorts === undefined || exposedPorts === null) return [];
  if (typeof exposedPorts !== 'object' || Array.isArray(exposedPorts)) {
    throw errors.invalid('ExposedPorts', 'must be an object like {"80/tcp":{}}');
  }
  return Object.keys(exposedPorts).map((k) => parsePortKey(k, 'ExposedPorts'));
}

/**
 * The CLI's `-p` value: `[ip:]host:container[/tcp|udp]`, `ip::container`, or `container`
 * alone (a free host port). Ranges of equal length (`8000-8001:80-81`) expand to one mapping
 * per port. IPv6 host addresses are written in brackets: `[::1]:8080:80`.
 */
export function parsePublishFlag(value: string, field = 'publish'): PortMapping[] {
  const ctx = `"${value}"`;
  if (typeof value !== 'string' || value.trim() === '') {
    throw errors.invalid(field, 'empty port mapping: use [ip:]hostPort:containerPort[/tcp|udp]');
  }
  let rest = value.trim();
  let proto: PortProto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash !== -1) {
    proto = parseProto(rest.slice(slash + 1), field, ctx);
    rest = rest.slice(0, slash);
  }
  let hostIp = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1 || rest[close + 1] !== ':') throw errors.invalid(field, `${ctx}: an IPv6 host address is written [addr]:hostPort:containerPort`);
    hostIp = rest.slice(0, close + 1);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  let hostPart = '';
  let ctrPart: string;
  if (hostIp !== '') {
    if (parts.length !== 2) throw errors.invalid(field, `${ctx}: use [ip]:hostPort:containerPort`);
    [hostPart, ctrPart] = parts as [string, string];
  } else if (parts.length === 1) {
    ctrPart = parts[0]!;
  } else if (parts.length === 2) {
    [hostPart, ctrPart] = parts as [string, string];
  } else if (parts.length === 3) {
    [hostIp, hostPart, ctrPart] = parts as [string, string, string];
    if (hostIp === '') throw errors.invalid(field, `${ctx}: the host IP before the first ":" is empty (drop it, or give an address like 127.0.0.1)`);
  } else {
    throw errors.invalid(field, `${ctx}: too many ":" (use [ip:]hostPort:containerPort[/tcp|udp]; IPv6 addresses go in brackets)`);
  }
  const ip = parseHostIp(hostIp, field, ctx);
  const ctrPorts = parsePortRange(ctrPart, field, 'container port', ctx);
  const hostPorts = hostPart === '' ? ctrPorts.map(() => 0) : parsePortRange(hostPart, field, 'host port', ctx);
  if (hostPorts.length !== ctrPorts.length) {
    throw errors.invalid(field, `${ctx}: the host range has ${hostPorts.length} ports and the container range ${ctrPorts.length}: make them the same length`);
  }
  const out = ctrPorts.map((containerPort, i) => ({ hostIp: ip, hostPort: hostPorts[i]!, containerPort, proto }));
  checkDuplicates(out, field);
  return out;
}

/** What a client sends for a list of mappings: Config.ExposedPorts and HostConfig.PortBindings. */
export function toPortBindings(mappings: PortMapping[]): {
  ExposedPorts: Record<string, object>;
  PortBindings: Record<string, PortBinding[]>;
} {
  const ExposedPorts: Record<string, object> = {};
  const PortBindings: Record<string, PortBinding[]> = {};
  for (const m of mappings) {
    const key = `${m.containerPort}/${m.proto}`;
    ExposedPorts[key] = {};
    (PortBindings[key] ??= []).push({ HostIp: m.hostIp === ALL_V4 ? '' : m.hostIp, HostPort: m.hostPort ? String(m.hostPort) : '' });
  }
  return { ExposedPorts, PortBindings };
}

// ---------------------------------------------------------------- Docker's views

/**
 * inspect's NetworkSettings.Ports: `{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]}`;
 * exposed ports that are not published appear with `null`, as in Docker.
 */
export function toInspectPorts(published: PublishedPort[], exposed: string[] = []): Record<string, PortBinding[] | null> {
  const out: Record<string, PortBinding[] | null> = {};
  for (const k of exposed) {
    const { port, proto } = parsePortKey(k, 'ExposedPorts');
    out[`${port}/${proto}`] = null;
  }
  for (const p of published) {
    const key = `${p.containerPort}/${p.proto}`;
    const list = out[key] ?? [];
    list.push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
    out[key] = list;
  }
  return out;
}

/** ps's Ports: `[{IP, PrivatePort, PublicPort, Type}]`, plus `{PrivatePort, Type}` for exposed-only ports. */
export function toPortSummaries(published: PublishedPort[], exposed: string[] = []): PortSummary[] {
  const out: PortSummary[] = published.map((p) => ({ IP: p.hostIp, PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.proto }));
  const done = new Set(published.map((p) => `${p.containerPort}/${p.proto}`));
  for (const k of exposed) {
    const { port, proto } = parsePortKey(k, 'ExposedPorts');
    if (!done.has(`${port}/${proto}`)) out.push({ PrivatePort: port, Type: proto });
    done.add(`${port}/${proto}`);
  }
  return out;
}

// ---------------------------------------------------------------- the proxy

/** How long a UDP "flow" (one client address) keeps its upstream socket without traffic. */
const UDP_IDLE_MS = 60_000;

interface Listener {
  port: PublishedPort;
  close(): Promise<void>;
}

function hostLabel(ip: string, port: number): string {
  return net.isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function portTaken(ip: string, port: number, proto: PortProto, cause: unknown): BoxifyError {
  return new BoxifyError(
    'conflict',
    `port is already allocated: ${hostLabel(ip, port)} is in use (${proto}) by another program or container: ` +
      'choose another host port, or leave the host port empty to pick a free one',
    { field: PORT_FIELD, cause },
  );
}

function bindError(m: PortMapping, err: unknown): BoxifyError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return portTaken(m.hostIp, m.hostPort, m.proto, err);
  if (code === 'EADDRNOTAVAIL') {
    return new BoxifyError('invalid_argument', `cannot publish on ${hostLabel(m.hostIp, m.hostPort)}: ${m.hostIp} is not an address of this host`, {
      field: PORT_FIELD,
      cause: err,
    });
  }
  if (code === 'EACCES') return new BoxifyError('forbidden', `cannot publish on ${hostLabel(m.hostIp, m.hostPort)}: permission denied`, { cause: err });
  return errors.internal(`publish ${hostLabel(m.hostIp, m.hostPort)}/${m.proto}: ${(err as Error).message}`, err);
}

/** TCP: accept on the host, connect to the container, copy both ways, half-close passed on. */
function listenTcp(m: PortMapping, containerIp: string): Promise<Listener> {
  const conns = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    const upstream = net.connect({ host: containerIp, port: m.containerPort, allowHalfOpen: true });
    conns.add(client);
    conns.add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      conns.delete(client);
      conns.delete(upstream);
    };
    // Refused or unreachable upstream: reset the client so it sees a failure, not an empty
    // reply. `on`, not `once`: a second error event without a listener would crash the daemon.
    const fail = (other: net.Socket) => () => {
      if (!other.destroyed) other.resetAndDestroy();
      done();
    };
    upstream.on('error', fail(client));
    client.on('error', fail(upstream));
    upstream.once('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    let closed = 0;
    for (const s of [client, upstream]) s.once('close', () => ++closed === 2 && done());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: m.hostIp, port: m.hostPort, exclusive: true }, () => {
      server.removeListener('error', reject);
      server.on('error', () => undefined);
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port: { ...m, hostPort: port, containerIp },
        close: () =>
          new Promise((r) => {
            for (const s of conns) s.destroy();
            conns.clear();
            server.close(() => r());
          }),
      });
    });
  });
}

/** UDP: one upstream socket per client address, so replies find their way back. */
function listenUdp(m: PortMapping, containerIp: string): Promise<Listener> {
  const type = net.isIPv6(m.hostIp) ? 'udp6' : 'udp4';
  const sock = dgram.createSocket({ type, reuseAddr: false });
  const flows = new Map<string, { up: dgram.Socket; timer: NodeJS.Timeout }>();
  let closed = false;
  const endFlow = (key: string) => {
    const f = flows.get(key);
    if (!f) return;
    clearTimeout(f.timer);
    f.up.close();
    flows.delete(key);
  };
  sock.on('message', (msg, rinfo) => {
    if (closed) return;
    const key = `${rinfo.address}|${rinfo.port}`;
    let f = flows.get(key);
    if (!f) {
      const up = dgram.createSocket(net.isIPv6(containerIp) ? 'udp6' : 'udp4');
      up.on('error', () => endFlow(key));
      up.on('message', (reply) => {
        if (closed) return;
        sock.send(reply, rinfo.port, rinfo.address, () => undefined);
        const cur = flows.get(key);
        if (cur) cur.timer.refresh();
      });
      f = { up, timer: setTimeout(() => endFlow(key), UDP_IDLE_MS) };
      f.timer.unref();
      flows.set(key, f);
    } else {
      f.timer.refresh();
    }
    f.up.send(msg, m.containerPort, containerIp, () => undefined);
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address: m.hostIp, port: m.hostPort, exclusive: true }, () => {
      sock.removeListener('error', reject);
      sock.on('error', () => undefined);
      resolve({
        port: { ...m, hostPort: sock.address().port, containerIp },
        close: () =>
          new Promise((r) => {
            closed = true;
            for (const k of [...flows.keys()]) endFlow(k);
            sock.close(() => r());
          }),
      });
    });
  });
}

/**
 * Publishes container ports on the host. One instance per daemon; it holds the listening
 * sockets, so everything it opened is released by `unpublish`/`unpublishAll` (and by the
 * daemon process ending).
 */
export class PortPublisher {
  private readonly byContainer = new Map<string, Listener[]>();

  /**
   * Binds every mapping (all or none: on a failure the ones already bound are released) and
   * returns what was bound, with picked ports filled in. Calling it again for a container
   * that is already published replaces its listeners (used when re-adopting at recovery,
   * where `mappings` are the PublishedPort[] stored in the record).
   */
  async publish(containerId: string, containerIp: string, mappings: PortMapping[]): Promise<PublishedPort[]> {
    await this.unpublish(containerId);
    if (mappings.length === 0) return [];
    if (net.isIP(containerIp) === 0) {
      throw errors.invalid('NetworkMode', `container ${containerId.slice(0, 12)} has no IP address to publish ports to (ports need the bridge network)`);
    }
    const opened: Listener[] = [];
    try {
      for (const m of mappings) {
        try {
          opened.push(await (m.proto === 'udp' ? listenUdp(m, containerIp) : listenTcp(m, containerIp)));
        } catch (err) {
          throw bindError(m, err);
        }
      }
    } catch (err) {
      await Promise.all(opened.map((l) => l.close()));
      throw err;
    }
    this.byContainer.set(containerId, opened);
    return opened.map((l) => l.port);
  }

  /** Closes the container's listeners and its open connections. No-op when there are none. */
  async unpublish(containerId: string): Promise<void> {
    const list = this.byContainer.get(containerId);
    if (!list) return;
    this.byContainer.delete(containerId);
    await Promise.all(list.map((l) => l.close()));
  }

  async unpublishAll(): Promise<void> {
    await Promise.all([...this.byContainer.keys()].map((id) => this.unpublish(id)));
  }

  /** What is currently published for a container (empty when nothing is). */
  published(containerId: string): PublishedPort[] {
    return (this.byContainer.get(containerId) ?? []).map((l) => l.port);
  }
}
