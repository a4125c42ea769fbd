// The persisted container record and its state machine. A container moves
// created -> running -> exited (-> running again on restart) and is removed from any state
// but running (unless forced). An illegal move is a conflict (HTTP 409).
import type { ContainerStatus, HostConfig } from '../api/types.js';
import type { CgroupLimits } from '../cgroups/types.js';
import { humanDuration } from '../duration.js';
import { errors } from '../errors.js';
import type { PublishedPort } from '../network/ports.js';
import type { ResolvedMount } from '../volumes/index.js';
import type { ContainerSecurity } from '../security/container.js';

export interface NormalizedConfig {
  Image: string;
  Cmd: string[];
  Entrypoint: string[];
  Env: string[];
  WorkingDir: string;
  User: string;
  Hostname: string;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Labels: Record<string, string>;
  ExposedPorts: Record<string, object>;
  StopSignal: string;
  StopTimeout: number;
}

export interface RunState {
  status: ContainerStatus;
  /** Host PID of the container's PID 1 while running, else 0. */
  pid: number;
  /** PID of the shim that waits for it (not ours after a daemon restart). */
  shimPid: number;
  /** /proc/PID/stat start time of `pid`, so a recycled PID is never mistaken for it. */
  pidStartTime: string;
  exitCode: number;
  oomKilled: boolean;
  error: string;
  startedAt: string;
  finishedAt: string;
  /** OOM kill count of the cgroup when the container started. */
  oomKillsAtStart: number;
}

export interface NetworkState {
  mode: 'bridge' | 'none';
  ip: string;
  prefixLength: number;
  gateway: string;
  mac: string;
  hostVeth: string;
}

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  imageRef: string;
  imageId: string;
  /** The command as run: entrypoint + cmd, resolved against the image config. */
  path: string;
  args: string[];
  config: NormalizedConfig;
  hostConfig: HostConfig;
  limits: CgroupLimits;
  network: NetworkState;
  state: RunState;
  restartCount: number;
  /** Binds, volumes and tmpfs mounts, resolved once at create. */
  mounts: ResolvedMount[];
  /** Named and anonymous volumes the container uses (a volume in use cannot be removed). */
  volumes: string[];
  /** Volumes made for this container alone, removed with `rm -v` or --rm. */
  anonymousVolumes: string[];
  /** Host ports published while it runs. */
  ports: PublishedPort[];
  /**
   * Capabilities, seccomp, no_new_privs, rlimits, --tmpfs, masked paths: resolved from the
   * HostConfig at create (absent in records made before; start resolves it then).
   */
  security?: ContainerSecurity;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function initialState(): RunState {
  return {
    status: 'created',
    pid: 0,
    shimPid: 0,
    pidStartTime: '',
    exitCode: 0,
    oomKilled: false,
    error: '',
    startedAt: ZERO_TIME,
    finishedAt: ZERO_TIME,
    oomKillsAtStart: 0,
  };
}

export function isRunning(r: ContainerRecord): boolean {
  return r.state.status === 'running';
}

/** Guards: each returns normally when the move is legal, else throws the error Docker gives. */
export const guard = {
  canStart(r: ContainerRecord): 'start' | 'already-running' {
    if (r.state.status === 'running') return 'already-running';
    if (r.state.status === 'removing' || r.state.status === 'dead') {
      throw errors.conflict(`container ${r.name} is being removed or dead: it cannot be started`);
    }
    return 'start';
  },
  canSignal(r: ContainerRecord): void {
    if (r.state.status !== 'running') throw errors.notRunning(r.id);
  },
  canRemove(r: ContainerRecord, force: boolean): void {
    if (r.state.status === 'running' && !force) {
      throw errors.conflict(
        `You cannot remove a running container ${r.id}. Stop the container before attempting removal or force remove`,
      );
    }
  },
  canExec(r: ContainerRecord): void {
    if (r.state.status !== 'running') throw errors.conflict(`Container ${r.id} is not running`);
  },
};

/** "Up 5 minutes", "Exited (0) 2 hours ago", "Created": the Status column of `docker ps`. */
export function humanStatus(r: ContainerRecord, now = Date.now()): string {
  const s = r.state;
  if (s.status === 'running') return `Up ${humanDuration(now - Date.parse(s.startedAt))}`;
  if (s.status === 'exited') {
    const ago = Date.parse(s.finishedAt);
    return `Exited (${s.exitCode}) ${humanDuration(now - ago)} ago`;
  }
  if (s.status === 'created') return 'Created';
  return s.status[0]!.toUpperCase() + s.status.slice(1);
}

export { humanDuration };
