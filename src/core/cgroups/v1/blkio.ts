// cgroup v1 blkio controller: only read, in Docker's io_service_bytes_recursive shape.
import * as path from 'node:path';
import type { CgroupStats } from '../types.js';
import { readText } from '../fsutil.js';
import { parseBlkio } from '../parse.js';

export function stats(dir: string, s: CgroupStats): void {
  s.ioServiceBytes = parseBlkio(readText(path.join(dir, 'blkio.throttle.io_service_bytes_recursive')) ?? '');
}
