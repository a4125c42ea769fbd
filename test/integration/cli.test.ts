// The `boxify` program as a user runs it: a real subprocess (node dist/src/tui/main.js)
// against a real daemon on its own socket and state root.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerSummary } from '../../src/core/api/types.js';
import { CLI, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function boxify(args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? tmpdir(),
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`boxify ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;

let daemon: TestDaemon;
let env: Record<string, string>;

test.before(async () => {
  daemon = await startDaemon();
  env = { BOXIFY_SOCKET: daemon.socket };
});

test.after.always(async () => {
  await daemon?.stop();
});

function tempProject(t: import('ava').ExecutionContext, yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'boxify-cli-it-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'boxify.yaml'), yaml);
  return dir;
}

async function containerNames(): Promise<string[]> {
  return (await daemon.client.listContainers({ all: true })).flatMap((c) => c.Names.map((n) => n.replace(/^\//, '')));
}

test("boxify run with the seed's boxify.yaml and a command prints its output, exits 0 and removes the container", async (t) => {
  const name = `yaml-cmd-${process.pid}`;
  const cwd = tempProject(t, `imageName: busybox\nname: ${name}\nsettings:\n  memoryLimit: 100m\n  cpuLimit: 512\ncommand: echo hello-from-yaml\n`);
  const r = await boxify(['run'], { cwd, env });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'hello-from-yaml\n');
  t.false((await containerNames()).includes(name), 'the container was removed');
});

test('boxify run with boxify.yaml and no command opens a shell in the container (stdin not a terminal)', async (t) => {
  const name = `yaml-shell-${process.pid}`;
  const cwd = tempProject(t, `imageName: busybox\nname: ${name}\nsettings:\n  memoryLimit: 100m\n  cpuLimit: 512\n`);
  // PID 1 of the shell's PID namespace is the container's idle command, and the shell sees
  // the container's hostname and environment, not the host's.
  const r = await boxify(['run'], {
    cwd,
    env: { ...env, BOXIFY_LEAK_CHECK: 'host-only' },
    input: 'tr "\\0" " " < /proc/1/cmdline; echo; echo "leak=[$BOXIFY_LEAK_CHECK]"; exit 4\n',
  });
  t.is(r.code, 4, r.stderr);
  t.regex(r.stdout, /^sh -c trap "exit 0" TERM; while :; do sleep 3600 & wait \$!; done \n/);
  t.regex(r.stdout, /leak=\[\]\n$/);
  t.false((await containerNames()).includes(name), 'the container was stopped and removed');
});

test('a bad boxify.yaml names settings.memoryLimit, exits non-zero, and prints no stack trace', async (t) => {
  const cwd = tempProject(t, 'imageName: busybox\nsettings:\n  memoryLimit: 100x\n  cpuLimit: 512\n');
  const r = await boxify(['run'], { cwd, env });
  t.not(r.code, 0);
  t.is(r.stdout, '');
  t.regex(r.stderr, /^boxify: .*boxify\.yaml:3:16: invalid settings\.memoryLimit: "100x" is not a size/);
  t.notRegex(r.stderr, NO_STACK);
});

test('boxify run --rm busybox sh -c "exit 3" exits 3 and leaves no container', async (t) => {
  const name = `rm-exit-${process.pid}`;
  const r = await boxify(['run', '--rm', '--name', name, 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { env });
  t.is(r.code, 3, r.stderr);
  t.is(r.stdout, 'out\n');
  t.is(r.stderr, 'err\n');
  t.false((await containerNames()).includes(name));
});

test('boxify run of a missing executable exits 127', async (t) => {
  const r = await boxify(['run', '--rm', 'busybox', '/no/such/program'], { env });
  t.is(r.code, 127, r.stderr);
  t.regex(r.stderr, /^boxify: .*no\/such\/program/);
  t.notRegex(r.stderr, NO_STACK);
});

test('detached run, ps, exec, logs, inspect, stop and rm', async (t) => {
  const name = `life-${process.pid}`;
  const d = await boxify(['run', '-d', '--name', name, '-m', '64m', 'busybox', 'sh', '-c', 'echo started; trap "exit 0" TERM; while :; do sleep 1; done'], { env });
  t.is(d.code, 0, d.stderr);
  const id = d.stdout.trim();
  t.regex(id, /^[0-9a-f]{64}$/);
  t.teardown(() => daemon.client.removeContainer(id, { force: true }).catch(() => {}));

  const ps = await boxify(['ps', '-a', '--json'], { env });
  t.is(ps.code, 0, ps.stderr);
  const list = JSON.parse(ps.stdout) as ContainerSummary[];
  t.true(Array.isArray(list));
  t.truthy(list.find((c) => c.Id === id && c.Names.includes(`/${name}`)));

  const table = await boxify(['ps'], { env });
  t.regex(table.stdout, /^CONTAINER ID {3}IMAGE {2,}COMMAND/);
  t.regex(table.stdout, new RegExp(`^${id.slice(0, 12)} {3}busybox .* ${name}$`, 'm'));

  const ex = await boxify(['exec', name, 'sh', '-c', 'echo in-$(hostname); echo e >&2; exit 5'], { env });
  t.is(ex.code, 5, ex.stderr);
  t.regex(ex.stdout, /^in-/);
  t.is(ex.stderr, 'e\n');

  const exi = await boxify(['exec', '-i', name, 'sh'], { env, input: 'echo piped-$((6*7))\n' });
  t.is(exi.code, 0, exi.stderr);
  t.is(exi.stdout, 'piped-42\n');

  await waitFor(async () => (await boxify(['logs', name], { env })).stdout === 'started\n', 10_000, 'the log line');

  const ins = await boxify(['inspect', name], { env });
  t.is(ins.code, 0, ins.stderr);
  const [info] = JSON.parse(ins.stdout) as { Id: string; HostConfig: { Memory: number } }[];
  t.is(info?.Id, id);
  t.is(info?.HostConfig.Memory, 64 * 1024 * 1024);

  const stats = await boxify(['stats', '--no-stream', '--json'], { env });
  t.is(stats.code, 0, stats.stderr);
  t.truthy((JSON.parse(stats.stdout) as { id: string }[]).find((e) => e.id === id));

  t.is((await boxify(['stop', '-t', '5', name], { env })).stdout, `${name}\n`);
  t.is((await daemon.client.inspectContainer(id)).State.Running, false);
  const rm = await boxify(['rm', name], { env });
  t.is(rm.code, 0, rm.stderr);
  t.false((await containerNames()).includes(name));

  const gone = await boxify(['rm', name], { env });
  t.is(gone.code, 125);
  t.is(gone.stderr, `boxify: No such container: ${name}\n`);
});

test('a name in use and an unknown image are user errors with exit 125', async (t) => {
  const name = `dup-${process.pid}`;
  const first = await boxify(['run', '-d', '--name', name, 'busybox', 'sleep', '30'], { env });
  t.is(first.code, 0, first.stderr);
  t.teardown(() => daemon.client.removeContainer(name, { force: true }).catch(() => {}));
  const dup = await boxify(['run', '-d', '--name', name, 'busybox', 'true'], { env });
  t.is(dup.code, 125);
  t.regex(dup.stderr, /^boxify: Conflict\. The container name "\/dup-\d+" is already in use/);
  const img = await boxify(['run', 'no-such-image-xyz', 'true'], { env });
  t.is(img.code, 125);
  t.regex(img.stderr, /^boxify: .*no-such-image-xyz/);
  t.notRegex(img.stderr, NO_STACK);
});

test('images --json and version talk to the daemon', async (t) => {
  const images = await boxify(['images', '--json'], { env });
  t.is(images.code, 0, images.stderr);
  t.true(Array.isArray(JSON.parse(images.stdout)));
  const v = await boxify(['version'], { env });
  t.is(v.code, 0, v.stderr);
  t.regex(v.stdout, /Server: Boxify\n Version: +\S+\n API version: +1\.44/);
});

test('with no daemon at the socket, boxify says how to start it', async (t) => {
  const socket = join(tmpdir(), `boxify-absent-${process.pid}.sock`);
  const r = await boxify([], { env: { BOXIFY_SOCKET: socket } });
  t.is(r.code, 125);
  t.is(r.stderr, `boxify: cannot connect to boxifyd at ${socket}: is the daemon running? Start it with: sudo boxifyd\n`);
  const ps = await boxify(['ps'], { env: { BOXIFY_SOCKET: socket } });
  t.is(ps.code, 125);
  t.regex(ps.stderr, /Start it with: sudo boxifyd/);
});

test('boxify with no arguments and no terminal prints ps -a', async (t) => {
  const r = await boxify([], { env });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^CONTAINER ID {3}IMAGE {3,}COMMAND {3,}CREATED {3,}STATUS {3,}PORTS {3,}NAMES\n/);
});
