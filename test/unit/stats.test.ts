// The stats arithmetic: /proc/stat parsing, docker's CPU % formula, memory in use, veth
// counters seen from inside, and the Docker stats object.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CgroupStats } from '../../src/core/cgroups/types.js';
import {
  CLK_TCK,
  cpuPercent,
  memoryInUse,
  parseProcStat,
  readSystemCpu,
  readVethCounters,
  toCpuStats,
  toDockerStats,
  type StatsSample,
} from '../../src/core/stats.js';

const PROC_STAT = `cpu  100 20 30 400 5 6 7 8 0 0
cpu0 50 10 15 200 2 3 4 4 0 0
cpu1 50 10 15 200 3 3 3 4 0 0
intr 12345
ctxt 999
btime 1700000000
`;

test('parseProcStat sums the first 7 fields of the cpu line in ns and counts cpuN lines', (t) => {
  const s = parseProcStat(PROC_STAT);
  // 100+20+30+400+5+6+7 = 568 ticks; steal (8) and guest fields are not counted.
  t.is(s.systemNs, (568 * 1e9) / CLK_TCK);
  t.is(s.onlineCpus, 2);
});

test('parseProcStat survives odd input: at least one CPU, no NaN', (t) => {
  t.deepEqual(parseProcStat(''), { systemNs: 0, onlineCpus: 1 });
  const s = parseProcStat('cpu  1 x 2\n');
  t.is(s.systemNs, (3 * 1e9) / CLK_TCK);
  t.is(s.onlineCpus, 1);
});

test('readSystemCpu reads the real /proc/stat and a given file', (t) => {
  const real = readSystemCpu();
  t.true(real.systemNs > 0);
  t.is(real.onlineCpus, os.cpus().length);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxify-stat-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'stat'), PROC_STAT);
  t.is(readSystemCpu(path.join(dir, 'stat')).onlineCpus, 2);
});

test('cpuPercent: container delta over system delta, times CPUs, as docker stats does', (t) => {
  const prev = { cpuNs: 1e9, systemNs: 100e9, onlineCpus: 2 };
  // Half a core busy on a 2-CPU host: the host's total time advanced 2 s per wall second.
  t.is(cpuPercent(prev, { cpuNs: 1.5e9, systemNs: 102e9, onlineCpus: 2 }), 50);
  t.is(cpuPercent(prev, { cpuNs: 3e9, systemNs: 102e9, onlineCpus: 2 }), 200);
  t.is(cpuPercent(undefined, { cpuNs: 3e9, systemNs: 102e9, onlineCpus: 2 }), 0, 'no previous sample');
  t.is(cpuPercent(prev, { cpuNs: 1e9, systemNs: 102e9, onlineCpus: 2 }), 0, 'no CPU used');
  t.is(cpuPercent(prev, { cpuNs: 2e9, systemNs: 100e9, onlineCpus: 2 }), 0, 'no interval');
  t.is(cpuPercent(prev, { cpuNs: 0.5e9, systemNs: 102e9, onlineCpus: 2 }), 0, 'counter reset');
});

test('memoryInUse subtracts the reclaimable page cache, never below 0', (t) => {
  t.is(memoryInUse({ memoryUsage: 100, inactiveFile: 30 }), 70);
  t.is(memoryInUse({ memoryUsage: 10, inactiveFile: 30 }), 0);
  t.is(memoryInUse({ memoryUsage: 0, inactiveFile: 0 }), 0);
});

test('readVethCounters swaps rx and tx: the host end receives what the container sent', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxify-net-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const st = path.join(dir, 'bxabc', 'statistics');
  fs.mkdirSync(st, { recursive: true });
  const vals: Record<string, number> = { rx_bytes: 1, rx_packets: 2, rx_errors: 3, rx_dropped: 4, tx_bytes: 5, tx_packets: 6, tx_errors: 7, tx_dropped: 8 };
  for (const [k, n] of Object.entries(vals)) fs.writeFileSync(path.join(st, k), `${n}\n`);
  t.deepEqual(readVethCounters('bxabc', dir), {
    rx_bytes: 5,
    rx_packets: 6,
    rx_errors: 7,
    rx_dropped: 8,
    tx_bytes: 1,
    tx_packets: 2,
    tx_errors: 3,
    tx_dropped: 4,
  });
  t.is(readVethCounters('nope', dir), null);
});

function cg(over: Partial<CgroupStats> = {}): CgroupStats {
  return {
    cpuUsageNs: 2e9,
    cpuUserNs: 1.5e9,
    cpuSystemNs: 0.5e9,
    throttling: { periods: 10, throttledPeriods: 4, throttledTimeNs: 1e6 },
    memoryUsage: 64 << 20,
    memoryLimit: 128 << 20,
    memoryStat: { cache: 1000, total_inactive_file: 4096 },
    inactiveFile: 4096,
    oomKills: 0,
    pidsCurrent: 3,
    pidsLimit: 20,
    ioServiceBytes: [],
    ...over,
  };
}

const sample = (at: string, over: Partial<CgroupStats> = {}, net: StatsSample['net'] = null): StatsSample => ({
  read: new Date(at),
  cgroup: cg(over),
  system: { systemNs: 500e9, onlineCpus: 2 },
  net,
});

test('toCpuStats maps the cgroup figures; no sample gives zeros', (t) => {
  t.deepEqual(toCpuStats(sample('2024-01-01T00:00:00Z')), {
    cpu_usage: { total_usage: 2e9, usage_in_kernelmode: 0.5e9, usage_in_usermode: 1.5e9 },
    system_cpu_usage: 500e9,
    online_cpus: 2,
    throttling_data: { periods: 10, throttled_periods: 4, throttled_time: 1e6 },
  });
  const zero = toCpuStats(undefined);
  t.is(zero.cpu_usage.total_usage, 0);
  t.is(zero.online_cpus, 0);
  t.is(zero.throttling_data.periods, 0);
});

test('toDockerStats builds the object docker stats reads', (t) => {
  const prev = sample('2024-01-01T00:00:00Z', { cpuUsageNs: 1e9 });
  const cur = sample('2024-01-01T00:00:01Z', {}, { rx_bytes: 1, rx_packets: 1, rx_errors: 0, rx_dropped: 0, tx_bytes: 2, tx_packets: 2, tx_errors: 0, tx_dropped: 0 });
  const s = toDockerStats('f'.repeat(64), 'web', cur, prev, 1 << 30);
  t.is(s.name, '/web');
  t.is(s.id, 'f'.repeat(64));
  t.is(s.read, '2024-01-01T00:00:01.000Z');
  t.is(s.preread, '2024-01-01T00:00:00.000Z');
  t.deepEqual(s.pids_stats, { current: 3, limit: 20 });
  t.is(s.cpu_stats.cpu_usage.total_usage, 2e9);
  t.is(s.precpu_stats.cpu_usage.total_usage, 1e9);
  t.is(s.memory_stats.usage, 64 << 20);
  t.is(s.memory_stats.limit, 128 << 20);
  // Both spellings of inactive_file, whichever the cgroup version gave.
  t.is(s.memory_stats.stats.inactive_file, 4096);
  t.is(s.memory_stats.stats.total_inactive_file, 4096);
  t.is(s.memory_stats.stats.cache, 1000);
  t.is(s.blkio_stats.io_service_bytes_recursive, null);
  t.deepEqual(Object.keys(s.networks ?? {}), ['eth0']);
  t.is(s.networks!.eth0!.tx_bytes, 2);
});

test('toDockerStats: unlimited memory is the host total, a limit above it is capped, no pids limit, no network', (t) => {
  const host = 1 << 30;
  const unlimited = toDockerStats('x', 'a', sample('2024-01-01T00:00:00Z', { memoryLimit: null, pidsLimit: null }), undefined, host);
  t.is(unlimited.memory_stats.limit, host);
  t.deepEqual(unlimited.pids_stats, { current: 3 });
  t.is(unlimited.preread, '0001-01-01T00:00:00Z');
  t.is(unlimited.precpu_stats.cpu_usage.total_usage, 0);
  t.is(unlimited.networks, undefined);
  const huge = toDockerStats('x', 'a', sample('2024-01-01T00:00:00Z', { memoryLimit: 2 ** 62 }), undefined, host);
  t.is(huge.memory_stats.limit, host);
  const v2 = toDockerStats('x', 'a', sample('2024-01-01T00:00:00Z', { memoryStat: { inactive_file: 7 }, inactiveFile: 7 }), undefined, host);
  t.is(v2.memory_stats.stats.inactive_file, 7);
  t.is(v2.memory_stats.stats.total_inactive_file, 7);
  const io = toDockerStats('x', 'a', sample('2024-01-01T00:00:00Z', { ioServiceBytes: [{ major: 8, minor: 0, op: 'read', value: 9 }] }), undefined, host);
  t.deepEqual(io.blkio_stats.io_service_bytes_recursive, [{ major: 8, minor: 0, op: 'read', value: 9 }]);
});

test('the docker CLI\'s CPU % from two toDockerStats objects matches cpuPercent', (t) => {
  const prev = { ...sample('2024-01-01T00:00:00Z', { cpuUsageNs: 1e9 }), system: { systemNs: 100e9, onlineCpus: 2 } };
  const cur = { ...sample('2024-01-01T00:00:01Z', { cpuUsageNs: 1.5e9 }), system: { systemNs: 102e9, onlineCpus: 2 } };
  const s = toDockerStats('x', 'a', cur, prev, 1 << 30);
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const sysDelta = s.cpu_stats.system_cpu_usage - s.precpu_stats.system_cpu_usage;
  const dockerCli = (cpuDelta / sysDelta) * s.cpu_stats.online_cpus * 100;
  t.is(dockerCli, 50);
  t.is(cpuPercent({ cpuNs: 1e9, systemNs: 100e9, onlineCpus: 2 }, { cpuNs: 1.5e9, systemNs: 102e9, onlineCpus: 2 }), dockerCli);
});
