// POST /containers/{id}/update: memory, memory+swap, CPU (shares, --cpus, quota/period), pids
// and the restart policy of an existing container. A running container gets the new limits
// in its cgroup at once; every container keeps them in its record for the next start, and
// inspect shows them. Docker's meaning of the body: 0 or absent leaves a value as it is.
import type { ContainerUpdateRequest, ContainerUpdateResponse, HostConfig } from '../api/types.js';
import { UNLIMITED, type CgroupLimits } from '../cgroups/types.js';
import { BoxifyError, errors } from '../errors.js';
import { parseRestartPolicy } from '../supervision/policy.js';
import { isRunning } from './record.js';
import { resourceLimits, type ResourceFields } from './resources.js';
import type { ContainerRuntime } from './runtime.js';

/** Fields of Docker's update body that Boxify cannot change: refused when set, never ignored. */
const UNSUPPORTED: (keyof ContainerUpdateRequest)[] = [
  'BlkioWeight', 'CpusetCpus', 'CpusetMems', 'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'KernelMemory',
  'KernelMemoryTCP', 'MemoryReservation', 'MemorySwappiness', 'OomKillDisable', 'CpuCount', 'CpuPercent',
  'BlkioWeightDevice', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'Devices',
  'DeviceCgroupRules', 'DeviceRequests', 'Ulimits',
];

const SUPPORTED = 'Memory, MemorySwap, NanoCpus (--cpus), CpuShares, CpuQuota, CpuPeriod, PidsLimit and RestartPolicy';

const isSet = (v: unknown) => v !== undefined && v !== null && v !== 0 && v !== '' && v !== false && !(Array.isArray(v) && v.length === 0);

export async function updateContainer(rt: ContainerRuntime, ref: string, body: ContainerUpdateRequest): Promise<ContainerUpdateResponse> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.invalid('body', 'must be a JSON object with the values to change');
  for (const k of UNSUPPORTED) {
    if (isSet(body[k])) throw errors.invalid(k, `Boxify cannot change ${k} of a container; update takes ${SUPPORTED}`);
  }
  const rec = rt.store.resolve(ref);
  if (rec.state.status === 'removing' || rec.state.status === 'dead') {
    throw errors.conflict(`Container ${rec.id} is marked for removal and cannot be "update"`);
  }
  const hc: HostConfig = { ...rec.hostConfig };
  const touched = { memory: false, cpu: false, pids: false };
  const num = (k: keyof ResourceFields) => {
    const v = body[k];
    if (v === undefined || v === null) return 0;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw errors.invalid(k, `must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  if (num('Memory') || num('MemorySwap')) {
    touched.memory = true;
    if (num('Memory')) hc.Memory = num('Memory');
    if (num('MemorySwap')) hc.MemorySwap = num('MemorySwap');
    const swap = hc.MemorySwap ?? 0;
    if (num('Memory') && !num('MemorySwap') && swap > 0 && num('Memory') > swap) {
      throw errors.invalid('Memory', 'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
  }
  if (num('NanoCpus')) {
    if (num('CpuQuota') || num('CpuPeriod')) throw errors.invalid('NanoCpus', 'conflicting options: NanoCpus (--cpus) and CpuQuota/CpuPeriod cannot both be set');
    touched.cpu = true;
    hc.NanoCpus = num('NanoCpus');
    delete hc.CpuQuota;
    delete hc.CpuPeriod;
  } else if (num('CpuQuota') || num('CpuPeriod')) {
    touched.cpu = true;
    if (num('CpuQuota')) hc.CpuQuota = num('CpuQuota');
    if (num('CpuPeriod')) hc.CpuPeriod = num('CpuPeriod');
    delete hc.NanoCpus;
  }
  if (num('CpuShares')) {
    touched.cpu = true;
    hc.CpuShares = num('CpuShares');
  }
  if (body.PidsLimit !== undefined && body.PidsLimit !== null) {
    touched.pids = true;
    hc.PidsLimit = num('PidsLimit') <= 0 ? 0 : num('PidsLimit');
  }
  if (body.RestartPolicy && (body.RestartPolicy as { Name?: unknown }).Name) {
    const policy = parseRestartPolicy(body.RestartPolicy, 'RestartPolicy');
    if (policy.Name !== 'no' && hc.AutoRemove) {
      throw errors.invalid('RestartPolicy', 'Restart policy cannot be updated because AutoRemove is enabled for the container');
    }
    hc.RestartPolicy = policy;
  }
  // A quota of -1 lifts it, as Docker's --cpu-quota -1.
  const quotaLifted = num('CpuQuota') === -1;
  if (quotaLifted) delete hc.CpuQuota;
  const limits: CgroupLimits = { ...resourceLimits(hc, ''), allowAllDevices: rec.limits.allowAllDevices };

  if (isRunning(rec) && (touched.memory || touched.cpu || touched.pids)) {
    const live = liveLimits(limits, touched);
    try {
      rt.d.cgroups.update(rec.id, live);
    } catch (e) {
      // What was written before the failure is put back.
      try {
        rt.d.cgroups.update(rec.id, liveLimits(rec.limits, touched));
      } catch {
        /* reported below */
      }
      throw refusal(e, rec.id);
    }
  }
  rec.hostConfig = hc;
  rec.limits = limits;
  rt.store.save(rec);
  rt.d.events.emit('container', 'update', rec.id, { name: rec.name, image: rec.imageRef });
  return { Warnings: [] };
}

/** Every limit of the touched groups, with "no limit" written out, so that a lifted limit is lifted in the cgroup too. */
function liveLimits(l: CgroupLimits, touched: { memory: boolean; cpu: boolean; pids: boolean }): CgroupLimits {
  const out: CgroupLimits = {};
  if (touched.memory) {
    out.memoryBytes = l.memoryBytes ?? UNLIMITED;
    if (l.memorySwapBytes !== undefined) out.memorySwapBytes = l.memorySwapBytes;
  }
  if (touched.cpu) {
    out.cpuWeight = l.cpuWeight ?? 100;
    out.cpuQuotaUs = l.cpuQuotaUs ?? UNLIMITED;
    out.cpuPeriodUs = l.cpuPeriodUs ?? 100_000;
  }
  if (touched.pids) out.pidsMax = l.pidsMax ?? UNLIMITED;
  return out;
}

/** A kernel refusal in words a user can act on. */
function refusal(e: unknown, id: string): BoxifyError {
  const code = ((e as { cause?: NodeJS.ErrnoException }).cause ?? (e as NodeJS.ErrnoException))?.code;
  if (code === 'EBUSY') {
    return new BoxifyError('conflict', `Cannot update container ${id}: the new memory limit is below what the container uses now and the kernel could not reclaim enough; raise the limit, or stop the container first`);
  }
  if (e instanceof BoxifyError && e.isUserError) return e;
  if (e instanceof BoxifyError && e.code === 'unavailable') return e;
  return new BoxifyError('internal', `Cannot update container ${id}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}
