// Live figures of running containers, read from their cgroups and veths: one sample for
// `docker stats`, every container at once for Boxify's TUI, and `docker top`.
import fs from 'node:fs';
import os from 'node:os';
import type { BoxifyStatsEntry } from '../api/types.js';
import type { CgroupManager } from '../cgroups/types.js';
import { FileReader } from '../cgroups/reader.js';
import { cpuPercent, memoryInUse, parseNetDev, parseProcStat, readSystemCpu, readVethCounters, toDockerStats, type StatsSample } from '../stats.js';
import { guard, isRunning, type ContainerRecord } from './record.js';

/** What a container that does not run uses: nothing (a fresh object: callers may keep it). */
const idleCgroup = (): StatsSample['cgroup'] => ({
  cpuUsageNs: 0, cpuUserNs: 0, cpuSystemNs: 0,
  throttling: { periods: 0, throttledPeriods: 0, throttledTimeNs: 0 },
  memoryUsage: 0, memoryLimit: null, memoryStat: {}, inactiveFile: 0, oomKills: 0,
  pidsCurrent: 0, pidsLimit: null, ioServiceBytes: [],
});

/**
 * How often the all-containers view rereads what changes slowly or costs more (memory.stat's
 * page cache, the limit, block I/O); CPU, memory and pids are read on every call.
 */
const DETAIL_EVERY_MS = 5000;

interface Detail {
  inactiveFile: number;
  memoryLimit: number | null;
  ioReadBytes: number;
  ioWriteBytes: number;
  at: number;
}

export class ContainerStats {
  private readonly lastCpu = new Map<string, { cpuNs: number; systemNs: number; onlineCpus: number }>();
  private readonly hostMemTotal = os.totalmem();
  /** /proc/stat and /proc/net/dev, kept open for the every-second view. */
  private readonly reader = new FileReader();
  private readonly detail = new Map<string, Detail>();

  constructor(private readonly cgroups: CgroupManager) {}

  sample(r: ContainerRecord): StatsSample {
    const read = new Date();
    const system = readSystemCpu();
    if (!isRunning(r)) return { read, system, net: null, cgroup: idleCgroup() };
    return { read, system, cgroup: this.cgroups.stats(r.id), net: r.network.hostVeth ? readVethCounters(r.network.hostVeth) : null };
  }

  docker(r: ContainerRecord, cur: StatsSample, prev?: StatsSample) {
    return toDockerStats(r.id, r.name, cur, prev, this.hostMemTotal);
  }

  /**
   * One sample of every running container, CPU % since the previous call's sample. Made to be
   * called every second with hundreds of containers: a few preads per container (see
   * FileReader), every network counter from one read of /proc/net/dev, and the slow-moving
   * figures refreshed every few seconds per container.
   */
  all(records: ContainerRecord[]): BoxifyStatsEntry[] {
    const now = Date.now();
    const procStat = this.reader.read('/proc/stat');
    const system = procStat ? parseProcStat(procStat) : readSystemCpu();
    const netDev = parseNetDev(this.reader.read('/proc/net/dev') ?? '');
    const out: BoxifyStatsEntry[] = [];
    for (const r of records) {
      if (!isRunning(r)) continue;
      const prevDetail = this.detail.get(r.id);
      const wantDetail = !prevDetail || now - prevDetail.at >= DETAIL_EVERY_MS;
      let cpuNs: number;
      let memoryUsage: number;
      let pidsCurrent: number;
      let d: Detail;
      if (this.cgroups.sample) {
        const s = this.cgroups.sample(r.id, wantDetail);
        if (!s) continue;
        cpuNs = s.cpuUsageNs;
        memoryUsage = s.memoryUsage;
        pidsCurrent = s.pidsCurrent;
        d = s.detail ? { ...s.detail, at: now } : prevDetail!;
      } else {
        let c;
        try {
          c = this.cgroups.stats(r.id);
        } catch {
          continue;
        }
        cpuNs = c.cpuUsageNs;
        memoryUsage = c.memoryUsage;
        pidsCurrent = c.pidsCurrent;
        const io = c.ioServiceBytes;
        d = {
          inactiveFile: c.inactiveFile,
          memoryLimit: c.memoryLimit,
          ioReadBytes: io.filter((e) => e.op === 'Read').reduce((a, e) => a + e.value, 0),
          ioWriteBytes: io.filter((e) => e.op === 'Write').reduce((a, e) => a + e.value, 0),
          at: now,
        };
      }
      if (d !== prevDetail) this.detail.set(r.id, d);
      const cur = { cpuNs, systemNs: system.systemNs, onlineCpus: system.onlineCpus };
      const pct = cpuPercent(this.lastCpu.get(r.id), cur);
      this.lastCpu.set(r.id, cur);
      const net = r.network.hostVeth ? netDev.get(r.network.hostVeth) : undefined;
      out.push({
        id: r.id,
        name: r.name,
        cpuPercent: pct,
        memoryUsage: memoryInUse({ memoryUsage, inactiveFile: d.inactiveFile }),
        memoryLimit: d.memoryLimit === null ? this.hostMemTotal : Math.min(d.memoryLimit, this.hostMemTotal),
        pids: pidsCurrent,
        netRx: net?.rxBytes ?? 0,
        netTx: net?.txBytes ?? 0,
        blkRead: d.ioReadBytes,
        blkWrite: d.ioWriteBytes,
      });
    }
    return out;
  }

  /** The container has exited: its next start begins a new CPU baseline. */
  forget(id: string): void {
    this.lastCpu.delete(id);
    this.detail.delete(id);
  }

  top(r: ContainerRecord): { Titles: string[]; Processes: string[][] } {
    guard.canSignal(r);
    const rows: string[][] = [];
    for (const pid of this.cgroups.pids(r.id)) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '';
        const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        const uid = /Uid:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
        rows.push([uid === '0' ? 'root' : uid, String(pid), ppid, cmd]);
      } catch {
        /* exited meanwhile */
      }
    }
    return { Titles: ['UID', 'PID', 'PPID', 'CMD'], Processes: rows };
  }
}
