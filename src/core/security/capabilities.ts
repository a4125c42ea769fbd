// Linux capabilities: the name table, Docker's default set, resolving CapAdd/CapDrop, and
// applying the result to the calling thread just before execve.
//
// Order (what runc's finalizeNamespace does, and what applyCapabilities does for you):
//   1. drop the bounding set        prctl(PR_CAPBSET_DROP) needs CAP_SETPCAP, so while root
//   2. PR_SET_KEEPCAPS 1            without it, setuid from 0 to non-zero clears permitted
//   3. setgroups, setresgid, setresuid   needs CAP_SETGID/CAP_SETUID, still effective here
//   4. PR_SET_KEEPCAPS 0            so the new program does not inherit the flag
//   5. clear the ambient set
//   6. capset effective = permitted = keep, inheritable = empty
//   7. PR_SET_NO_NEW_PRIVS          when asked
// Anything else that needs privileges (joining cgroups, setrlimit above the hard limit,
// mounts, sethostname, unshare of the cgroup namespace) must happen BEFORE this.
//
// Inheritable is left empty, as moby and runc do since CVE-2022-24769: a kept inheritable
// set would let a non-root user gain those capabilities by executing a file that carries
// inheritable file capabilities. A root process still gets `keep` after execve (its new
// permitted set is the bounding set), a non-root process gets none, exactly like Docker.

import { readFileSync } from 'node:fs';
import { BoxifyError, errors } from '../errors.js';
import { NR, SecurityStepError, sys, sysInts, trySysInts } from './native.js';

/** Linux 6.x capability numbers (include/uapi/linux/capability.h). */
export const CAPABILITIES: Readonly<Record<string, number>> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36,
  CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
  CAP_CHECKPOINT_RESTORE: 40,
};

const NAME_BY_NUMBER = new Map(Object.entries(CAPABILITIES).map(([n, v]) => [v, n]));

export const ALL_CAPABILITIES: readonly string[] = Object.keys(CAPABILITIES);

/** What Docker keeps (moby oci/caps/defaults.go), in capability-number order. */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_RAW',
  'CAP_SYS_CHROOT',
  'CAP_MKNOD',
  'CAP_AUDIT_WRITE',
  'CAP_SETFCAP',
];

/**
 * What a container keeps by default: Docker's 14 minus NET_RAW (as Podman does). With
 * CAP_NET_RAW, a container can forge frames on the bridge (one ARP reply redirects a
 * sibling's gateway traffic to it). Ping keeps working without it through ICMP datagram
 * sockets, which each container's network namespace allows to every group
 * (net.ipv4.ping_group_range, set at start). `--cap-add NET_RAW` gives it back.
 */
export const DEFAULT_CAPS: readonly string[] = DOCKER_DEFAULT_CAPS.filter((c) => c !== 'CAP_NET_RAW');

export function capabilityNumber(name: string): number | undefined {
  return CAPABILITIES[name];
}

export function capabilityName(num: number): string | undefined {
  return NAME_BY_NUMBER.get(num);
}

/** "net_admin", "NET_ADMIN", "cap_net_admin" -> "CAP_NET_ADMIN"; "all" -> "ALL"; undefined if unknown. */
export function normalizeCapability(name: string): string | undefined {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL' || upper === 'CAP_ALL') return 'ALL';
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  return full in CAPABILITIES ? full : undefined;
}

function normalizeList(field: 'CapAdd' | 'CapDrop', list: readonly string[] | null | undefined): string[] {
  if (list == null) return [];
  if (!Array.isArray(list)) throw errors.invalid(field, 'must be a list of capability names such as ["NET_ADMIN"]');
  const out: string[] = [];
  for (const raw of list) {
    if (typeof raw !== 'string') throw errors.invalid(field, `capability names must be strings, got ${JSON.stringify(raw)}`);
    const name = normalizeCapability(raw);
    if (!name) {
      throw errors.invalid(
        field,
        `unknown capability "${raw}": use a Linux capability name such as NET_ADMIN or CAP_NET_ADMIN, or ALL`,
      );
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

function sortByNumber(names: Iterable<string>): string[] {
  return [...new Set(names)].sort((a, b) => CAPABILITIES[a]! - CAPABILITIES[b]!);
}

export interface CapabilityRequest {
  capAdd?: readonly string[] | null;
  capDrop?: readonly string[] | null;
  privileged?: boolean;
}

/**
 * The capabilities a container keeps, as "CAP_*" names in number order. Same rules as
 * moby's TweakCapabilities: privileged keeps all; CapAdd ALL keeps all but CapDrop;
 * CapDrop ALL keeps only CapAdd; otherwise the defaults (DEFAULT_CAPS) minus CapDrop plus
 * CapAdd (an add wins over a drop of the same name).
 */
export function resolveCapabilities(req: CapabilityRequest): string[] {
  const add = normalizeList('CapAdd', req.capAdd);
  const drop = normalizeList('CapDrop', req.capDrop);
  if (req.privileged) return [...ALL_CAPABILITIES];
  if (add.includes('ALL')) return sortByNumber(ALL_CAPABILITIES.filter((c) => !drop.includes(c)));
  if (drop.includes('ALL')) return sortByNumber(add);
  return sortByNumber([...DEFAULT_CAPS.filter((c) => !drop.includes(c)), ...add]);
}

/** Bit mask of the named capabilities, as /proc/PID/status prints it (CapEff etc.). */
export function capabilityMask(names: readonly string[]): bigint {
  let mask = 0n;
  for (const n of names) {
    const num = CAPABILITIES[n];
    if (num === undefined) throw errors.invalid('capabilities', `unknown capability "${n}"`);
    mask |= 1n << BigInt(num);
  }
  return mask;
}

/** Names of the bits set in a mask (unknown high bits are ignored). */
export function capabilitiesFromMask(mask: bigint): string[] {
  const out: string[] = [];
  for (const [name, num] of Object.entries(CAPABILITIES)) if (mask & (1n << BigInt(num))) out.push(name);
  return out;
}

let lastCapCache: number | undefined;

/**
 * The highest capability number the running kernel knows (/proc/sys/kernel/cap_last_cap),
 * remembered after the first read: it is a constant of the kernel, and boxify-init reads it
 * before pivot_root, when the host's /proc is still there.
 */
export function lastCapability(): number {
  if (lastCapCache !== undefined) return lastCapCache;
  try {
    const n = Number.parseInt(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'), 10);
    if (Number.isInteger(n) && n >= 0 && n < 64) return (lastCapCache = n);
  } catch {
    // old kernels (< 3.2) lack the file; fall through to our table's highest
  }
  return Math.max(...Object.values(CAPABILITIES));
}

/** The calling process's capability set from /proc/self/status ("CapBnd", "CapEff", ...). */
export function readCapabilitySet(field: 'CapInh' | 'CapPrm' | 'CapEff' | 'CapBnd' | 'CapAmb', statusText?: string): bigint {
  const text = statusText ?? readFileSync('/proc/self/status', 'utf8');
  const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(text);
  if (!m) throw errors.internal(`no ${field} line in /proc/self/status`);
  return BigInt(`0x${m[1]}`);
}

// prctl(2) options and capset(2) constants (include/uapi/linux/prctl.h, capability.h).
const PR_SET_KEEPCAPS = 8;
const PR_CAPBSET_READ = 23;
const PR_CAPBSET_DROP = 24;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

function capHeader(): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0);
  h.writeInt32LE(0, 4); // pid 0: the calling thread
  return h;
}

/** capget(2) of the calling thread: { effective, permitted, inheritable } as 64-bit masks. */
export function getThreadCapabilities(): { effective: bigint; permitted: bigint; inheritable: bigint } {
  const data = Buffer.alloc(24);
  sys('capabilities', 'capget', NR.capget!, 'void *', capHeader(), 'void *', data);
  const word = (i: number, off: number) => BigInt(data.readUInt32LE(i * 12 + off));
  const join = (off: number) => word(0, off) | (word(1, off) << 32n);
  return { effective: join(0), permitted: join(4), inheritable: join(8) };
}

function setThreadCapabilities(effective: bigint, permitted: bigint, inheritable: bigint): void {
  const data = Buffer.alloc(24);
  for (let i = 0; i < 2; i++) {
    const part = (m: bigint) => Number((m >> BigInt(32 * i)) & 0xffffffffn);
    data.writeUInt32LE(part(effective), i * 12);
    data.writeUInt32LE(part(permitted), i * 12 + 4);
    data.writeUInt32LE(part(inheritable), i * 12 + 8);
  }
  sys('capabilities', 'capset', NR.capset!, 'void *', capHeader(), 'void *', data);
}

export function setNoNewPrivs(): void {
  sysInts('no_new_privs', 'prctl(PR_SET_NO_NEW_PRIVS)', NR.prctl!, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/** The user the process runs as after the security step; a bare number changes only the uid. */
export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids?: readonly number[];
}

export interface ApplyCapabilitiesOptions {
  noNewPrivs: boolean;
  /** Switch to this user between dropping the bounding set and capset (keepcaps dance). */
  user?: number | ProcessUser;
  /**
   * Keep only those of `keep` this process still has (privileged containers on a host whose
   * bounding set lacks some capability). Otherwise a capability we cannot grant is an error.
   */
  bestEffort?: boolean;
}

function checkId(field: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xfffffffe) throw errors.invalid(field, `${v} is not a valid id (0 to 4294967294)`);
  return v;
}

function switchUser(user: number | ProcessUser): void {
  const u: ProcessUser | undefined = typeof user === 'number' ? undefined : user;
  const uid = checkId('User', typeof user === 'number' ? user : user.uid);
  if (u) {
    const gid = checkId('User', u.gid);
    const groups = (u.additionalGids ?? []).map((g) => checkId('GroupAdd', g));
    const list = Buffer.alloc(Math.max(4, groups.length * 4));
    groups.forEach((g, i) => list.writeUInt32LE(g, i * 4));
    sys('user', `setgroups(${groups.join(',') || 'none'})`, NR.setgroups!, 'unsigned long', groups.length, 'void *', list);
    sysInts('user', `setresgid(${gid})`, NR.setresgid!, gid, gid, gid);
  }
  sysInts('user', `setresuid(${uid})`, NR.setresuid!, uid, uid, uid);
}

/**
 * The subset of `keep` this process can actually grant: capabilities newer than the running
 * kernel are left out, and one missing from our own permitted set is an error (a CapAdd the
 * host cannot honour), or silently left out with bestEffort (privileged containers).
 */
export function grantableCapabilities(keep: readonly string[], bestEffort = false): string[] {
  const lastCap = lastCapability();
  let wanted = 0n;
  for (const name of keep) {
    const num = CAPABILITIES[name];
    if (num === undefined) throw errors.invalid('capabilities', `unknown capability "${name}"`);
    if (num <= lastCap) wanted |= 1n << BigInt(num);
  }
  const missing = wanted & ~getThreadCapabilities().permitted;
  if (missing !== 0n && !bestEffort) {
    throw new BoxifyError(
      'invalid_argument',
      `invalid CapAdd: ${capabilitiesFromMask(missing).join(', ')} cannot be granted: boxifyd itself does not have it ` +
        '(missing from its bounding set); remove it from CapAdd',
      { field: 'CapAdd' },
    );
  }
  return capabilitiesFromMask(wanted & ~missing);
}

/**
 * Leaves the calling thread with exactly `keep` (in bounding, effective and permitted; none
 * inheritable or ambient), optionally as another user and with no_new_privs. See the order
 * at the top of this file. Returns the capabilities actually kept (see grantableCapabilities).
 */
export function applyCapabilities(keep: readonly string[], opts: ApplyCapabilitiesOptions): string[] {
  const lastCap = lastCapability();
  const kept = grantableCapabilities(keep, opts.bestEffort);
  const wanted = capabilityMask(kept);

  // 1. bounding set: every capability the kernel knows that we do not keep.
  for (let cap = 0; cap <= lastCap; cap++) {
    if (wanted & (1n << BigInt(cap))) continue;
    if (trySysInts(NR.prctl!, PR_CAPBSET_READ, cap, 0, 0, 0).result !== 1) continue; // already gone
    sysInts('capabilities', `prctl(PR_CAPBSET_DROP, ${capabilityName(cap) ?? cap})`, NR.prctl!, PR_CAPBSET_DROP, cap, 0, 0, 0);
  }

  // 2-4. change user, keeping the permitted set across the uid change.
  if (opts.user !== undefined) {
    sysInts('capabilities', 'prctl(PR_SET_KEEPCAPS, 1)', NR.prctl!, PR_SET_KEEPCAPS, 1, 0, 0, 0);
    switchUser(opts.user);
    sysInts('capabilities', 'prctl(PR_SET_KEEPCAPS, 0)', NR.prctl!, PR_SET_KEEPCAPS, 0, 0, 0, 0);
  }

  // 5. ambient: nothing survives execve implicitly.
  try {
    sysInts('capabilities', 'prctl(PR_CAP_AMBIENT_CLEAR_ALL)', NR.prctl!, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  } catch (err) {
    // kernels before 4.3 have no ambient set, so nothing to clear
    if (!(err instanceof SecurityStepError && err.errnoName === 'EINVAL')) throw err;
  }

  // 6. effective = permitted = keep; inheritable empty (CVE-2022-24769).
  setThreadCapabilities(wanted, wanted, 0n);

  // 7.
  if (opts.noNewPrivs) setNoNewPrivs();
  return kept;
}
