// cgroup v1 memory controller: memory.limit_in_bytes (+ memsw), usage, memory.stat, OOM kills.
import * as path from 'node:path';
import { BoxifyError } from '../../errors.js';
import { UNLIMITED, type CgroupLimits, type CgroupStats } from '../types.js';
import { exists, readKeyed, readNumber, readText, writeValue } from '../fsutil.js';
import { parseV1MemoryLimit } from '../parse.js';

/** UNLIMITED compares as larger than any limit. */
const asNumber = (v: number | null): number => (v === null || v === UNLIMITED ? Infinity : v);

export function apply(dir: string, limits: CgroupLimits): void {
  if (limits.memoryBytes === undefined && limits.memorySwapBytes === undefined) return;
  const limit = path.join(dir, 'memory.limit_in_bytes');
  const memsw = path.join(dir, 'memory.memsw.limit_in_bytes');
  if (!exists(memsw)) {
    if (limits.memorySwapBytes !== undefined && limits.memorySwapBytes !== limits.memoryBytes) {
      throw new BoxifyError('unavailable', 'cannot limit swap: this kernel has no swap accounting (memory.memsw.limit_in_bytes is missing; boot with swapaccount=1)', { field: 'MemorySwap' });
    }
    if (limits.memoryBytes !== undefined) writeValue(limit, limits.memoryBytes);
    return;
  }
  const curLimit = asNumber(parseV1MemoryLimit(readText(limit)));
  const curMemsw = asNumber(parseV1MemoryLimit(readText(memsw)));
  const newLimit = limits.memoryBytes ?? (curLimit === Infinity ? UNLIMITED : curLimit);
  // Without a swap figure, memory+swap follows the memory limit: no swap.
  const newMemsw = limits.memorySwapBytes ?? newLimit;
  // memsw (memory+swap) must stay >= the memory limit at every moment, so when the limit
  // grows past the current memsw, memsw goes first; otherwise the limit goes first.
  if (asNumber(newLimit) > curMemsw) {
    writeValue(memsw, newMemsw);
    writeValue(limit, newLimit);
  } else {
    writeValue(limit, newLimit);
    writeValue(memsw, newMemsw);
  }
}

export function stats(dir: string, s: CgroupStats): void {
  s.memoryUsage = readNumber(path.join(dir, 'memory.usage_in_bytes'));
  s.memoryLimit = parseV1MemoryLimit(readText(path.join(dir, 'memory.limit_in_bytes')));
  s.memoryStat = readKeyed(path.join(dir, 'memory.stat'));
  s.inactiveFile = s.memoryStat.total_inactive_file ?? 0;
  s.oomKills = readKeyed(path.join(dir, 'memory.oom_control')).oom_kill ?? 0;
}
