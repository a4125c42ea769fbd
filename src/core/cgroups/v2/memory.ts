// cgroup v2 memory controller: memory.max (+ memory.swap.max), usage, memory.stat, OOM kills.
import * as path from 'node:path';
import type { CgroupLimits, CgroupStats } from '../types.js';
import { exists, readKeyed, readNumber, readText, writeValue } from '../fsutil.js';
import { parseMax } from '../parse.js';

export function apply(dir: string, limits: CgroupLimits): void {
  if (limits.memoryBytes === undefined) return;
  writeValue(path.join(dir, 'memory.max'), limits.memoryBytes);
  // Without this a limited cgroup would page out to swap instead of hitting its limit.
  const swap = path.join(dir, 'memory.swap.max');
  if (exists(swap)) writeValue(swap, 0);
}

export function stats(dir: string, s: CgroupStats): void {
  s.memoryUsage = readNumber(path.join(dir, 'memory.current'));
  s.memoryLimit = parseMax(readText(path.join(dir, 'memory.max')));
  s.memoryStat = readKeyed(path.join(dir, 'memory.stat'));
  s.inactiveFile = s.memoryStat.inactive_file ?? 0;
  s.oomKills = readKeyed(path.join(dir, 'memory.events')).oom_kill ?? 0;
}
