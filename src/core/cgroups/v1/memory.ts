// cgroup v1 memory controller: memory.limit_in_bytes (+ memsw), usage, memory.stat, OOM kills.
import * as path from 'node:path';
import type { CgroupLimits, CgroupStats } from '../types.js';
import { exists, readKeyed, readNumber, readText, writeValue } from '../fsutil.js';
import { parseV1MemoryLimit } from '../parse.js';

export function apply(dir: string, limits: CgroupLimits): void {
  if (limits.memoryBytes === undefined) return;
  const limit = path.join(dir, 'memory.limit_in_bytes');
  const memsw = path.join(dir, 'memory.memsw.limit_in_bytes');
  if (!exists(memsw)) {
    writeValue(limit, limits.memoryBytes);
    return;
  }
  // memsw (memory+swap) must stay >= the memory limit at every moment, so when the limit
  // grows memsw goes first; otherwise the limit goes first. memsw = limit means no swap.
  const current = parseV1MemoryLimit(readText(limit)) ?? Infinity;
  if (limits.memoryBytes > current) {
    writeValue(memsw, limits.memoryBytes);
    writeValue(limit, limits.memoryBytes);
  } else {
    writeValue(limit, limits.memoryBytes);
    writeValue(memsw, limits.memoryBytes);
  }
}

export function stats(dir: string, s: CgroupStats): void {
  s.memoryUsage = readNumber(path.join(dir, 'memory.usage_in_bytes'));
  s.memoryLimit = parseV1MemoryLimit(readText(path.join(dir, 'memory.limit_in_bytes')));
  s.memoryStat = readKeyed(path.join(dir, 'memory.stat'));
  s.inactiveFile = s.memoryStat.total_inactive_file ?? 0;
  s.oomKills = readKeyed(path.join(dir, 'memory.oom_control')).oom_kill ?? 0;
}
