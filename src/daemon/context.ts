// What every route module gets: the daemon's configuration and its core services.
import type { CgroupManager } from '../core/cgroups/types.js';
import type { ContainerManager } from '../core/containers/manager.js';
import type { EventBus } from '../core/events.js';
import type { ImageStore } from '../core/images/store.js';
import type { DaemonConfig } from './config.js';

export interface DaemonContext {
  config: DaemonConfig;
  containers: ContainerManager;
  images: ImageStore;
  cgroups: CgroupManager;
  events: EventBus;
  log: (msg: string) => void;
  startedAt: Date;
}
