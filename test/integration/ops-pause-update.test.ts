// pause/unpause (the cgroup freezer), update of limits on a running container, StopTimeout,
// stop -t and kill -s, on the real kernel through the real docker CLI and the API.
import test from 'ava';
import fs from 'node:fs';
import { cpuSharesToWeight, cpuWeightToShares } from '../../src/core/config/cpu-weight.js';
import { daemonForFile, SLOW } from '../helpers/daemon.js';
import { docker as dockerCli, show } from '../helpers/docker.js';
import { execIn, rawRequest, startContainer, waitFor } from '../helpers/wait.js';

const d = daemonForFile(test);
const docker = (args: string[]) => dockerCli(d, args);
const MiB = 1024 * 1024;

/** The directory of the container's cgroup for a controller (v1) or the unified one (v2). */
function cgroupDir(pid: number, controller: string): string {
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  for (const l of lines) {
    const [, list, p] = l.split(':', 3) as [string, string, string];
    if (list.split(',').includes(controller)) return fs.realpathSync(`/sys/fs/cgroup/${controller}`) + p;
  }
  const unified = lines.find((l) => l.startsWith('0::'))!.slice(3);
  return `/sys/fs/cgroup${unified}`;
}
const v2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');

async function cpuNs(id: string): Promise<number> {
  return (await d.client.stats(id)).cpu_stats.cpu_usage.total_usage;
}

test('pause freezes a busy loop (no CPU while paused), ps and inspect say paused, exec and attach are 409, unpause resumes, stop of a paused container works', async (t) => {
  const name = `busy-${d.id}`;
  const id = await startContainer(d.client, { Image: 'busybox', Cmd: ['sh', '-c', 'while :; do :; done'], StopTimeout: 1 }, name);
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  const start = await cpuNs(id);
  await waitFor(async () => (await cpuNs(id)) > start + 50e6, 20_000, 'the loop to use CPU');

  const p = await docker(['pause', name]);
  t.is(p.code, 0, show(p));
  const ins = await d.client.inspectContainer(id);
  t.is(ins.State.Status, 'paused');
  t.true(ins.State.Paused);
  t.true(ins.State.Running);
  const ps = await docker(['ps', '--filter', 'status=paused', '--format', '{{.Names}} {{.Status}}']);
  t.regex(ps.stdout, new RegExp(`^${name} Up .* \\(Paused\\)$`, 'm'), show(ps));
  t.is((await d.client.info()).ContainersPaused, 1);

  const frozenAt = await cpuNs(id);
  const t0 = Date.now();
  await waitFor(() => Date.now() - t0 >= 1000, 5000, 'a second');
  const used = (await cpuNs(id)) - frozenAt;
  t.true(used < 5e6, `a paused busy loop used ${used / 1e6} ms of CPU in a second`);

  const ex = await docker(['exec', name, 'true']);
  t.not(ex.code, 0);
  t.regex(ex.stderr, /is paused, unpause the container before exec/, show(ex));
  const at = await rawRequest(d.socket, 'POST', `/containers/${id}/attach?stream=1&stdout=1`);
  t.is(at.status, 409);
  t.is(at.message, 'You cannot attach to a paused container, unpause it first');
  const again = await rawRequest(d.socket, 'POST', `/containers/${id}/pause`);
  t.is(again.status, 409);
  t.regex(again.message, /is already paused/);

  const u = await docker(['unpause', name]);
  t.is(u.code, 0, show(u));
  t.false((await d.client.inspectContainer(id)).State.Paused);
  const thawedAt = await cpuNs(id);
  await waitFor(async () => (await cpuNs(id)) > thawedAt + 50e6, 20_000, 'the loop to run again');
  const notPaused = await rawRequest(d.socket, 'POST', `/containers/${id}/unpause`);
  t.is(notPaused.status, 409);
  t.regex(notPaused.message, /is not paused/);

  // Stop of a paused container: the stop signal lands once thawed; the loop ignores nothing,
  // so it ends at once (well inside StopTimeout + slack).
  t.is((await docker(['pause', name])).code, 0);
  const s0 = Date.now();
  const st = await docker(['stop', name]);
  t.is(st.code, 0, show(st));
  t.true(Date.now() - s0 < 8000 * SLOW, `stop took ${Date.now() - s0} ms`);
  const after = await d.client.inspectContainer(id);
  t.is(after.State.Status, 'exited');
  t.false(after.State.Paused);
  const stopped = await rawRequest(d.socket, 'POST', `/containers/${id}/pause`);
  t.is(stopped.status, 409);
  t.regex(stopped.message, /is not running/);
});

test('docker update changes memory, swap, CPUs, shares and pids of a running container: cgroup, record and inspect', async (t) => {
  const name = `upd-${d.id}`;
  const id = await startContainer(d.client, { Image: 'busybox', Cmd: ['sleep', '1000'], HostConfig: { Memory: 128 * MiB } }, name);
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  const pid = (await d.client.inspectContainer(id)).State.Pid;

  const r = await docker(['update', '--memory', '48m', '--memory-swap', '48m', '--cpus', '0.5', '--cpu-shares', '512', '--pids-limit', '30', name]);
  t.is(r.code, 0, show(r));
  const hc = (await d.client.inspectContainer(id)).HostConfig;
  t.is(hc.Memory, 48 * MiB);
  t.is(hc.MemorySwap, 48 * MiB);
  t.is(hc.NanoCpus, 0.5e9);
  t.is(hc.CpuShares, 512);
  t.is(hc.PidsLimit, 30);
  const st = await d.client.stats(id);
  t.is(st.memory_stats.limit, 48 * MiB);
  t.is(st.pids_stats.limit, 30);
  const cpu = cgroupDir(pid, 'cpu');
  if (v2) {
    t.is(fs.readFileSync(`${cpu}/cpu.max`, 'utf8').trim(), '50000 100000');
  } else {
    t.is(fs.readFileSync(`${cpu}/cpu.cfs_quota_us`, 'utf8').trim(), '50000');
    // Shares travel as a CPU weight (1..10000), so 512 comes back as the nearest weight's shares.
    t.is(fs.readFileSync(`${cpu}/cpu.shares`, 'utf8').trim(), String(cpuWeightToShares(cpuSharesToWeight(512))));
  }
  // The new memory limit holds for what runs in the container from now on: 100 MiB in one
  // allocation is OOM-killed.
  const big = await execIn(d.client, id, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=100M', 'count=1']);
  t.is(big.exitCode, 137, `dd under a 48 MiB limit: ${JSON.stringify(big)}`);

  // Growing memory past the old memory+swap (the kernel needs memsw raised first on v1),
  // lifting the CPU quota and the pids limit.
  const grow = await d.client.updateContainer(id, { Memory: 512 * MiB, MemorySwap: 512 * MiB, CpuQuota: -1, PidsLimit: -1 });
  t.deepEqual(grow.Warnings, []);
  const st2 = await d.client.stats(id);
  t.is(st2.memory_stats.limit, 512 * MiB);
  t.is(st2.pids_stats.limit, undefined);
  t.is(fs.readFileSync(v2 ? `${cpu}/cpu.max` : `${cpu}/cpu.cfs_quota_us`, 'utf8').trim().split(' ')[0], v2 ? 'max' : '-1');
  const ok = await execIn(d.client, id, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=100M', 'count=1']);
  t.is(ok.exitCode, 0, ok.stderr);

  // The record keeps it: a restart starts with the updated limits.
  await d.client.restartContainer(id, { timeout: 0 });
  t.is((await d.client.stats(id)).memory_stats.limit, 512 * MiB);
});

test('update refuses clearly what it cannot do, and changes nothing then', async (t) => {
  const id = await startContainer(d.client, { Image: 'busybox', Cmd: ['sleep', '1000'], HostConfig: { Memory: 64 * MiB } });
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  const post = (body: object) => rawRequest(d.socket, 'POST', `/containers/${id}/update`, JSON.stringify(body));
  const small = await post({ Memory: 1 * MiB });
  t.is(small.status, 400);
  t.regex(small.message, /Memory.*Minimum memory limit allowed is 6MB/);
  const cpuset = await post({ CpusetCpus: '0' });
  t.is(cpuset.status, 400);
  t.regex(cpuset.message, /CpusetCpus.*update takes Memory, MemorySwap/);
  const cpus = await post({ NanoCpus: 1000e9 });
  t.is(cpus.status, 400);
  t.regex(cpus.message, /range of CPUs is from 0.01 to \d+\.00/);
  const swap = await post({ Memory: 128 * MiB, MemorySwap: 64 * MiB });
  t.is(swap.status, 400);
  t.regex(swap.message, /memoryswap limit should be larger than memory limit/);
  t.is((await d.client.inspectContainer(id)).HostConfig.Memory, 64 * MiB, 'unchanged');

  const rm = await startContainer(d.client, { Image: 'busybox', Cmd: ['sleep', '1000'], HostConfig: { AutoRemove: true } });
  t.teardown(() => d.client.removeContainer(rm, { force: true }).catch(() => undefined));
  const pol = await rawRequest(d.socket, 'POST', `/containers/${rm}/update`, JSON.stringify({ RestartPolicy: { Name: 'always' } }));
  t.is(pol.status, 400);
  t.regex(pol.message, /Restart policy cannot be updated because AutoRemove is enabled/);

  // Memory that cannot be reclaimed (tmpfs pages, no swap on this host) above the new limit:
  // cgroup v1 refuses the write (EBUSY) and the API says what to do; on v2 the kernel would
  // OOM-kill instead, as it does for Docker.
  if (!v2) {
    const fill = await execIn(d.client, id, ['sh', '-c', 'head -c 40000000 /dev/zero > /dev/shm/fill && echo filled']);
    t.is(fill.stdout.trim(), 'filled', fill.stderr);
    const below = await post({ Memory: 16 * MiB, MemorySwap: 16 * MiB });
    t.is(below.status, 409, below.body);
    t.regex(below.message, /below what the container uses now/);
    t.is((await d.client.stats(id)).memory_stats.limit, 64 * MiB, 'the old limit is back');
  }
});

test('StopTimeout is the default for stop, stop -t overrides it, kill takes only Docker\'s signal names', async (t) => {
  // PID 1 of its namespace: signals without a handler do nothing to it, so TERM is ignored.
  const trap = ['sh', '-c', "trap 'exit 3' USR1; while :; do sleep 0.1; done"];
  const id = await startContainer(d.client, { Image: 'busybox', Cmd: trap, StopTimeout: 1 });
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  t.is((await d.client.inspectContainer(id)).Config.StopTimeout, 1);
  const t0 = Date.now();
  t.is((await docker(['stop', id])).code, 0);
  const took = Date.now() - t0;
  t.true(took >= 900 && took < 8000 * SLOW, `stop with StopTimeout 1 took ${took} ms`);
  t.is((await d.client.inspectContainer(id)).State.ExitCode, 137);

  await d.client.startContainer(id);
  const t1 = Date.now();
  t.is((await docker(['stop', '-t', '0', id])).code, 0);
  t.true(Date.now() - t1 < 5000 * SLOW, `stop -t 0 took ${Date.now() - t1} ms`);

  await d.client.startContainer(id);
  for (const bad of ['RTMIN+16', 'SIGFOO', '33']) {
    const r = await docker(['kill', '-s', bad, id]);
    t.not(r.code, 0, bad);
    t.regex(r.stderr, /is not a signal/, show(r));
  }
  t.true((await d.client.inspectContainer(id)).State.Running);
  const usr = await docker(['kill', '-s', 'sigusr1', id]);
  t.is(usr.code, 0, show(usr));
  t.is((await d.client.waitContainer(id)).StatusCode, 3, 'SIGUSR1 reached the trap');
});
