// Entering a running container from the host (docker exec) with the container's own
// confinement: nsenter joins the PID, network, UTS and IPC namespaces of its PID 1 and forks
// (a PID namespace takes effect for children only); its child is `node boxify-init exec`,
// which still sees the host's filesystem (so node and koffi load), then joins the cgroup, the
// cgroup and mount namespaces and the root itself, drops capabilities, sets no_new_privs and
// seccomp like the container's command, and execs. See src/init/steps/enter.ts for why the
// mount namespace cannot be nsenter's job, and src/core/sys/init-protocol.ts for ExecSpec.
import { precompileSecurity, resolveSecurityOptions, type SecurityOptions } from '../security/index.js';
import { EXEC_SPEC_ENV, type ExecSpec, type InitRlimit } from './init-protocol.js';
import { initProgram } from './launcher.js';

export interface EnterTarget {
  /** Host PID of the container's PID 1. */
  pid: number;
  /** Its /proc/PID/stat start time, so a recycled PID is refused ('' or absent: not checked). */
  pidStartTime?: string;
  /** cgroup.procs files of the container's cgroup. */
  cgroupProcs: string[];
  /** Working directory inside the container (must exist). */
  cwd: string;
  uid?: number;
  gid?: number;
  additionalGids?: number[];
  /** The process's whole environment (KEY=VALUE); PATH in it is used to find the command. */
  env?: string[];
  /** The container's security options; absent: Docker's defaults. */
  security?: SecurityOptions;
  rlimits?: InitRlimit[];
}

/**
 * A single environment string may hold at most 32 pages (MAX_ARG_STRLEN, 128 KiB): an
 * ExecSpec carrying a huge custom seccomp profile would not fit.
 */
const MAX_SPEC_BYTES = 120 * 1024;

/**
 * The program, argv and environment that run `cmd` inside the container. The ExecSpec goes
 * in the environment (readable by root only, unlike argv); the command gets exactly
 * `target.env`, nothing of this environment.
 */
export function enterCommand(target: EnterTarget, cmd: string[]): { file: string; args: string[]; env: Record<string, string> } {
  const spec: ExecSpec = {
    pid: target.pid,
    pidStartTime: target.pidStartTime ?? '',
    cgroupProcs: target.cgroupProcs,
    process: {
      args: cmd,
      env: target.env ?? [],
      cwd: target.cwd || '/',
      uid: target.uid ?? 0,
      gid: target.gid ?? 0,
      additionalGids: target.additionalGids ?? [],
    },
    rlimits: target.rlimits ?? [],
    security: precompileSecurity(target.security ?? resolveSecurityOptions({})),
  };
  const json = JSON.stringify(spec);
  if (Buffer.byteLength(json) > MAX_SPEC_BYTES) {
    throw new Error(`exec: the exec spec is ${Buffer.byteLength(json)} bytes (most of it the seccomp profile); at most ${MAX_SPEC_BYTES} fit`);
  }
  return {
    file: 'nsenter',
    args: [`--target=${target.pid}`, '--pid', '--net', '--uts', '--ipc', '--', process.execPath, initProgram(), 'exec'],
    env: { PATH: process.env.PATH || '/usr/sbin:/usr/bin:/sbin:/bin', [EXEC_SPEC_ENV]: json },
  };
}
