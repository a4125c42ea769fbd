// pids controller (same files on v1 and v2): pids.max, pids.current.
import * as path from 'node:path';
import type { CgroupLimits, CgroupStats } from '../types.js';
import { readNumber, readText, writeValue } from '../fsutil.js';
import { parseMax, v2Value } from '../parse.js';

export function apply(dir: string, limits: CgroupLimits): void {
  if (limits.pidsMax !== undefined) writeValue(path.join(dir, 'pids.max'), v2Value(limits.pidsMax));
}

export function stats(dir: string, s: CgroupStats): void {
  s.pidsCurrent = readNumber(path.join(dir, 'pids.current'));
  s.pidsLimit = parseMax(readText(path.join(dir, 'pids.max')));
}
