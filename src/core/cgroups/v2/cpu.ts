// cgroup v2 cpu controller: cpu.weight, cpu.max ("quota period"), cpu.stat.
import * as path from 'node:path';
import type { CgroupLimits, CgroupStats } from '../types.js';
import { readKeyed, readText, writeValue } from '../fsutil.js';
import { v2Value } from '../parse.js';

const DEFAULT_PERIOD_US = 100000;

export function apply(dir: string, limits: CgroupLimits): void {
  if (limits.cpuWeight !== undefined) writeValue(path.join(dir, 'cpu.weight'), limits.cpuWeight);
  if (limits.cpuQuotaUs === undefined && limits.cpuPeriodUs === undefined) return;
  // cpu.max holds both numbers; a change of one keeps the other as it is.
  const file = path.join(dir, 'cpu.max');
  const [curQuota, curPeriod] = (readText(file) ?? '').trim().split(/\s+/);
  const quota = limits.cpuQuotaUs === undefined ? curQuota || 'max' : v2Value(limits.cpuQuotaUs);
  const period = limits.cpuPeriodUs ?? (Number(curPeriod) || DEFAULT_PERIOD_US);
  writeValue(file, `${quota} ${period}`);
}

export function stats(dir: string, s: CgroupStats): void {
  const st = readKeyed(path.join(dir, 'cpu.stat'));
  s.cpuUsageNs = (st.usage_usec ?? 0) * 1000;
  s.cpuUserNs = (st.user_usec ?? 0) * 1000;
  s.cpuSystemNs = (st.system_usec ?? 0) * 1000;
  s.throttling = {
    periods: st.nr_periods ?? 0,
    throttledPeriods: st.nr_throttled ?? 0,
    throttledTimeNs: (st.throttled_usec ?? 0) * 1000,
  };
}
