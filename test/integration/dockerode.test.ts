// dockerode, the Node Docker client, drives boxifyd unmodified: create, attach, start, wait,
// logs, stats, exec and remove, each through dockerode's own API.
import test from 'ava';
import Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { daemonForFile } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

const d = daemonForFile(test);

/** Splits a multiplexed stream into stdout and stderr text with dockerode's own demuxer. */
function collect(docker: Docker, stream: NodeJS.ReadableStream): { out: () => string; err: () => string; ended: Promise<void> } {
  let out = '';
  let err = '';
  const o = new PassThrough();
  const e = new PassThrough();
  o.on('data', (b) => (out += b));
  e.on('data', (b) => (err += b));
  docker.modem.demuxStream(stream, o, e);
  const ended = new Promise<void>((resolve) => stream.on('end', () => resolve()));
  return { out: () => out, err: () => err, ended };
}

test('create, attach, start, wait, logs and remove', async (t) => {
  const docker = new Docker({ socketPath: d.socket });
  const container = await docker.createContainer({
    Image: 'busybox',
    Cmd: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 4'],
    name: `dockerode-${d.id}`,
  });
  t.teardown(() => container.remove({ force: true }).catch(() => undefined));
  const stream = await container.attach({ stream: true, stdout: true, stderr: true, hijack: true });
  const attached = collect(docker, stream);
  // As with Docker, "not-running" (the default) answers at once for a created container:
  // register for the next exit before starting, as `docker run` does.
  const waited = container.wait({ condition: 'next-exit' });
  await container.start();
  const result = (await waited) as { StatusCode: number };
  t.is(result.StatusCode, 4);
  await attached.ended;
  t.is(attached.out(), 'to-out\n');
  t.is(attached.err(), 'to-err\n');

  const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  const text = logs.toString('latin1');
  t.true(text.includes('to-out') && text.includes('to-err'), text);
  const info = await container.inspect();
  t.is(info.State.ExitCode, 4);
  t.is(info.Name, `/dockerode-${d.id}`);
  await container.remove();
  await t.throwsAsync(() => container.inspect(), { message: /No such container/ });
});

test('stats and exec in a running container', async (t) => {
  const docker = new Docker({ socketPath: d.socket });
  const container = await docker.createContainer({ Image: 'busybox', Cmd: ['sleep', '1000'] });
  t.teardown(() => container.remove({ force: true }).catch(() => undefined));
  await container.start();

  const stats = (await container.stats({ stream: false })) as unknown as {
    memory_stats: { usage: number; limit: number };
    cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number };
    pids_stats: { current: number };
  };
  t.true(stats.memory_stats.usage > 0, JSON.stringify(stats.memory_stats));
  t.true(stats.memory_stats.limit > 0);
  t.true(stats.cpu_stats.system_cpu_usage > 0);
  t.true(stats.cpu_stats.online_cpus >= 1);
  t.true(stats.pids_stats.current >= 1);

  const exec = await container.exec({ Cmd: ['sh', '-c', 'echo from-exec; exit 6'], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const got = collect(docker, stream);
  await got.ended;
  t.is(got.out(), 'from-exec\n');
  await waitFor(async () => (await exec.inspect()).Running === false, 10_000, 'the exec to be recorded as ended');
  t.is((await exec.inspect()).ExitCode, 6);

  await container.stop({ t: 1 });
  t.false((await container.inspect()).State.Running);
});
