// The one cgroup interface. Two backends implement it (v2: unified hierarchy; v1: legacy
// and hybrid hosts), chosen once by probing in ./index.ts. Every container cgroup lives
// below the daemon's own cgroup, under a per-daemon "instance" directory, never at the root
// of a hierarchy, and no process other than the container's own is ever moved.

/** A limit value that lifts the limit (memory, swap, CPU quota, pids): "max" on v2, -1 on v1. */
export const UNLIMITED = -1;

/**
 * Limits in the kernel's own units. Absent means "leave as it is" (at create: no limit /
 * default); UNLIMITED lifts a limit that was set (docker update --pids-limit -1).
 */
export interface CgroupLimits {
  /** memory.max (v2) / memory.limit_in_bytes (v1), bytes. */
  memoryBytes?: number;
  /**
   * Memory plus swap, Docker's MemorySwap: memory.memsw.limit_in_bytes (v1), memory.max +
   * memory.swap.max (v2). Absent while memoryBytes is set: no swap at all (memsw = memory).
   */
  memorySwapBytes?: number;
  /** CPU weight on the v2 scale 1..10000 (default 100). v1 maps it to cpu.shares. */
  cpuWeight?: number;
  /** CPU bandwidth: quota and period in microseconds (docker --cpus 0.5 = 50000/100000). */
  cpuQuotaUs?: number;
  cpuPeriodUs?: number;
  /** pids.max. */
  pidsMax?: number;
  /**
   * Device access: false/absent = Docker's allowlist (v1 devices controller; v2 has no
   * device program here, see the README's Security section); true = every device (--privileged).
   */
  allowAllDevices?: boolean;
}

export interface CgroupStats {
  /** Total CPU time in nanoseconds, and its split. */
  cpuUsageNs: number;
  cpuUserNs: number;
  cpuSystemNs: number;
  throttling: { periods: number; throttledPeriods: number; throttledTimeNs: number };
  /** Memory charged to the cgroup, bytes (memory.current / memory.usage_in_bytes). */
  memoryUsage: number;
  /** The limit in bytes, or null when unlimited. */
  memoryLimit: number | null;
  /** memory.stat as numbers (v1: the file's own keys, e.g. total_inactive_file). */
  memoryStat: Record<string, number>;
  /** Page cache that can be dropped: inactive_file (v2) / total_inactive_file (v1). */
  inactiveFile: number;
  /** Number of OOM kills in this cgroup. */
  oomKills: number;
  pidsCurrent: number;
  /** null when unlimited. */
  pidsLimit: number | null;
  /** Block I/O bytes, Docker's io_service_bytes_recursive shape. */
  ioServiceBytes: { major: number; minor: number; op: string; value: number }[];
}

/**
 * The figures a live view refreshes every second, cheaply. The `detail` ones (page cache,
 * limit, block I/O) change slowly or cost more to read: they are only read when asked for.
 */
export interface CgroupSample {
  cpuUsageNs: number;
  memoryUsage: number;
  pidsCurrent: number;
  detail?: {
    inactiveFile: number;
    memoryLimit: number | null;
    ioReadBytes: number;
    ioWriteBytes: number;
  };
}

export interface CgroupManager {
  readonly version: 1 | 2;
  /** Create (idempotently) the cgroup for `name` with these limits. */
  create(name: string, limits: CgroupLimits): void;
  /** Change limits of an existing cgroup. */
  update(name: string, limits: CgroupLimits): void;
  /**
   * The `cgroup.procs` files a process writes its own PID into to join this cgroup
   * (one on v2, one per mounted controller on v1). boxify-init does this itself.
   */
  procsFiles(name: string): string[];
  /**
   * The files a process from outside writes "0" into to enter the cgroup for as short a time
   * as possible (boxify-init exec): v1 `tasks`, which moves only the writing thread, so a
   * multi-threaded helper counts as one task; v2 `cgroup.procs` (the whole process: v2 has
   * per-thread membership only in threaded subtrees).
   */
  joinFiles(name: string): string[];
  /** Move a process (one the container already owns, e.g. an exec) into the cgroup. */
  addProcess(name: string, pid: number): void;
  /** PIDs (host view) currently in the cgroup. */
  pids(name: string): number[];
  stats(name: string): CgroupStats;
  /** The live figures (the all-containers view); null when the cgroup is gone. */
  sample?(name: string, detail: boolean): CgroupSample | null;
  /**
   * Freezes every process of the cgroup (docker pause): resolves once the kernel reports the
   * whole cgroup frozen (v1 freezer.state FROZEN, v2 cgroup.events "frozen 1"); a cgroup
   * that cannot be frozen in time is thawed again and the call throws.
   */
  freeze(name: string): Promise<void>;
  /** Thaws a frozen cgroup (docker unpause); fine on one that is not frozen. */
  thaw(name: string): Promise<void>;
  /** True when the cgroup is frozen or freezing (false when it does not exist). */
  frozen(name: string): boolean;
  /** Kill what is left in the cgroup (SIGKILL) and remove it, on every hierarchy. */
  remove(name: string): Promise<void>;
  /** Names of container cgroups that exist (for collecting leftovers after a crash). */
  list(): string[];
  /** Remove the per-daemon instance directory itself when it is empty. */
  removeInstance(): void;
}
