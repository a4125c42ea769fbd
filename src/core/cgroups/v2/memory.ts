// cgroup v2 memory controller: memory.max (+ memory.swap.max), usage, memory.stat, OOM kills.
import * as path from 'node:path';
import { BoxifyError } from '../../errors.js';
import { UNLIMITED, type CgroupLimits, type CgroupStats } from '../types.js';
import { exists, readKeyed, readNumber, readText, writeValue } from '../fsutil.js';
import { parseMax, v2Value } from '../parse.js';

export function apply(dir: string, limits: CgroupLimits): void {
  if (limits.memoryBytes === undefined && limits.memorySwapBytes === undefined) return;
  const maxFile = path.join(dir, 'memory.max');
  const swapFile = path.join(dir, 'memory.swap.max');
  const memory = limits.memoryBytes ?? parseMax(readText(maxFile)) ?? UNLIMITED;
  if (limits.memoryBytes !== undefined) writeValue(maxFile, v2Value(memory));
  // v2 limits swap on its own (memory.swap.max) where Docker's MemorySwap counts memory plus
  // swap. Without a swap figure there is no swap: a limited cgroup would otherwise page out
  // instead of hitting its limit.
  const swap = limits.memorySwapBytes;
  const swapOnly = swap === undefined ? 0 : swap === UNLIMITED || memory === UNLIMITED ? UNLIMITED : swap - memory;
  if (!exists(swapFile)) {
    if (swap !== undefined && swapOnly !== 0) {
      throw new BoxifyError('unavailable', 'cannot limit swap: this kernel has no swap accounting (memory.swap.max is missing)', { field: 'MemorySwap' });
    }
    return;
  }
  writeValue(swapFile, v2Value(swapOnly));
}

export function stats(dir: string, s: CgroupStats): void {
  s.memoryUsage = readNumber(path.join(dir, 'memory.current'));
  s.memoryLimit = parseMax(readText(path.join(dir, 'memory.max')));
  s.memoryStat = readKeyed(path.join(dir, 'memory.stat'));
  s.inactiveFile = s.memoryStat.inactive_file ?? 0;
  s.oomKills = readKeyed(path.join(dir, 'memory.events')).oom_kill ?? 0;
}
