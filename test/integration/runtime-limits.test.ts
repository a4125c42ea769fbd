// cgroup limits on the real kernel, through the API: a memory limit OOM-kills an allocation
// above it (and the same allocation succeeds without it), a pids limit stops a fork loop, a
// CPU quota of half a core holds a busy loop near 50%.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { daemonForFile } from '../helpers/daemon.js';
import { readLogs, runToExit, startContainer, waitFor } from '../helpers/wait.js';

const d = daemonForFile(test);

const MiB = 1024 * 1024;
// busybox dd allocates its block buffer in one piece and fills it: 100 MiB resident in the
// command itself (PID 1), measured on the host as a 100 MiB maximum RSS.
const ALLOC_100M = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=100M', 'count=1'];

test.serial('a 50 MiB memory limit OOM-kills a 100 MiB allocation: OOMKilled, exit 137', async (t) => {
  const r = await runToExit(d.client, { Image: 'busybox', Cmd: ALLOC_100M, HostConfig: { Memory: 50 * MiB } });
  const i = await d.client.inspectContainer(r.id);
  t.is(r.exitCode, 137, `stdout=${r.stdout} stderr=${r.stderr}`);
  t.is(i.State.ExitCode, 137);
  t.true(i.State.OOMKilled);
  t.is(i.State.Status, 'exited');
  t.is(i.HostConfig.Memory, 50 * MiB);
});

test.serial('the same 100 MiB allocation succeeds without a memory limit', async (t) => {
  const r = await runToExit(d.client, { Image: 'busybox', Cmd: ALLOC_100M });
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stderr, /1\+0 records out/);
  t.false((await d.client.inspectContainer(r.id)).State.OOMKilled);
});

test.serial('a pids limit of 20 stops a fork loop: fork fails and at most 20 processes exist', async (t) => {
  // 60 background sleeps wanted; the loop runs in a subshell so a failed fork ends only it.
  const script =
    '(i=0; while [ $i -lt 60 ]; do sleep 1000 & i=$((i+1)); echo started $i; done); echo loop-ended; exec sleep 1000';
  const id = await startContainer(d.client, { Image: 'busybox', Cmd: ['sh', '-c', script], HostConfig: { PidsLimit: 20 } });
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  const logs = await waitFor(async () => {
    const l = await readLogs(d.client, id);
    return l.stdout.includes('loop-ended') ? l : null;
  }, 20_000, 'the fork loop to end');
  const started = (logs.stdout.match(/^started /gm) ?? []).length;
  t.regex(logs.stderr, /can't fork|Resource temporarily unavailable/);
  // sh (1) + the subshell + the sleeps must fit in 20; the loop got close to the limit.
  t.true(started >= 10 && started <= 18, `started ${started} sleeps`);
  const s = await d.client.stats(id);
  t.is(s.pids_stats.limit, 20);
  t.true(s.pids_stats.current !== undefined && s.pids_stats.current <= 20 && s.pids_stats.current >= 10, JSON.stringify(s.pids_stats));
  t.true((await d.client.inspectContainer(id)).State.Running);
});

// CPU tests need the machine to themselves: they run in the serial CPU pass
// (`npm run test:cpu`, part of `npm test`), not beside the parallel suite.
const cpuTest = process.env.BOXIFY_CPU_TESTS === '1' ? test.serial : test.serial.skip;
cpuTest('a CPU quota of 0.5 holds a busy loop near 50% of one core (serial CPU pass)', async (t) => {
  const id = await startContainer(d.client, {
    Image: 'busybox',
    Cmd: ['sh', '-c', 'while :; do :; done'],
    HostConfig: { NanoCpus: 0.5e9 },
  });
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  // The kernel holds the quota the API asked for: 50 ms per 100 ms period.
  const pid = (await d.client.inspectContainer(id)).State.Pid;
  const cpuLine = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:[^:]*\bcpu\b[^:]*:/.test(l));
  if (cpuLine) {
    const dir = path.join('/sys/fs/cgroup/cpu,cpuacct', cpuLine.split(':')[2]!);
    const base = fs.existsSync(dir) ? dir : path.join('/sys/fs/cgroup/cpu', cpuLine.split(':')[2]!);
    t.is(fs.readFileSync(path.join(base, 'cpu.cfs_quota_us'), 'utf8').trim(), '50000');
    t.is(fs.readFileSync(path.join(base, 'cpu.cfs_period_us'), 'utf8').trim(), '100000');
  } else {
    // cgroup v2: cpu.max in the unified hierarchy.
    const rel = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'))!.slice(3);
    t.is(fs.readFileSync(path.join('/sys/fs/cgroup', rel, 'cpu.max'), 'utf8').trim(), '50000 100000');
  }
  await waitFor(async () => (await d.client.stats(id)).cpu_stats.cpu_usage.total_usage > 50e6, 10_000, 'the loop to use CPU');
  // Measure over ~3 s windows of wall time. The quota is a ceiling: no window may exceed it.
  // On a host busy with other work the loop may get less than its quota, so up to 4 windows
  // are tried for one where it ran at the quota.
  const windows: { pct: number; throttled: number }[] = [];
  for (let i = 0; i < 4; i++) {
    const a = await d.client.stats(id);
    const ta = process.hrtime.bigint();
    await waitFor(() => process.hrtime.bigint() - ta >= 3_000_000_000n, 10_000, 'a 3 s measuring window', 100);
    const b = await d.client.stats(id);
    const tb = process.hrtime.bigint();
    const used = b.cpu_stats.cpu_usage.total_usage - a.cpu_stats.cpu_usage.total_usage;
    windows.push({
      pct: (used / Number(tb - ta)) * 100,
      throttled: b.cpu_stats.throttling_data.throttled_periods - a.cpu_stats.throttling_data.throttled_periods,
    });
    if (windows.at(-1)!.pct >= 30) break;
  }
  const text = windows.map((w) => `${w.pct.toFixed(1)}% (${w.throttled} throttled periods)`).join(', ');
  t.log(`busy loop under NanoCpus=0.5e9, per 3 s window: ${text}; load average ${os.loadavg()[0]!.toFixed(1)}`);
  t.true(windows.every((w) => w.pct <= 70), `above the quota: ${text}`);
  t.true(windows.some((w) => w.pct >= 30), `never ran near the quota: ${text}`);
});
