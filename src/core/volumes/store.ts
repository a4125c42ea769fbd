// Named volumes: directories under <stateRoot>/volumes, laid out as Docker's local driver
// does (`<root>/<name>/_data` holds the data), with a small metadata file beside `_data`.
// Volumes are removed only when asked (`docker volume rm`/`prune`), never with a container.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { BoxifyError, errors } from '../errors.js';
import { readJson, writeJsonAtomic } from '../fsutil.js';

/** `docker volume inspect` for one volume. */
export interface VolumeInfo {
  Name: string;
  Driver: 'local';
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
}

interface VolumeMeta {
  name: string;
  createdAt: string;
  labels: Record<string, string>;
}

/** Docker's volume name rule (at least two characters). */
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The label Docker puts on volumes it made for `-v /path` (no name); prune takes only these by default. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

const META = 'volume.json';
const DATA = '_data';

export function validateVolumeName(name: string, field = 'Name'): string {
  if (typeof name !== 'string' || !VOLUME_NAME.test(name)) {
    throw errors.invalid(
      field,
      `"${String(name)}" is not a valid volume name: use [a-zA-Z0-9][a-zA-Z0-9_.-]+ (at least two characters); ` +
        'a host directory must be given as an absolute path',
    );
  }
  return name;
}

function validateLabels(labels: unknown): Record<string, string> {
  if (labels === undefined || labels === null) return {};
  if (typeof labels !== 'object' || Array.isArray(labels) || Object.values(labels).some((v) => typeof v !== 'string')) {
    throw errors.invalid('Labels', 'must be an object of string values, e.g. {"app":"web"}');
  }
  return { ...(labels as Record<string, string>) };
}

export class VolumeStore {
  /** `root` is `<stateRoot>/volumes`. */
  constructor(readonly root: string) {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  }

  private dir(name: string): string {
    return path.join(this.root, name);
  }

  mountpoint(name: string): string {
    return path.join(this.dir(name), DATA);
  }

  exists(name: string): boolean {
    return VOLUME_NAME.test(name) && fs.existsSync(this.mountpoint(name));
  }

  /**
   * Creates a volume, or returns the existing one of that name (Docker's create is
   * idempotent). No name: a random 64-hex one. `_data` is made before the metadata, and a
   * directory with `_data` but no metadata (a crash in between) is still a volume.
   */
  create(name?: string, labels?: Record<string, string>): VolumeInfo {
    const n = name === undefined || name === '' ? crypto.randomBytes(32).toString('hex') : validateVolumeName(name);
    const l = validateLabels(labels);
    if (this.exists(n)) return this.inspect(n);
    fs.mkdirSync(this.dir(n), { recursive: true, mode: 0o700 });
    // 0755 like Docker's _data, so a non-root user in the container can read it.
    fs.mkdirSync(this.mountpoint(n), { recursive: true, mode: 0o755 });
    writeJsonAtomic(path.join(this.dir(n), META), { name: n, createdAt: new Date().toISOString(), labels: l } satisfies VolumeMeta);
    return this.inspect(n);
  }

  list(): VolumeInfo[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.filter((n) => this.exists(n)).sort().map((n) => this.inspect(n));
  }

  /** `get NAME: no such volume` (404) when it does not exist. */
  inspect(name: string): VolumeInfo {
    if (!this.exists(name)) throw errors.noSuchVolume(name);
    const meta = readJson<VolumeMeta>(path.join(this.dir(name), META));
    const createdAt = meta?.createdAt ?? fs.statSync(this.mountpoint(name)).mtime.toISOString();
    return {
      Name: name,
      Driver: 'local',
      Mountpoint: this.mountpoint(name),
      CreatedAt: createdAt,
      Labels: meta?.labels ?? {},
      Scope: 'local',
      Options: {},
    };
  }

  /**
   * Deletes a volume and its data. In use: 409 (also with `force`, as Docker does; force
   * only makes a missing volume not an error).
   */
  remove(name: string, opts: { force?: boolean; inUse?: boolean } = {}): void {
    if (!this.exists(name)) {
      if (opts.force) return;
      throw errors.noSuchVolume(name);
    }
    if (opts.inUse) {
      throw new BoxifyError('conflict', `remove ${name}: volume is in use: remove the containers that use it first (docker ps -a --filter volume=${name})`);
    }
    // Rename first so a crash halfway never leaves a half-deleted volume that still looks whole.
    const doomed = path.join(this.root, `.removing-${name}-${crypto.randomBytes(4).toString('hex')}`);
    fs.renameSync(this.dir(name), doomed);
    fs.rmSync(doomed, { recursive: true, force: true });
  }

  /**
   * Removes unused volumes: by default only anonymous ones (Docker >= 23), every unused one
   * with `all`. Returns Docker's prune answer.
   */
  prune(inUse: (name: string) => boolean, opts: { all?: boolean; labels?: string[] } = {}): { VolumesDeleted: string[]; SpaceReclaimed: number } {
    const deleted: string[] = [];
    let space = 0;
    for (const v of this.list()) {
      if (inUse(v.Name)) continue;
      if (!opts.all && !(ANONYMOUS_LABEL in v.Labels)) continue;
      if (opts.labels && !opts.labels.every((f) => matchLabel(v.Labels, f))) continue;
      const size = diskUsage(this.dir(v.Name));
      this.remove(v.Name, { force: true });
      deleted.push(v.Name);
      space += size;
    }
    return { VolumesDeleted: deleted, SpaceReclaimed: space };
  }

  /** Collects what an interrupted remove left behind. Call once at daemon start. */
  recover(): void {
    for (const n of fs.readdirSync(this.root)) {
      if (n.startsWith('.removing-')) fs.rmSync(path.join(this.root, n), { recursive: true, force: true });
    }
  }
}

/** Docker's label filter: `key` (present) or `key=value`. */
export function matchLabel(labels: Record<string, string>, filter: string): boolean {
  const i = filter.indexOf('=');
  if (i === -1) return filter in labels;
  return labels[filter.slice(0, i)] === filter.slice(i + 1);
}

/** Bytes used by a directory tree (files counted once, symlinks not followed). */
function diskUsage(dir: string): number {
  let total = 0;
  const walk = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return;
    }
    total += st.isDirectory() ? 0 : st.size;
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(dir);
  return total;
}
