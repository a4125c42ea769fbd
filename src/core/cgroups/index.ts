// Opens Boxify's cgroup layer: probes the host once (cgroup v2 or v1/hybrid) and returns the
// matching backend behind the one CgroupManager interface. The cgroup root and the content
// of /proc/self/cgroup are parameters so unit tests run against a fixture directory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BoxifyError } from '../errors.js';
import type { CgroupManager } from './types.js';
import { checkCgroupName, parseProcSelfCgroup } from './parse.js';
import { V1Manager } from './v1/manager.js';
import { ownV2Path, V2Manager } from './v2/manager.js';

export type { CgroupLimits, CgroupManager, CgroupStats } from './types.js';
export { UNLIMITED } from './types.js';
export {
  checkLimits,
  parseBlkio,
  parseFlatKeyed,
  parseIoStat,
  parseMax,
  parseProcSelfCgroup,
  parseV1MemoryLimit,
  sharesFromWeight,
  weightFromShares,
} from './parse.js';
export type { ProcSelfCgroup } from './parse.js';
export { findV1Hierarchies, V1Manager } from './v1/manager.js';
export { DAEMON_LEAF, ownV2Path, V2Manager } from './v2/manager.js';

export const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';
/** statfs f_type of a cgroup2 mount. */
export const CGROUP2_SUPER_MAGIC = 0x63677270;

/**
 * 2 when `fsRoot` is a cgroup2 mount (statfs magic), or has a top-level cgroup.controllers
 * file (only cgroup2 has one; this is also what makes a fixture directory look like v2);
 * otherwise 1 (legacy, or hybrid: a tmpfs holding per-controller v1 mounts).
 */
export function probeCgroupVersion(fsRoot: string): 1 | 2 {
  let type: number;
  try {
    type = fs.statfsSync(fsRoot).type;
  } catch (err) {
    throw new BoxifyError('unavailable', `cannot read the cgroup filesystem at ${fsRoot}: ${(err as Error).message}: mount cgroup2 there (mount -t cgroup2 none ${fsRoot})`, { cause: err });
  }
  if (type === CGROUP2_SUPER_MAGIC) return 2;
  return fs.existsSync(path.join(fsRoot, 'cgroup.controllers')) ? 2 : 1;
}

export function openCgroups(opts: { instance: string; fsRoot?: string; procSelfCgroup?: string }): CgroupManager {
  checkCgroupName('cgroup instance', opts.instance);
  const fsRoot = opts.fsRoot ?? DEFAULT_CGROUP_ROOT;
  const self = parseProcSelfCgroup(opts.procSelfCgroup ?? fs.readFileSync('/proc/self/cgroup', 'utf8'));
  const version = probeCgroupVersion(fsRoot);
  if (version === 2) {
    if (self.unified === undefined) {
      throw new BoxifyError('unavailable', `${fsRoot} is cgroup v2 but /proc/self/cgroup has no "0::" line`);
    }
    return new V2Manager({ fsRoot, instance: opts.instance, own: ownV2Path(self.unified) });
  }
  return new V1Manager({ fsRoot, instance: opts.instance, selfPaths: self.controllers });
}
