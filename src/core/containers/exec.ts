// docker exec, and the CLI/TUI shell: processes entered into a running container with its
// own confinement (cgroup, namespaces, capabilities, seccomp, user). The registry keeps exec
// instances for the API's create/start/inspect sequence until their container is removed.
import path from 'node:path';
import crypto from 'node:crypto';
import type { ExecCreateRequest, ExecInspect } from '../api/types.js';
import { errors } from '../errors.js';
import { resolveContainerSecurity } from '../security/container.js';
import { enterCommand, type EnterTarget } from '../sys/enter.js';
import { initProgram } from '../sys/launcher.js';
import { guard, type ContainerRecord } from './record.js';
import type { ContainerRuntime } from './runtime.js';
import { processEnv } from './environment.js';
import { resolveUser, validateEnv } from './validate.js';

interface ExecRecord {
  id: string;
  containerId: string;
  req: ExecCreateRequest;
  running: boolean;
  exitCode: number | null;
  pid: number;
}

/** An exec'd process, ready to spawn: the caller spawns it and reports its PID and exit code. */
export interface PreparedExec {
  file: string;
  args: string[];
  env: Record<string, string>;
  tty: boolean;
  started: (pid: number) => void;
  finished: (code: number) => void;
}

export class ExecRegistry {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(private readonly rt: ContainerRuntime) {
    rt.addHooks({ beforeRemove: (rec) => this.forgetContainer(rec.id) });
  }

  /**
   * How to enter a running container with its own confinement: the same for docker exec
   * and for the CLI/TUI shell on a terminal of its own (GET /boxify/containers/{id}/nsenter),
   * including which node (the daemon's read-only one) and boxify-init run the entering process.
   */
  enterTarget(ref: string): EnterTarget & { user: string } {
    const r = this.rt.store.resolve(ref);
    guard.canExec(r);
    return { ...this.targetFor(r, { user: r.config.User, cwd: r.config.WorkingDir, tty: false, privileged: false }), user: r.config.User };
  }

  create(ref: string, req: ExecCreateRequest): { Id: string } {
    const r = this.rt.store.resolve(ref);
    guard.canExec(r);
    if (!req || !Array.isArray(req.Cmd) || req.Cmd.length === 0 || req.Cmd.some((c) => typeof c !== 'string')) {
      throw errors.invalid('Cmd', 'exec needs a command: a non-empty list of strings');
    }
    validateEnv(req.Env ?? [], 'Env');
    if (req.WorkingDir && !path.isAbsolute(req.WorkingDir)) throw errors.invalid('WorkingDir', 'must be an absolute path');
    const id = crypto.randomBytes(32).toString('hex');
    this.execs.set(id, { id, containerId: r.id, req, running: false, exitCode: null, pid: 0 });
    this.rt.d.events.emit('container', `exec_create: ${req.Cmd.join(' ')}`, r.id, { name: r.name, execID: id });
    return { Id: id };
  }

  inspect(id: string): ExecInspect {
    const e = this.get(id);
    return {
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode,
      Pid: e.pid,
      ContainerID: e.containerId,
      OpenStdin: !!e.req.AttachStdin,
      OpenStdout: e.req.AttachStdout !== false,
      OpenStderr: e.req.AttachStderr !== false,
      ProcessConfig: {
        tty: !!e.req.Tty,
        entrypoint: e.req.Cmd[0]!,
        arguments: e.req.Cmd.slice(1),
        privileged: !!e.req.Privileged,
        user: e.req.User ?? '',
      },
    };
  }

  /**
   * Prepares an exec'd process: the argv that joins the container's cgroup and namespaces,
   * and its environment. The caller spawns it (with pipes or a pseudo-terminal) and reports
   * the PID and the exit code, which is recorded before the client is told the stream ended.
   */
  prepare(id: string): PreparedExec {
    const e = this.get(id);
    if (e.running || e.exitCode !== null) throw errors.conflict(`exec ${id} has already been started`);
    const r = this.rt.store.resolve(e.containerId);
    guard.canExec(r);
    // cmd.env carries the exec spec for boxify-init; the command itself gets the target's env.
    const cmd = enterCommand(
      this.targetFor(r, {
        user: e.req.User || r.config.User,
        cwd: e.req.WorkingDir || r.config.WorkingDir,
        tty: !!e.req.Tty,
        execEnv: e.req.Env ?? [],
        privileged: !!e.req.Privileged,
      }),
      e.req.Cmd,
    );
    e.running = true;
    const events = this.rt.d.events;
    return {
      ...cmd,
      tty: !!e.req.Tty,
      started: (pid) => {
        e.pid = pid;
        events.emit('container', `exec_start: ${e.req.Cmd.join(' ')}`, r.id, { name: r.name, execID: id });
      },
      finished: (code) => {
        e.running = false;
        e.exitCode = code;
        events.emit('container', 'exec_die', r.id, { name: r.name, execID: id, exitCode: String(code) });
      },
    };
  }

  private get(id: string): ExecRecord {
    const e = this.execs.get(id);
    if (!e) throw errors.noSuchExec(id);
    return e;
  }

  private forgetContainer(containerId: string): void {
    for (const [eid, e] of this.execs) if (e.containerId === containerId) this.execs.delete(eid);
  }

  private targetFor(r: ContainerRecord, o: { user: string; cwd: string; tty: boolean; execEnv?: string[]; privileged: boolean }): EnterTarget {
    const { images, cgroups } = this.rt.d;
    // The container's own changes first: a user added inside it can be exec'd as.
    const layers = [...images.layerDirs(images.resolve(r.imageId)), path.join(this.rt.dir(r.id), 'upper')];
    const user = resolveUser(o.user, layers);
    const env = processEnv({ hostname: r.config.Hostname, tty: o.tty, home: user.home, containerEnv: r.config.Env, execEnv: o.execEnv });
    const version = cgroups.version;
    const sec = r.security ?? resolveContainerSecurity(r.hostConfig, { cgroupVersion: version });
    // `exec --privileged` lifts the confinement, as in Docker.
    const security = o.privileged ? resolveContainerSecurity({ Privileged: true }, { cgroupVersion: version }).security : sec.security;
    return {
      pid: r.state.pid,
      pidStartTime: r.state.pidStartTime,
      cgroupJoin: cgroups.joinFiles(r.id),
      cwd: o.cwd,
      uid: user.uid,
      gid: user.gid,
      additionalGids: user.additionalGids,
      env,
      security,
      rlimits: sec.rlimits,
      program: { node: this.rt.d.nodeBinary, init: initProgram() },
    };
  }
}
