// The real `boxify` TUI end to end, as a person uses it: the program runs in a pseudo-terminal
// (node-pty) against a real daemon on its own socket, its screen is read back through a
// terminal emulator (@xterm/headless), and keys are typed one at a time, each waiting for
// the screen to answer. Needs root (the daemon makes namespaces and cgroups; the shell is
// entered with nsenter).
import test from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { spawn, type IPty } from 'node-pty';
import xterm from '@xterm/headless';
import { CLI, DAEMON, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const { Terminal } = xterm;
const COLS = 100;
const ROWS = 30;
const isRoot = process.getuid?.() === 0;

interface Tui {
  pty: IPty;
  term: InstanceType<typeof Terminal>;
  /** Every byte the program wrote, for the terminal-restore checks. */
  raw(): string;
  screen(): string;
  until(pred: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  type(keys: string): void;
  exited: Promise<{ exitCode: number; signal?: number }>;
}

function startTui(env: Record<string, string>): Tui {
  const childEnv: Record<string, string> = { ...(process.env as Record<string, string>), ...env, TERM: 'xterm-256color' };
  // Ink draws nothing but the last frame when it thinks it runs in CI.
  delete childEnv['CI'];
  delete childEnv['CONTINUOUS_INTEGRATION'];
  const pty = spawn(process.execPath, [CLI], { name: 'xterm-256color', cols: COLS, rows: ROWS, cwd: '/', env: childEnv });
  const term = new Terminal({ cols: COLS, rows: ROWS, allowProposedApi: true });
  let raw = '';
  pty.onData((d) => {
    raw += d;
    term.write(d);
  });
  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => pty.onExit(resolve));
  const screen = () => {
    const buf = term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < term.rows; y++) lines.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
    return lines.join('\n');
  };
  // xterm parses writes asynchronously: a screen read waits for what was written so far.
  const flushed = () => new Promise<void>((r) => term.write('', r));
  const until = async (pred: (s: string) => boolean, what: string, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await flushed();
      const s = screen();
      if (pred(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { pty, term, raw: () => raw, screen, until, type: (k) => pty.write(k), exited };
}

/** The table row of a container, by name. */
const rowOf = (screen: string, name: string) => screen.split('\n').find((l) => new RegExp(`^.\\s?${name}\\s`).test(l)) ?? '';

let d: TestDaemon | undefined;
test.before(async () => {
  if (!isRoot) return;
  for (const f of [DAEMON, CLI]) if (!fs.existsSync(f)) throw new Error(`${f} is missing: build first (npx tsc -p .)`);
  d = await startDaemon();
});
test.after.always(async () => {
  await d?.stop();
});

(isRoot ? test.serial : test.skip)('create, watch, attach, stop, remove and quit through the keys', async (t) => {
  const daemon = d!;
  const tui = startTui(daemon.env);
  const name = `tui-${crypto.randomBytes(3).toString('hex')}`;
  t.teardown(async () => {
    try {
      tui.pty.kill();
    } catch {
      // already gone
    }
    await daemon.client.removeContainer(name, { force: true }).catch(() => undefined);
  });
  t.teardown(() => {
    if (!t.passed) t.log(`screen at failure:\n${tui.screen()}\n\ndaemon output:\n${daemon.output().slice(-2000)}`);
  });

  await tui.until((s) => s.includes('NAME') && s.includes(daemon.socket), 'the table with the socket in the header');
  t.true(tui.raw().includes('\x1b[?1049h'), 'the TUI draws on the alternate screen');

  // The create form: name, image (busybox is preselected), command.
  tui.type('c');
  await tui.until((s) => s.includes('Create a container') && s.includes('◀ busybox'), 'the create form');
  tui.type(name);
  await tui.until((s) => s.includes(name), 'the typed name');
  tui.type('\t');
  await tui.until((s) => /› Image/.test(s), 'the image field focused');
  tui.type('\t');
  await tui.until((s) => /› Command/.test(s), 'the command field focused');
  tui.type('sleep 1000');
  await tui.until((s) => s.includes('sleep 1000'), 'the typed command');
  tui.type('\r');

  // The new container in the list, running, with a memory figure above zero.
  const listed = await tui.until((s) => {
    const m = /running\s.*?\s(\d+(?:\.\d+)?)([BKMG])\/\S+/.exec(rowOf(s, name));
    return m !== null && Number(m[1]) > 0;
  }, 'the container running with its memory use');
  t.regex(rowOf(listed, name), /busybox/);
  const info = (await daemon.client.listContainers({ all: true })).find((c) => c.Names.includes('/' + name));
  if (!info) return t.fail('the daemon does not list the container');
  t.is(info.State, 'running');
  await tui.until((s) => s.includes(`─ ${name}`), 'the new container selected');

  // Enter: a shell in the container, on the normal screen.
  const before = tui.raw().length;
  tui.type('\r');
  await tui.until(() => tui.raw().slice(before).includes('\x1b[?1049l'), 'the TUI leaving the alternate screen');
  await tui.until((s) => /[#$] ?$/m.test(s), 'the shell prompt');
  tui.type('hostname\r');
  await tui.until((s) => s.includes(info.Id.slice(0, 12)), "the container's hostname");
  tui.type('exit\r');
  const back = await tui.until((s) => s.includes('NAME') && s.includes(`─ ${name}`), 'the list again, selection kept');
  t.regex(rowOf(back, name), /running/);
  t.true(tui.raw().slice(before).includes('\x1b[?1049h'), 'back on the alternate screen');

  // Stop (x, y) and remove (D, y).
  tui.type('x');
  await tui.until((s) => s.includes(`Stop ${name}? [y/n]`), 'the stop question');
  tui.type('y');
  await tui.until((s) => /exited \(\d+\)/.test(rowOf(s, name)), 'the container exited', 30_000);
  tui.type('D');
  await tui.until((s) => s.includes(`Remove ${name}? [y/n]`), 'the remove question');
  tui.type('y');
  await tui.until((s) => rowOf(s, name) === '' && s.includes('no containers'), 'the container gone');
  t.false((await daemon.client.listContainers({ all: true })).some((c) => c.Names.includes('/' + name)));

  // q: the program ends and gives the terminal back.
  tui.type('q');
  const { exitCode } = await tui.exited;
  t.is(exitCode, 0);
  const raw = tui.raw();
  // The last screen switch is the way out of the alternate screen; at most cursor-visible
  // sequences follow it (Ink's cursor restore runs at process exit).
  const tail = raw.slice(raw.lastIndexOf('\x1b[?1049'));
  t.true(tail.startsWith('\x1b[?1049l'), `the output ends on the normal screen: ${JSON.stringify(tail.slice(0, 40))}`);
  t.regex(tail.slice('\x1b[?1049l'.length), /^(\x1b\[\?25h|\s)*$/);
});

(isRoot ? test.serial : test.skip)('with the daemon down the TUI says how to start it, and SIGTERM restores the terminal', async (t) => {
  const socket = `/tmp/boxify-tui-none-${crypto.randomBytes(3).toString('hex')}.sock`;
  const tui = startTui({ BOXIFY_SOCKET: socket });
  t.teardown(() => {
    try {
      tui.pty.kill();
    } catch {
      // already gone
    }
  });
  const s = await tui.until((s) => s.includes('boxifyd is not reachable'), 'the down screen');
  t.regex(s, /sudo boxifyd/);
  t.true(s.includes(socket));
  tui.pty.kill('SIGTERM');
  const { exitCode } = await tui.exited;
  t.is(exitCode, 143);
  const raw = tui.raw();
  t.true(raw.slice(raw.lastIndexOf('\x1b[?1049')).startsWith('\x1b[?1049l'), 'left the alternate screen');
});

(isRoot ? test.serial : test.skip)('Ctrl-C quits and leaves the alternate screen', async (t) => {
  const tui = startTui({ BOXIFY_SOCKET: `/tmp/boxify-tui-none-${crypto.randomBytes(3).toString('hex')}.sock` });
  t.teardown(() => {
    try {
      tui.pty.kill();
    } catch {
      // already gone
    }
  });
  await tui.until((s) => s.includes('boxifyd is not reachable'), 'the down screen');
  tui.type('\x03');
  const { exitCode } = await tui.exited;
  t.is(exitCode, 0);
  const raw = tui.raw();
  t.true(raw.slice(raw.lastIndexOf('\x1b[?1049')).startsWith('\x1b[?1049l'), 'left the alternate screen');
});
