// Docker's resource fields (Memory, MemorySwap, NanoCpus, CpuQuota/CpuPeriod, CpuShares,
// PidsLimit) as cgroup limits: one reading for create and for update, so the two cannot
// disagree about what a value means.
import os from 'node:os';
import type { HostConfig } from '../api/types.js';
import { UNLIMITED, type CgroupLimits } from '../cgroups/types.js';
import { cpuSharesToWeight } from '../config/cpu-weight.js';
import { errors } from '../errors.js';

/** Docker's floor: a smaller limit cannot even start a process. */
export const MIN_MEMORY = 6 * 1024 * 1024;

export type ResourceFields = Pick<HostConfig, 'Memory' | 'MemorySwap' | 'NanoCpus' | 'CpuQuota' | 'CpuPeriod' | 'CpuShares' | 'PidsLimit'>;

function optNumber(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw errors.invalid(field, `must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The cgroup limits `hc` asks for. Zero or absent means no limit (Docker's meaning); -1 for
 * MemorySwap and PidsLimit (and PidsLimit 0) means unlimited. `prefix` names the fields in
 * errors ("HostConfig" for create, "" for update's flat body).
 */
export function resourceLimits(hc: ResourceFields, prefix = 'HostConfig'): CgroupLimits {
  const f = (name: string) => (prefix ? `${prefix}.${name}` : name);
  const limits: CgroupLimits = {};
  const memory = optNumber(hc.Memory, f('Memory'));
  if (memory) {
    if (memory < MIN_MEMORY) throw errors.invalid(f('Memory'), 'Minimum memory limit allowed is 6MB');
    limits.memoryBytes = Math.floor(memory);
  }
  const swap = optNumber(hc.MemorySwap, f('MemorySwap'));
  if (swap && swap !== -1) {
    if (!memory) throw errors.invalid(f('MemorySwap'), 'You should always set the Memory limit when using Memoryswap limit');
    if (swap < memory) throw errors.invalid(f('MemorySwap'), 'Minimum memoryswap limit should be larger than memory limit, see usage');
    limits.memorySwapBytes = Math.floor(swap);
  } else if (swap === -1 && memory) {
    limits.memorySwapBytes = UNLIMITED;
  }
  const nano = optNumber(hc.NanoCpus, f('NanoCpus'));
  const quota = optNumber(hc.CpuQuota, f('CpuQuota'));
  const period = optNumber(hc.CpuPeriod, f('CpuPeriod'));
  if (nano && (quota || period)) {
    throw errors.invalid(f('NanoCpus'), 'conflicting options: NanoCpus (--cpus) and CpuQuota/CpuPeriod cannot both be set');
  }
  if (nano) {
    const cpus = os.availableParallelism();
    if (nano < 0.01e9 || nano > cpus * 1e9) {
      throw errors.invalid(f('NanoCpus'), `range of CPUs is from 0.01 to ${cpus}.00, as there are only ${cpus} CPUs available`);
    }
    limits.cpuPeriodUs = 100_000;
    limits.cpuQuotaUs = Math.round((nano / 1e9) * 100_000);
  } else if (quota && quota > 0) {
    if (quota < 1000) throw errors.invalid(f('CpuQuota'), 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
    if (period && (period < 1000 || period > 1_000_000)) throw errors.invalid(f('CpuPeriod'), 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
    limits.cpuQuotaUs = quota;
    limits.cpuPeriodUs = period || 100_000;
  }
  const shares = optNumber(hc.CpuShares, f('CpuShares'));
  if (shares) {
    if (shares < 2 || shares > 262144) throw errors.invalid(f('CpuShares'), 'must be between 2 and 262144');
    limits.cpuWeight = cpuSharesToWeight(shares);
  }
  const pids = optNumber(hc.PidsLimit, f('PidsLimit'));
  if (pids && pids > 0) limits.pidsMax = Math.floor(pids);
  return limits;
}
