// Turns a Docker-shaped create request into Boxify's normalised config and cgroup limits,
// refusing bad input with an error that names the field and says how to fix it.
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerCreateRequest, HostConfig } from '../api/types.js';
import type { CgroupLimits } from '../cgroups/types.js';
import type { ImageConfig } from '../images/types.js';
import { errors } from '../errors.js';
import { cpuSharesToWeight } from '../config/cpu-weight.js';
import type { NormalizedConfig } from './record.js';

export const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const HOSTNAME_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const ENV_KEY_RE = /^[^=\0]+$/;
/** Docker's floor: a smaller limit cannot even start a process. */
export const MIN_MEMORY = 6 * 1024 * 1024;

export function validateName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw errors.invalid(
      'name',
      `"${name}" is not a valid container name: use letters, digits, '_', '.' and '-', starting with a letter or digit (at least 2 characters)`,
    );
  }
  return name.replace(/^\//, '');
}

function stringList(v: unknown, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw errors.invalid(field, 'must be a list of strings');
  }
  return v as string[];
}

function optNumber(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw errors.invalid(field, `must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function optBool(v: unknown, field: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw errors.invalid(field, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function optString(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw errors.invalid(field, `must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw errors.invalid(field, 'must be an object of strings');
  for (const [k, val] of Object.entries(v as object)) {
    if (typeof val !== 'string') throw errors.invalid(`${field}.${k}`, 'must be a string');
  }
  return v as Record<string, string>;
}

export function validateEnv(env: string[], field = 'Env'): string[] {
  for (const e of env) {
    const key = e.split('=')[0]!;
    if (!ENV_KEY_RE.test(key) || e.includes('\0')) {
      throw errors.invalid(field, `"${e.slice(0, 40)}" is not KEY=VALUE (the key must be non-empty)`);
    }
  }
  return env;
}

/** Merges env lists; later entries win by key, order of first appearance kept. */
export function mergeEnv(...lists: string[][]): string[] {
  const m = new Map<string, string>();
  for (const l of lists) for (const e of l) m.set(e.split('=')[0]!, e);
  return [...m.values()];
}

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ValidatedCreate {
  config: NormalizedConfig;
  hostConfig: HostConfig;
  limits: CgroupLimits;
  networkMode: 'bridge' | 'none';
  path: string;
  args: string[];
}


export function validateCreate(body: ContainerCreateRequest, image: ImageConfig): ValidatedCreate {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw errors.invalid('body', 'must be a JSON object with the container config');
  }
  const hc = (body.HostConfig ?? {}) as HostConfig;
  if (typeof hc !== 'object' || Array.isArray(hc)) throw errors.invalid('HostConfig', 'must be an object');

  const cmd = stringList(body.Cmd, 'Cmd');
  const entrypoint = stringList(body.Entrypoint, 'Entrypoint');
  // Docker: an Entrypoint given on create resets the image's Cmd unless Cmd is given too.
  const finalEntrypoint = entrypoint ?? image.Entrypoint ?? [];
  const finalCmd = cmd ?? (entrypoint !== undefined ? [] : (image.Cmd ?? []));
  const argv = [...finalEntrypoint, ...finalCmd];
  if (argv.length === 0) {
    throw errors.invalid('Cmd', 'no command specified: give a command (e.g. sh) or use an image that has one');
  }

  const env = mergeEnv([DEFAULT_PATH], image.Env ?? [], validateEnv(stringList(body.Env, 'Env') ?? []));
  const workingDir = optString(body.WorkingDir, 'WorkingDir') || image.WorkingDir || '/';
  if (!path.isAbsolute(workingDir)) throw errors.invalid('WorkingDir', `"${workingDir}" must be an absolute path`);
  const hostname = optString(body.Hostname, 'Hostname');
  if (hostname && (!HOSTNAME_RE.test(hostname) || hostname.length > 63)) {
    throw errors.invalid('Hostname', `"${hostname}" is not a valid hostname (letters, digits and '-', at most 63)`);
  }

  const limits: CgroupLimits = {};
  const memory = optNumber(hc.Memory, 'HostConfig.Memory');
  if (memory) {
    if (memory < MIN_MEMORY) throw errors.invalid('HostConfig.Memory', 'Minimum memory limit allowed is 6MB');
    limits.memoryBytes = Math.floor(memory);
  }
  const nano = optNumber(hc.NanoCpus, 'HostConfig.NanoCpus');
  const quota = optNumber(hc.CpuQuota, 'HostConfig.CpuQuota');
  const period = optNumber(hc.CpuPeriod, 'HostConfig.CpuPeriod');
  if (nano && (quota || period)) {
    throw errors.invalid('HostConfig.NanoCpus', 'conflicting options: NanoCpus (--cpus) and CpuQuota/CpuPeriod cannot both be set');
  }
  if (nano) {
    if (nano < 0.01e9) throw errors.invalid('HostConfig.NanoCpus', 'range of CPUs is from 0.01 to the number of CPUs available');
    limits.cpuPeriodUs = 100_000;
    limits.cpuQuotaUs = Math.round((nano / 1e9) * 100_000);
  } else if (quota && quota > 0) {
    if (quota < 1000) throw errors.invalid('HostConfig.CpuQuota', 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
    limits.cpuQuotaUs = quota;
    limits.cpuPeriodUs = period || 100_000;
  }
  const shares = optNumber(hc.CpuShares, 'HostConfig.CpuShares');
  if (shares) {
    if (shares < 2 || shares > 262144) throw errors.invalid('HostConfig.CpuShares', 'must be between 2 and 262144');
    limits.cpuWeight = cpuSharesToWeight(shares);
  }
  const pids = optNumber(hc.PidsLimit, 'HostConfig.PidsLimit');
  if (pids && pids > 0) limits.pidsMax = Math.floor(pids);

  const mode = hc.NetworkMode === undefined || hc.NetworkMode === '' || hc.NetworkMode === 'default' ? 'bridge' : hc.NetworkMode;
  if (mode !== 'bridge' && mode !== 'none') {
    throw errors.invalid('HostConfig.NetworkMode', `"${mode}" is not supported: use "bridge" (the default) or "none"`);
  }
  optBool(hc.AutoRemove, 'HostConfig.AutoRemove');
  const stopTimeout = optNumber(body.StopTimeout, 'StopTimeout');

  const config: NormalizedConfig = {
    Image: optString(body.Image, 'Image'),
    Cmd: finalCmd,
    Entrypoint: finalEntrypoint,
    Env: env,
    WorkingDir: workingDir,
    User: optString(body.User, 'User') || image.User || '',
    Hostname: hostname,
    Tty: optBool(body.Tty, 'Tty'),
    OpenStdin: optBool(body.OpenStdin, 'OpenStdin'),
    StdinOnce: optBool(body.StdinOnce, 'StdinOnce'),
    AttachStdin: optBool(body.AttachStdin, 'AttachStdin'),
    AttachStdout: optBool(body.AttachStdout, 'AttachStdout'),
    AttachStderr: optBool(body.AttachStderr, 'AttachStderr'),
    Labels: { ...(image.Labels ?? {}), ...stringMap(body.Labels, 'Labels') },
    ExposedPorts: { ...(image.ExposedPorts ?? {}), ...((body.ExposedPorts as Record<string, object>) ?? {}) },
    StopSignal: optString(body.StopSignal, 'StopSignal') || image.StopSignal || 'SIGTERM',
    StopTimeout: stopTimeout ?? 10,
  };
  parseSignal(config.StopSignal, 'StopSignal');
  return { config, hostConfig: hc, limits, networkMode: mode, path: argv[0]!, args: argv.slice(1) };
}

const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23,
  XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31,
};

/** "SIGTERM", "TERM", "term" or "15" -> 15; anything else is a 400 naming the field. */
export function parseSignal(sig: string, field = 'signal'): number {
  const s = sig.trim().toUpperCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = s.startsWith('SIG') ? s.slice(3) : s;
    const rt = /^RTMIN(\+(\d+))?$/.exec(name);
    if (rt) return 34 + Number(rt[2] ?? 0);
    if (SIGNALS[name] !== undefined) return SIGNALS[name]!;
  }
  throw errors.invalid(field, `"${sig}" is not a signal: use a name like SIGTERM or KILL, or a number 1-64`);
}

/** A user as the process runs: IDs, and the home directory from passwd (`/` when it has none). */
export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

/**
 * Resolves a Docker `User` ("", "root", "1000", "1000:1000", "name:group") against the
 * image's /etc/passwd and /etc/group, looked up through its layers top-down. The home
 * directory is the passwd entry's (runc's rule: HOME comes from there, `/` without one).
 */
export function resolveUser(user: string, layerDirs: string[]): ResolvedUser {
  const [u, g] = (user || '0').split(':', 2) as [string, string | undefined];
  const readEtc = (name: string): string[][] => {
    for (const dir of [...layerDirs].reverse()) {
      try {
        return fs.readFileSync(path.join(dir, 'etc', name), 'utf8').split('\n').map((l) => l.split(':'));
      } catch {
        /* not in this layer */
      }
    }
    return [];
  };
  let uid: number;
  let gid = 0;
  let home = '/';
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    const row = readEtc('passwd').find((r) => r[2] === u);
    if (row) {
      gid = Number(row[3]);
      home = row[5] || '/';
    }
  } else {
    const row = readEtc('passwd').find((r) => r[0] === u);
    if (!row) throw errors.invalid('User', `unable to find user ${u}: no matching entries in passwd file`);
    uid = Number(row[2]);
    gid = Number(row[3]);
    home = row[5] || '/';
  }
  if (g !== undefined) {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const row = readEtc('group').find((r) => r[0] === g);
      if (!row) throw errors.invalid('User', `unable to find group ${g}: no matching entries in group file`);
      gid = Number(row[2]);
    }
  }
  return { uid, gid, additionalGids: [], home };
}
