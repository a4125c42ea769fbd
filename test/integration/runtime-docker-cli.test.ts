// The real docker CLI against boxifyd (DOCKER_HOST=unix://<socket>): version, ps -a,
// inspect, logs, stop, rm -f, and run.
import test from 'ava';
import fs from 'node:fs';
import { daemonForFile } from '../helpers/daemon.js';
import { DOCKER, docker as dockerCli, show, type CliResult } from '../helpers/docker.js';
import { runToExit, startContainer } from '../helpers/wait.js';

const d = daemonForFile(test);

function docker(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return dockerCli(d, args, { timeoutMs });
}


test.serial('the docker CLI is installed', (t) => {
  t.true(fs.existsSync(DOCKER), `${DOCKER} missing`);
});

test.serial('docker version shows the Boxify engine', async (t) => {
  const r = await docker(['version', '--format', '{{json .Server}}']);
  t.is(r.code, 0, show(r));
  const server = JSON.parse(r.stdout) as { Version: string; ApiVersion: string; Os: string };
  t.is(server.Version, (await d.client.version()).Version);
  t.is(server.Os, 'linux');
  t.regex(server.ApiVersion, /^1\.\d+$/);
});

test.serial('docker ps -a, inspect and logs show what the API made', async (t) => {
  const name = `cli-${d.id}`;
  const r = await runToExit(d.client, { Image: 'busybox', Cmd: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 3'] }, name);
  t.teardown(() => d.client.removeContainer(r.id, { force: true }).catch(() => undefined));
  const ps = await docker(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Names}} {{.Image}} {{.Status}}']);
  t.is(ps.code, 0, show(ps));
  t.regex(ps.stdout, new RegExp(`^${r.id} ${name} busybox Exited \\(3\\) `, 'm'));
  const running = await docker(['ps', '--format', '{{.Names}}']);
  t.false(running.stdout.split('\n').includes(name), 'docker ps without -a hides exited containers');

  const ins = await docker(['inspect', name]);
  t.is(ins.code, 0, show(ins));
  const [obj] = JSON.parse(ins.stdout) as { Id: string; State: { ExitCode: number; Status: string }; Name: string }[];
  t.is(obj!.Id, r.id);
  t.is(obj!.Name, `/${name}`);
  t.is(obj!.State.ExitCode, 3);
  t.is(obj!.State.Status, 'exited');
  const fmt = await docker(['inspect', '-f', '{{.State.ExitCode}} {{.Config.Hostname}}', r.id.slice(0, 12)]);
  t.is(fmt.stdout.trim(), `3 ${r.id.slice(0, 12)}`, show(fmt));

  const logs = await docker(['logs', name]);
  t.is(logs.code, 0, show(logs));
  t.is(logs.stdout, 'to-out\n');
  t.is(logs.stderr, 'to-err\n');
  const tail = await docker(['logs', '--tail', '1', '-t', name]);
  t.regex(tail.stdout + tail.stderr, /^\d{4}-\d\d-\d\dT[\d:.]+Z to-(out|err)\n$/);

  const missing = await docker(['inspect', 'no-such-thing']);
  t.not(missing.code, 0);
  t.regex(missing.stderr, /No such (object|container)/i);
});

test.serial('docker stop and docker rm -f', async (t) => {
  const trap = 'trap "exit 0" TERM; while :; do sleep 1000 & wait $!; done';
  const a = await startContainer(d.client, { Image: 'busybox', Cmd: ['sh', '-c', trap] });
  const b = await startContainer(d.client, { Image: 'busybox', Cmd: ['sleep', '1000'] });
  t.teardown(async () => {
    await d.client.removeContainer(a, { force: true }).catch(() => undefined);
    await d.client.removeContainer(b, { force: true }).catch(() => undefined);
  });
  const stop = await docker(['stop', '-t', '5', a.slice(0, 12)]);
  t.is(stop.code, 0, show(stop));
  t.is(stop.stdout.trim(), a.slice(0, 12));
  const sa = (await d.client.inspectContainer(a)).State;
  t.is(sa.Status, 'exited');
  t.is(sa.ExitCode, 0);

  const rm = await docker(['rm', '-f', b]);
  t.is(rm.code, 0, show(rm));
  await t.throwsAsync(d.client.inspectContainer(b), { message: /No such container/ });
  const rmMissing = await docker(['rm', 'no-such-container']);
  t.not(rmMissing.code, 0);
  t.regex(rmMissing.stderr, /No such container/);
});

test.serial('docker run prints the output and exits with the container\'s code', async (t) => {
  const name = `clirun-${d.id}`;
  t.teardown(() => d.client.removeContainer(name, { force: true }).catch(() => undefined));
  const r = await docker(['run', '--name', name, 'busybox', 'sh', '-c', 'echo hello-run; exit 6']);
  t.is(r.stdout, 'hello-run\n', show(r));
  t.is(r.code, 6, show(r));
  const rm = await docker(['run', '--rm', 'busybox', 'echo', 'gone']);
  t.is(rm.stdout, 'gone\n', show(rm));
  t.is(rm.code, 0, show(rm));
});
