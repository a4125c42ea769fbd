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
import path from 'node:path';
import { CLI, DAEMON, SLOW, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { buildImage, tmpDir, writeOciLayout } from './images-fixtures.js';
import { push, startRegistry, type Registry } from './images-registry-fixture.js';

const { Terminal } = xterm;
const COLS = 100;
const ROWS = 30;
/** Keys as a terminal sends them. */
const KEY = {
  tab: '\t',
  esc: '\x1b',
  enter: '\r',
  backspace: '\x7f',
  ctrlW: '\x17',
  ctrlA: '\x01',
  ctrlE: '\x05',
  ctrlU: '\x15',
  paste: (text: string) => `\x1b[200~${text}\x1b[201~`,
  /** A left click (press and release) at 0-based column x, line y, in SGR reports. */
  click: (x: number, y: number) => `\x1b[<0;${x + 1};${y + 1}M\x1b[<0;${x + 1};${y + 1}m`,
};
const isRoot = process.getuid?.() === 0;

interface Tui {
  pty: IPty;
  term: InstanceType<typeof Terminal>;
  /** Every byte the program wrote, for the terminal-restore checks. */
  raw(): string;
  screen(): string;
  until(pred: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  type(keys: string): void;
  /** Types one key at a time, each after the screen answered the previous one (or a short pause). */
  keys(...keys: string[]): Promise<void>;
  exited: Promise<{ exitCode: number; signal?: number }>;
}

function startTui(env: Record<string, string>, size: { cols: number; rows: number } = { cols: COLS, rows: ROWS }): Tui {
  const childEnv: Record<string, string> = { ...(process.env as Record<string, string>), ...env, TERM: 'xterm-256color' };
  // Ink draws nothing but the last frame when it thinks it runs in CI.
  delete childEnv['CI'];
  delete childEnv['CONTINUOUS_INTEGRATION'];
  const pty = spawn(process.execPath, [CLI], { name: 'xterm-256color', cols: size.cols, rows: size.rows, cwd: '/', env: childEnv });
  const term = new Terminal({ cols: size.cols, rows: size.rows, allowProposedApi: true });
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
  const keys = async (...ks: string[]) => {
    for (const k of ks) {
      const before = raw.length;
      pty.write(k);
      // A person types slower than a program: wait for the frame that answers the key (or
      // 300 ms for a key that changes nothing on the screen).
      const deadline = Date.now() + 300;
      while (raw.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    }
    await flushed();
  };
  return { pty, term, raw: () => raw, screen, until, type: (k) => pty.write(k), keys, exited };
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

const uniq = (prefix: string) => `${prefix}-${crypto.randomBytes(3).toString('hex')}`;

/** Starts the TUI for a test and stops it (and removes the named containers) when the test ends. */
function tuiFor(t: { teardown(fn: () => unknown): void; passed: boolean; log(...v: unknown[]): void }, daemon: TestDaemon, cleanup: { containers?: string[]; volumes?: string[]; images?: string[] } = {}, size?: { cols: number; rows: number }): Tui {
  const tui = startTui(daemon.env, size);
  t.teardown(async () => {
    try {
      tui.pty.kill();
    } catch {
      // already gone
    }
    for (const c of cleanup.containers ?? []) await daemon.client.removeContainer(c, { force: true }).catch(() => undefined);
    for (const v of cleanup.volumes ?? []) await daemon.client.removeVolume(v, { force: true }).catch(() => undefined);
    for (const i of cleanup.images ?? []) await daemon.client.removeImage(i, { force: true }).catch(() => undefined);
  });
  t.teardown(() => {
    if (!t.passed) t.log(`screen at failure:\n${tui.screen()}\n\ndaemon output:\n${daemon.output().slice(-2000)}`);
  });
  return tui;
}

/** A container made through the API (not the TUI), started. */
async function runContainer(daemon: TestDaemon, name: string, cmd: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const { Id } = await daemon.client.createContainer({ Image: 'busybox', Cmd: cmd, ...extra }, name);
  await daemon.client.startContainer(Id);
  return Id;
}

/** The screen line holding `text`. */
const lineWith = (screen: string, text: string) => screen.split('\n').find((l) => l.includes(text)) ?? '';
const TIMEOUT = 30_000 * SLOW;

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

(isRoot ? test.serial : test.skip)('the form: a container made without a command gets a TTY and stays up; toggled off it exits', async (t) => {
  const daemon = d!;
  const up = uniq('tty-on');
  const down = uniq('tty-off');
  const tui = tuiFor(t, daemon, { containers: [up, down] });
  await tui.until((s) => s.includes('NAME'), 'the list');
  await tui.keys('c');
  let s = await tui.until((s) => s.includes('◀ busybox'), 'the form');
  t.regex(lineWith(s, 'Interactive'), /\[x\] on \(no command given\)/);
  await tui.keys(...up.split(''), KEY.enter);
  await tui.until((s) => /running/.test(rowOf(s, up)), 'the shell container running', TIMEOUT);
  const on = await daemon.client.inspectContainer(up);
  t.true(on.Config.Tty);
  t.true(on.Config.OpenStdin);
  // Enter: a shell in it (bash if it had one; busybox has sh).
  await tui.keys(KEY.enter);
  await tui.until((s) => /[#$] ?$/m.test(s), 'the shell prompt', TIMEOUT);
  tui.type('echo in-$HOSTNAME-ok\r');
  await tui.until((s) => s.includes(`in-${on.Id.slice(0, 12)}-ok`) || s.includes('in--ok') || s.includes('in-'), 'the shell answered');
  tui.type('exit\r');
  await tui.until((s) => s.includes('NAME') && s.includes(`─ ${up}`), 'the list again');
  // Toggled off: busybox sh without a terminal ends at once.
  await tui.keys('c');
  await tui.until((s) => s.includes('◀ busybox'), 'the form again');
  await tui.keys(...down.split(''), KEY.tab, KEY.tab, KEY.tab, ' ');
  s = await tui.until((s) => /\[ \] off\s/.test(lineWith(s, 'Interactive')), 'the toggle off');
  await tui.keys(KEY.enter);
  await tui.until((s) => /exited \(0\)/.test(rowOf(s, down)), 'the plain sh exited', TIMEOUT);
  t.false((await daemon.client.inspectContainer(down)).Config.Tty);
});

(isRoot ? test.serial : test.skip)('text fields: a paste, readline keys, and Backspace never removes a container', async (t) => {
  const daemon = d!;
  const name = uniq('pasted');
  const tui = tuiFor(t, daemon, { containers: [name] });
  await tui.until((s) => s.includes('NAME'), 'the list');
  await tui.keys('c');
  await tui.until((s) => s.includes('◀ busybox'), 'the form');
  // Readline keys: a word typed, deleted with Ctrl-W, the line cleared with Ctrl-U.
  await tui.keys(...'some words'.split(''), KEY.ctrlW);
  await tui.until((s) => /Name\s+some\s/.test(lineWith(s, 'Name')), 'Ctrl-W took the last word');
  await tui.keys(KEY.ctrlA, 'X', KEY.ctrlE, 'Y');
  await tui.until((s) => lineWith(s, 'Name').includes('Xsome Y'), 'Ctrl-A and Ctrl-E moved the cursor');
  await tui.keys(KEY.ctrlU);
  await tui.until((s) => !lineWith(s, 'Name').includes('some'), 'Ctrl-U cleared it');
  // A paste with a tab and a newline in it lands in the name field, whole.
  await tui.keys(KEY.paste(`${name}\t\n`));
  let s = await tui.until((s) => lineWith(s, 'Name').includes(name), 'the pasted name');
  for (const label of ['Image', 'Command', 'Interactive', 'Ports', 'Volumes']) t.true(s.includes(label), `the label ${label} is still there`);
  t.regex(lineWith(s, 'Command'), /·/, 'nothing spilled into the command field');
  // The tab and newline came in as spaces; Backspace takes one, the rest is trimmed.
  await tui.keys(KEY.backspace, KEY.enter);
  await tui.until((s) => /running/.test(rowOf(s, name)), 'created under the pasted name', TIMEOUT);
  const made = name;
  // Backspace on the row does not ask to remove it; the sort key shows the keys were read.
  await tui.keys(KEY.backspace, KEY.backspace, 's');
  s = await tui.until((s) => s.includes('NAME▲'), 'the sort changed after the Backspaces');
  t.false(s.includes('[y/n]'));
  t.truthy(await daemon.client.inspectContainer(made));
  await daemon.client.removeContainer(made, { force: true });
});

(isRoot ? test.serial : test.skip)('marks under a filter: the action skips what the filter hides, and says so', async (t) => {
  const daemon = d!;
  const a = uniq('markx');
  const b = uniq('marky');
  await runContainer(daemon, a, ['sleep', '1000']);
  await runContainer(daemon, b, ['sleep', '1000']);
  const tui = tuiFor(t, daemon, { containers: [a, b] });
  await tui.until((s) => /running/.test(rowOf(s, a)) && /running/.test(rowOf(s, b)), 'both running');
  // Filter to each and mark it; then filter to a alone.
  for (const n of [a, b]) {
    await tui.keys('/', KEY.ctrlU, ...n.split(''), KEY.enter);
    await tui.until((s) => s.includes(`filter "${n}"`) && s.includes(`─ ${n}`), `filtered to ${n}`);
    await tui.keys(' ');
  }
  await tui.until((s) => s.includes('2 marked'), 'two marks');
  await tui.keys('/', KEY.ctrlU, ...a.split(''), KEY.enter);
  await tui.until((s) => s.includes(`filter "${a}"`), `filtered to ${a}`);
  await tui.keys('x');
  const s = await tui.until((s) => s.includes('[y/n]'), 'the question');
  t.true(s.includes(`Stop ${a}, not the 1 marked the filter hides? [y/n]`), s);
  await tui.keys('y');
  await tui.until((s) => /exited/.test(rowOf(s, a)), `${a} stopped`, TIMEOUT);
  t.is((await daemon.client.inspectContainer(b)).State.Status, 'running', 'the hidden one was left alone');
});

(isRoot ? test.serial : test.skip)('logs follow again after a daemon restart, without repeating lines', async (t) => {
  const daemon = d!;
  const name = uniq('ticker');
  await runContainer(daemon, name, ['sh', '-c', 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 0.3; done']);
  const tui = tuiFor(t, daemon, { containers: [name] });
  await tui.until((s) => /running/.test(rowOf(s, name)), 'running');
  await tui.keys('/', ...name.split(''), KEY.enter, 'l');
  await tui.until((s) => s.includes('following') && /tick \d/.test(s), 'the logs following', TIMEOUT);
  const last = () => Math.max(...[...tui.screen().matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));
  const before = last();
  await daemon.restart();
  await tui.until((s) => s.includes('following') && last() > before + 3, 'new lines after the restart', TIMEOUT);
  const shown = [...tui.screen().matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
  t.deepEqual(shown, [...new Set(shown)], 'no line twice');
  for (let i = 1; i < shown.length; i++) t.is(shown[i], shown[i - 1]! + 1, 'no line lost or repeated');
});

(isRoot ? test.serial : test.skip)('80x24: the footer keeps q quit, a bulk question keeps [y/n]', async (t) => {
  const daemon = d!;
  const names = [uniq('a-long-container-name-one'), uniq('a-long-container-name-two'), uniq('a-long-container-name-three')];
  for (const n of names) await runContainer(daemon, n, ['sleep', '1000']);
  const tui = tuiFor(t, daemon, { containers: names }, { cols: 80, rows: 24 });
  let s = await tui.until((s) => names.every((n) => /running/.test(rowOf(s, n))), 'all running', TIMEOUT);
  const footer = s.split('\n').filter((l) => l.trim()).at(-1)!;
  t.true(footer.endsWith('? help  q quit'), footer);
  for (const n of names) t.true(s.includes(n), `${n} whole at 80 columns`);
  await tui.keys('/', 'a-long', KEY.enter, ' ', ' ', ' ', 'D');
  s = await tui.until((s) => s.includes('[y/n]'), 'the question');
  t.regex(lineWith(s, '[y/n]'), /Remove 3 containers \(.*\) \(running: killed first\)\? \[y\/n\]/);
  await tui.keys('n');
  await tui.until((s) => !s.includes('[y/n]'), 'cancelled');
});

(isRoot ? test.serial : test.skip)('panes: the : command line, a mouse click on a row, the stats graphs', async (t) => {
  const daemon = d!;
  const a = uniq('click-a');
  const b = uniq('click-b');
  await runContainer(daemon, a, ['sleep', '1000']);
  await runContainer(daemon, b, ['sh', '-c', 'while true; do :; done']);
  const tui = tuiFor(t, daemon, { containers: [a, b] });
  let s = await tui.until((s) => /running/.test(rowOf(s, a)) && /running/.test(rowOf(s, b)), 'both running');
  // A click on a row selects it.
  const target = s.split('\n').findIndex((l) => rowOf(l, b) !== '');
  tui.type(KEY.click(4, target));
  await tui.until((s) => s.includes(`─ ${b}`), `${b} selected by the click`);
  s = tui.screen();
  const other = s.split('\n').findIndex((l) => rowOf(l, a) !== '');
  tui.type(KEY.click(4, other));
  await tui.until((s) => s.includes(`─ ${a}`), `${a} selected by the click`);
  tui.type(KEY.click(4, target));
  await tui.until((s) => s.includes(`─ ${b}`), `${b} again`);
  // The stats tab draws its graphs (the busy loop shows on CPU).
  await tui.keys('d', KEY.tab, KEY.tab);
  s = await tui.until((s) => s.includes('NET rx') && s.includes('BLK write') && (s.match(/[⡀-⣿]/g) ?? []).length > 10, 'the graphs', TIMEOUT);
  t.regex(lineWith(s, 'CPU'), /\d+(\.\d)?%/);
  await tui.keys(KEY.esc);
  await tui.until((s) => s.includes('NAME'), 'the list again');
  // The command line.
  await tui.keys(':', 'v', 'o', 'l', KEY.enter);
  await tui.until((s) => s.includes('MOUNTPOINT') || s.includes('no volumes'), 'the volumes pane by :vol');
  await tui.keys(':', 'i', 'm', KEY.tab, KEY.enter);
  await tui.until((s) => s.includes('REPOSITORY') && s.includes('busybox'), 'the images pane by :im<Tab>');
  await tui.keys(':', 'e', 'v', 'e', 'n', 't', 's', KEY.enter);
  await tui.until((s) => s.includes('ACTION') && /container\s+start/.test(s), 'the events pane shows what happened', TIMEOUT);
});

(isRoot ? test.serial : test.skip)('volumes: create, used by a container, remove refused while used, then removed', async (t) => {
  const daemon = d!;
  const vol = uniq('tuivol');
  const user = uniq('voluser');
  const tui = tuiFor(t, daemon, { containers: [user], volumes: [vol] });
  await tui.until((s) => s.includes('NAME'), 'the list');
  await tui.keys('3', 'c', ...vol.split(''), KEY.enter);
  let s = await tui.until((s) => s.includes(`─ ${vol}`), 'created and selected', TIMEOUT);
  t.true(s.includes('used by no container'));
  await runContainer(daemon, user, ['sleep', '1000'], { HostConfig: { Binds: [`${vol}:/data`] } });
  await tui.until((s) => s.includes(`used by: ${user}`), 'the user shown', TIMEOUT);
  await tui.keys('D');
  await tui.until((s) => s.includes(`Remove ${vol}? [y/n]`), 'the question');
  await tui.keys('y');
  s = await tui.until((s) => s.includes(`✗ remove volume ${vol}`), 'refused', TIMEOUT);
  t.regex(s, /in use/);
  await daemon.client.removeContainer(user, { force: true });
  await tui.keys(KEY.esc);
  await tui.until((s) => !s.includes('✗'), 'the error read');
  await tui.keys('D', 'y');
  await tui.until((s) => !s.includes(vol), 'removed', TIMEOUT);
  t.false((await daemon.client.listVolumes()).some((v) => v.Name === vol));
});

(isRoot ? test.serial : test.skip)('a compose project is one group: stopped as one', async (t) => {
  const daemon = d!;
  const project = uniq('shop');
  const web = `${project}-web-1`;
  const db = `${project}-db-1`;
  const labels = (service: string) => ({ Labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': service } });
  await runContainer(daemon, web, ['sleep', '1000'], labels('web'));
  await runContainer(daemon, db, ['sleep', '1000'], labels('db'));
  const other = uniq('loner');
  await runContainer(daemon, other, ['sleep', '1000']);
  const tui = tuiFor(t, daemon, { containers: [web, db, other] });
  let s = await tui.until((s) => s.includes(`▾ ${project}`) && s.includes('2/2 running'), 'the project group', TIMEOUT);
  t.true(s.includes(web) && s.includes(db));
  // Select the group's line (a click on it), fold it, stop it.
  const y = s.split('\n').findIndex((l) => l.includes(`▾ ${project}`));
  tui.type(KEY.click(2, y));
  await tui.until((s) => s.includes(`project ${project}`), 'the group selected');
  await tui.keys('x');
  s = await tui.until((s) => s.includes('[y/n]'), 'the question');
  t.regex(lineWith(s, '[y/n]'), new RegExp(`Stop project ${project}: 2 containers`));
  await tui.keys('y');
  await tui.until((s) => s.includes('0/2 running'), 'both stopped', TIMEOUT);
  for (const c of [web, db]) t.not((await daemon.client.inspectContainer(c)).State.Status, 'running');
  t.is((await daemon.client.inspectContainer(other)).State.Status, 'running');
});

let registry: Registry | undefined;
const registryDir = tmpDir('bxt-tui-registry');
test.after.always(async () => {
  await registry?.stop();
  fs.rmSync(registryDir, { recursive: true, force: true });
});

(isRoot ? test.serial : test.skip)('images: a pull from a loopback registry with per-layer progress, then removed', async (t) => {
  const daemon = d!;
  registry = await startRegistry(path.join(registryDir, 'registry'));
  // Two layers of incompressible bytes, so each has a size to show progress against.
  const img = buildImage([{ entries: [{ name: 'data/a', data: crypto.randomBytes(3 << 20) }] }, { entries: [{ name: 'data/b', data: crypto.randomBytes(2 << 20) }] }], { Cmd: ['true'] });
  const oci = path.join(registryDir, 'oci');
  writeOciLayout(oci, [{ img, tag: 'v1' }]);
  const ref = `${registry.host}/tui/blob:v1`;
  await push(oci, 'v1', ref);
  const tui = tuiFor(t, daemon, { images: [ref] });
  await tui.until((s) => s.includes('NAME'), 'the list');
  await tui.keys('2', 'p', KEY.paste(ref), KEY.enter);
  // The task keeps each layer's progress: the tasks pane shows them, with a full bar once done.
  await tui.keys('6');
  let s = await tui.until((s) => /done\s+pull /.test(s), 'the pull done', TIMEOUT);
  const layers = img.layers.map((l) => l.digest.slice(7, 19));
  for (const l of layers) t.regex(lineWith(s, l), /(Pull complete|Download complete|Already exists).*▕█+▏/, `layer ${l}`);
  await tui.keys('2');
  s = await tui.until((s) => s.includes(`${registry!.host}/tui/blob`), 'the image listed');
  // Select it (the filter) and remove it.
  await tui.keys('/', ...'tui/blob'.split(''), KEY.enter, 'D');
  await tui.until((s) => s.includes(`Remove ${ref}? [y/n]`), 'the question');
  await tui.keys('y');
  await tui.until((s) => s.includes('no image matches'), 'removed', TIMEOUT);
  t.false((await daemon.client.listImages()).some((i) => i.RepoTags.includes(ref)));
});
