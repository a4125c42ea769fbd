// What survives a daemon restart (SIGTERM, then a new boxifyd on the same state root):
// exited containers keep their exit codes and logs (streams apart, tail, timestamps), and a
// running container keeps running, is re-adopted with the same PID, and can be stopped.
import test from 'ava';
import fs from 'node:fs';
import { daemonForFile } from '../helpers/daemon.js';
import { readLogs, runToExit, startContainer, waitFor } from '../helpers/wait.js';

const d = daemonForFile(test);

const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z /;

async function records(id: string, opts: { tail?: number | 'all'; timestamps?: boolean; stdout?: boolean; stderr?: boolean } = {}) {
  const out: { stream: string; text: string }[] = [];
  for await (const r of d.client.logs(id, opts)) out.push({ stream: r.stream, text: r.data.toString('utf8') });
  return out;
}

test.serial('logs and exit codes persist across a daemon restart', async (t) => {
  const a = await runToExit(d.client, { Image: 'busybox', Cmd: ['sh', '-c', 'echo out1; echo err1 >&2; echo out2; exit 3'] });
  const b = await runToExit(d.client, { Image: 'busybox', Cmd: ['sh', '-c', 'echo only-b'] });
  const before = await d.client.inspectContainer(a.id);
  t.is(a.exitCode, 3);
  t.is(a.stdout, 'out1\nout2\n', 'stdout before the restart');
  t.is(a.stderr, 'err1\n', 'stderr before the restart');

  await d.restart();

  const after = await d.client.inspectContainer(a.id);
  t.is(after.State.Status, 'exited');
  t.is(after.State.ExitCode, 3);
  t.is(after.State.FinishedAt, before.State.FinishedAt);
  t.is(after.State.StartedAt, before.State.StartedAt);
  t.is((await d.client.waitContainer(a.id)).StatusCode, 3);
  t.is((await d.client.inspectContainer(b.id)).State.ExitCode, 0);
  t.deepEqual(await readLogs(d.client, a.id), { stdout: 'out1\nout2\n', stderr: 'err1\n' });
  t.deepEqual(await readLogs(d.client, b.id), { stdout: 'only-b\n', stderr: '' });
  // Each stream in its own order (the two pipes are read independently, so the order
  // between them is not defined, as in Docker).
  const all = await records(a.id);
  t.deepEqual(all.filter((r) => r.stream === 'stdout').map((r) => r.text), ['out1\n', 'out2\n']);
  t.deepEqual(all.filter((r) => r.stream === 'stderr').map((r) => r.text), ['err1\n']);
  t.deepEqual((await records(a.id, { stderr: false })).map((r) => r.text), ['out1\n', 'out2\n']);
  t.deepEqual((await records(a.id, { stdout: false })).map((r) => `${r.stream}:${r.text}`), ['stderr:err1\n']);
  // tail counts the last records of the streams asked for.
  t.deepEqual((await records(a.id, { tail: 1, stderr: false })).map((r) => r.text), ['out2\n']);
  t.deepEqual((await records(a.id, { tail: 2, stderr: false })).map((r) => r.text), ['out1\n', 'out2\n']);
  t.deepEqual((await records(a.id, { tail: 1, stdout: false })).map((r) => r.text), ['err1\n']);
  t.is((await records(a.id, { tail: 2 })).length, 2);
  t.deepEqual(await records(a.id, { tail: 0 }), []);
  // timestamps: RFC3339 with nanoseconds, within the container's run, non-decreasing.
  const stamped = await records(a.id, { timestamps: true });
  t.is(stamped.length, 3);
  let prev = 0;
  for (const r of stamped) {
    t.regex(r.text, TS);
    const at = Date.parse(r.text.slice(0, 23) + 'Z');
    t.true(at >= prev);
    t.true(at >= Date.parse(before.State.StartedAt) - 1000 && at <= Date.parse(before.State.FinishedAt) + 1000, r.text);
    prev = at;
  }
  t.deepEqual(stamped.map((r) => r.text.replace(TS, '')).sort(), ['err1\n', 'out1\n', 'out2\n']);
});

test.serial('a running container survives a daemon restart and is re-adopted', async (t) => {
  const script =
    'trap "echo got-usr1" USR1; trap "echo got-term; exit 9" TERM; echo ready; while :; do sleep 1000 & wait $!; done';
  const id = await startContainer(d.client, { Image: 'busybox', Cmd: ['sh', '-c', script] });
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  await waitFor(async () => (await readLogs(d.client, id)).stdout.includes('ready'), 15_000, 'ready');
  const before = (await d.client.inspectContainer(id)).State;
  t.true(before.Running);
  const startTime = fs.readFileSync(`/proc/${before.Pid}/stat`, 'utf8');

  await d.restart();

  // The very same process, still running, is the container's again.
  t.is(fs.readFileSync(`/proc/${before.Pid}/stat`, 'utf8').split(' ')[21], startTime.split(' ')[21]);
  const after = (await d.client.inspectContainer(id)).State;
  t.true(after.Running, JSON.stringify(after));
  t.is(after.Pid, before.Pid);
  t.is(after.StartedAt, before.StartedAt);
  t.true((await d.client.listContainers()).some((c) => c.Id === id), 'listed as running by docker ps');
  // Output after the restart reaches the log: the new daemon reads the container's streams.
  await d.client.killContainer(id, 'USR1');
  await waitFor(async () => (await readLogs(d.client, id)).stdout.includes('got-usr1'), 15_000, 'got-usr1 after the restart');
  // Stop works and the exit code is recorded.
  await d.client.stopContainer(id, { timeout: 10 });
  const end = (await d.client.inspectContainer(id)).State;
  t.is(end.Status, 'exited');
  t.is(end.ExitCode, 9);
  t.is((await d.client.waitContainer(id)).StatusCode, 9);
  t.regex((await readLogs(d.client, id)).stdout, /ready\n(.*\n)*got-usr1\n(.*\n)*got-term\n/);
  t.false(fs.existsSync(`/proc/${before.Pid}`) && fs.readFileSync(`/proc/${before.Pid}/stat`, 'utf8') === startTime, 'process gone');
});

test.serial('a container that ends while re-adopted is noticed without a stop request', async (t) => {
  const id = await startContainer(d.client, { Image: 'busybox', Cmd: ['sh', '-c', 'trap "exit 4" USR1; echo ready; while :; do sleep 1000 & wait $!; done'] });
  t.teardown(() => d.client.removeContainer(id, { force: true }).catch(() => undefined));
  await waitFor(async () => (await readLogs(d.client, id)).stdout.includes('ready'), 15_000, 'ready');
  await d.restart();
  const waiting = d.client.waitContainer(id);
  await d.client.killContainer(id, 'USR1');
  t.is((await waiting).StatusCode, 4);
  t.is((await d.client.inspectContainer(id)).State.Status, 'exited');
});
