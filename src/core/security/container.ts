// A container's whole confinement, resolved once from its HostConfig at create (so a bad
// value is a 400 there, not a failed start) and stored on its record: the process security
// options (capabilities, no_new_privs, seccomp), rlimits, --tmpfs mounts and whether the
// masked/read-only /proc and /sys paths apply. The daemon copies it into the InitSpec at start
// and into every exec's ExecSpec.
import path from 'node:path';
import { errors } from '../errors.js';
import type { InitMount, InitRlimit } from '../sys/init-protocol.js';
import { resolveSecurityOptions, type SecurityOptions } from './index.js';

export interface ContainerSecurityRequest {
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  Privileged?: boolean | null;
  SecurityOpt?: string[] | null;
  ReadonlyRootfs?: boolean | null;
  Tmpfs?: Record<string, string> | null;
  Ulimits?: { Name: string; Soft: number; Hard: number }[] | null;
}

export interface ContainerSecurity {
  security: SecurityOptions;
  rlimits: InitRlimit[];
  /** HostConfig.Tmpfs as mounts. */
  tmpfs: InitMount[];
  readonlyRootfs: boolean;
  /** Docker's masked and read-only paths; false under --privileged. */
  maskPaths: boolean;
}

/** Resource names prlimit knows (<sys/resource.h>), as `docker run --ulimit` spells them. */
export const ULIMIT_NAMES = [
  'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio',
  'rttime', 'sigpending', 'stack', 'as',
] as const;

/**
 * Docker 25+'s default for open files: soft 1024 (select() breaks above it), a generous
 * hard limit; init clamps the hard limit to what the host lets it have.
 */
export const DEFAULT_NOFILE: InitRlimit = { type: 'nofile', soft: 1024, hard: 1048576 };

/**
 * Sysctls every container gets in its own network namespace. ping_group_range lets every
 * group open ICMP datagram sockets, so ping works without CAP_NET_RAW (dropped by default):
 * iputils ping uses them; Debian's busybox ping (1.35) uses raw sockets only and needs
 * `--cap-add NET_RAW`. A container's own Sysctls override these.
 */
export const DEFAULT_SYSCTLS: Readonly<Record<string, string>> = { 'net.ipv4.ping_group_range': '0 2147483647' };

export interface ResolveContainerOptions {
  /**
   * The host's cgroup version. On v2 there is no device cgroup here (it would take an eBPF
   * program), so a device node made with mknod could be opened: CAP_MKNOD is then dropped
   * by default (CapAdd MKNOD gives it back, knowingly). On v1 the devices controller
   * refuses to open anything outside Docker's allowlist, so MKNOD stays as in Docker.
   */
  cgroupVersion: 1 | 2;
}

function checkLimit(name: string, which: 'Soft' | 'Hard', v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -1) {
    throw errors.invalid('HostConfig.Ulimits', `${name}: ${which} must be a whole number (or -1 for unlimited), got ${JSON.stringify(v)}`);
  }
  return v;
}

/** HostConfig.Ulimits -> rlimits, with Docker's nofile default when nofile is not given. */
export function resolveUlimits(list: ContainerSecurityRequest['Ulimits']): InitRlimit[] {
  if (list == null) return [{ ...DEFAULT_NOFILE }];
  if (!Array.isArray(list)) throw errors.invalid('HostConfig.Ulimits', 'must be a list such as [{"Name":"nofile","Soft":1024,"Hard":2048}]');
  const out: InitRlimit[] = [];
  for (const u of list) {
    const name = typeof u?.Name === 'string' ? u.Name.toLowerCase().replace(/^rlimit_/, '') : '';
    if (!(ULIMIT_NAMES as readonly string[]).includes(name)) {
      throw errors.invalid('HostConfig.Ulimits', `unknown ulimit ${JSON.stringify(u?.Name)}: use one of ${ULIMIT_NAMES.join(', ')}`);
    }
    const soft = checkLimit(name, 'Soft', u.Soft);
    const hard = checkLimit(name, 'Hard', u.Hard);
    const inf = (n: number) => (n === -1 ? Infinity : n);
    if (inf(soft) > inf(hard)) {
      throw errors.invalid('HostConfig.Ulimits', `${name}: the soft limit ${soft} is above the hard limit ${hard}`);
    }
    if (out.some((o) => o.type === name)) throw errors.invalid('HostConfig.Ulimits', `${name} is given twice`);
    out.push({ type: name, soft, hard });
  }
  if (!out.some((o) => o.type === 'nofile')) out.push({ ...DEFAULT_NOFILE });
  return out;
}

const TMPFS_FLAGS = new Set(['ro', 'rw', 'exec', 'noexec', 'suid', 'nosuid', 'dev', 'nodev']);
const TMPFS_VALUES: Record<string, RegExp> = {
  size: /^\d+[kKmMgG%]?$/,
  mode: /^[0-7]{1,4}$/,
  uid: /^\d+$/,
  gid: /^\d+$/,
  nr_inodes: /^\d+[kKmMgG]?$/,
  nr_blocks: /^\d+[kKmMgG]?$/,
};

/**
 * HostConfig.Tmpfs (`{"/run": "size=64m,mode=1777"}`, what `--tmpfs /run:size=64m` sends)
 * -> tmpfs mounts. Like Docker, noexec, nosuid and nodev unless `exec` is given (suid and dev
 * are never granted: init mounts every tmpfs nosuid,nodev).
 */
export function resolveTmpfs(map: ContainerSecurityRequest['Tmpfs']): InitMount[] {
  if (map == null) return [];
  if (typeof map !== 'object' || Array.isArray(map)) throw errors.invalid('HostConfig.Tmpfs', 'must be an object such as {"/run": "size=64m"}');
  const out: InitMount[] = [];
  for (const [target, opts] of Object.entries(map)) {
    const field = `HostConfig.Tmpfs[${JSON.stringify(target)}]`;
    if (!path.posix.isAbsolute(target)) throw errors.invalid(field, 'the mount point must be an absolute path');
    if (path.posix.normalize(target) === '/' || target.split('/').includes('..')) {
      throw errors.invalid(field, 'the mount point must be a directory below / without ".."');
    }
    if (typeof opts !== 'string') throw errors.invalid(field, 'options must be a string such as "size=64m,mode=1777"');
    let readonly = false;
    let noexec = true;
    const data: string[] = [];
    for (const o of opts.split(',').map((x) => x.trim()).filter(Boolean)) {
      const eq = o.indexOf('=');
      if (eq === -1) {
        if (!TMPFS_FLAGS.has(o)) throw errors.invalid(field, `unknown tmpfs option "${o}" (flags: ${[...TMPFS_FLAGS].join(', ')})`);
        if (o === 'ro' || o === 'rw') readonly = o === 'ro';
        if (o === 'exec' || o === 'noexec') noexec = o === 'noexec';
        continue;
      }
      const key = o.slice(0, eq);
      const value = o.slice(eq + 1);
      const re = TMPFS_VALUES[key];
      if (!re) throw errors.invalid(field, `unknown tmpfs option "${key}" (values: ${Object.keys(TMPFS_VALUES).join(', ')})`);
      if (!re.test(value)) throw errors.invalid(field, `tmpfs option ${key}=${JSON.stringify(value)} is not valid`);
      data.push(`${key}=${value}`);
    }
    out.push({ source: 'tmpfs', target: path.posix.normalize(target), type: 'tmpfs', readonly, noexec, data: data.join(',') || undefined });
  }
  return out;
}

function optBool(v: unknown, field: string): boolean {
  if (v == null) return false;
  if (typeof v !== 'boolean') throw errors.invalid(field, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function resolveContainerSecurity(hc: ContainerSecurityRequest, opts: ResolveContainerOptions): ContainerSecurity {
  const privileged = optBool(hc.Privileged, 'HostConfig.Privileged');
  const readonlyRootfs = optBool(hc.ReadonlyRootfs, 'HostConfig.ReadonlyRootfs');
  let capDrop = hc.CapDrop;
  // See ResolveContainerOptions: on v2, MKNOD goes unless asked for by name.
  const addsMknod = Array.isArray(hc.CapAdd) && hc.CapAdd.some((c) => typeof c === 'string' && /^(cap_)?(mknod|all)$/i.test(c.trim()));
  if (opts.cgroupVersion === 2 && !privileged && !addsMknod && (capDrop == null || Array.isArray(capDrop))) {
    capDrop = [...(capDrop ?? []), 'MKNOD'];
  }
  const security = resolveSecurityOptions({ CapAdd: hc.CapAdd, CapDrop: capDrop, Privileged: privileged, SecurityOpt: hc.SecurityOpt });
  return {
    security,
    rlimits: resolveUlimits(hc.Ulimits),
    tmpfs: resolveTmpfs(hc.Tmpfs),
    readonlyRootfs,
    maskPaths: !privileged,
  };
}
