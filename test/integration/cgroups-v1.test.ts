// cgroup v1 backend on the real kernel (legacy or hybrid host), as root.
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openCgroups, probeCgroupVersion, V1Manager } from '../../src/core/cgroups/index.js';
import { registerChecks, uniqueInstance } from './cgroups-checks.js';

const reason =
  process.getuid?.() !== 0
    ? 'needs root'
    : probeCgroupVersion('/sys/fs/cgroup') !== 1
      ? '/sys/fs/cgroup is cgroup v2, not v1/hybrid (see cgroups-v2.test.ts)'
      : undefined;

if (reason) {
  console.log(`cgroups-v1 integration tests SKIPPED: ${reason}`);
  test.skip(`cgroup v1 checks: ${reason}`, () => {});
} else {
  const instance = uniqueInstance('t1');
  let opened: V1Manager | undefined;
  registerChecks(test, () => (opened = openCgroups({ instance }) as V1Manager));

  test.serial.after.always('the instance directory and the ancestors it made are gone', (t) => {
    if (!opened) return;
    for (const m of new Set(Object.values(opened.hierarchies))) {
      t.false(existsSync(join(m, opened.instancePath)), `${m}${opened.instancePath} left behind`);
    }
  });
}
