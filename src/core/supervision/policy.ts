// Restart policies as Docker defines them, as pure functions: what a policy is, whether an
// exit leads to a restart, how long to wait first, and what a daemon start brings back.
// src/core/supervision/restart.ts applies them to containers.
import { errors } from '../errors.js';

export type RestartPolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

export interface RestartPolicy {
  Name: RestartPolicyName;
  /** on-failure only: give up after this many restarts (0: never give up). */
  MaximumRetryCount: number;
}

const NAMES: RestartPolicyName[] = ['no', 'always', 'unless-stopped', 'on-failure'];

/** Docker's back-off: 100 ms, doubling to at most a minute; back to the start after 10 s of running. */
export const FIRST_DELAY_MS = 100;
export const MAX_DELAY_MS = 60_000;
export const RESET_AFTER_MS = 10_000;

/**
 * A RestartPolicy as the API carries it ({Name, MaximumRetryCount}; absent or Name "" is
 * "no"), checked with Docker's rules; `field` names it in errors.
 */
export function parseRestartPolicy(v: unknown, field = 'HostConfig.RestartPolicy'): RestartPolicy {
  if (v === undefined || v === null) return { Name: 'no', MaximumRetryCount: 0 };
  if (typeof v !== 'object' || Array.isArray(v)) throw errors.invalid(field, 'must be an object like {"Name": "on-failure", "MaximumRetryCount": 3}');
  const { Name, MaximumRetryCount } = v as { Name?: unknown; MaximumRetryCount?: unknown };
  if (Name !== undefined && typeof Name !== 'string') throw errors.invalid(`${field}.Name`, `must be a string, got ${JSON.stringify(Name)}`);
  const name = (Name || 'no') as RestartPolicyName;
  if (!NAMES.includes(name)) {
    throw errors.invalid(`${field}.Name`, `unknown policy "${Name}": use one of "no", "always", "on-failure" or "unless-stopped"`);
  }
  const max = MaximumRetryCount ?? 0;
  if (typeof max !== 'number' || !Number.isInteger(max)) throw errors.invalid(`${field}.MaximumRetryCount`, `must be an integer, got ${JSON.stringify(max)}`);
  if (max < 0) throw errors.invalid(`${field}.MaximumRetryCount`, 'maximum retry count cannot be negative');
  if (max > 0 && name !== 'on-failure') {
    throw errors.invalid(`${field}.MaximumRetryCount`, `maximum retry count can only be used with "on-failure", not "${name}"`);
  }
  return { Name: name, MaximumRetryCount: max };
}

/** "on-failure:3", "always": the short form the CLI takes (`--restart`). */
export function parseRestartFlag(text: string): RestartPolicy {
  const [name, count, extra] = text.split(':');
  if (extra !== undefined || (count !== undefined && !/^\d+$/.test(count))) {
    throw errors.invalid('restart', `"${text}" is not a restart policy: use no, always, unless-stopped, on-failure or on-failure:N`);
  }
  return parseRestartPolicy({ Name: name, MaximumRetryCount: count === undefined ? 0 : Number(count) }, 'restart');
}

export interface ExitFacts {
  exitCode: number;
  /** A user stopped or killed it (stop, kill with the stop signal or SIGKILL). */
  stoppedByUser: boolean;
  /** Restarts by the policy since the last start by a user. */
  restartCount: number;
}

/** Whether the policy restarts a container that has just exited. */
export function shouldRestart(p: RestartPolicy, f: ExitFacts): boolean {
  if (f.stoppedByUser) return false;
  switch (p.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return f.exitCode !== 0 && (p.MaximumRetryCount === 0 || f.restartCount < p.MaximumRetryCount);
    default:
      return false;
  }
}

/**
 * Whether a daemon start brings back a container found exited: `always` ones whatever ended
 * them (Docker's "restarted when the daemon restarts"), `unless-stopped` ones unless a user
 * stopped them, `on-failure` ones that failed and have retries left.
 */
export function restartAtDaemonStart(p: RestartPolicy, f: ExitFacts): boolean {
  if (p.Name === 'always') return true;
  return shouldRestart(p, f);
}

/** The wait before the next restart, given the previous wait (0: none yet) and how long the container ran. */
export function nextDelay(previousMs: number, ranMs: number): number {
  if (ranMs >= RESET_AFTER_MS || previousMs <= 0) return FIRST_DELAY_MS;
  return Math.min(previousMs * 2, MAX_DELAY_MS);
}
