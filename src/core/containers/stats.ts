// Live figures of running containers, read from their cgroups and veths: one sample for
// `docker stats`, every container at once for Boxify's TUI, and `docker top`.
import fs from 'node:fs';
import os from 'node:os';
import type { BoxifyStatsEntry } from '../api/types.js';
import type { CgroupManager } from '../cgroups/types.js';
import { cpuPercent, memoryInUse, readSystemCpu, readVethCounters, toDockerStats, type StatsSample } from '../stats.js';
import { guard, isRunning, type ContainerRecord } from './record.js';

/** What a container that does not run uses: nothing (a fresh object: callers may keep it). */
const idleCgroup = (): StatsSample['cgroup'] => ({
  cpuUsageNs: 0, cpuUserNs: 0, cpuSystemNs: 0,
  throttling: { periods: 0, throttledPeriods: 0, throttledTimeNs: 0 },
  memoryUsage: 0, memoryLimit: null, memoryStat: {}, inactiveFile: 0, oomKills: 0,
  pidsCurrent: 0, pidsLimit: null, ioServiceBytes: [],
});

export class ContainerStats {
  private readonly lastCpu = new Map<string, { cpuNs: number; systemNs: number; onlineCpus: number }>();
  private readonly hostMemTotal = os.totalmem();

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

  /** One sample of every running container, CPU % since the previous call's sample. */
  all(records: ContainerRecord[]): BoxifyStatsEntry[] {
    const system = readSystemCpu();
    const out: BoxifyStatsEntry[] = [];
    for (const r of records) {
      if (!isRunning(r)) continue;
      let c;
      try {
        c = this.cgroups.stats(r.id);
      } catch {
        continue;
      }
      const cur = { cpuNs: c.cpuUsageNs, systemNs: system.systemNs, onlineCpus: system.onlineCpus };
      const pct = cpuPercent(this.lastCpu.get(r.id), cur);
      this.lastCpu.set(r.id, cur);
      const netc = r.network.hostVeth ? readVethCounters(r.network.hostVeth) : null;
      out.push({
        id: r.id,
        name: r.name,
        cpuPercent: pct,
        memoryUsage: memoryInUse(c),
        memoryLimit: c.memoryLimit === null ? this.hostMemTotal : Math.min(c.memoryLimit, this.hostMemTotal),
        pids: c.pidsCurrent,
        netRx: netc?.rx_bytes ?? 0,
        netTx: netc?.tx_bytes ?? 0,
      });
    }
    return out;
  }

  /** The container has exited: its next start begins a new CPU baseline. */
  forget(id: string): void {
    this.lastCpu.delete(id);
  }

  top(r: ContainerRecord): { Titles: string[]; Processes: string[][] } {
    guard.canExec(r);
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
