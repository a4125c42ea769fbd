// Docker's `-v` strings (HostConfig.Binds) and HostConfig.Mounts, turned into the mounts
// boxify-init makes. Host paths must be absolute and exist, and may not reach into the
// state root (that is how a container would read other containers' layers or the daemon's
// records); container paths must be absolute without "..". Named volumes are created on
// first use, as Docker does.
import fs from 'node:fs';
import path from 'node:path';
import type { MountPoint } from '../api/types.js';
import { errors } from '../errors.js';
import type { InitMount } from '../sys/init-protocol.js';
import { ANONYMOUS_LABEL, VOLUME_NAME, type VolumeStore } from './store.js';

export interface ResolvedMount extends InitMount {
  /** The named volume behind this mount, if it is one. */
  volume?: string;
  /** Mode as the user wrote it ("ro", "rw,z", ""), for inspect's Mounts. */
  mode: string;
}

export interface ResolvedMounts {
  mounts: ResolvedMount[];
  /** Names of the volumes the mounts use (each once), for "volume in use" checks. */
  volumesUsed: string[];
  /** Of those, the anonymous ones this call created (`docker rm -v` removes them). */
  anonymousVolumes: string[];
}

export interface ResolveOptions {
  /** The daemon's state root; host paths at or below it are refused. Default: the parent of the volume root. */
  stateRoot?: string;
}

const BINDS = 'HostConfig.Binds';
const MOUNTS = 'HostConfig.Mounts';
const BIND_OPTIONS = new Set(['ro', 'rw', 'z', 'Z', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'nocopy', 'consistent', 'cached', 'delegated']);

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** An absolute container path without "..", normalised; never "/" itself. */
function checkTarget(target: unknown, field: string, ctx: string): string {
  if (typeof target !== 'string' || target === '') throw errors.invalid(field, `${ctx}: the container path is missing`);
  if (!path.posix.isAbsolute(target)) throw errors.invalid(field, `${ctx}: the container path "${target}" must be absolute (e.g. /data)`);
  if (target.split('/').includes('..')) throw errors.invalid(field, `${ctx}: the container path "${target}" must not contain ".."`);
  if (target.includes('\0')) throw errors.invalid(field, `${ctx}: the container path contains a NUL byte`);
  const norm = path.posix.normalize(target).replace(/(.)\/+$/, '$1');
  if (norm === '/') throw errors.invalid(field, `${ctx}: the container path cannot be "/"`);
  return norm;
}

/** An absolute, existing host path outside the state root. */
function checkHostPath(source: string, field: string, ctx: string, stateRoot: string): string {
  if (!path.isAbsolute(source)) {
    throw errors.invalid(field, `${ctx}: the host path "${source}" must be absolute (e.g. /srv/data:/data:ro), or a volume name matching [a-zA-Z0-9][a-zA-Z0-9_.-]+`);
  }
  if (source.includes('\0')) throw errors.invalid(field, `${ctx}: the host path contains a NUL byte`);
  if (!fs.existsSync(source)) throw errors.invalid(field, `${ctx}: the host path ${source} does not exist: create it first`);
  const real = realOrSelf(source);
  const root = realOrSelf(stateRoot);
  if (real === root || real.startsWith(root + path.sep)) {
    throw errors.invalid(field, `${ctx}: the host path ${source} is inside Boxify's state root ${stateRoot}: use a named volume (name:/path) instead`);
  }
  return path.normalize(source);
}

class Collector {
  readonly out: ResolvedMounts = { mounts: [], volumesUsed: [], anonymousVolumes: [] };
  private readonly targets = new Set<string>();

  constructor(
    private readonly volumes: VolumeStore,
    readonly stateRoot: string,
  ) {}

  add(m: ResolvedMount, field: string, ctx: string): void {
    if (this.targets.has(m.target)) throw errors.invalid(field, `${ctx}: duplicate mount point ${m.target}: mount each container path once`);
    this.targets.add(m.target);
    this.out.mounts.push(m);
    if (m.volume && !this.out.volumesUsed.includes(m.volume)) this.out.volumesUsed.push(m.volume);
  }

  /** A named volume (created if missing), or a new anonymous one when `name` is empty. */
  volume(name: string, field: string, ctx: string, labels?: Record<string, string>): { name: string; source: string } {
    if (name === '') {
      const v = this.volumes.create(undefined, { ...labels, [ANONYMOUS_LABEL]: '' });
      this.out.anonymousVolumes.push(v.Name);
      return { name: v.Name, source: v.Mountpoint };
    }
    if (name.includes('/') || name.startsWith('.') || name.startsWith('~')) {
      throw errors.invalid(field, `${ctx}: the host path "${name}" must be absolute (e.g. /srv/data:/data:ro): relative paths are not allowed`);
    }
    if (!VOLUME_NAME.test(name)) {
      throw errors.invalid(field, `${ctx}: "${name}" is neither an absolute host path nor a valid volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)`);
    }
    const v = this.volumes.exists(name) ? this.volumes.inspect(name) : this.volumes.create(name, labels);
    return { name: v.Name, source: v.Mountpoint };
  }
}

function parseMode(mode: string, field: string, ctx: string): boolean {
  const opts = mode.split(',').filter(Boolean);
  for (const o of opts) {
    if (!BIND_OPTIONS.has(o)) throw errors.invalid(field, `${ctx}: unknown mode "${o}" (use ro or rw)`);
  }
  if (opts.includes('ro') && opts.includes('rw')) throw errors.invalid(field, `${ctx}: mode has both ro and rw: choose one`);
  return opts.includes('ro');
}

function bindsInto(c: Collector, binds: unknown): void {
  if (binds === undefined || binds === null) return;
  if (!Array.isArray(binds)) throw errors.invalid(BINDS, 'must be a list like ["/host/path:/container/path:ro", "volume:/data"]');
  for (const b of binds) {
    if (typeof b !== 'string') throw errors.invalid(BINDS, 'must be a list of strings like "/host/path:/container/path[:ro]"');
    const ctx = `"${b}"`;
    const parts = b.split(':');
    if (parts.length > 3) throw errors.invalid(BINDS, `${ctx}: too many ":" (use SOURCE:/container/path[:ro])`);
    // `-v /data` alone: an anonymous volume at /data.
    const [src, dst, mode = ''] = parts.length === 1 ? ['', parts[0]!] : (parts as [string, string, string?]);
    if (src === '' && parts.length > 1) throw errors.invalid(BINDS, `${ctx}: the source before ":" is empty (give a host path or a volume name)`);
    const target = checkTarget(dst, BINDS, ctx);
    const readonly = parseMode(mode, BINDS, ctx);
    if (src.startsWith('/')) {
      c.add({ type: 'bind', source: checkHostPath(src, BINDS, ctx, c.stateRoot), target, readonly, mode }, BINDS, ctx);
    } else {
      const v = c.volume(src, BINDS, ctx);
      c.add({ type: 'bind', source: v.source, target, readonly, mode, volume: v.name }, BINDS, ctx);
    }
  }
}

function mountsInto(c: Collector, mounts: unknown): void {
  if (mounts === undefined || mounts === null) return;
  if (!Array.isArray(mounts)) throw errors.invalid(MOUNTS, 'must be a list of {"Type","Source","Target","ReadOnly"}');
  mounts.forEach((raw: unknown, i) => {
    const field = `${MOUNTS}[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw errors.invalid(field, 'must be an object {"Type","Source","Target","ReadOnly"}');
    const m = raw as Record<string, unknown>;
    const type = m.Type;
    const source = m.Source ?? '';
    if (typeof source !== 'string') throw errors.invalid(field, 'Source must be a string');
    if (m.ReadOnly !== undefined && typeof m.ReadOnly !== 'boolean') throw errors.invalid(field, 'ReadOnly must be true or false');
    const readonly = !!m.ReadOnly;
    const ctx = `Type ${String(type)}`;
    const target = checkTarget(m.Target ?? m.Destination, field, ctx);
    const mode = readonly ? 'ro' : '';
    if (type === 'bind') {
      if (source === '') throw errors.invalid(field, 'a bind mount needs Source, an absolute host path');
      c.add({ type: 'bind', source: checkHostPath(source, field, ctx, c.stateRoot), target, readonly, mode }, field, ctx);
    } else if (type === 'volume') {
      const vo = m.VolumeOptions as { Labels?: Record<string, string> } | undefined;
      const v = c.volume(source, field, ctx, vo?.Labels ?? undefined);
      c.add({ type: 'bind', source: v.source, target, readonly, mode, volume: v.name }, field, ctx);
    } else if (type === 'tmpfs') {
      if (source !== '') throw errors.invalid(field, 'a tmpfs mount takes no Source');
      const to = (m.TmpfsOptions ?? {}) as { SizeBytes?: unknown; Mode?: unknown };
      const data: string[] = [];
      if (to.SizeBytes !== undefined) {
        if (typeof to.SizeBytes !== 'number' || !Number.isInteger(to.SizeBytes) || to.SizeBytes < 0) throw errors.invalid(field, 'TmpfsOptions.SizeBytes must be a whole number of bytes');
        if (to.SizeBytes > 0) data.push(`size=${to.SizeBytes}`);
      }
      if (to.Mode !== undefined) {
        if (typeof to.Mode !== 'number' || !Number.isInteger(to.Mode) || to.Mode < 0 || to.Mode > 0o7777) throw errors.invalid(field, 'TmpfsOptions.Mode must be a file mode like 1777 (octal) given as a number');
        data.push(`mode=${to.Mode.toString(8)}`);
      } else {
        data.push('mode=1777');
      }
      c.add({ type: 'tmpfs', source: 'tmpfs', target, readonly, mode, data: data.join(',') }, field, ctx);
    } else {
      throw errors.invalid(field, `Type "${String(type)}" is not supported (use bind, volume or tmpfs)`);
    }
  });
}

/** HostConfig.Binds: `/host:/ctr[:ro|rw]`, `name:/ctr[:ro]`, `/ctr` (anonymous volume). */
export function resolveBinds(binds: unknown, volumes: VolumeStore, opts: ResolveOptions = {}): ResolvedMounts {
  return resolveContainerMounts({ Binds: binds }, volumes, opts);
}

/** HostConfig.Mounts: `{Type:'bind'|'volume'|'tmpfs', Source, Target, ReadOnly}`. */
export function resolveMounts(mounts: unknown, volumes: VolumeStore, opts: ResolveOptions = {}): ResolvedMounts {
  return resolveContainerMounts({ Mounts: mounts }, volumes, opts);
}

/**
 * Binds and Mounts of one container together, so a container path given in both is caught.
 * Anonymous volumes are created on every call: resolve once at create and keep the result
 * in the container's record.
 */
export function resolveContainerMounts(
  hostConfig: { Binds?: unknown; Mounts?: unknown },
  volumes: VolumeStore,
  opts: ResolveOptions = {},
): ResolvedMounts {
  const c = new Collector(volumes, opts.stateRoot ?? path.dirname(volumes.root));
  try {
    bindsInto(c, hostConfig.Binds);
    mountsInto(c, hostConfig.Mounts);
  } catch (err) {
    // A bad entry after an anonymous volume was made would leave that volume behind.
    for (const v of c.out.anonymousVolumes) volumes.remove(v, { force: true });
    throw err;
  }
  return c.out;
}

/** inspect's and ps's Mounts for resolved mounts. */
export function toMountPoints(mounts: ResolvedMount[]): MountPoint[] {
  return mounts.map((m) =>
    m.volume
      ? { Type: 'volume', Name: m.volume, Source: m.source, Destination: m.target, Mode: m.mode || 'z', RW: !m.readonly, Propagation: '' }
      : m.type === 'tmpfs'
        ? { Type: 'tmpfs', Source: '', Destination: m.target, Mode: '', RW: !m.readonly, Propagation: '' }
        : { Type: 'bind', Source: m.source, Destination: m.target, Mode: m.mode, RW: !m.readonly, Propagation: 'rprivate' },
  );
}
