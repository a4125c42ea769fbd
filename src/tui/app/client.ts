// The part of the daemon API the TUI uses. The real BoxifyClient (src/tui/client.ts) fits it
// structurally; tests pass a fake. Keeping the TUI on this narrow interface is what lets the
// components be rendered without a daemon.
import type {
  BoxifyStatsEntry,
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerSummary,
  ImageSummary,
} from '../../core/api/types.js';
import type { LogRecord, NsenterInfo } from '../client.js';

export type { LogRecord, NsenterInfo };

export interface TuiClient {
  /** Shown in the header; the real client has it. */
  readonly socketPath?: string;
  listContainers(opts?: { all?: boolean }): Promise<ContainerSummary[]>;
  allStats(): Promise<BoxifyStatsEntry[]>;
  listImages(): Promise<ImageSummary[]>;
  inspectContainer(ref: string): Promise<ContainerInspect>;
  createContainer(body: ContainerCreateRequest, name?: string): Promise<ContainerCreateResponse>;
  startContainer(ref: string): Promise<void>;
  stopContainer(ref: string, opts?: { timeout?: number; signal?: string }): Promise<void>;
  restartContainer(ref: string, opts?: { timeout?: number }): Promise<void>;
  killContainer(ref: string, signal?: string): Promise<void>;
  removeContainer(ref: string, opts?: { force?: boolean }): Promise<void>;
  logs(
    ref: string,
    opts?: { follow?: boolean; tail?: number | 'all'; timestamps?: boolean; signal?: AbortSignal },
  ): AsyncIterable<LogRecord>;
  nsenterInfo(ref: string): Promise<NsenterInfo>;
}
