// What the daemon hands boxify-init, and what init says back.
//
// The daemon starts:  sh-shim -> unshare --fork --pid --mount --uts --ipc --net -- node boxify-init SPEC.json
// with fd 3 = the sync pipe (init writes JSON lines to it) and fd 4 = the gate (init reads
// one byte from it before execve). init does every step up to execve, writes {"type":"ready"},
// then waits at the gate while the daemon wires the network; one byte "1" lets it exec,
// EOF makes it exit. fd 3 is close-on-exec, so a successful execve shows as EOF on the sync
// pipe; a failed one as {"type":"error"} first.
//
// `node boxify-init exec` is the second mode: a process entered into a running container
// (docker exec, the CLI and TUI shells). The daemon (or the client, for a shell on a terminal
// of its own) runs `NODE boxify-init exec` in the host's namespaces, NODE being the daemon's
// read-only bind of node, with the ExecSpec as JSON in the environment variable
// BOXIFY_EXEC_SPEC (never in argv, which every host user can read in /proc/PID/cmdline; the
// environment only root can). Its main thread joins the container's cgroup and namespaces and
// takes on its confinement, then spawns the command with posix_spawn (src/init/steps/enter.ts
// explains the order), waits for it and exits with its status. No sync pipe: failures go to
// stderr in Docker's wording, exit 127 (not found) or 126 (anything else).
import type { SecurityOptions } from '../security/index.js';

/** The environment variable that carries an ExecSpec to `boxify-init exec`. */
export const EXEC_SPEC_ENV = 'BOXIFY_EXEC_SPEC';

export interface InitMount {
  /** Absolute host path (bind) or a filesystem type's source (tmpfs). */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  type: 'bind' | 'tmpfs';
  readonly: boolean;
  /** For tmpfs, mount data such as "size=64m,mode=1777". */
  data?: string;
  /** tmpfs only: MS_NOEXEC (Docker's default for --tmpfs). */
  noexec?: boolean;
}

/** The credentials and command of the process init execs. */
export interface InitProcess {
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
}

export interface InitRlimit {
  /** Resource name as in prlimit ("nofile", "nproc", ...). */
  type: string;
  /** -1 = unlimited. Clamped by init to the hard limit it inherited. */
  soft: number;
  hard: number;
}

export interface InitSpec {
  /** Container ID, for messages. */
  id: string;
  rootfs: {
    /** Layer directories, bottom first (overlay lowerdir is given top first by init). */
    lowerDirs: string[];
    upperDir: string;
    workDir: string;
    /** Where init mounts the overlay (inside its own mount namespace only). */
    mergedDir: string;
    readonly: boolean;
  };
  hostname: string;
  /** Host files bind-mounted over /etc/hostname, /etc/hosts and /etc/resolv.conf. */
  etcFiles: { hostname: string; hosts: string; resolvConf: string };
  mounts: InitMount[];
  process: InitProcess;
  /** cgroup.procs files init writes its PID to just before execve (after setup, so Node's
   * own start-up memory is not charged to the container). */
  cgroupProcs: string[];
  /** Create a new cgroup namespace after joining the cgroup. */
  cgroupNamespace: boolean;
  rlimits: InitRlimit[];
  /**
   * Capabilities, no_new_privs and seccomp, applied as init's last step before execve.
   * Absent: Docker's defaults (never "unconfined" by omission).
   */
  security?: SecurityOptions;
  /** Docker's masked and read-only /proc and /sys paths (false for privileged containers; absent: true). */
  maskPaths?: boolean;
  /** fds 0-2 are a terminal: init makes it the controlling terminal of a new session. */
  tty?: boolean;
  /**
   * Sysctls init writes in the container's own namespaces after the network is wired, e.g.
   * net.ipv4.ping_group_range (validated by the daemon: namespaced names only).
   */
  sysctls?: Record<string, string>;
}

/** What `boxify-init exec` needs to enter a running container (see the top of this file). */
export interface ExecSpec {
  /** Host PID of the container's PID 1: its namespaces, cgroup namespace and root are joined. */
  pid: number;
  /** /proc/PID/stat start time of `pid` ('' = do not check), so a recycled PID is refused. */
  pidStartTime: string;
  /**
   * Host paths of the files that join the container's cgroup when "0" is written to them:
   * cgroup v1 `tasks` (only the writing thread moves), v2 `cgroup.procs` (the whole process).
   */
  cgroupJoin: string[];
  process: InitProcess;
  rlimits: InitRlimit[];
  security: SecurityOptions;
}

export type InitMessage =
  | { type: 'ready'; pid: number }
  | { type: 'error'; step: string; message: string; errno?: string; exitCode: number };
