// The real docker CLI against boxifyd for the streaming and lifecycle commands: top, rename,
// restart, kill, wait, exec (piped and on a terminal), logs -f, stats, events, run -it with
// detach keys and attach.
import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { daemonForFile } from '../helpers/daemon.js';
import { DOCKER, docker as dockerCli, dockerEnv, show, type CliResult } from '../helpers/docker.js';

const d = daemonForFile(test);
const LIMIT = 30_000;

function dockerEnvHere(): Record<string, string> {
  return dockerEnv(d);
}

function docker(args: string[], input?: string, timeoutMs = 60_000): Promise<CliResult> {
  return dockerCli(d, args, { input, timeoutMs });
}


/** A docker process that keeps running (logs -f, events); its stdout can be awaited. */
function follow(args: string[]): { child: ChildProcessWithoutNullStreams; out: () => string; until: (ok: (s: string) => boolean, what: string) => Promise<void> } {
  const child = spawn(DOCKER, args, { env: dockerEnvHere() });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  child.stdout.on('data', (b) => {
    out += b;
    wake();
  });
  child.stderr.on('data', (b) => (err += b));
  child.on('close', wake);
  const until = (ok: (s: string) => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}\nstdout: ${out}\nstderr: ${err}`)), LIMIT);
      const check = () => {
        if (ok(out)) {
          clearTimeout(timer);
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer);
          reject(new Error(`docker ${args.join(' ')} exited (${child.exitCode}) before ${what}\nstdout: ${out}\nstderr: ${err}`));
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  return { child, out: () => out, until };
}

interface Pty {
  write(s: string): void;
  kill(): void;
  text(): string;
  until(re: RegExp, what: string): Promise<void>;
  exit: Promise<number>;
}

/** docker on a pseudo-terminal whose screen text can be awaited. */
async function dockerPty(args: string[]): Promise<Pty> {
  const pty = await import('node-pty');
  const term = pty.spawn(DOCKER, args, { cols: 100, rows: 30, env: dockerEnvHere() });
  let text = '';
  let exited = false;
  const waiters: (() => void)[] = [];
  term.onData((s) => {
    text += s;
    for (const w of waiters.splice(0)) w();
  });
  const exit = new Promise<number>((resolve) =>
    term.onExit(({ exitCode }) => {
      exited = true;
      resolve(exitCode);
    }),
  );
  const until = (re: RegExp, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; screen so far:\n${text}`)), LIMIT);
      const check = () => {
        if (re.test(text)) {
          clearTimeout(timer);
          resolve();
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  return {
    write: (s) => term.write(s),
    kill: () => {
      if (!exited) term.kill();
    },
    text: () => text,
    until,
    exit,
  };
}

/** A unique container name, removed with `docker rm -f` when the test ends. */
function uniqueName(t: ExecutionContext, prefix: string): string {
  const name = `${prefix}-${d.id}-${crypto.randomBytes(3).toString('hex')}`;
  t.teardown(async () => {
    await docker(['rm', '-f', name]).catch(() => undefined);
  });
  return name;
}

test('docker top, rename, restart, kill -s and wait', async (t) => {
  const x = uniqueName(t, 'life');
  const y = uniqueName(t, 'renamed');
  // The container's PID 1 gets no default signal action from the kernel (a bare `sleep` as
  // PID 1 ignores USR1, as under Docker), so the shell exits as the default action would:
  // 128 + SIGUSR1 (10) = 138.
  const script = 'trap "exit 138" USR1; while :; do sleep 1000 & wait $!; done';
  const run = await docker(['run', '-d', '--name', x, 'busybox', 'sh', '-c', script]);
  t.is(run.code, 0, show(run));
  const id = run.stdout.trim();
  t.regex(id, /^[0-9a-f]{64}$/);

  const top = await docker(['top', x]);
  t.is(top.code, 0, show(top));
  t.regex(top.stdout, /sleep 1000/, show(top));
  t.regex(top.stdout, /PID/, show(top));

  const ren = await docker(['rename', x, y]);
  t.is(ren.code, 0, show(ren));
  const ps = await docker(['ps', '--format', '{{.Names}}']);
  t.true(ps.stdout.split('\n').includes(y), show(ps));
  t.false(ps.stdout.split('\n').includes(x), show(ps));

  const before = (await docker(['inspect', '-f', '{{.State.StartedAt}}', y])).stdout.trim();
  const restart = await docker(['restart', '-t', '1', y]);
  t.is(restart.code, 0, show(restart));
  const after = await docker(['inspect', '-f', '{{.State.Running}} {{.State.StartedAt}} {{.Id}}', y]);
  const [running, startedAt, sameId] = after.stdout.trim().split(' ');
  t.is(running, 'true', show(after));
  t.is(sameId, id);
  t.not(startedAt, before, 'restart sets a new StartedAt');
  t.true(Date.parse(startedAt!) > Date.parse(before), `${startedAt} after ${before}`);

  const waiter = docker(['wait', y]);
  const kill = await docker(['kill', '-s', 'USR1', y]);
  t.is(kill.code, 0, show(kill));
  const w = await waiter;
  t.is(w.code, 0, show(w));
  t.is(w.stdout.trim(), '138', show(w));
  const state = await docker(['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', y]);
  t.is(state.stdout.trim(), 'false 138', show(state));
});

test('docker exec: piped stdin with half-close, exit codes, separate stdout and stderr', async (t) => {
  const c = uniqueName(t, 'exec');
  const run = await docker(['run', '-d', '--name', c, 'busybox', 'sleep', '1000']);
  t.is(run.code, 0, show(run));

  const cat = await docker(['exec', '-i', c, 'cat'], 'hi\n');
  t.is(cat.code, 0, show(cat));
  t.is(cat.stdout, 'hi\n', show(cat));

  const no = await docker(['exec', c, 'false']);
  t.is(no.code, 1, show(no));

  const both = await docker(['exec', c, 'sh', '-c', 'echo out; echo err >&2']);
  t.is(both.code, 0, show(both));
  t.is(both.stdout, 'out\n', show(both));
  t.is(both.stderr, 'err\n', show(both));
});

test('docker logs -f follows new lines; --tail and --timestamps', async (t) => {
  const c = uniqueName(t, 'logs');
  const run = await docker(['run', '-d', '--name', c, 'busybox', 'sh', '-c', 'i=0; while :; do i=$((i+1)); echo line-$i; sleep 0.2; done']);
  t.is(run.code, 0, show(run));

  const f = follow(['logs', '-f', c]);
  t.teardown(() => f.child.kill('SIGKILL'));
  const lines = () => new Set(f.out().split('\n').filter((l) => /^line-\d+$/.test(l)));
  await f.until(() => lines().size >= 1, 'the first log line');
  const first = lines().size;
  // Lines written after the follower attached arrive while it keeps running.
  await f.until(() => lines().size >= first + 3, 'three more lines while following');
  t.is(f.child.exitCode, null, 'docker logs -f is still following');
  const nums = [...lines()].map((l) => Number(l.slice(5)));
  t.deepEqual(nums, nums.map((_, i) => nums[0]! + i), 'lines arrive in order without gaps');
  const closed = new Promise((r) => f.child.once('close', r));
  f.child.kill('SIGTERM');
  await closed;

  const tail = await docker(['logs', '--tail', '1', c]);
  t.is(tail.code, 0, show(tail));
  t.regex(tail.stdout, /^line-\d+\n$/, show(tail));

  const ts = await docker(['logs', '--timestamps', '--tail', '2', c]);
  t.is(ts.code, 0, show(ts));
  const tsLines = ts.stdout.trimEnd().split('\n');
  t.is(tsLines.length, 2, show(ts));
  for (const l of tsLines) {
    const m = /^(\S+) line-\d+$/.exec(l);
    t.truthy(m, l);
    t.false(Number.isNaN(Date.parse(m![1]!)), `timestamp ${m![1]} parses`);
  }
});

test('docker stats --no-stream shows name, CPU percentage and memory', async (t) => {
  const c = uniqueName(t, 'stats');
  const run = await docker(['run', '-d', '--name', c, 'busybox', 'sleep', '1000']);
  t.is(run.code, 0, show(run));
  const r = await docker(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}}', c]);
  t.is(r.code, 0, show(r));
  const m = /^(\S+) (-?[\d.]+)% (-?[\d.]+)([KMGT]i?B|B) \/ (-?[\d.]+)([KMGT]i?B|B)\s*$/.exec(r.stdout.trim());
  t.truthy(m, show(r));
  t.is(m![1], c);
  const cpu = Number(m![2]);
  t.false(Number.isNaN(cpu));
  t.true(cpu >= 0, `cpu ${cpu}`);
  const used = Number(m![3]);
  t.true(used > 0, `memory used ${m![3]}${m![4]}`);
  t.true(Number(m![5]) > 0, `memory limit ${m![5]}${m![6]}`);
});

test('docker events reports create, start, die and destroy of a run --rm', async (t) => {
  const name = uniqueName(t, 'events');
  // --since makes the stream replay anything that happened before the CLI connected, so
  // the run need not wait for the events request to reach the daemon.
  const since = String(Math.floor(Date.now() / 1000) - 1);
  const ev = follow(['events', '--since', since, '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}', '--filter', `container=${name}`]);
  t.teardown(() => ev.child.kill('SIGKILL'));
  const run = await docker(['run', '--rm', '--name', name, 'busybox', 'true']);
  t.is(run.code, 0, show(run));
  const want = ['create', 'start', 'die', 'destroy'];
  const actions = () =>
    ev
      .out()
      .split('\n')
      .filter((l) => l.startsWith('container ') && l.endsWith(` ${name}`))
      .map((l) => l.split(' ')[1]!);
  await ev.until(() => want.every((a) => actions().includes(a)), 'create, start, die and destroy');
  const seen = actions().filter((a) => want.includes(a));
  t.deepEqual(seen.slice(0, 4), want, `events in order: ${seen.join(',')}`);
  ev.child.kill('SIGTERM');
});

test('docker run -it: a prompt, ctrl-p ctrl-q detaches, docker attach reattaches and exit 3 ends it', async (t) => {
  const n = uniqueName(t, 'runit');
  const p = await dockerPty(['run', '-it', '--name', n, 'busybox', 'sh']);
  t.teardown(() => p.kill());
  await p.until(/[#$] /, 'the shell prompt');
  p.write('echo $((6*7))\r');
  await p.until(/^42\r?$/m, 'the shell to answer 42');
  p.write('stty size\r');
  await p.until(/30 100/, 'the terminal size 30x100');
  p.write('\x10\x11');
  const code = await p.exit;
  t.is(code, 0, `docker run -it after detach keys; screen:\n${p.text()}`);
  const running = await docker(['inspect', '-f', '{{.State.Running}}', n]);
  t.is(running.stdout.trim(), 'true', show(running));

  const a = await dockerPty(['attach', n]);
  t.teardown(() => a.kill());
  // Attaching shows no new prompt by itself; typing a command proves input reaches the shell.
  a.write('echo attached-$((1+1))\r');
  await a.until(/attached-2/, 'the reattached shell to answer');
  a.write('exit 3\r');
  t.is(await a.exit, 3, `docker attach exit code; screen:\n${a.text()}`);
  const state = await docker(['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', n]);
  t.is(state.stdout.trim(), 'false 3', show(state));
});

test('docker exec -it sh on a terminal shows the container hostname', async (t) => {
  const c = uniqueName(t, 'execit');
  const run = await docker(['run', '-d', '--name', c, 'busybox', 'sleep', '1000']);
  t.is(run.code, 0, show(run));
  const id = run.stdout.trim();
  const p = await dockerPty(['exec', '-it', c, 'sh']);
  t.teardown(() => p.kill());
  await p.until(/[#$] /, 'the shell prompt');
  p.write('hostname\r');
  await p.until(new RegExp(`^${id.slice(0, 12)}\\r?$`, 'm'), 'the hostname');
  p.write('exit\r');
  t.is(await p.exit, 0, `docker exec -it exit code; screen:\n${p.text()}`);
});

test('docker run -d -p 127.0.0.1:PORT:80 -v DIR:/www:ro: the host reaches the container, the bind is read-only', async (t) => {
  const name = uniqueName(t, 'web');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxify-www-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'index.html'), 'hello from the host dir\n');
  // A port nobody listens on: ask the kernel for one, then free it.
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const run = await docker(['run', '-d', '--name', name, '-p', `127.0.0.1:${port}:80`, '-v', `${dir}:/www:ro`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/www']);
  t.is(run.code, 0, show(run));
  const get = () =>
    new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
  let body = '';
  const deadline = Date.now() + LIMIT;
  while (Date.now() < deadline) {
    body = await get().catch(() => '');
    if (body) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.is(body, 'hello from the host dir\n');
  const ps = await docker(['ps', '--filter', `name=${name}`, '--format', '{{.Ports}}']);
  t.is(ps.stdout.trim(), `127.0.0.1:${port}->80/tcp`);
  const touch = await docker(['exec', name, 'touch', '/www/x']);
  t.not(touch.code, 0);
  t.regex(touch.stderr, /Read-only file system/);
  t.false(fs.existsSync(path.join(dir, 'x')));
});
