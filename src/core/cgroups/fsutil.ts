// Small synchronous helpers over cgroupfs. Stats readers never throw (a missing file reads as
// absent); writers throw a BoxifyError naming the file and the value.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sysError } from '../errors.js';
import { parseFlatKeyed, parsePids } from './parse.js';

/** The file's text, or undefined when it cannot be read (missing controller, gone cgroup). */
export function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A single-number file, 0 when missing or unparseable. */
export function readNumber(file: string): number {
  const n = Number((readText(file) ?? '').trim());
  return Number.isFinite(n) ? n : 0;
}

export function readKeyed(file: string): Record<string, number> {
  return parseFlatKeyed(readText(file) ?? '');
}

export function readPids(file: string): number[] {
  return parsePids(readText(file));
}

export function exists(file: string): boolean {
  return fs.existsSync(file);
}

export function writeValue(file: string, value: string | number): void {
  try {
    fs.writeFileSync(file, String(value));
  } catch (err) {
    throw sysError(`write "${value}" to`, file, err);
  }
}

/** mkdir that is fine with EEXIST; returns true when it created the directory. */
export function mkdirOnce(dir: string): boolean {
  try {
    fs.mkdirSync(dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw sysError('mkdir', dir, err);
  }
}

/** Child directories (child cgroups) of a cgroup directory; [] when it does not exist. */
export function subdirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** `dir` and every cgroup below it, deepest first (the order they can be removed in). */
export function subtreeDeepestFirst(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const child of subdirs(dir)) out.push(...subtreeDeepestFirst(path.join(dir, child)));
  out.push(dir);
  return out;
}

/** rmdir a cgroup; 'gone' when it did not exist, 'busy' when it still has processes/children. */
export function rmdirCgroup(dir: string): 'removed' | 'gone' | 'busy' {
  try {
    fs.rmdirSync(dir);
    return 'removed';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'gone';
    if (code === 'EBUSY' || code === 'ENOTEMPTY') return 'busy';
    throw sysError('rmdir', dir, err);
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Kills every process in the given cgroup directories (all hierarchies of one container
 * cgroup, children included) and removes the directories, deepest first. `killFile` is v2's
 * cgroup.kill, which kills the whole subtree atomically (no fork race); without it each PID
 * gets SIGKILL, repeatedly until none is left. Bounded: throws after `timeoutMs`.
 */
export async function killAndRemove(
  dirsDeepestFirst: string[],
  killFile: string | undefined,
  timeoutMs = 2000,
): Promise<void> {
  if (dirsDeepestFirst.length === 0) return;
  const deadline = Date.now() + timeoutMs;
  if (killFile && exists(killFile)) {
    try {
      fs.writeFileSync(killFile, '1');
    } catch {
      // Falls back to per-PID kills below.
    }
  }
  let remaining = dirsDeepestFirst;
  for (;;) {
    const pids = new Set<number>();
    for (const d of remaining) for (const p of readPids(path.join(d, 'cgroup.procs'))) pids.add(p);
    pids.delete(process.pid); // never this process, whatever a cgroup file says
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (pids.size === 0) {
      remaining = remaining.filter((d) => rmdirCgroup(d) === 'busy');
      if (remaining.length === 0) return;
    }
    if (Date.now() > deadline) {
      throw sysError(
        'remove cgroup',
        remaining.join(', '),
        new Error(
          pids.size > 0
            ? `processes ${[...pids].join(' ')} did not exit within ${timeoutMs} ms of SIGKILL (uninterruptible sleep?)`
            : `still busy after ${timeoutMs} ms`,
        ),
      );
    }
    await delay(20);
  }
}
