// The container manager: the one entry point the daemon's routes call. It holds no
// lifecycle logic of its own; each operation lives in a module of this folder:
//
//   create.ts     request -> validated, persisted record
//   start.ts      cgroup, address, /etc files, ports, stdio, boxify-init (via ../sys/launcher)
//   stdio.ts      the container's stdin/stdout/stderr, logging, attach streams
//   exit.ts       what happens when a container exits (one function)
//   stop.ts       stop, kill, restart
//   pause.ts      pause and unpause (the cgroup freezer)
//   update.ts     live changes of limits and restart policy
//   remove.ts     remove and what goes with a container
//   recovery.ts   daemon start (re-adopt, collect leftovers) and stop
//   exec.ts       docker exec and the CLI/TUI shell
//   views.ts      ps and inspect shapes;  stats.ts  live figures and top
//   runtime.ts    what these share, and the lifecycle hooks other capabilities register
//
// Operations on one container are serialised (start, stop, restart, remove); others run
// concurrently.
import type {
  BoxifyStatsEntry,
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerSummary,
  ContainerUpdateRequest,
  ContainerUpdateResponse,
  ExecCreateRequest,
  ExecInspect,
} from '../api/types.js';
import type { StatsSample } from '../stats.js';
import type { EnterTarget } from '../sys/enter.js';
import { errors } from '../errors.js';
import { createContainer } from './create.js';
import { ExecRegistry, type PreparedExec } from './exec.js';
import type { ContainerIO } from './io.js';
import { isRunning, type ContainerRecord } from './record.js';
import { detachAll, recoverContainers, removeAll } from './recovery.js';
import { pauseContainer, unpauseContainer } from './pause.js';
import { removeContainer } from './remove.js';
import { ContainerRuntime, type LifecycleHooks, type ManagerDeps } from './runtime.js';
import { startContainer } from './start.js';
import { ContainerStats } from './stats.js';
import { killContainer, stopContainer } from './stop.js';
import { updateContainer } from './update.js';
import type { ContainerStore } from './store.js';
import { validateName } from './validate.js';
import { containerInspect, containerSummary } from './views.js';
import type { WaitCondition } from './waiters.js';

export type { ManagerDeps, LifecycleHooks };

export class ContainerManager {
  private readonly rt: ContainerRuntime;
  private readonly stats: ContainerStats;
  private readonly execs: ExecRegistry;

  constructor(d: ManagerDeps) {
    this.rt = new ContainerRuntime(d);
    this.stats = new ContainerStats(d.cgroups);
    this.execs = new ExecRegistry(this.rt);
    this.rt.addHooks({ onExit: (rec) => this.stats.forget(rec.id) });
  }

  get store(): ContainerStore {
    return this.rt.store;
  }

  /** Registers what another capability (restart policies, health checks) does at lifecycle points. */
  addHooks(h: LifecycleHooks): void {
    this.rt.addHooks(h);
  }

  recover(): Promise<void> {
    return recoverContainers(this.rt);
  }

  create(body: ContainerCreateRequest, requestedName?: string): Promise<ContainerCreateResponse> {
    return createContainer(this.rt, body, requestedName);
  }

  /** A start by a user: the restart policy's count begins again (as Docker's RestartCount). */
  start(ref: string): Promise<'started' | 'already-running'> {
    const rec = this.rt.store.resolve(ref);
    return this.rt.locks.run(rec.id, async () => {
      if (rec.state.status !== 'running') rec.restartCount = 0;
      return startContainer(this.rt, rec.id);
    });
  }

  stop(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<'stopped' | 'not-running'> {
    const rec = this.rt.store.resolve(ref);
    return this.rt.locks.run(rec.id, () => stopContainer(this.rt, rec.id, opts));
  }

  kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    return killContainer(this.rt, ref, signal);
  }

  /** Stop then start under one lock, so nothing else runs in between (a start by a user). */
  async restart(ref: string, timeout?: number): Promise<void> {
    const rec = this.rt.store.resolve(ref);
    await this.rt.locks.run(rec.id, async () => {
      await stopContainer(this.rt, rec.id, { timeout });
      rec.restartCount = 0;
      await startContainer(this.rt, rec.id);
    });
  }

  pause(ref: string): Promise<void> {
    const rec = this.rt.store.resolve(ref);
    return this.rt.locks.run(rec.id, () => pauseContainer(this.rt, rec.id));
  }

  unpause(ref: string): Promise<void> {
    const rec = this.rt.store.resolve(ref);
    return this.rt.locks.run(rec.id, () => unpauseContainer(this.rt, rec.id));
  }

  update(ref: string, body: ContainerUpdateRequest): Promise<ContainerUpdateResponse> {
    const rec = this.rt.store.resolve(ref);
    return this.rt.locks.run(rec.id, () => updateContainer(this.rt, rec.id, body));
  }

  /** Resolves with the exit code when the condition is met. Registered before it returns. */
  wait(ref: string, condition: WaitCondition = 'not-running'): Promise<number> {
    const rec = this.rt.store.resolve(ref);
    if (condition === 'not-running' && !isRunning(rec)) return Promise.resolve(rec.state.exitCode);
    return this.rt.waiters.add(rec.id, condition);
  }

  remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    return removeContainer(this.rt, ref, opts);
  }

  rename(ref: string, newName: string): void {
    const rec = this.rt.store.resolve(ref);
    const name = validateName(newName);
    const other = this.rt.store.byName(name);
    if (other && other.id !== rec.id) throw errors.nameInUse(name, other.id);
    rec.name = name;
    this.rt.store.save(rec);
    this.rt.d.events.emit('container', 'rename', rec.id, { name });
  }

  // ---------------------------------------------------------------- views

  resolve(ref: string): ContainerRecord {
    return this.rt.store.resolve(ref);
  }

  io(id: string): ContainerIO {
    return this.rt.io(id);
  }

  volumeInUse(name: string): boolean {
    return this.rt.store.all().some((r) => r.volumes?.includes(name));
  }

  /** The short ID of a container made from the image, or false: rmi names it as Docker does. */
  imageInUse(imageId: string): string | false {
    return this.rt.store.all().find((r) => r.imageId === imageId)?.id.slice(0, 12) ?? false;
  }

  logPath(id: string): string {
    return this.rt.logPath(id);
  }

  list(all: boolean): ContainerSummary[] {
    return this.rt.store
      .all()
      .filter((r) => all || isRunning(r))
      .sort((a, b) => b.created.localeCompare(a.created))
      .map(containerSummary);
  }

  inspect(ref: string): ContainerInspect {
    const r = this.rt.store.resolve(ref);
    return containerInspect(r, this.rt.logPath(r.id));
  }

  // ---------------------------------------------------------------- stats

  sample(ref: string): StatsSample {
    return this.stats.sample(this.rt.store.resolve(ref));
  }

  dockerStats(ref: string, cur: StatsSample, prev?: StatsSample) {
    return this.stats.docker(this.rt.store.resolve(ref), cur, prev);
  }

  /** One sample of every running container, CPU % since the previous call's sample. */
  allStats(): BoxifyStatsEntry[] {
    return this.stats.all(this.rt.store.all());
  }

  top(ref: string): { Titles: string[]; Processes: string[][] } {
    return this.stats.top(this.rt.store.resolve(ref));
  }

  // ---------------------------------------------------------------- exec

  enterTarget(ref: string): EnterTarget & { user: string } {
    return this.execs.enterTarget(ref);
  }

  execCreate(ref: string, req: ExecCreateRequest): { Id: string } {
    return this.execs.create(ref, req);
  }

  execInspect(id: string): ExecInspect {
    return this.execs.inspect(id);
  }

  execPrepare(id: string): PreparedExec {
    return this.execs.prepare(id);
  }

  // ---------------------------------------------------------------- daemon stop, cleanup

  /** Daemon stop: containers keep running; stop reading their output. */
  detachAll(): Promise<void> {
    return detachAll(this.rt);
  }

  /** `boxifyd cleanup`: kill and remove every container of this state root. */
  removeAll(): Promise<void> {
    return removeAll(this.rt);
  }
}
