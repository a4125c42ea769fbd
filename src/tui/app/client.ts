// The part of the daemon API the TUI uses. The real BoxifyClient (src/tui/client.ts) fits it
// structurally; tests pass a fake. Keeping the TUI on this narrow interface is what lets the
// components be rendered without a daemon.
import type {
  BoxifyStatsEntry,
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerSummary,
  ExecCreateRequest,
  ExecInspect,
  ImageSummary,
} from '../../core/api/types.js';
import type {
  EventMessage,
  Hijacked,
  ImageDeleteItem,
  ImagePruneResponse,
  JsonMessage,
  LogRecord,
  LogsOptions,
  NetworkSummary,
  NsenterInfo,
  VolumeSummary,
} from '../client.js';

export type { EventMessage, LogRecord, NetworkSummary, NsenterInfo, VolumeSummary };

export interface TuiClient {
  /** Shown in the header; the real client has it. */
  readonly socketPath?: string;
  listContainers(opts?: { all?: boolean }): Promise<ContainerSummary[]>;
  allStats(): Promise<BoxifyStatsEntry[]>;
  inspectContainer(ref: string): Promise<ContainerInspect>;
  createContainer(body: ContainerCreateRequest, name?: string): Promise<ContainerCreateResponse>;
  startContainer(ref: string): Promise<void>;
  stopContainer(ref: string, opts?: { timeout?: number; signal?: string }): Promise<void>;
  restartContainer(ref: string, opts?: { timeout?: number }): Promise<void>;
  killContainer(ref: string, signal?: string): Promise<void>;
  removeContainer(ref: string, opts?: { force?: boolean }): Promise<void>;
  logs(ref: string, opts?: LogsOptions): AsyncIterable<LogRecord>;
  top(ref: string): Promise<{ Titles: string[]; Processes: string[][] }>;
  events(opts?: { signal?: AbortSignal; since?: number; onOpen?: () => void }): AsyncIterable<EventMessage>;
  listImages(): Promise<ImageSummary[]>;
  pullImage(ref: string, opts?: { onProgress?: (m: JsonMessage) => void; signal?: AbortSignal }): Promise<void>;
  removeImage(ref: string, opts?: { force?: boolean }): Promise<ImageDeleteItem[]>;
  pruneImages(opts?: { all?: boolean }): Promise<ImagePruneResponse>;
  listVolumes(): Promise<VolumeSummary[]>;
  createVolume(name?: string): Promise<VolumeSummary>;
  removeVolume(name: string, opts?: { force?: boolean }): Promise<void>;
  pruneVolumes(opts?: { all?: boolean }): Promise<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>;
  listNetworks(): Promise<NetworkSummary[]>;
  createNetwork(name: string): Promise<{ Id: string }>;
  removeNetwork(ref: string): Promise<void>;
}

/** What the terminal needs to hand itself to a process in a container (the real client). */
export interface SessionClient {
  inspectContainer(ref: string): Promise<ContainerInspect>;
  execCreate(ref: string, body: ExecCreateRequest): Promise<{ Id: string }>;
  execStartAttach(execId: string, opts: { tty: boolean }): Promise<Hijacked>;
  execResize(execId: string, rows: number, cols: number): Promise<void>;
  execInspect(execId: string): Promise<ExecInspect>;
  attach(ref: string, opts?: { stdin?: boolean; stdout?: boolean; stderr?: boolean; detachKeys?: string }): Promise<Hijacked>;
  resize(ref: string, rows: number, cols: number): Promise<void>;
}
