// What the daemon hands boxify-init, and what init says back.
//
// The daemon starts:  sh-shim -> unshare --fork --pid --mount --uts --ipc --net -- node boxify-init SPEC.json
// with fd 3 = the sync pipe (init writes JSON lines to it) and fd 4 = the gate (init reads
// one byte from it before execve). init does every step up to execve, writes {"type":"ready"},
// then waits at the gate while the daemon wires the network; one byte "1" lets it exec,
// EOF makes it exit. fd 3 is close-on-exec, so a successful execve shows as EOF on the sync
// pipe; a failed one as {"type":"error"} first.

export interface InitMount {
  /** Absolute host path (bind) or a filesystem type's source (tmpfs). */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  type: 'bind' | 'tmpfs';
  readonly: boolean;
  /** For tmpfs, mount data such as "size=64m,mode=1777". */
  data?: string;
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
  process: {
    args: string[];
    env: string[];
    cwd: string;
    uid: number;
    gid: number;
    additionalGids: number[];
  };
  /** cgroup.procs files init writes its PID to just before execve (after setup, so Node's
   * own start-up memory is not charged to the container). */
  cgroupProcs: string[];
  /** Create a new cgroup namespace after joining the cgroup. */
  cgroupNamespace: boolean;
  /** [resource name as in prlimit, soft, hard] */
  rlimits: { type: string; soft: number; hard: number }[];
}

export type InitMessage =
  | { type: 'ready'; pid: number }
  | { type: 'error'; step: string; message: string; errno?: string; exitCode: number };
