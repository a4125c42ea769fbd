// `boxify run` (boxify.yaml, no command) and `boxify exec -it` on a real pseudo-terminal:
// the user gets an interactive shell inside the container, typed input reaches it, the
// exit code comes back, and the container is gone afterwards.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type IPty } from 'node-pty';
import { CLI, startDaemon, type TestDaemon } from '../helpers/daemon.js';

let daemon: TestDaemon;

test.before(async () => {
  daemon = await startDaemon();
});

test.after.always(async () => {
  await daemon?.stop();
});

/** A program on a pseudo-terminal whose screen text can be awaited. */
function onPty(args: string[], cwd: string): { term: IPty; text: () => string; until: (re: RegExp, what: string) => Promise<void>; exit: Promise<number> } {
  const term = spawn(process.execPath, [CLI, ...args], {
    cols: 100,
    rows: 30,
    cwd,
    env: { ...process.env, BOXIFY_SOCKET: daemon.socket } as Record<string, string>,
  });
  let text = '';
  const waiters: (() => void)[] = [];
  term.onData((d) => {
    text += d;
    for (const w of waiters.splice(0)) w();
  });
  const exit = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  const until = (re: RegExp, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; screen so far:\n${text}\ndaemon:\n${daemon.output().slice(-3000)}`)), 30_000);
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
  return { term, text: () => text, until, exit };
}

test('boxify run with boxify.yaml on a terminal opens an interactive shell and cleans up after it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'boxify-cli-tty-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const name = `tty-yaml-${process.pid}`;
  writeFileSync(join(dir, 'boxify.yaml'), `imageName: busybox\nname: ${name}\nsettings:\n  memoryLimit: 100m\n  cpuLimit: 512\n`);
  const p = onPty(['run'], dir);
  t.teardown(() => p.term.kill());
  p.term.write('[ -t 0 ] && [ -t 1 ] && echo "tty=yes sum=$((40+2))"\r');
  await p.until(/tty=yes sum=42/, 'the shell to answer');
  p.term.write('exit 6\r');
  t.is(await p.exit, 6);
  const names = (await daemon.client.listContainers({ all: true })).flatMap((c) => c.Names);
  t.false(names.includes(`/${name}`), 'the container was removed');
});

test('boxify exec -it runs a command on a terminal in a running container', async (t) => {
  const name = `tty-exec-${process.pid}`;
  const { Id } = await daemon.client.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'] }, name);
  t.teardown(() => daemon.client.removeContainer(Id, { force: true }).catch(() => {}));
  await daemon.client.startContainer(Id);
  const p = onPty(['exec', '-it', name, 'sh'], tmpdir());
  t.teardown(() => p.term.kill());
  p.term.write('echo "in=$(cat /proc/1/cmdline | tr "\\0" " ")"\r');
  await p.until(/in=sh -c trap/, "the container's PID 1 to be visible");
  p.term.write('exit 9\r');
  t.is(await p.exit, 9);
});
