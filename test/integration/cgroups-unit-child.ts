// Run by cgroups-v2.test.ts as the only process of a fresh cgroup, the way systemd starts a
// unit with Delegate=yes: opens the v2 backend (which must move this process into its leaf
// and enable the controllers), makes one limited cgroup, removes it all and prints a report.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCgroups, type V2Manager } from '../../src/core/cgroups/index.js';

const instance = process.argv[2]!;
const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').trim() : null);
const cg = openCgroups({ instance }) as V2Manager;
const c = join(cg.instanceDir, 'c');
cg.create('c', { memoryBytes: 50 * 1024 * 1024, pidsMax: 64, cpuWeight: 50 });
const report = {
  version: cg.version,
  moved: cg.movedSelf,
  selfAfter: readFileSync('/proc/self/cgroup', 'utf8').trim(),
  ownSubtree: read(join(cg.ownDir, 'cgroup.subtree_control')),
  instanceSubtree: read(join(cg.instanceDir, 'cgroup.subtree_control')),
  memoryMax: read(join(c, 'memory.max')),
  pidsMax: read(join(c, 'pids.max')),
  cpuWeight: read(join(c, 'cpu.weight')),
  list: cg.list(),
  instanceGone: false,
  allocatorSignal: null as string | null,
  oomKills: 0,
};
// The limit is real below a delegated unit too: a 100 MiB allocation is OOM-killed.
const files = cg.procsFiles('c').map((f) => `echo $$ > '${f}'`).join(' && ');
const alloc = spawn('/bin/sh', ['-c', `${files} && exec '${process.execPath}' -e "Buffer.alloc(100 * 1024 * 1024, 1); setInterval(() => {}, 1000)"`], {
  stdio: 'ignore',
});
// Bounded: a wrong limit must show up as a failed check, not as a hung test.
const guard = setTimeout(() => alloc.kill('SIGTERM'), 240000);
report.allocatorSignal = await new Promise<string | null>((resolve) => alloc.on('exit', (_code, signal) => resolve(signal)));
clearTimeout(guard);
report.oomKills = cg.stats('c').oomKills;
await cg.remove('c');
cg.removeInstance();
report.instanceGone = !existsSync(cg.instanceDir);
console.log(JSON.stringify(report));
