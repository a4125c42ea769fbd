// The cgroup v1 backend (legacy and hybrid hosts). Each controller has its own hierarchy
// (or shares a combined mount such as `cpu,cpuacct`); a container's cgroup is the same
// absolute path, `<own>/boxify-<instance>/<name>`, in every hierarchy used, where <own> is the
// daemon's memory cgroup. v1 has no "no internal processes" rule, so the daemon stays put.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BoxifyError, errors } from '../../errors.js';
import type { CgroupLimits, CgroupManager, CgroupSample, CgroupStats } from '../types.js';
import { killAndRemove, mkdirOnce, readPids, readText, rmdirCgroup, subdirs, subtreeDeepestFirst, writeValue } from '../fsutil.js';
import { checkCgroupName, checkLimits, emptyStats, ioTotals, parseBlkio, parseV1MemoryLimit } from '../parse.js';
import { FileReader, keyedValue } from '../reader.js';
import * as blkio from './blkio.js';
import * as cpu from './cpu.js';
import * as cpuacct from './cpuacct.js';
import * as devices from './devices.js';
import * as freezer from './freezer.js';
import * as memory from './memory.js';
import * as pids from '../v2/pids.js';

/** The controllers Boxify uses on v1; ones the host does not mount are skipped (memory is required). */
export const V1_CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids', 'blkio', 'devices', 'freezer'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

/**
 * Where each controller's hierarchy is mounted below fsRoot: `<fsRoot>/<controller>` (a
 * directory or a symlink to a combined mount), else a directory whose comma-separated name
 * lists it (`cpu,cpuacct`). Combined mounts come back as the same real path.
 */
export function findV1Hierarchies(fsRoot: string): Partial<Record<V1Controller, string>> {
  const out: Partial<Record<V1Controller, string>> = {};
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(fsRoot);
  } catch {
    return out;
  }
  for (const c of V1_CONTROLLERS) {
    const name = entries.includes(c) ? c : entries.find((e) => e.split(',').includes(c));
    if (!name) continue;
    const p = path.join(fsRoot, name);
    try {
      if (fs.statSync(p).isDirectory()) out[c] = fs.realpathSync(p);
    } catch {
      // A dangling symlink: the controller is not mounted.
    }
  }
  return out;
}

export class V1Manager implements CgroupManager {
  readonly version = 1 as const;
  /** Controller -> hierarchy mount directory. */
  readonly hierarchies: Partial<Record<V1Controller, string>>;
  /** Absolute cgroup path of the instance directory, the same in every hierarchy. */
  readonly instancePath: string;
  /** This process's own cgroup path per controller (from /proc/self/cgroup). */
  private readonly selfPaths: Record<string, string>;
  /** The files sample() reads every second, kept open. */
  private readonly reader = new FileReader();

  constructor(opts: { fsRoot: string; instance: string; selfPaths: Record<string, string> }) {
    this.hierarchies = findV1Hierarchies(opts.fsRoot);
    this.selfPaths = opts.selfPaths;
    if (!this.hierarchies.memory) {
      throw new BoxifyError(
        'unavailable',
        `no cgroup v1 memory hierarchy under ${opts.fsRoot} (and it is not cgroup v2): mount the memory controller (mount -t cgroup -o memory cgroup ${opts.fsRoot}/memory) or boot with cgroup v2`,
      );
    }
    const own = opts.selfPaths.memory;
    if (own === undefined) {
      throw new BoxifyError('unavailable', 'this process has no memory cgroup in /proc/self/cgroup: is the memory controller enabled?');
    }
    this.instancePath = path.posix.join(own, `boxify-${opts.instance}`);
  }

  /** The distinct hierarchy mounts in use (a combined cpu,cpuacct mount appears once). */
  private mounts(): string[] {
    return [...new Set(Object.values(this.hierarchies))];
  }

  private dir(mount: string, name: string): string {
    return path.join(mount, this.instancePath, name);
  }

  private controllerDir(c: V1Controller, name: string): string | undefined {
    const m = this.hierarchies[c];
    return m === undefined ? undefined : this.dir(m, name);
  }

  /**
   * mkdir -p below the hierarchy root, one level at a time. Another daemon (or test) under
   * the same parent may be removing an empty ancestor at the same moment (removeInstance),
   * so an ENOENT restarts the walk a few times.
   */
  private ensureDir(mount: string, rel: string): void {
    const parts = rel.split('/').filter(Boolean);
    for (let attempt = 0; ; attempt++) {
      try {
        let p = mount;
        for (const part of parts) {
          p = path.join(p, part);
          mkdirOnce(p);
        }
        return;
      } catch (err) {
        if (attempt >= 4 || !String((err as Error).message).includes('ENOENT')) throw err;
      }
    }
  }

  create(name: string, limits: CgroupLimits): void {
    checkCgroupName('container cgroup name', name);
    checkLimits(limits);
    for (const m of this.mounts()) this.ensureDir(m, path.posix.join(this.instancePath, name));
    // Device access is set once, before any process joins (not by update: it is no limit).
    const dev = this.controllerDir('devices', name);
    if (dev !== undefined) devices.apply(dev, limits.allowAllDevices === true);
    this.apply(name, limits);
  }

  update(name: string, limits: CgroupLimits): void {
    checkCgroupName('container cgroup name', name);
    checkLimits(limits);
    if (!fs.existsSync(this.controllerDir('memory', name)!)) throw errors.notFound(`no cgroup for ${name}`);
    this.apply(name, limits);
  }

  private apply(name: string, limits: CgroupLimits): void {
    memory.apply(this.controllerDir('memory', name)!, limits);
    const need = (c: V1Controller, field: string): string => {
      const d = this.controllerDir(c, name);
      if (d === undefined) {
        throw new BoxifyError('unavailable', `cannot set ${field}: the cgroup v1 ${c} controller is not mounted on this host`, { field });
      }
      return d;
    };
    if (limits.cpuWeight !== undefined || limits.cpuQuotaUs !== undefined || limits.cpuPeriodUs !== undefined) {
      cpu.apply(need('cpu', 'cpu limits'), limits);
    }
    if (limits.pidsMax !== undefined) pids.apply(need('pids', 'pidsMax'), limits);
  }

  procsFiles(name: string): string[] {
    checkCgroupName('container cgroup name', name);
    return this.mounts().map((m) => path.join(this.dir(m, name), 'cgroup.procs'));
  }

  joinFiles(name: string): string[] {
    checkCgroupName('container cgroup name', name);
    return this.mounts().map((m) => path.join(this.dir(m, name), 'tasks'));
  }

  addProcess(name: string, pid: number): void {
    for (const f of this.procsFiles(name)) writeValue(f, pid);
  }

  pids(name: string): number[] {
    const all = new Set<number>();
    for (const f of this.procsFiles(name)) for (const p of readPids(f)) all.add(p);
    return [...all].sort((a, b) => a - b);
  }

  stats(name: string): CgroupStats {
    checkCgroupName('container cgroup name', name);
    const s = emptyStats();
    const d = (c: V1Controller) => this.controllerDir(c, name);
    memory.stats(d('memory')!, s);
    if (d('cpuacct')) cpuacct.stats(d('cpuacct')!, s);
    if (d('cpu')) cpu.stats(d('cpu')!, s);
    if (d('pids')) pids.stats(d('pids')!, s);
    if (d('blkio')) blkio.stats(d('blkio')!, s);
    return s;
  }

  sample(name: string, detail: boolean): CgroupSample | null {
    checkCgroupName('container cgroup name', name);
    const d = (c: V1Controller) => this.controllerDir(c, name);
    const mem = d('memory')!;
    const memoryUsage = this.reader.number(path.join(mem, 'memory.usage_in_bytes'));
    if (memoryUsage === undefined) return null;
    const cpuacctDir = d('cpuacct');
    const pidsDir = d('pids');
    const out: CgroupSample = {
      cpuUsageNs: cpuacctDir ? (this.reader.number(path.join(cpuacctDir, 'cpuacct.usage')) ?? 0) : 0,
      memoryUsage,
      pidsCurrent: pidsDir ? (this.reader.number(path.join(pidsDir, 'pids.current')) ?? 0) : 0,
    };
    if (detail) {
      const blk = d('blkio');
      const io = ioTotals(blk ? parseBlkio(readText(path.join(blk, 'blkio.throttle.io_service_bytes_recursive')) ?? '') : []);
      out.detail = {
        inactiveFile: keyedValue(readText(path.join(mem, 'memory.stat')), 'total_inactive_file') ?? 0,
        memoryLimit: parseV1MemoryLimit(readText(path.join(mem, 'memory.limit_in_bytes'))),
        ioReadBytes: io.read,
        ioWriteBytes: io.write,
      };
    }
    return out;
  }

  private freezerDir(name: string): string {
    checkCgroupName('container cgroup name', name);
    const d = this.controllerDir('freezer', name);
    if (d === undefined) {
      throw new BoxifyError('unavailable', 'pause needs the cgroup v1 freezer controller, which is not mounted on this host (mount -t cgroup -o freezer cgroup /sys/fs/cgroup/freezer)');
    }
    if (!fs.existsSync(d)) throw errors.notFound(`no cgroup for ${name}`);
    return d;
  }

  async freeze(name: string): Promise<void> {
    return freezer.freeze(this.freezerDir(name));
  }

  async thaw(name: string): Promise<void> {
    return freezer.thaw(this.freezerDir(name));
  }

  frozen(name: string): boolean {
    checkCgroupName('container cgroup name', name);
    const d = this.controllerDir('freezer', name);
    return d !== undefined && freezer.frozen(d);
  }

  async remove(name: string): Promise<void> {
    checkCgroupName('container cgroup name', name);
    // A frozen task cannot act on SIGKILL on v1: thaw first (no-op when not frozen).
    if (this.frozen(name)) await this.thaw(name).catch(() => undefined);
    for (const m of this.mounts()) this.reader.forget(this.dir(m, name));
    const dirs = this.mounts().flatMap((m) => subtreeDeepestFirst(this.dir(m, name)));
    await killAndRemove(dirs, undefined);
  }

  list(): string[] {
    const names = new Set<string>();
    for (const m of this.mounts()) for (const n of subdirs(path.join(m, this.instancePath))) names.add(n);
    return [...names].sort();
  }

  /**
   * Removes the instance directory in every hierarchy, then the empty ancestors between it
   * and this process's own cgroup in that hierarchy (on a hybrid host the daemon sits at "/"
   * in cpu/pids/..., so `<own>` there was made by create()). A directory with processes or
   * children is left alone (rmdir refuses it), and so is anything this process is in.
   */
  removeInstance(): void {
    for (const [c, m] of Object.entries(this.hierarchies)) {
      if (Object.entries(this.hierarchies).find(([, mm]) => mm === m)?.[0] !== c) continue; // once per mount
      if (rmdirCgroup(path.join(m, this.instancePath)) === 'busy') continue;
      const self = this.selfPaths[c] ?? '/';
      let p = path.posix.dirname(this.instancePath);
      while (p !== '/' && !isSameOrAncestor(p, self)) {
        if (rmdirCgroup(path.join(m, p)) === 'busy') break;
        p = path.posix.dirname(p);
      }
    }
  }
}

function isSameOrAncestor(a: string, b: string): boolean {
  return a === b || b.startsWith(a.endsWith('/') ? a : `${a}/`);
}
