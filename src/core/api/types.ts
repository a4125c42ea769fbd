// The API contract: request and response shapes of the Docker Engine API (v1.44) subset
// Boxify speaks, plus Boxify's own additions under /boxify/. The daemon's handlers and the
// typed client both import these, so the two cannot drift.

export const API_VERSION = '1.44';
export const MIN_API_VERSION = '1.24';

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

export interface HostConfig {
  Memory?: number;
  MemorySwap?: number;
  NanoCpus?: number;
  CpuShares?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  PidsLimit?: number | null;
  PortBindings?: Record<string, PortBinding[] | null> | null;
  Binds?: string[] | null;
  Mounts?: { Type?: string; Source?: string; Target?: string; ReadOnly?: boolean }[] | null;
  AutoRemove?: boolean;
  NetworkMode?: string;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
  ConsoleSize?: [number, number] | null;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  Privileged?: boolean;
  ReadonlyRootfs?: boolean;
  SecurityOpt?: string[] | null;
  Tmpfs?: Record<string, string> | null;
  Ulimits?: { Name: string; Soft: number; Hard: number }[] | null;
  Init?: boolean | null;
}

export interface ContainerConfig {
  Image?: string;
  Cmd?: string[] | string | null;
  Entrypoint?: string[] | string | null;
  Env?: string[] | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object> | null;
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string> | null;
  Hostname?: string;
  StopSignal?: string;
  StopTimeout?: number;
}

export interface ContainerCreateRequest extends ContainerConfig {
  HostConfig?: HostConfig;
  NetworkingConfig?: unknown;
}

/** POST /containers/{id}/update: Docker's Resources plus RestartPolicy (0/absent = unchanged). */
export interface ContainerUpdateRequest {
  Memory?: number;
  MemorySwap?: number;
  NanoCpus?: number;
  CpuShares?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  PidsLimit?: number | null;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
  // Accepted only when empty/zero (the docker CLI sends every field): Boxify cannot change these.
  BlkioWeight?: number;
  BlkioWeightDevice?: unknown[] | null;
  BlkioDeviceReadBps?: unknown[] | null;
  BlkioDeviceWriteBps?: unknown[] | null;
  BlkioDeviceReadIOps?: unknown[] | null;
  BlkioDeviceWriteIOps?: unknown[] | null;
  CpusetCpus?: string;
  CpusetMems?: string;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpuCount?: number;
  CpuPercent?: number;
  KernelMemory?: number;
  KernelMemoryTCP?: number;
  MemoryReservation?: number;
  MemorySwappiness?: number | null;
  OomKillDisable?: boolean | null;
  Devices?: unknown[] | null;
  DeviceCgroupRules?: string[] | null;
  DeviceRequests?: unknown[] | null;
  Ulimits?: unknown[] | null;
}

export interface ContainerUpdateResponse {
  Warnings: string[];
}

export interface ContainerCreateResponse {
  Id: string;
  Warnings: string[];
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
}

export interface EndpointSettings {
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  MacAddress: string;
}

export interface NetworkSettings {
  Ports: Record<string, PortBinding[] | null>;
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  Networks: Record<string, EndpointSettings>;
}

export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface ContainerInspect {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerState;
  Image: string;
  Name: string;
  RestartCount: number;
  Driver: string;
  Platform: string;
  LogPath: string;
  HostConfig: HostConfig;
  Config: ContainerConfig & { Image: string; Env: string[]; Cmd: string[]; Labels: Record<string, string> };
  NetworkSettings: NetworkSettings;
  Mounts: MountPoint[];
}

export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: PortSummary[];
  Labels: Record<string, string>;
  State: ContainerStatus;
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Record<string, EndpointSettings> };
  Mounts: MountPoint[];
}

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize?: number;
  Labels: Record<string, string>;
  Containers: number;
}

export interface CpuStats {
  cpu_usage: { total_usage: number; usage_in_kernelmode: number; usage_in_usermode: number; percpu_usage?: number[] };
  system_cpu_usage: number;
  online_cpus: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface ContainerStats {
  read: string;
  preread: string;
  name: string;
  id: string;
  num_procs: number;
  pids_stats: { current: number; limit?: number };
  blkio_stats: { io_service_bytes_recursive: { major: number; minor: number; op: string; value: number }[] | null };
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: { usage: number; limit: number; max_usage?: number; stats: Record<string, number>; failcnt?: number };
  networks?: Record<string, { rx_bytes: number; rx_packets: number; rx_errors: number; rx_dropped: number; tx_bytes: number; tx_packets: number; tx_errors: number; tx_dropped: number }>;
}

/** Boxify addition: GET /boxify/stats, one sample of every running container at once. */
/**
 * Boxify's addition to GET /containers/{id}/logs: a response header with how many records
 * matched before `tail` cut them (docker clients ignore it).
 */
export const LOG_COUNT_HEADER = 'Boxify-Log-Records';

export interface BoxifyStatsEntry {
  id: string;
  name: string;
  /** CPU % since the previous sample the daemon took (100 = one full core). */
  cpuPercent: number;
  memoryUsage: number;
  memoryLimit: number;
  pids: number;
  netRx: number;
  netTx: number;
  /** Bytes read from and written to block devices since the container started. */
  blkRead?: number;
  blkWrite?: number;
}

export interface ExecCreateRequest {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
  Env?: string[] | null;
  Cmd: string[];
  User?: string;
  WorkingDir?: string;
  Privileged?: boolean;
  DetachKeys?: string;
}

export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  ContainerID: string;
  OpenStdin: boolean;
  OpenStdout: boolean;
  OpenStderr: boolean;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user: string };
}

export interface VersionResponse {
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
  GitCommit: string;
  GoVersion: string;
  BuildTime: string;
  Platform: { Name: string };
  Components: { Name: string; Version: string; Details: Record<string, string> }[];
}

export interface WaitResponse {
  StatusCode: number;
  Error: { Message: string } | null;
}

export interface ErrorResponse {
  message: string;
}
