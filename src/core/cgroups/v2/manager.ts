// The cgroup v2 backend. Layout below the daemon's own cgroup <own> (from the `0::` line):
//
//   <own>/boxify-daemon           the daemon itself, when it had to leave <own> (see delegate)
//   <own>/boxify-<instance>/      instance directory, memory/cpu/pids(/io) enabled for children
//   <own>/boxify-<instance>/<name>  one per container
//
// cgroup v2's "no internal processes" rule: a non-root cgroup can enable controllers for its
// children only while it has no processes of its own. A systemd unit with Delegate=yes starts
// boxifyd alone in the unit's cgroup, so boxifyd moves itself (and only itself) into the leaf
// <own>/boxify-daemon, then enables the controllers in <own>. The leaf is shared by every
// instance in the same <own> and is never removed by removeInstance (the daemon is in it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BoxifyError, errors } from '../../errors.js';
import type { CgroupLimits, CgroupManager, CgroupSample, CgroupStats } from '../types.js';
import { killAndRemove, mkdirOnce, readPids, readText, rmdirCgroup, subdirs, subtreeDeepestFirst, writeValue } from '../fsutil.js';
import { checkCgroupName, checkLimits, emptyStats, ioTotals, parseIoStat, parseMax } from '../parse.js';
import { FileReader, keyedValue } from '../reader.js';
import * as cpu from './cpu.js';
import * as freezer from './freezer.js';
import * as io from './io.js';
import * as memory from './memory.js';
import * as pids from './pids.js';

export const DAEMON_LEAF = 'boxify-daemon';
const REQUIRED = ['memory', 'cpu', 'pids'];
const OPTIONAL = ['io'];
const FIX = 'run boxifyd as the only process of a systemd unit with Delegate=yes (or enable the controllers in the parent cgroup.subtree_control)';

const words = (text: string | undefined): string[] =>
  (text ?? '').split(/\s+/).filter(Boolean).map((w) => w.replace(/^\+/, ''));

/** The daemon's own cgroup path: the `0::` path, minus our leaf if we are already in it. */
export function ownV2Path(unified: string): string {
  if (unified === `/${DAEMON_LEAF}`) return '/';
  return unified.endsWith(`/${DAEMON_LEAF}`) ? unified.slice(0, -DAEMON_LEAF.length - 1) : unified;
}

export class V2Manager implements CgroupManager {
  readonly version = 2 as const;
  /** <fsRoot><own> */
  readonly ownDir: string;
  /** <fsRoot><own>/boxify-<instance> */
  readonly instanceDir: string;
  /** Controllers enabled for container cgroups. */
  readonly controllers: string[];
  /** True when open moved this process into <own>/boxify-daemon. */
  readonly movedSelf: boolean;
  /** The files sample() reads every second, kept open. */
  private readonly reader = new FileReader();

  constructor(opts: { fsRoot: string; instance: string; own: string; pid?: number }) {
    this.ownDir = path.join(opts.fsRoot, opts.own);
    this.instanceDir = path.join(this.ownDir, `boxify-${opts.instance}`);
    const r = delegate(this.ownDir, opts.own === '/', opts.pid ?? process.pid);
    this.controllers = r.controllers;
    this.movedSelf = r.moved;
    mkdirOnce(this.instanceDir);
    enable(path.join(this.instanceDir, 'cgroup.subtree_control'), this.controllers);
  }

  private dir(name: string): string {
    checkCgroupName('container cgroup name', name);
    return path.join(this.instanceDir, name);
  }

  create(name: string, limits: CgroupLimits): void {
    checkLimits(limits);
    const d = this.dir(name);
    mkdirOnce(d);
    this.apply(d, limits);
  }

  update(name: string, limits: CgroupLimits): void {
    checkLimits(limits);
    const d = this.dir(name);
    if (!fs.existsSync(d)) throw errors.notFound(`no cgroup for ${name}`);
    this.apply(d, limits);
  }

  private apply(d: string, limits: CgroupLimits): void {
    memory.apply(d, limits);
    cpu.apply(d, limits);
    pids.apply(d, limits);
  }

  procsFiles(name: string): string[] {
    return [path.join(this.dir(name), 'cgroup.procs')];
  }

  joinFiles(name: string): string[] {
    return this.procsFiles(name);
  }

  addProcess(name: string, pid: number): void {
    writeValue(path.join(this.dir(name), 'cgroup.procs'), pid);
  }

  pids(name: string): number[] {
    return readPids(path.join(this.dir(name), 'cgroup.procs'));
  }

  stats(name: string): CgroupStats {
    const d = this.dir(name);
    const s = emptyStats();
    cpu.stats(d, s);
    memory.stats(d, s);
    pids.stats(d, s);
    io.stats(d, s);
    return s;
  }

  sample(name: string, detail: boolean): CgroupSample | null {
    const d = this.dir(name);
    const memoryUsage = this.reader.number(path.join(d, 'memory.current'));
    if (memoryUsage === undefined) return null;
    const out: CgroupSample = {
      cpuUsageNs: (keyedValue(this.reader.read(path.join(d, 'cpu.stat')), 'usage_usec') ?? 0) * 1000,
      memoryUsage,
      pidsCurrent: this.reader.number(path.join(d, 'pids.current')) ?? 0,
    };
    if (detail) {
      const io = ioTotals(parseIoStat(readText(path.join(d, 'io.stat')) ?? ''));
      out.detail = {
        inactiveFile: keyedValue(readText(path.join(d, 'memory.stat')), 'inactive_file') ?? 0,
        memoryLimit: parseMax(readText(path.join(d, 'memory.max'))),
        ioReadBytes: io.read,
        ioWriteBytes: io.write,
      };
    }
    return out;
  }

  private existing(name: string): string {
    const d = this.dir(name);
    if (!fs.existsSync(d)) throw errors.notFound(`no cgroup for ${name}`);
    return d;
  }

  async freeze(name: string): Promise<void> {
    return freezer.freeze(this.existing(name));
  }

  async thaw(name: string): Promise<void> {
    return freezer.thaw(this.existing(name));
  }

  frozen(name: string): boolean {
    return freezer.frozen(this.dir(name));
  }

  async remove(name: string): Promise<void> {
    const d = this.dir(name);
    this.reader.forget(d);
    await killAndRemove(subtreeDeepestFirst(d), path.join(d, 'cgroup.kill'));
  }

  list(): string[] {
    return subdirs(this.instanceDir);
  }

  /** Removes the instance directory if empty; <own>/boxify-daemon stays (this process is in it). */
  removeInstance(): void {
    rmdirCgroup(this.instanceDir);
  }
}

function enable(file: string, controllers: string[]): void {
  const have = words(readText(file));
  const missing = controllers.filter((c) => !have.includes(c));
  if (missing.length === 0) return;
  try {
    fs.writeFileSync(file, missing.map((c) => `+${c}`).join(' '));
  } catch (err) {
    throw new BoxifyError('unavailable', `cannot enable ${missing.join(', ')} in ${file}: ${(err as Error).message}: ${FIX}`, {
      cause: err,
    });
  }
}

/**
 * Makes memory/cpu/pids (and io when offered) available to children of <own>. When <own>
 * does not enable them yet and is not the root (which is exempt from the rule), <own> must
 * be emptied of processes first: only this process may be moved, so any other process
 * there is an error with the fix, and nothing is moved in that case.
 */
function delegate(ownDir: string, isRoot: boolean, pid: number): { controllers: string[]; moved: boolean } {
  const controllersFile = path.join(ownDir, 'cgroup.controllers');
  const available = words(readText(controllersFile));
  const missing = REQUIRED.filter((c) => !available.includes(c));
  if (missing.length > 0) {
    throw new BoxifyError(
      'unavailable',
      `the cgroup v2 controller(s) ${missing.join(', ')} are not available to ${ownDir} (${controllersFile}: "${available.join(' ')}"): ${FIX}`,
    );
  }
  const controllers = [...REQUIRED, ...OPTIONAL.filter((c) => available.includes(c))];
  const subtreeFile = path.join(ownDir, 'cgroup.subtree_control');
  const enabled = words(readText(subtreeFile));
  if (controllers.every((c) => enabled.includes(c))) return { controllers, moved: false };
  let moved = false;
  if (!isRoot) {
    const procsFile = path.join(ownDir, 'cgroup.procs');
    const procs = readPids(procsFile);
    const others = procs.filter((p) => p !== pid);
    if (others.length > 0) {
      throw new BoxifyError(
        'unavailable',
        `cannot enable ${controllers.join(', ')} in ${subtreeFile}: ${procsFile} holds processes ${others.join(' ')} besides boxifyd (${pid}), and cgroup v2 lets only a cgroup without processes delegate controllers: ${FIX}`,
      );
    }
    if (procs.includes(pid)) {
      const leaf = path.join(ownDir, DAEMON_LEAF);
      mkdirOnce(leaf);
      writeValue(path.join(leaf, 'cgroup.procs'), pid);
      moved = true;
    }
  }
  enable(subtreeFile, controllers);
  return { controllers, moved };
}
