// The persisted container record and its state machine. A container moves
// created -> running -> exited (-> running again on restart) and is removed from any state
// but running (unless forced). A running container may be paused (its cgroup frozen: still
// "running", with `paused` set); a restart policy holds an exited one in "restarting" while
// it waits to start it again. An illegal move is a conflict (HTTP 409).
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
  /** Its cgroup is frozen (docker pause); only while running. Absent in older records: false. */
  paused?: boolean;
  /**
   * A user stopped it (stop, or kill with its stop signal or SIGKILL): restart policies leave
   * it down, `unless-stopped` also across daemon restarts, until the next start.
   */
  stoppedByUser?: boolean;
}

export interface NetworkState {
  mode: 'bridge' | 'none';
  ip: string;
  prefixLength: number;
  gateway: string;
  mac: string;
  hostVeth: string;
}

/** State.Health as Docker shows it (kept in the record by the health monitor). */
export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
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
  /** Health of a container with a healthcheck, since its last start (supervision/health.ts). */
  health?: HealthState;
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
    paused: false,
    stoppedByUser: false,
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
    if (force) return;
    if (r.state.status === 'running' && r.state.paused) {
      throw errors.conflict(
        `You cannot remove a paused container ${r.id}. Unpause and then stop the container before attempting removal or force remove`,
      );
    }
    if (r.state.status === 'restarting') {
      throw errors.conflict(`You cannot remove a restarting container ${r.id}. Stop the container before attempting removal or force remove`);
    }
    if (r.state.status === 'running') {
      throw errors.conflict(
        `You cannot remove a running container ${r.id}. Stop the container before attempting removal or force remove`,
      );
    }
  },
  canExec(r: ContainerRecord): void {
    if (r.state.status === 'restarting') throw errors.conflict(`Container ${r.id} is restarting, wait until the container is running`);
    if (r.state.status !== 'running') throw errors.conflict(`Container ${r.id} is not running`);
    if (r.state.paused) throw errors.conflict(`Container ${r.id} is paused, unpause the container before exec`);
  },
  canAttach(r: ContainerRecord): void {
    if (r.state.paused) throw errors.conflict('You cannot attach to a paused container, unpause it first');
  },
  canPause(r: ContainerRecord): void {
    if (r.state.status === 'restarting') throw errors.conflict(`Container ${r.id} is restarting, wait until the container is running`);
    if (r.state.status !== 'running') throw errors.notRunning(r.id);
    if (r.state.paused) throw errors.conflict(`Container ${r.id} is already paused`);
  },
  canUnpause(r: ContainerRecord): void {
    if (r.state.status !== 'running' || !r.state.paused) throw errors.conflict(`Container ${r.id} is not paused`);
  },
};

/** The status the API shows: "paused" is a running container whose cgroup is frozen. */
export function apiStatus(r: ContainerRecord): ContainerStatus {
  return r.state.status === 'running' && r.state.paused ? 'paused' : r.state.status;
}

/** "Up 5 minutes", "Exited (0) 2 hours ago", "Created": the Status column of `docker ps`. */
export function humanStatus(r: ContainerRecord, now = Date.now()): string {
  const s = r.state;
  if (s.status === 'running') return `Up ${humanDuration(now - Date.parse(s.startedAt))}${s.paused ? ' (Paused)' : ''}`;
  if (s.status === 'restarting') return `Restarting (${s.exitCode}) ${humanDuration(now - Date.parse(s.finishedAt))} ago`;
  if (s.status === 'exited') {
    const ago = Date.parse(s.finishedAt);
    return `Exited (${s.exitCode}) ${humanDuration(now - ago)} ago`;
  }
  if (s.status === 'created') return 'Created';
  return s.status[0]!.toUpperCase() + s.status.slice(1);
}

export { humanDuration };
