// Launch latency of a container through the launcher and boxify-init: from the call to
// launchContainer to "execve succeeded" (EOF on the sync pipe), for /bin/true on a busybox
// overlay rootfs, with no network wiring (onReady does nothing).
//
//   node dist/bench/init-launch.js [runs=10]
//
// Also prints where the time goes: the ready message marks the end of init's set-up
// (Node start-up + koffi + mounts + pivot_root), the rest is the gate round trip and execve.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildBusyboxRootfs } from '../src/core/images/busybox.js';
import { launchContainer } from '../src/core/sys/launcher.js';
import type { InitSpec } from '../src/core/sys/init-protocol.js';

const runs = Number(process.argv[2] ?? 10);
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'bxbench-'));
try {
  const lower = path.join(base, 'lower');
  buildBusyboxRootfs(lower);
  for (const f of ['hostname', 'hosts', 'resolv.conf']) fs.writeFileSync(path.join(base, f), '');
  const total: number[] = [];
  const ready: number[] = [];
  const done: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = path.join(base, `c${i}`);
    for (const d of ['upper', 'work', 'merged']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    const spec: InitSpec = {
      id: `bench${i}`,
      rootfs: { lowerDirs: [lower], upperDir: `${dir}/upper`, workDir: `${dir}/work`, mergedDir: `${dir}/merged`, readonly: false },
      hostname: `bench${i}`,
      etcFiles: { hostname: `${base}/hostname`, hosts: `${base}/hosts`, resolvConf: `${base}/resolv.conf` },
      mounts: [],
      process: { args: ['/bin/true'], env: ['PATH=/bin'], cwd: '/', uid: 0, gid: 0, additionalGids: [] },
      cgroupProcs: [],
      cgroupNamespace: false,
      rlimits: [],
    };
    const t0 = performance.now();
    let tReady = 0;
    const l = await launchContainer({
      spec,
      node: process.execPath,
      specPath: `${dir}/spec.json`,
      exitFile: `${dir}/exit`,
      stdio: ['ignore', 1, 2],
      onReady: async () => {
        tReady = performance.now();
      },
    });
    const t1 = performance.now();
    await l.exited;
    done.push(performance.now() - t0);
    total.push(t1 - t0);
    ready.push(tReady - t0);
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)].toFixed(1);
  console.log(`runs: ${runs}`);
  console.log(`launch (call -> execve done), median: ${median(total)} ms   [${total.map((x) => x.toFixed(0)).join(' ')}]`);
  console.log(`  call -> ready (spawn, Node start-up, set-up), median: ${median(ready)} ms`);
  console.log(`  ready -> execve (gate round trip, cgroup, user, exec), median: ${median(total.map((x, i) => x - ready[i]))} ms`);
  console.log(`call -> /bin/true exited and exit file written, median: ${median(done)} ms`);
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
