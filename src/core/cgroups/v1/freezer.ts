// cgroup v1 freezer controller: freezer.state THAWED | FREEZING | FROZEN. Writing FROZEN
// starts freezing; the state reads FROZEN once every task has stopped (a task in an
// uninterruptible sleep can keep it FREEZING a while, so the write is repeated, as runc does).
import * as path from 'node:path';
import { readText, writeValue } from '../fsutil.js';
import { settle } from '../freeze.js';

const file = (dir: string) => path.join(dir, 'freezer.state');
const state = (dir: string) => (readText(file(dir)) ?? '').trim();

export async function freeze(dir: string, timeoutMs?: number): Promise<void> {
  await settle({
    request: () => writeValue(file(dir), 'FROZEN'),
    done: () => state(dir) === 'FROZEN',
    undo: () => writeValue(file(dir), 'THAWED'),
    op: 'freeze',
    target: dir,
    timeoutMs,
  });
}

export async function thaw(dir: string, timeoutMs?: number): Promise<void> {
  await settle({
    request: () => writeValue(file(dir), 'THAWED'),
    done: () => state(dir) === 'THAWED' || state(dir) === '',
    op: 'thaw',
    target: dir,
    timeoutMs,
  });
}

export function frozen(dir: string): boolean {
  const s = state(dir);
  return s === 'FROZEN' || s === 'FREEZING';
}
