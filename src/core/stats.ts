// Stats arithmetic shared by the Docker-shaped /containers/{id}/stats stream, Boxify's
// all-containers /boxify/stats and the CLI. CPU% follows the docker CLI's formula:
// (delta container CPU ns / delta system CPU ns) x online CPUs x 100, where the system figure
// is the sum of the first 7 fields of /proc/stat's `cpu` line (idle included) in ns.
import fs from 'node:fs';
import type { CgroupStats } from './cgroups/types.js';
import type { ContainerStats, CpuStats } from './api/types.js';

/** USER_HZ: /proc/stat counts in these ticks; 100 on every Linux architecture we support. */
export const CLK_TCK = 100;

export interface SystemCpu {
  /** Total CPU time of the host in ns (idle included). */
  systemNs: number;
  onlineCpus: number;
}

export function parseProcStat(text: string): SystemCpu {
  let systemNs = 0;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) {
      const fields = line.trim().split(/\s+/).slice(1, 8).map(Number);
      const ticks = fields.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
      systemNs = (ticks * 1e9) / CLK_TCK;
    } else if (/^cpu\d+ /.test(line)) {
      onlineCpus++;
    }
  }
  return { systemNs, onlineCpus: Math.max(onlineCpus, 1) };
}

export function readSystemCpu(procStatPath = '/proc/stat'): SystemCpu {
  return parseProcStat(fs.readFileSync(procStatPath, 'utf8'));
}

export interface CpuSample {
  cpuNs: number;
  systemNs: number;
  onlineCpus: number;
}

/** CPU % between two samples, 100 = one full core; 0 when there is no interval. */
export function cpuPercent(prev: CpuSample | undefined, cur: CpuSample): number {
  if (!prev) return 0;
  const cpuDelta = cur.cpuNs - prev.cpuNs;
  const sysDelta = cur.systemNs - prev.systemNs;
  if (cpuDelta <= 0 || sysDelta <= 0) return 0;
  return (cpuDelta / sysDelta) * cur.onlineCpus * 100;
}

/** Memory as `docker stats` shows it: usage minus reclaimable page cache. */
export function memoryInUse(s: Pick<CgroupStats, 'memoryUsage' | 'inactiveFile'>): number {
  return Math.max(0, s.memoryUsage - s.inactiveFile);
}

export interface NetCounters {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/**
 * Counters of the container's eth0, read from the host end of its veth pair: what the host
 * end receives the container sent, so rx and tx swap.
 */
export function readVethCounters(hostVeth: string, sysClassNet = '/sys/class/net'): NetCounters | null {
  const dir = `${sysClassNet}/${hostVeth}/statistics`;
  const read = (f: string) => {
    try {
      return Number(fs.readFileSync(`${dir}/${f}`, 'utf8'));
    } catch {
      return NaN;
    }
  };
  const rxb = read('tx_bytes');
  if (Number.isNaN(rxb)) return null;
  return {
    rx_bytes: rxb,
    rx_packets: read('tx_packets'),
    rx_errors: read('tx_errors'),
    rx_dropped: read('tx_dropped'),
    tx_bytes: read('rx_bytes'),
    tx_packets: read('rx_packets'),
    tx_errors: read('rx_errors'),
    tx_dropped: read('rx_dropped'),
  };
}

/**
 * /proc/net/dev as the byte counters of each interface, seen from the container: the host
 * end of a veth receives what the container sent, so rx and tx swap (as readVethCounters).
 * One read gives every container's figures.
 */
export function parseNetDev(text: string): Map<string, { rxBytes: number; txBytes: number }> {
  const out = new Map<string, { rxBytes: number; txBytes: number }>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/);
    if (f.length < 16) continue;
    out.set(line.slice(0, colon).trim(), { rxBytes: Number(f[8]), txBytes: Number(f[0]) });
  }
  return out;
}

export interface StatsSample {
  read: Date;
  cgroup: CgroupStats;
  system: SystemCpu;
  net: NetCounters | null;
}

export function toCpuStats(s: StatsSample | undefined): CpuStats {
  if (!s) {
    return {
      cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
      system_cpu_usage: 0,
      online_cpus: 0,
      throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    };
  }
  const c = s.cgroup;
  return {
    cpu_usage: { total_usage: c.cpuUsageNs, usage_in_kernelmode: c.cpuSystemNs, usage_in_usermode: c.cpuUserNs },
    system_cpu_usage: s.system.systemNs,
    online_cpus: s.system.onlineCpus,
    throttling_data: {
      periods: c.throttling.periods,
      throttled_periods: c.throttling.throttledPeriods,
      throttled_time: c.throttling.throttledTimeNs,
    },
  };
}

/** Builds one object of Docker's stats stream from the current and the previous sample. */
export function toDockerStats(
  id: string,
  name: string,
  cur: StatsSample,
  prev: StatsSample | undefined,
  hostMemTotal: number,
): ContainerStats {
  const c = cur.cgroup;
  const limit = c.memoryLimit === null ? hostMemTotal : Math.min(c.memoryLimit, hostMemTotal);
  const stats: Record<string, number> = { ...c.memoryStat };
  // The docker CLI subtracts whichever of these it finds; give both spellings.
  if (stats.inactive_file === undefined) stats.inactive_file = c.inactiveFile;
  if (stats.total_inactive_file === undefined) stats.total_inactive_file = c.inactiveFile;
  return {
    read: cur.read.toISOString(),
    preread: prev ? prev.read.toISOString() : '0001-01-01T00:00:00Z',
    name: `/${name}`,
    id,
    num_procs: 0,
    pids_stats: c.pidsLimit === null ? { current: c.pidsCurrent } : { current: c.pidsCurrent, limit: c.pidsLimit },
    blkio_stats: { io_service_bytes_recursive: c.ioServiceBytes.length ? c.ioServiceBytes : null },
    cpu_stats: toCpuStats(cur),
    precpu_stats: toCpuStats(prev),
    memory_stats: { usage: c.memoryUsage, limit, stats },
    ...(cur.net ? { networks: { eth0: cur.net } } : {}),
  };
}
