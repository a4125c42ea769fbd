// Entering a running container from the host (docker exec, the CLI and TUI shells) with the
// container's own confinement. The daemon, or a client shell, runs `NODE boxify-init exec` in
// the host's namespaces with an ExecSpec in its environment; NODE is the daemon's read-only
// bind of node (src/core/sys/node-binary.ts). That process never enters the container's PID
// namespace itself: its main thread joins the cgroup and the other namespaces, takes on the
// container's user, capabilities and seccomp, and posix_spawns the command, which is the only
// process the container can see (src/init/steps/enter.ts has the order and the reasons).
import { precompileSecurity, resolveSecurityOptions, type SecurityOptions } from '../security/index.js';
import { EXEC_SPEC_ENV, type ExecSpec, type InitRlimit } from './init-protocol.js';

/** The program that enters: node and boxify-init's main.js (both host paths). */
export interface EnterProgram {
  node: string;
  init: string;
}

export interface EnterTarget {
  /** Host PID of the container's PID 1. */
  pid: number;
  /** Its /proc/PID/stat start time, so a recycled PID is refused ('' or absent: not checked). */
  pidStartTime?: string;
  /** Files that join the container's cgroup (ExecSpec.cgroupJoin). */
  cgroupJoin: string[];
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
  /** What runs the entering process; the daemon says which (its read-only node). */
  program: EnterProgram;
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
    cgroupJoin: target.cgroupJoin,
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
    file: target.program.node,
    // One V8 worker thread: on cgroup v2 the whole process joins the container's cgroup for
    // the moment of the spawn, and each thread counts against its pids.max.
    args: ['--v8-pool-size=1', target.program.init, 'exec'],
    env: { [EXEC_SPEC_ENV]: json },
  };
}
