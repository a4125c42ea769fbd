// cgroup v1 cpuacct controller: total CPU time (ns) and its user/system split.
import * as path from 'node:path';
import type { CgroupStats } from '../types.js';
import { readKeyed, readNumber } from '../fsutil.js';

/**
 * cpuacct.stat counts USER_HZ ticks. USER_HZ is 100 on every architecture Linux exposes to
 * user space (it is fixed by the ABI, unlike the kernel's HZ), so no `getconf CLK_TCK` call.
 */
const NS_PER_TICK = 1e9 / 100;

export function stats(dir: string, s: CgroupStats): void {
  s.cpuUsageNs = readNumber(path.join(dir, 'cpuacct.usage'));
  const st = readKeyed(path.join(dir, 'cpuacct.stat'));
  s.cpuUserNs = (st.user ?? 0) * NS_PER_TICK;
  s.cpuSystemNs = (st.system ?? 0) * NS_PER_TICK;
}
