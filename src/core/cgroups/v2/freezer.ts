// cgroup v2 freezer: cgroup.freeze (1 = freeze, 0 = thaw) is the request; cgroup.events'
// "frozen 1" says the whole subtree has stopped.
import * as path from 'node:path';
import { readKeyed, readText, writeValue } from '../fsutil.js';
import { settle } from '../freeze.js';

const isFrozen = (dir: string) => readKeyed(path.join(dir, 'cgroup.events')).frozen === 1;

export async function freeze(dir: string, timeoutMs?: number): Promise<void> {
  await settle({
    request: () => writeValue(path.join(dir, 'cgroup.freeze'), '1'),
    done: () => isFrozen(dir),
    undo: () => writeValue(path.join(dir, 'cgroup.freeze'), '0'),
    op: 'freeze',
    target: dir,
    timeoutMs,
  });
}

export async function thaw(dir: string, timeoutMs?: number): Promise<void> {
  await settle({
    request: () => writeValue(path.join(dir, 'cgroup.freeze'), '0'),
    done: () => !isFrozen(dir),
    op: 'thaw',
    target: dir,
    timeoutMs,
  });
}

export function frozen(dir: string): boolean {
  return (readText(path.join(dir, 'cgroup.freeze')) ?? '').trim() === '1';
}
