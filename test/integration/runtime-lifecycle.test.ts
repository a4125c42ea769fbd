// The container lifecycle through the API on a real daemon: stop (SIGTERM, then SIGKILL after
// the timeout), kill with a signal name, wait's exit code, restart, rename, exec (output, exit
// code, env, working dir, cgroup), and many short-lived containers at once.
import test from 'ava';
import fs from 'node:fs';
import type { ContainerCreateRequest } from '../../src/core/api/types.js';
import { daemonForFile } from '../helpers/daemon.js';
import { execIn, rawRequest, readLogs, runToExit, startContainer, waitFor, withTimeout } from '../helpers/wait.js';

const d = daemonForFile(test);

const sh = (script: string, extra: Partial<ContainerCreateRequest> = {}): ContainerCreateRequest => ({ Image: 'busybox', Cmd: ['sh', '-c', script], ...extra });
// A shell that reports signals: `wait` returns early when a trapped signal arrives.
const TRAPPER =
  'trap "echo got-usr1; exit 7" USR1; trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 1000 & wait $!; done';

const started = (body: ContainerCreateRequest) => startContainer(d.client, body);

async function untilLogged(id: string, text: string): Promise<void> {
  await waitFor(async () => (await readLogs(d.client, id)).stdout.includes(text), 15_000, `"${text}" in the logs of ${id.slice(0, 12)}`);
}

const cleanup = (t: { teardown(f: () => Promise<void>): void }, id: string) =>
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));

test('wait returns the exit code and inspect records it with the times', async (t) => {
  const r = await runToExit(d.client, sh('exit 42'));
  t.is(r.exitCode, 42);
  const s = (await d.client.inspectContainer(r.id)).State;
  t.is(s.Status, 'exited');
  t.is(s.ExitCode, 42);
  t.false(s.Running);
  t.is(s.Pid, 0);
  t.true(Date.parse(s.FinishedAt) >= Date.parse(s.StartedAt), `${s.StartedAt} .. ${s.FinishedAt}`);
  // wait on an exited container answers at once with the same code.
  t.is((await d.client.waitContainer(r.id)).StatusCode, 42);
});

test('stop sends SIGTERM and a trap handler exits 0 quickly', async (t) => {
  const id = await started(sh(TRAPPER));
  cleanup(t, id);
  await untilLogged(id, 'ready');
  const t0 = Date.now();
  await d.client.stopContainer(id, { timeout: 20 });
  const took = Date.now() - t0;
  const s = (await d.client.inspectContainer(id)).State;
  t.is(s.Status, 'exited');
  t.is(s.ExitCode, 0);
  t.true(took < 10_000, `stop took ${took} ms`);
  t.regex((await readLogs(d.client, id)).stdout, /got-term/);
});

test('stop sends SIGKILL after the timeout when SIGTERM is ignored', async (t) => {
  // PID 1 without a handler ignores SIGTERM (the kernel protects a namespace's init).
  const id = await started({ Image: 'busybox', Cmd: ['sleep', '1000'] });
  cleanup(t, id);
  const t0 = Date.now();
  await d.client.stopContainer(id, { timeout: 1 });
  const took = Date.now() - t0;
  const s = (await d.client.inspectContainer(id)).State;
  t.is(s.Status, 'exited');
  t.is(s.ExitCode, 137);
  t.true(took >= 900 && took < 15_000, `stop -t 1 took ${took} ms`);
  // Stopping a stopped container is not an error (304).
  await t.notThrowsAsync(d.client.stopContainer(id, { timeout: 1 }));
});

test('kill with a signal name delivers that signal; the default is SIGKILL', async (t) => {
  const a = await started(sh(TRAPPER));
  const b = await started({ Image: 'busybox', Cmd: ['sleep', '1000'] });
  cleanup(t, a);
  cleanup(t, b);
  await untilLogged(a, 'ready');
  await d.client.killContainer(a, 'SIGUSR1');
  t.is((await d.client.waitContainer(a)).StatusCode, 7);
  t.regex((await readLogs(d.client, a)).stdout, /got-usr1/);
  await d.client.killContainer(b);
  t.is((await d.client.waitContainer(b)).StatusCode, 137);
  t.false((await d.client.inspectContainer(b)).State.OOMKilled);
});

test('kill with a bad signal name is a 400 naming the signal, and the container keeps running', async (t) => {
  const id = await started({ Image: 'busybox', Cmd: ['sleep', '1000'] });
  cleanup(t, id);
  const err = await t.throwsAsync(d.client.killContainer(id, 'SIGNOPE'));
  t.is((err as { code?: string }).code, 'invalid_argument');
  t.regex(err!.message, /SIGNOPE/);
  t.true((await d.client.inspectContainer(id)).State.Running);
});

test('restart gives a new process and keeps the container', async (t) => {
  const id = await started(sh(TRAPPER));
  cleanup(t, id);
  const before = (await d.client.inspectContainer(id)).State;
  await d.client.restartContainer(id, { timeout: 5 });
  const after = (await d.client.inspectContainer(id)).State;
  t.true(after.Running);
  t.not(after.Pid, before.Pid);
  t.true(Date.parse(after.StartedAt) > Date.parse(before.StartedAt));
  // The restarted shell is a working container: it takes signals again.
  await waitFor(async () => ((await readLogs(d.client, id)).stdout.match(/ready/g) ?? []).length >= 2, 15_000, 'second "ready"');
  await d.client.killContainer(id, 'USR1');
  t.is((await d.client.waitContainer(id)).StatusCode, 7);
});

test('rename: the new name resolves, the old one does not, the name is free again', async (t) => {
  const old = `ren-old-${d.id}`;
  const neu = `ren-new-${d.id}`;
  const { Id } = await d.client.createContainer({ Image: 'busybox', Cmd: ['true'] }, old);
  cleanup(t, Id);
  const r = await rawRequest(d.socket, 'POST', `/containers/${old}/rename?name=${neu}`);
  t.is(r.status, 204, r.body);
  t.is((await d.client.inspectContainer(neu)).Id, Id);
  t.is((await d.client.inspectContainer(neu)).Name, `/${neu}`);
  await t.throwsAsync(d.client.inspectContainer(old), { message: /No such container/ });
  const again = await d.client.createContainer({ Image: 'busybox', Cmd: ['true'] }, old);
  cleanup(t, again.Id);
  t.not(again.Id, Id);
  // Renaming onto a name in use is a conflict.
  const clash = await rawRequest(d.socket, 'POST', `/containers/${neu}/rename?name=${old}`);
  t.is(clash.status, 409, clash.body);
});

test('exec: output kept apart, exit code, env and working dir', async (t) => {
  const id = await started({ Image: 'busybox', Cmd: ['sleep', '1000'] });
  cleanup(t, id);
  const r = await execIn(d.client, id, ['sh', '-c', 'echo out; echo err >&2; exit 5']);
  t.is(r.stdout, 'out\n');
  t.is(r.stderr, 'err\n');
  t.is(r.exitCode, 5);
  const { Id } = await d.client.execCreate(id, {
    Cmd: ['sh', '-c', 'echo $FOO; pwd; hostname'],
    Env: ['FOO=bar'],
    WorkingDir: '/etc',
    AttachStdout: true,
    AttachStderr: true,
  });
  const o = await d.client.execStartCollect(Id);
  t.is(o.stdout.toString(), `bar\n/etc\n${id.slice(0, 12)}\n`, o.stderr.toString());
  const ins = await d.client.execInspect(Id);
  t.is(ins.ExitCode, 0);
  t.false(ins.Running);
  t.is(ins.ContainerID, id);
});

test('exec\'s working directory is inside the container, never on the host', async (t) => {
  const name = `boxify-exec-marker-${d.id}`;
  fs.writeFileSync(`/tmp/${name}`, 'host file\n');
  t.teardown(() => fs.rmSync(`/tmp/${name}`, { force: true }));
  const id = await started({ Image: 'busybox', Cmd: ['sleep', '1000'] });
  cleanup(t, id);
  for (const wd of ['/tmp', '/etc', undefined]) {
    const { Id } = await d.client.execCreate(id, {
      Cmd: ['sh', '-c', `pwd; cat ${name} 2>&1; ls ../tmp/${name} 2>&1; readlink /proc/self/cwd`],
      ...(wd ? { WorkingDir: wd } : {}),
      AttachStdout: true,
      AttachStderr: true,
    });
    const o = (await d.client.execStartCollect(Id)).stdout.toString();
    const want = wd ?? '/';
    t.false(o.includes('host file'), `WorkingDir ${want}: a relative path read the host's /tmp:\n${o}`);
    t.is(o.split('\n')[0], want, `WorkingDir ${want}: pwd printed ${JSON.stringify(o.split('\n')[0])}`);
  }
});

test('exec runs in the container\'s namespaces and joins its cgroup', async (t) => {
  const id = await started({ Image: 'busybox', Cmd: ['sleep', '1000'] });
  cleanup(t, id);
  const r = await execIn(d.client, id, ['sh', '-c', 'cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup; echo ---; ps -o pid,comm']);
  t.is(r.exitCode, 0, r.stderr);
  const [self, init, ps] = r.stdout.split('---\n');
  t.truthy(self!.trim());
  t.is(self, init, 'the exec is in the same cgroups as the container\'s PID 1');
  // In the container's PID namespace: its PID 1 is the container's sleep.
  t.regex(ps!, /^\s*1\s+sleep$/m);
  const pid = (await d.client.inspectContainer(id)).State.Pid;
  const hostView = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  t.regex(hostView, new RegExp(id), 'the container\'s cgroup is named after it on the host');
});

test('exec in a stopped container is a 409', async (t) => {
  const r = await runToExit(d.client, sh('true'));
  cleanup(t, r.id);
  const err = await t.throwsAsync(d.client.execCreate(r.id, { Cmd: ['true'] }));
  t.is((err as { code?: string }).code, 'conflict');
  t.regex(err!.message, /not running/);
});

test('16 short-lived containers at once: every exit is recorded and every line logged', async (t) => {
  const runs = await Promise.allSettled(
    Array.from({ length: 16 }, (_, i) =>
      withTimeout(runToExit(d.client, sh(`echo line-${i}; echo err-${i} >&2; exit ${i}`)), 30_000, () => `container ${i} never finished`),
    ),
  );
  const problems: string[] = [];
  runs.forEach((r, i) => {
    if (r.status === 'rejected') problems.push(`#${i}: ${String(r.reason)}`);
    else {
      if (r.value.exitCode !== i) problems.push(`#${i}: exit ${r.value.exitCode}`);
      if (r.value.stdout !== `line-${i}\n`) problems.push(`#${i} (${r.value.id.slice(0, 12)}): stdout ${JSON.stringify(r.value.stdout)}`);
      if (r.value.stderr !== `err-${i}\n`) problems.push(`#${i} (${r.value.id.slice(0, 12)}): stderr ${JSON.stringify(r.value.stderr)}`);
    }
  });
  t.deepEqual(problems, []);
  for (const r of runs) if (r.status === 'fulfilled') await d.client.removeContainer(r.value.id, { force: true }).catch(() => undefined);
});
