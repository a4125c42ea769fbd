// cgroup v1 cpu controller: cpu.shares (from the v2 weight), CFS quota/period, throttling.
import * as path from 'node:path';
import type { CgroupLimits, CgroupStats } from '../types.js';
import { readKeyed, writeValue } from '../fsutil.js';
import { sharesFromWeight } from '../parse.js';

export function apply(dir: string, limits: CgroupLimits): void {
  if (limits.cpuWeight !== undefined) writeValue(path.join(dir, 'cpu.shares'), sharesFromWeight(limits.cpuWeight));
  // Period first: the kernel checks quota against the period in force.
  if (limits.cpuPeriodUs !== undefined) writeValue(path.join(dir, 'cpu.cfs_period_us'), limits.cpuPeriodUs);
  if (limits.cpuQuotaUs !== undefined) writeValue(path.join(dir, 'cpu.cfs_quota_us'), limits.cpuQuotaUs);
}

export function stats(dir: string, s: CgroupStats): void {
  const st = readKeyed(path.join(dir, 'cpu.stat'));
  s.throttling = {
    periods: st.nr_periods ?? 0,
    throttledPeriods: st.nr_throttled ?? 0,
    throttledTimeNs: st.throttled_time ?? 0,
  };
}
