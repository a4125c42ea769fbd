// What the parts of the container lifecycle share: the daemon's services (ManagerDeps), the
// record store, and the state the daemon holds for containers while it runs (never
// persisted): live output readers, attach streams, waiters, per-container locks, and the
// hooks other capabilities (supervision, health) register at named points of the lifecycle.
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { CgroupManager } from '../cgroups/types.js';
import type { EventBus } from '../events.js';
import type { ImageStore } from '../images/store.js';
import type { BridgeNetwork } from '../network/bridge.js';
import type { PortPublisher } from '../network/ports.js';
import type { VolumeStore } from '../volumes/index.js';
import { ContainerIO } from './io.js';
import { KeyedLock } from './locks.js';
import type { LogWriter } from './logs.js';
import type { ContainerRecord } from './record.js';
import { ContainerStore } from './store.js';
import { Waiters } from './waiters.js';

export interface ManagerDeps {
  /** State root, e.g. /var/lib/boxify. */
  root: string;
  images: ImageStore;
  cgroups: CgroupManager;
  network: BridgeNetwork;
  events: EventBus;
  ports: PortPublisher;
  volumes: VolumeStore;
  /** The read-only node binary boxify-init and exec helpers run from (src/core/sys/node-binary.ts). */
  nodeBinary: string;
  log: (msg: string) => void;
}

/** What the daemon holds for a running container (never persisted). */
export interface Live {
  shim?: ChildProcess;
  writer: LogWriter;
  /** Output sources being logged: the stdout/stderr FIFOs, or the terminal's master end. */
  readers: Readable[];
  /** Polls a re-adopted container whose shim is not our child. */
  poll?: NodeJS.Timeout;
  exiting: boolean;
}

/** How a container ended, as the lifecycle recorded it. */
export interface ExitInfo {
  exitCode: number;
  oomKilled: boolean;
}

/**
 * Named points of the lifecycle where other capabilities act. Each hook is awaited in
 * registration order; a hook that throws is logged and does not stop the lifecycle.
 */
export interface LifecycleHooks {
  /** The container's command runs (after its record says so). */
  afterStart?(rec: ContainerRecord): void | Promise<void>;
  /** The container ended and its record says so; waiters have been woken. */
  onExit?(rec: ContainerRecord, exit: ExitInfo): void | Promise<void>;
  /** The container is about to be removed (its record still exists). */
  beforeRemove?(rec: ContainerRecord): void | Promise<void>;
}

export const EXIT_FILE = 'exit';
export const LOG_FILE = 'container-json.log';

export class ContainerRuntime {
  readonly store: ContainerStore;
  readonly live = new Map<string, Live>();
  readonly waiters = new Waiters();
  readonly locks = new KeyedLock();
  private readonly ios = new Map<string, ContainerIO>();
  private readonly hooks: LifecycleHooks[] = [];

  constructor(readonly d: ManagerDeps) {
    this.store = new ContainerStore(path.join(d.root, 'containers'));
  }

  dir(id: string): string {
    return this.store.containerDir(id);
  }

  logPath(id: string): string {
    return path.join(this.dir(id), LOG_FILE);
  }

  /** The container's attach streams, made on first use (clients may attach before start). */
  io(id: string): ContainerIO {
    let io = this.ios.get(id);
    if (!io) {
      io = new ContainerIO();
      this.ios.set(id, io);
    }
    return io;
  }

  existingIo(id: string): ContainerIO | undefined {
    return this.ios.get(id);
  }

  forgetIo(id: string): void {
    this.ios.delete(id);
  }

  addHooks(h: LifecycleHooks): void {
    this.hooks.push(h);
  }

  async runHooks<K extends keyof LifecycleHooks>(point: K, ...args: Parameters<NonNullable<LifecycleHooks[K]>>): Promise<void> {
    for (const h of this.hooks) {
      const fn = h[point] as ((...a: unknown[]) => void | Promise<void>) | undefined;
      if (!fn) continue;
      try {
        await fn.apply(h, args);
      } catch (e) {
        this.d.log(`${point} hook: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}
