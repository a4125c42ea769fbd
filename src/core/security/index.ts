// Process security for a container's command: capabilities, no_new_privs and seccomp.
//
// The daemon resolves the API fields once (resolveSecurityOptions, at create: bad input is
// a 400 there, not a failed start) and hands the JSON-safe result to boxify-init, which
// calls preloadProcessSecurity() at its start and applyProcessSecurity() as its last step
// before execve:
//
//   preloadProcessSecurity()      while the host's files are visible: koffi, cap_last_cap
//   ... mounts, pivot_root, /proc /sys /dev, hostname, rlimits, join cgroups, cgroup
//   namespace, chdir(cwd), wait at the gate
//   applyProcessSecurity(security, { uid, gid, additionalGids })
//   clear FD_CLOEXEC on 0-2, execve
//
// Everything that needs privileges must come before it (joining a cgroup as a non-root
// user, raising rlimits, mounting). Inside, the order is:
//   1. compile the seccomp filter (pure; fails before anything changed)
//   2. without no_new_privs only: install seccomp now, while CAP_SYS_ADMIN is still held
//      (the kernel demands one of the two); the filter allows the remaining steps
//   3. drop the bounding set; keepcaps; setgroups/setresgid/setresuid; clear keepcaps;
//      clear ambient; capset                     (capabilities.ts explains each)
//   4. no_new_privs
//   5. with no_new_privs: install seccomp last, so it cannot block steps 3-4
// The filter stays in force for execve and for what the command does; execve is allowed
// by every profile worth using (the default one allows it).

import { BoxifyError, errors } from '../errors.js';
import {
  ALL_CAPABILITIES,
  applyCapabilities,
  grantableCapabilities,
  lastCapability,
  resolveCapabilities,
  type ProcessUser,
} from './capabilities.js';
import { DEFAULT_PROFILE } from './default-profile.js';
import { compileSeccomp, installSeccomp, parseDockerProfile, type SeccompProfile } from './seccomp.js';
import { preloadNative } from './native.js';

export * from './capabilities.js';
export * from './seccomp.js';
export { DEFAULT_PROFILE, CLONE_NAMESPACE_FLAGS } from './default-profile.js';
export { SYSCALLS_X86_64 } from './syscalls-x86_64.js';
export { SecurityStepError } from './native.js';
export * from './container.js';

export interface SecurityOptions {
  /** Capabilities the command keeps, "CAP_*" names. */
  capabilities: string[];
  /** prctl(PR_SET_NO_NEW_PRIVS): setuid binaries and file capabilities no longer elevate. */
  noNewPrivs: boolean;
  seccomp: 'default' | 'unconfined' | SeccompProfile;
  /** Privileged: capabilities the host lacks are left out instead of failing the start. */
  privileged?: boolean;
  /**
   * The filter compiled ahead by the daemon (precompileSecurity) for exactly these kept
   * capabilities, base64: compiling costs init ~30 ms of every start and exec otherwise.
   * Used only when init would keep the same capabilities; never persisted.
   */
  seccompFilter?: { caps: string[]; bpf: string };
}

export interface SecurityRequest {
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  Privileged?: boolean | null;
  SecurityOpt?: string[] | null;
}

function parseBool(entry: string, v: string): boolean {
  if (['true', '1', 'yes'].includes(v.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(v.toLowerCase())) return false;
  throw errors.invalid('SecurityOpt', `"${entry}": expected no-new-privileges=true or no-new-privileges=false`);
}

/**
 * HostConfig fields -> what init applies. SecurityOpt entries understood:
 * "seccomp=unconfined", "seccomp=<profile JSON>" (the docker CLI sends the file's content),
 * "seccomp=default", "no-new-privileges[=true|false]"; "apparmor=…" and "label=…" are
 * accepted and ignored (Boxify uses neither). The old "key:value" spelling works too.
 * Defaults: Docker's 14 capabilities, the built-in seccomp profile, and no_new_privs ON
 * (stricter than Docker: setuid programs such as su or sudo do not gain privileges; pass
 * no-new-privileges=false for them). Privileged: every capability, seccomp unconfined,
 * no_new_privs off unless asked for.
 */
export function resolveSecurityOptions(req: SecurityRequest): SecurityOptions {
  const privileged = req.Privileged === true;
  const capabilities = resolveCapabilities({ capAdd: req.CapAdd, capDrop: req.CapDrop, privileged });
  let noNewPrivs: boolean | undefined;
  let seccomp: SecurityOptions['seccomp'] = 'default';

  if (req.SecurityOpt != null && !Array.isArray(req.SecurityOpt)) {
    throw errors.invalid('SecurityOpt', 'must be a list of strings such as ["no-new-privileges"]');
  }
  for (const entry of req.SecurityOpt ?? []) {
    if (typeof entry !== 'string') throw errors.invalid('SecurityOpt', `entries must be strings, got ${JSON.stringify(entry)}`);
    const m = /^([a-z-]+)(?:[=:]([\s\S]*))?$/.exec(entry.trimStart());
    const key = m?.[1];
    const value = m?.[2];
    if (key === 'no-new-privileges') {
      noNewPrivs = value === undefined ? true : parseBool(entry, value.trim());
    } else if (key === 'seccomp') {
      const v = (value ?? '').trim();
      if (v === 'unconfined') seccomp = 'unconfined';
      else if (v === 'default' || v === 'builtin') seccomp = 'default';
      else if (v.startsWith('{')) seccomp = parseDockerProfile(v);
      else {
        throw errors.invalid(
          'SecurityOpt',
          `"seccomp=${v.slice(0, 40)}": expected seccomp=unconfined or seccomp=<profile JSON> ` +
            '(the docker CLI reads the file for you: --security-opt seccomp=./profile.json)',
        );
      }
    } else if (key === 'apparmor' || key === 'label') {
      // not available here; asking for less confinement of a mechanism we lack is harmless
    } else {
      throw errors.invalid(
        'SecurityOpt',
        `unsupported option "${entry.slice(0, 60)}": use no-new-privileges[=true|false], seccomp=unconfined or seccomp=<profile JSON>`,
      );
    }
  }

  if (privileged) return { capabilities, noNewPrivs: noNewPrivs ?? false, seccomp: 'unconfined', privileged: true };
  // Compile once now so a profile too large for the kernel is a 400 at create, not a failed start.
  if (typeof seccomp === 'object') compileSeccomp(seccomp, { caps: capabilities });
  return { capabilities, noNewPrivs: noNewPrivs ?? true, seccomp };
}

/**
 * Loads what the security step needs from the host's filesystem (koffi and its native
 * binary, /proc/sys/kernel/cap_last_cap). boxify-init calls it before pivot_root; pass the
 * koffi module it already imported to share it. Import this module statically, too: a
 * dynamic import after pivot_root cannot find the files. Idempotent and cheap.
 */
export function preloadProcessSecurity(koffi?: unknown): void {
  preloadNative(koffi);
  lastCapability();
}

/** The BPF program for these options, or null when unconfined. */
export function seccompFilterFor(opts: SecurityOptions, caps: readonly string[] = opts.capabilities): Buffer | null {
  if (opts.seccomp === 'unconfined') return null;
  const profile = opts.seccomp === 'default' ? DEFAULT_PROFILE : opts.seccomp;
  return compileSeccomp(profile, { caps });
}

const compiled = new Map<string, string>();

/**
 * `opts` plus its seccomp filter compiled here, in the daemon (which runs as root on the same
 * host and kernel as init, so it keeps the same capabilities). Compiled filters are cached.
 */
export function precompileSecurity(opts: SecurityOptions): SecurityOptions {
  if (opts.seccomp === 'unconfined') return opts;
  const caps = grantableCapabilities(opts.capabilities, opts.privileged === true);
  const key = JSON.stringify([opts.seccomp, caps]);
  let bpf = compiled.get(key);
  if (bpf === undefined) {
    bpf = seccompFilterFor(opts, caps)!.toString('base64');
    if (compiled.size > 64) compiled.clear();
    compiled.set(key, bpf);
  }
  return { ...opts, seccompFilter: { caps, bpf } };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function validate(opts: SecurityOptions): void {
  if (!opts || !Array.isArray(opts.capabilities) || typeof opts.noNewPrivs !== 'boolean') {
    throw new BoxifyError('internal', 'security options must be {capabilities: string[], noNewPrivs: boolean, seccomp}');
  }
  for (const c of opts.capabilities) {
    if (!ALL_CAPABILITIES.includes(c)) throw errors.invalid('capabilities', `unknown capability "${c}"`);
  }
}

/**
 * The security step of boxify-init, synchronous, called on Node's main thread right before
 * execve (see the order at the top of this file). `user` is the container's user: a
 * {uid, gid, additionalGids} (groups and gid are set here too), or a bare uid when the
 * caller has already set the groups and gid. Returns the capabilities actually kept.
 * On error the process is half-confined: the caller must report and exit, never exec.
 */
export function applyProcessSecurity(opts: SecurityOptions, user: number | ProcessUser): string[] {
  validate(opts);
  if (process.geteuid?.() !== 0) {
    // After a setuid from root the permitted set is already gone (and the bounding set
    // cannot be dropped any more): the user change has to happen in here, with keepcaps.
    throw new BoxifyError(
      'internal',
      `security step: called as uid ${process.geteuid?.()}: call applyProcessSecurity while still root and pass it the user`,
    );
  }
  const caps = grantableCapabilities(opts.capabilities, opts.privileged === true);
  const pre = opts.seccompFilter;
  const filter = opts.seccomp === 'unconfined' ? null : pre && sameList(pre.caps, caps) ? Buffer.from(pre.bpf, 'base64') : seccompFilterFor(opts, caps);
  if (filter && !opts.noNewPrivs) installSeccomp(filter);
  const kept = applyCapabilities(caps, { noNewPrivs: opts.noNewPrivs, user, bestEffort: opts.privileged === true });
  if (filter && opts.noNewPrivs) installSeccomp(filter);
  return kept;
}
