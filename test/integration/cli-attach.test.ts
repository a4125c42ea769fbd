// `boxify run -i/-it`, `boxify attach` and `boxify exec -i/-it` over the daemon's hijacked
// attach and exec streams, as a user runs them: the real CLI against a real daemon, the
// interactive ones on a pseudo-terminal (node-pty), waiting for what the screen shows.
import test from 'ava';
import { spawn as spawnChild } from 'node:child_process';
import crypto from 'node:crypto';
import { tmpdir } from 'node:os';
import { spawn, type IPty } from 'node-pty';
import { CLI, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

let daemon: TestDaemon;

test.before(async () => {
  daemon = await startDaemon();
});

test.after.always(async () => {
  await daemon?.stop();
});

const unique = (what: string) => `${what}-${crypto.randomBytes(3).toString('hex')}`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI with piped stdin (`input`, then end of input) and captured output. */
function boxify(args: string[], input = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(process.execPath, [CLI, ...args], {
      cwd: tmpdir(),
      env: { ...process.env, BOXIFY_SOCKET: daemon.socket },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`boxify ${args.join(' ')} did not finish in 60 s\nstdout: ${stdout}\nstderr: ${stderr}\ndaemon:\n${daemon.output().slice(-3000)}`));
    }, 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

interface OnPty {
  term: IPty;
  text: () => string;
  /** Resolves when the screen text (from `from` on) matches. */
  until: (re: RegExp, what: string, from?: number) => Promise<void>;
  exit: Promise<number>;
}

/** The CLI on a pseudo-terminal whose output can be awaited. */
function onPty(args: string[]): OnPty {
  const term = spawn(process.execPath, [CLI, ...args], {
    cols: 100,
    rows: 30,
    cwd: tmpdir(),
    env: { ...process.env, BOXIFY_SOCKET: daemon.socket } as Record<string, string>,
  });
  let text = '';
  const waiters: (() => void)[] = [];
  term.onData((d) => {
    text += d;
    for (const w of waiters.splice(0)) w();
  });
  const exit = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  const until = (re: RegExp, what: string, from = 0) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; screen so far:\n${text}\ndaemon:\n${daemon.output().slice(-3000)}`)), 30_000);
      const check = () => {
        if (re.test(text.slice(from))) {
          clearTimeout(timer);
          resolve();
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  return { term, text: () => text, until, exit };
}

async function exists(ref: string): Promise<boolean> {
  return daemon.client.inspectContainer(ref).then(
    () => true,
    () => false,
  );
}

/** A running busybox container that idles until stopped. */
async function idle(t: import('ava').ExecutionContext, name: string, hostname?: string): Promise<string> {
  const { Id } = await daemon.client.createContainer(
    { Image: 'busybox', Cmd: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'], ...(hostname ? { Hostname: hostname } : {}) },
    name,
  );
  t.teardown(() => daemon.client.removeContainer(Id, { force: true }).catch(() => {}));
  await daemon.client.startContainer(Id);
  return Id;
}

test('echo hi | boxify run -i --rm busybox cat prints hi, exits 0 and removes the container', async (t) => {
  const name = unique('run-i');
  const r = await boxify(['run', '-i', '--rm', '--name', name, 'busybox', 'cat'], 'hi\n');
  t.is(r.stdout, 'hi\n', r.stderr);
  t.is(r.code, 0, r.stderr);
  t.false(await exists(name), 'the container was removed');
});

test('boxify run -i keeps stdout and stderr apart and exits with the container code', async (t) => {
  const name = unique('run-i-code');
  t.teardown(() => daemon.client.removeContainer(name, { force: true }).catch(() => {}));
  const r = await boxify(['run', '-i', '--name', name, 'busybox', 'sh', '-c', 'read line; echo "got $line"; echo oops >&2; exit 3'], 'abc\n');
  t.is(r.code, 3, r.stderr);
  t.is(r.stdout, 'got abc\n');
  t.is(r.stderr, 'oops\n');
  t.true(await exists(name), 'without --rm the container stays');
});

test('boxify run -it --rm busybox sh: a shell on the terminal, its exit code, and the container removed', async (t) => {
  const name = unique('run-it');
  t.teardown(() => daemon.client.removeContainer(name, { force: true }).catch(() => {}));
  const p = onPty(['run', '-it', '--rm', '--name', name, 'busybox', 'sh']);
  t.teardown(() => p.term.kill());
  p.term.write('[ -t 0 ] && echo "tty=yes v=$((6*7))"\r');
  await p.until(/tty=yes v=42/, 'the shell to answer');
  // The terminal size reached the container's terminal.
  const mark = p.text().length;
  p.term.write('stty size\r');
  await p.until(/30 100/, 'the terminal size', mark);
  // A window change (SIGWINCH on the CLI's terminal) reaches the container's terminal.
  p.term.resize(120, 40);
  await waitFor(async () => {
    const from = p.text().length;
    p.term.write('stty size\r');
    await p.until(/\d+ \d+\r*\n/, 'stty to answer', from);
    return /40 120/.test(p.text().slice(from));
  }, 10_000, 'the new size in the container');
  p.term.write('exit 4\r');
  t.is(await p.exit, 4);
  t.false(await exists(name), 'the container was removed');
});

test('ctrl-p ctrl-q detaches from boxify run -it and leaves the container running; boxify attach returns to it', async (t) => {
  const name = unique('detach');
  t.teardown(() => daemon.client.removeContainer(name, { force: true }).catch(() => {}));
  const run = onPty(['run', '-it', '--name', name, 'busybox', 'sh']);
  t.teardown(() => run.term.kill());
  run.term.write('echo "ready-$((1+1))"\r');
  await run.until(/ready-2/, 'the shell to answer');
  run.term.write('\x10\x11');
  t.is(await run.exit, 0);
  t.regex(run.text(), /detached from [0-9a-f]{12}/);
  t.true((await daemon.client.inspectContainer(name)).State.Running, 'still running after the detach');

  const att = onPty(['attach', name]);
  t.teardown(() => att.term.kill());
  att.term.write('echo "back-$((2+3))"\r');
  await att.until(/back-5/, 'the same shell to answer after attach');
  att.term.write('exit 3\r');
  t.is(await att.exit, 3);
  const state = (await daemon.client.inspectContainer(name)).State;
  t.false(state.Running);
  t.is(state.ExitCode, 3);
});

test('boxify attach refuses a stopped container', async (t) => {
  const name = unique('stopped');
  const { Id } = await daemon.client.createContainer({ Image: 'busybox', Cmd: ['true'] }, name);
  t.teardown(() => daemon.client.removeContainer(Id, { force: true }).catch(() => {}));
  const r = await boxify(['attach', name]);
  t.is(r.code, 1);
  t.regex(r.stderr, /cannot attach to a stopped container/);
});

test('boxify exec -it C sh runs a shell on a terminal in the container', async (t) => {
  const name = unique('exec-it');
  const hostname = unique('h');
  await idle(t, name, hostname);
  const p = onPty(['exec', '-it', name, 'sh']);
  t.teardown(() => p.term.kill());
  p.term.write('hostname\r');
  await p.until(new RegExp(`^${hostname}\\r?$`, 'm'), "the container's hostname");
  const mark = p.text().length;
  p.term.write('stty size\r');
  await p.until(/30 100/, 'the terminal size', mark);
  p.term.write('exit 7\r');
  t.is(await p.exit, 7);
  t.true((await daemon.client.inspectContainer(name)).State.Running, 'the container goes on');
});

test('echo hi | boxify exec -i C cat prints hi and ends; boxify exec C false exits 1', async (t) => {
  const name = unique('exec-i');
  await idle(t, name);
  const r = await boxify(['exec', '-i', name, 'cat'], 'hi\n');
  t.is(r.stdout, 'hi\n', r.stderr);
  t.is(r.code, 0, r.stderr);
  const f = await boxify(['exec', name, 'false']);
  t.is(f.code, 1, f.stderr);
  const e = await boxify(['exec', '-i', name, 'sh', '-c', 'cat >/dev/null; echo done-$((3*3)); exit 5'], 'x\n'.repeat(1000));
  t.is(e.stdout, 'done-9\n', e.stderr);
  t.is(e.code, 5);
  t.true((await daemon.client.inspectContainer(name)).State.Running, 'the container goes on');
});
