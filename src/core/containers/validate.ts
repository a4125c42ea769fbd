// Turns a Docker-shaped create request into Boxify's normalised config and cgroup limits,
// refusing bad input with an error that names the field and says how to fix it.
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerCreateRequest, HostConfig } from '../api/types.js';
import type { CgroupLimits } from '../cgroups/types.js';
import type { ImageConfig } from '../images/types.js';
import { errors } from '../errors.js';
import { parseRestartPolicy } from '../supervision/policy.js';
import { resourceLimits } from './resources.js';
import type { NormalizedConfig } from './record.js';

export const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const HOSTNAME_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const ENV_KEY_RE = /^[^=\0]+$/;
export { MIN_MEMORY } from './resources.js';

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

  const limits: CgroupLimits = resourceLimits(hc);

  const mode = hc.NetworkMode === undefined || hc.NetworkMode === '' || hc.NetworkMode === 'default' ? 'bridge' : hc.NetworkMode;
  if (mode !== 'bridge' && mode !== 'none') {
    throw errors.invalid('HostConfig.NetworkMode', `"${mode}" is not supported: use "bridge" (the default) or "none"`);
  }
  const autoRemove = optBool(hc.AutoRemove, 'HostConfig.AutoRemove');
  const restartPolicy = parseRestartPolicy(hc.RestartPolicy);
  if (autoRemove && restartPolicy.Name !== 'no') {
    throw errors.invalid('HostConfig.AutoRemove', `conflicting options: cannot specify both --restart ${restartPolicy.Name} and --rm (a container that removes itself cannot be restarted)`);
  }
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
  return { config, hostConfig: { ...hc, RestartPolicy: restartPolicy }, limits, networkMode: mode, path: argv[0]!, args: argv.slice(1) };
}

/** Docker's Linux signal names (moby/sys/signal): the only names accepted, with or without SIG. */
const SIGNALS: Record<string, number> = {
  ABRT: 6, ALRM: 14, BUS: 7, CHLD: 17, CLD: 17, CONT: 18, FPE: 8, HUP: 1, ILL: 4, INT: 2, IO: 29, IOT: 6, KILL: 9,
  PIPE: 13, POLL: 29, PROF: 27, PWR: 30, QUIT: 3, SEGV: 11, STKFLT: 16, STOP: 19, SYS: 31, TERM: 15, TRAP: 5,
  TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, USR1: 10, USR2: 12, VTALRM: 26, WINCH: 28, XCPU: 24, XFSZ: 25,
  RTMIN: 34, RTMAX: 64,
};
for (let i = 1; i <= 15; i++) SIGNALS[`RTMIN+${i}`] = 34 + i;
for (let i = 14; i >= 1; i--) SIGNALS[`RTMAX-${i}`] = 64 - i;
const SIGNAL_NUMBERS = new Set(Object.values(SIGNALS));

/**
 * Docker's signal syntax: a name from its table ("SIGTERM", "TERM", "term", "RTMIN+3") or a
 * number it knows (1-31, 34-64); anything else is a 400 naming the field.
 */
export function parseSignal(sig: string, field = 'signal'): number {
  const s = sig.trim().toUpperCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (SIGNAL_NUMBERS.has(n)) return n;
  } else {
    const n = SIGNALS[s.startsWith('SIG') ? s.slice(3) : s];
    if (n !== undefined) return n;
  }
  throw errors.invalid(field, `"${sig}" is not a signal: use a name like SIGTERM or KILL, or a number 1-31 or 34-64 (Invalid signal: ${sig})`);
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
