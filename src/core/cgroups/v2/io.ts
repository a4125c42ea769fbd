// cgroup v2 io controller: only read (io.stat), as Docker's Read/Write byte counters.
import * as path from 'node:path';
import type { CgroupStats } from '../types.js';
import { readText } from '../fsutil.js';
import { parseIoStat } from '../parse.js';

export function stats(dir: string, s: CgroupStats): void {
  s.ioServiceBytes = parseIoStat(readText(path.join(dir, 'io.stat')) ?? '');
}
