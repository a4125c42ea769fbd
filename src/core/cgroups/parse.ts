// Pure parsers and conversions for cgroup files. No I/O here, so all of it is unit-tested
// on strings.
import { errors } from '../errors.js';
import { UNLIMITED, type CgroupLimits, type CgroupStats } from './types.js';

export interface ProcSelfCgroup {
  /** The `0::` line's path (cgroup v2 / the unified hierarchy), if present. */
  unified?: string;
  /** v1 controller (or `name=...` hierarchy) -> path; `cpu,cpuacct` yields both keys. */
  controllers: Record<string, string>;
}

/** Parses /proc/self/cgroup ("hierarchy-id:controller-list:path" per line). */
export function parseProcSelfCgroup(text: string): ProcSelfCgroup {
  const out: ProcSelfCgroup = { controllers: {} };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const id = line.slice(0, first);
    const list = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (id === '0' && list === '') out.unified = path;
    else for (const c of list.split(',')) if (c) out.controllers[c] = path;
  }
  return out;
}

// CPU weight (v2, 1..10000) <-> cpu.shares (v1, 2..262144): one mapping for the whole
// program, shared with the client that turns boxify.yaml's cpuLimit into CpuShares.
export { cpuWeightToShares as sharesFromWeight, cpuSharesToWeight as weightFromShares } from '../config/cpu-weight.js';

/** "key value" lines (cpu.stat, memory.stat, memory.events, cpuacct.stat...) as numbers. */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (!key || value === undefined) continue;
    const n = Number(value);
    if (Number.isFinite(n)) out[key] = n;
  }
  return out;
}

/** A v2 limit file ("max" or a number); "max" -> null. */
export function parseMax(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (t === '' || t === 'max') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/**
 * v1 reports "no memory limit" as PAGE_COUNTER_MAX * PAGE_SIZE (9223372036854771712 with 4 KiB
 * pages), not as -1; anything at or above 2^62 is treated as unlimited.
 */
export function parseV1MemoryLimit(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text.trim());
  if (!Number.isFinite(n) || n < 0 || n >= 2 ** 62) return null;
  return n;
}

/** io.stat: "MAJ:MIN rbytes=.. wbytes=.. rios=.." -> Docker's io_service_bytes_recursive. */
export function parseIoStat(text: string): { major: number; minor: number; op: string; value: number }[] {
  const out: { major: number; minor: number; op: string; value: number }[] = [];
  for (const line of text.split('\n')) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv: Record<string, number> = {};
    for (const p of pairs) {
      const [k, v] = p.split('=');
      if (k && v !== undefined) kv[k] = Number(v);
    }
    const major = Number(m[1]);
    const minor = Number(m[2]);
    out.push({ major, minor, op: 'Read', value: kv.rbytes ?? 0 });
    out.push({ major, minor, op: 'Write', value: kv.wbytes ?? 0 });
  }
  return out;
}

/** blkio.throttle.io_service_bytes_recursive: "MAJ:MIN Op value" lines; the "Total n" line is dropped. */
export function parseBlkio(text: string): { major: number; minor: number; op: string; value: number }[] {
  const out: { major: number; minor: number; op: string; value: number }[] = [];
  for (const line of text.split('\n')) {
    const [dev, op, value] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m || !op || value === undefined) continue;
    out.push({ major: Number(m[1]), minor: Number(m[2]), op, value: Number(value) });
  }
  return out;
}

/** Bytes read and written over every device, from either file's entries. */
export function ioTotals(entries: { op: string; value: number }[]): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of entries) {
    if (e.op === 'Read') read += e.value;
    else if (e.op === 'Write') write += e.value;
  }
  return { read, write };
}

/** cgroup.procs: one PID per line. */
export function parsePids(text: string | undefined): number[] {
  if (!text) return [];
  return text
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** Names become directory names: no slashes, no dot-dot, nothing a shell or the kernel trips on. */
export function checkCgroupName(field: string, name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name)) {
    throw errors.invalid(field, `"${name}" must be 1-128 characters of letters, digits, "_", "." or "-", starting with a letter or digit`);
  }
}

/** Rejects limits the kernel would refuse, naming the field (before anything is written). */
export function checkLimits(limits: CgroupLimits): void {
  const int = (field: Exclude<keyof CgroupLimits, 'allowAllDevices'>, min: number, max: number, unlimited = false) => {
    const v = limits[field];
    if (v === undefined || (unlimited && v === UNLIMITED)) return;
    if (!Number.isInteger(v) || v < min || v > max) {
      throw errors.invalid(`cgroup limit ${field}`, `${v} must be an integer from ${min} to ${max}${unlimited ? ` or ${UNLIMITED} (no limit)` : ''}`);
    }
  };
  int('memoryBytes', 4096, Number.MAX_SAFE_INTEGER, true);
  int('memorySwapBytes', 4096, Number.MAX_SAFE_INTEGER, true);
  int('cpuWeight', 1, 10000);
  // The kernel's CFS bandwidth bounds: quota >= 1 ms, period 1 ms .. 1 s.
  int('cpuQuotaUs', 1000, Number.MAX_SAFE_INTEGER, true);
  int('cpuPeriodUs', 1000, 1000000);
  int('pidsMax', 1, 4194304, true);
  const { memoryBytes: mem, memorySwapBytes: swap } = limits;
  if (swap !== undefined && swap !== UNLIMITED && (mem === undefined || mem === UNLIMITED || swap < mem)) {
    throw errors.invalid('cgroup limit memorySwapBytes', `${swap} must be at least the memory limit (${mem ?? 'not set'}): it counts memory plus swap`);
  }
}

/** A limit as a v2 file takes it: "max" for UNLIMITED. */
export function v2Value(v: number): string {
  return v === UNLIMITED ? 'max' : String(v);
}

/** All-zero stats, filled in by each controller's reader. */
export function emptyStats(): CgroupStats {
  return {
    cpuUsageNs: 0,
    cpuUserNs: 0,
    cpuSystemNs: 0,
    throttling: { periods: 0, throttledPeriods: 0, throttledTimeNs: 0 },
    memoryUsage: 0,
    memoryLimit: null,
    memoryStat: {},
    inactiveFile: 0,
    oomKills: 0,
    pidsCurrent: 0,
    pidsLimit: null,
    ioServiceBytes: [],
  };
}
