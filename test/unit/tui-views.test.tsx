import test from 'ava';
import { render } from 'ink-testing-library';
import { App, type SessionRequest } from '../../src/tui/app/App.js';
import type { AppState } from '../../src/tui/app/state/app.js';
import { makeTheme } from '../../src/tui/app/theme.js';
import { containerColumns } from '../../src/tui/app/views/layout.js';
import { BoxifyError } from '../../src/core/errors.js';
import { FakeClient } from './tui-fake.js';

const KEY = {
  up: '\x1b[A',
  down: '\x1b[B',
  left: '\x1b[D',
  right: '\x1b[C',
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  shiftTab: '\x1b[Z',
  pageUp: '\x1b[5~',
  backspace: '\x7f',
  delete: '\x1b[3~',
  paste: (text: string) => `\x1b[200~${text}\x1b[201~`,
  click: (x: number, y: number) => `\x1b[<0;${x + 1};${y + 1}M\x1b[<0;${x + 1};${y + 1}m`,
  wheelDown: (x: number, y: number) => `\x1b[<65;${x + 1};${y + 1}M`,
};

// eslint-disable-next-line no-control-regex
const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

interface Harness {
  frame(): string;
  press(...keys: string[]): Promise<void>;
  until(pred: (frame: string) => boolean, what: string): Promise<string>;
  sessions: SessionRequest[];
  quits: number;
  saved: AppState | undefined;
  unmount(): void;
}

/** Renders the app against a fake client; waits poll the frame, never sleep a fixed time. */
function mount(client: FakeClient, opts: { columns?: number; rows?: number; initial?: AppState; noColor?: boolean; listEveryMs?: number } = {}): Harness {
  const h: Partial<Harness> & { sessions: SessionRequest[]; quits: number } = { sessions: [], quits: 0 };
  const r = render(
    <App
      client={client}
      socketPath="/tmp/fake.sock"
      pollMs={40}
      listEveryMs={opts.listEveryMs ?? 200}
      initial={opts.initial}
      size={{ columns: opts.columns ?? 100, rows: opts.rows ?? 24 }}
      theme={makeTheme(opts.noColor ? { NO_COLOR: '1' } : {})}
      onSession={(a) => h.sessions.push(a)}
      onQuit={() => h.quits++}
      onState={(s) => (h.saved = s)}
    />,
  );
  const frame = () => strip(r.lastFrame() ?? '');
  h.frame = frame;
  h.until = async (pred, what) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const f = frame();
      if (pred(f)) return f;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last frame:\n${f}`);
      await new Promise((res) => setTimeout(res, 10));
    }
  };
  h.press = async (...keys) => {
    for (const k of keys) {
      r.stdin.write(k);
      // Typing pace: a text field opened by the previous key subscribes to input in an
      // effect that React runs a tick after the render (a person is never that fast).
      for (let i = 0; i < 3; i++) await new Promise((res) => setImmediate(res));
      await new Promise((res) => setTimeout(res, 10));
    }
  };
  h.unmount = r.unmount;
  return h as Harness;
}

function lineOf(frame: string, text: string): string {
  return frame.split('\n').find((l) => l.includes(text)) ?? '';
}

test.serial('the table shows every container with its state in words, figures and the header counts', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'web', mem: 12 * 1024 * 1024 });
  c.add({ name: 'batch', state: 'exited', exitCode: 0 });
  c.add({ name: 'hog', state: 'exited', exitCode: 137, oom: true });
  c.add({ name: 'broken', state: 'exited', exitCode: 2 });
  const h = mount(c, { noColor: true });
  t.teardown(h.unmount);
  const f = await h.until((f) => f.includes('OOM'), 'the OOM flag');
  t.regex(lineOf(f, 'web'), /web\s+busybox:latest\s+running 3m\s+10\.88\.0\.2\s+1\.5%\s+12M\/100M\s+2/);
  t.regex(lineOf(f, 'batch'), /exited \(0\)/);
  t.regex(lineOf(f, 'hog'), /exited \(137\) OOM/);
  t.regex(lineOf(f, 'broken'), /exited \(2\)/);
  t.regex(f, /1 running \/ 4 total/);
  t.regex(f, /\/tmp\/fake\.sock/);
  // Running first under the default sort.
  t.true(f.indexOf('web') < f.indexOf('batch'));
  // Every line fits the width: nothing wraps and tears the layout.
  for (const l of f.split('\n')) t.true(l.length <= 100, `too wide: ${l}`);
  t.is(f.split('\n').length, 23);
});

test.serial('at 80 columns the IP column gives way and every line still fits', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'a-rather-long-container-name-indeed', image: 'registry.example/some/very/long/image:tag' });
  const h = mount(c, { columns: 80, rows: 24 });
  t.teardown(h.unmount);
  const f = await h.until((f) => f.includes('running 3m'), 'the row');
  t.false(f.includes('IP '));
  t.true(containerColumns(80, { want: { name: 40 } }).every((col) => col.key !== 'ip'));
  for (const l of f.split('\n')) t.true(l.length <= 80, `too wide: ${l}`);
  t.is(f.split('\n').length, 23);
  t.regex(f, /a-rather-long-container-name-indeed/, 'NAME gets its room first');
});

test.serial('arrows and j/k move the selection; the detail pane follows it with sparklines', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'alpha' });
  c.add({ name: 'beta', cpu: 40 });
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => /─ alpha/.test(f), 'alpha selected');
  await h.press('j');
  let f = await h.until((f) => /─ beta/.test(f), 'beta selected');
  const cpu = f.split('\n').find((l) => l.startsWith('CPU '))!;
  const mem = f.split('\n').find((l) => l.startsWith('MEM '))!;
  t.regex(cpu, /[▁▂▃▄▅▆▇█]/);
  t.regex(cpu, /40\.0%/);
  t.regex(mem, /5M\/100M/);
  await h.press(KEY.up);
  await h.until((f) => /─ alpha/.test(f), 'alpha selected again');
  await h.press(KEY.down, 'k');
  f = await h.until((f) => /─ alpha/.test(f), 'still alpha');
  t.pass();
});

test.serial('s cycles the sort column and S reverses it', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'b-second' });
  c.add({ name: 'a-first' });
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('STATE▲'), 'state sort');
  await h.press('s');
  let f = await h.until((f) => f.includes('NAME▲'), 'name sort');
  t.true(f.indexOf('a-first') < f.indexOf('b-second'));
  await h.press('S');
  f = await h.until((f) => f.includes('NAME▼'), 'reversed');
  t.true(f.indexOf('b-second') < f.indexOf('a-first'));
});

test.serial('/ filters as you type; Enter keeps the filter and Esc clears it', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'web' });
  c.add({ name: 'db', image: 'postgres:16' });
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('postgres'), 'rows');
  await h.press('/', 'p', 'o', 's');
  let f = await h.until((f) => !f.includes('busybox:latest'), 'filtered');
  t.regex(f, /\/pos/);
  await h.press(KEY.enter);
  f = await h.until((f) => f.includes('filter "pos"'), 'filter kept');
  t.true(f.includes('postgres'));
  await h.press(KEY.esc);
  await h.until((f) => f.includes('busybox:latest') && f.includes('postgres'), 'filter cleared');
  t.pass();
});

test.serial('stop asks first, then stops; marked containers are removed together', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'one' });
  c.add({ name: 'two' });
  c.add({ name: 'three', state: 'exited' });
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('─ one'), 'one selected');
  await h.press('x');
  await h.until((f) => f.includes('Stop one? [y/n]'), 'the question');
  await h.press('n');
  await h.until((f) => !f.includes('[y/n]'), 'cancelled');
  t.deepEqual(c.calls, []);
  await h.press('x');
  await h.until((f) => f.includes('Stop one?'), 'asked again');
  await h.press('y');
  await h.until((f) => /one\s+busybox:latest\s+exited \(137\)/.test(f), 'one stopped');
  t.deepEqual(c.calls, ['stop one']);
  // Mark two containers with space (which also moves down) and remove both.
  await h.press('g');
  await h.until((f) => f.includes('─ two'), 'two first (running)');
  await h.press(' ', ' ');
  await h.until((f) => f.includes('2 marked'), 'two marks');
  await h.press('D');
  await h.until((f) => f.includes('Remove 2 containers'), 'the bulk question');
  t.regex(h.frame(), /running: killed first/);
  await h.press('y');
  await h.until((f) => !/^\S?\s*(one|two)\s/m.test(f), 'both gone');
  t.deepEqual(c.calls.slice(1).sort(), ['remove one force', 'remove two force']);
  // Kill is refused on a stopped container, with the reason.
  await h.press('K');
  await h.until((f) => f.includes('three is not running'), 'the refusal');
});

test.serial('u starts and r restarts the selected container', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'sleepy', state: 'exited' });
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('exited (0)'), 'exited');
  await h.press('u');
  await h.until((f) => f.includes('running 3m'), 'started');
  await h.press('r');
  await h.until(() => c.calls.includes('restart sleepy'), 'restarted');
  t.deepEqual(c.calls, ['start sleepy', 'restart sleepy']);
});

test("the daemon's refusal is shown in the form, which stays open", async (t) => {
  const c = new FakeClient();
  c.createError = new BoxifyError('conflict', 'Conflict. The container name "/dup" is already in use');
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('no containers'), 'empty list');
  await h.press('c');
  await h.until((f) => f.includes('◀ busybox'), 'form');
  await h.press('d', 'u', 'p', KEY.enter);
  const f = await h.until((f) => f.includes('boxifyd refused'), 'the refusal');
  t.regex(f, /already in use/);
  t.regex(f, /Create a container/);
  await h.press(KEY.esc);
  await h.until((f) => f.includes('no containers'), 'back to the list');
});

test.serial('details show the inspect essentials', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'web', env: ['PATH=/bin', 'MODE=prod'], hostConfig: { Memory: 64 * 1024 * 1024, NanoCpus: 1_500_000_000 } });
  const h = mount(c, { rows: 40 });
  t.teardown(h.unmount);
  await h.until((f) => f.includes('web'), 'list');
  await h.press('d');
  const f = await h.until((f) => f.includes('MODE=prod'), 'the env');
  t.regex(f, /memory\s+64M/);
  t.regex(f, /cpus\s+1\.5/);
  t.regex(f, /Command\s+sleep 1000/);
  t.regex(f, /bridge\s+10\.88\.0\.2\/24 via 10\.88\.0\.1/);
  t.regex(f, /State\s+running, pid 4242/);
  await h.press(KEY.esc);
  await h.until((f) => f.includes('NAME'), 'list again');
});

test.serial('? shows every key and any key closes it', async (t) => {
  const h = mount(new FakeClient());
  t.teardown(h.unmount);
  await h.until((f) => f.includes('no containers'), 'list');
  await h.press('?');
  const f = await h.until((f) => f.includes('Keys'), 'help');
  for (const word of ['create a container', 'shell in the container', 'remove', 'filter', 'switch pane', 'command line', 'attach']) t.true(f.includes(word), word);
  t.false(f.includes('↑↓ scroll ('), 'at 100x24 every key fits without scrolling');
  await h.press('x');
  await h.until((f) => f.includes('no containers'), 'closed');
  // Each pane and the container screen have their own keys.
  await h.press('2', '?');
  await h.until((f) => f.includes('pull an image'), "the images pane's keys");
  await h.press(KEY.esc);
  await h.until((f) => f.includes('REPOSITORY'), 'images again');
});

test.serial('Enter asks for a shell in a running container and refuses a stopped one', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'up' });
  c.add({ name: 'down', state: 'exited' });
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('─ up'), 'up selected');
  await h.press(KEY.enter);
  await h.until(() => h.sessions.length === 1, 'the shell request');
  t.like(h.sessions[0], { kind: 'exec', name: 'up' });
  await h.press('a');
  await h.until(() => h.sessions.length === 2, 'the attach request');
  t.like(h.sessions[1], { kind: 'attach', name: 'up' });
  await h.press('j', KEY.enter);
  await h.until((f) => f.includes('down is not running: press u to start it'), 'the refusal');
  t.is(h.sessions.length, 2);
  await h.press('q');
  t.is(h.quits, 1);
});

test.serial('a dead daemon gets a plain screen with the fix, and the TUI reconnects by itself', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'survivor' });
  c.down = true;
  const h = mount(c);
  t.teardown(h.unmount);
  const f = await h.until((f) => f.includes('boxifyd is not reachable'), 'the down screen');
  t.is(f.split('sudo boxifyd').length, 2, 'the hint once, not twice');
  t.regex(f, /cannot connect to boxifyd/);
  c.down = false;
  await h.until((f) => f.includes('survivor'), 'the list after reconnecting');
  t.pass();
});

test.serial('refreshes never overlap: the next starts after the previous answered', async (t) => {
  const c = new FakeClient();
  let inFlight = 0;
  let maxInFlight = 0;
  let lists = 0;
  const orig = c.listContainers.bind(c);
  c.listContainers = async () => {
    lists++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 100)); // slower than the 40 ms period
    inFlight--;
    return orig();
  };
  const h = mount(c, { listEveryMs: 0 });
  t.teardown(h.unmount);
  await h.until(() => c.statsCount >= 4, 'four rounds');
  t.is(maxInFlight, 1);
  t.true(Math.abs(c.statsCount - lists) <= 1, 'one stats request per list request');
  h.unmount();
  const after = c.statsCount;
  await new Promise((r) => setTimeout(r, 200));
  t.true(c.statsCount <= after + 1, 'polling stops on unmount');
});

test.serial('a saved state renders the same screen again (what the TUI does after a shell)', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'a1' });
  c.add({ name: 'b2' });
  c.add({ name: 'c3' });
  const h1 = mount(c);
  t.teardown(h1.unmount);
  await h1.until((f) => f.includes('─ a1'), 'a1');
  await h1.press('s', 'S', 'k');
  const before = await h1.until((f) => f.includes('─ b2') && f.includes('NAME▼'), 'b2 under a reversed name sort');
  h1.unmount();
  const h2 = mount(c, { initial: h1.saved });
  t.teardown(h2.unmount);
  const after = await h2.until((f) => f.includes('─ b2') && f.includes('NAME▼'), 'the same screen');
  const table = (f: string) => f.split('\n').slice(1, 6).join('\n');
  t.is(table(after), table(before));
});

// ---- the create form ----

test.serial('the create form: TTY on by default without a command, ports and volumes, errors on the field', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'existing' });
  const h = mount(c, { rows: 30 });
  t.teardown(h.unmount);
  await h.until((f) => f.includes('existing'), 'list');
  await h.press('c');
  let f = await h.until((f) => f.includes('◀ busybox:latest ▶'), 'the form with busybox chosen');
  t.regex(lineOf(f, 'Interactive'), /\[x\] on \(no command given\)/);
  t.regex(lineOf(f, 'Name'), /at least 2 characters/);
  t.regex(lineOf(f, 'CPU shares'), /1024 = default/);
  // A fast burst: the name, Tab, the image (←), Tab, a command: each key where it belongs.
  await h.press('x' + KEY.tab + KEY.left + KEY.tab + 'top -b');
  f = await h.until((f) => f.includes('◀ alpine:3.20 ▶') && f.includes('top -b'), 'the burst spread over three fields');
  t.regex(lineOf(f, 'Name'), /› ?Name|Name\s+x\s/);
  t.regex(lineOf(f, 'Interactive'), /\[ \] off \(a command is given\)/);
  await h.press(KEY.tab, ' ');
  f = await h.until((f) => /\[x\] on\s/.test(lineOf(f, 'Interactive')), 'TTY toggled on');
  // Ports and volumes; then a bad name and a bad port are shown on their fields.
  await h.press(KEY.tab, ...'8080:80'.split(''), KEY.tab, KEY.paste('/srv:/data:ro\n'), KEY.enter);
  f = await h.until((f) => f.includes('✗ at least 2 characters'), 'the name error');
  t.deepEqual(c.calls, [], 'nothing sent while a field is wrong');
  t.true(lineOf(f, '› Name').length > 0, 'the focus went to the bad field');
  await h.press('\x15', ...'web1'.split(''), KEY.enter);
  f = await h.until((f) => f.includes('─ web1'), 'created, started and selected');
  const [create, start] = c.calls as [string, string];
  t.true(create.startsWith('create web1 '));
  t.deepEqual(JSON.parse(create.slice('create web1 '.length)), {
    Image: 'alpine:3.20',
    HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }, Binds: ['/srv:/data:ro'] },
    Cmd: ['top', '-b'],
    ExposedPorts: { '80/tcp': {} },
    Tty: true,
    OpenStdin: true,
  });
  t.is(start, 'start web1');
});

test.serial('text fields: readline keys edit, a paste lands in the field as one piece, labels stay', async (t) => {
  const c = new FakeClient();
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('no containers'), 'list');
  await h.press('c');
  await h.until((f) => f.includes('◀ busybox'), 'form');
  await h.press(...'hello world'.split(''));
  await h.press('\x17'); // Ctrl-W: the last word
  let f = await h.until((f) => /Name\s+hello\s/.test(f), 'Ctrl-W');
  await h.press('\x01', 'X', '\x05', 'Y'); // Ctrl-A, Ctrl-E
  f = await h.until((f) => f.includes('Xhello Y'), 'Ctrl-A and Ctrl-E');
  await h.press('\x15'); // Ctrl-U
  await h.press(KEY.paste('pasted-name\tand more'));
  f = await h.until((f) => f.includes('pasted-name and more'), 'the paste in the name field');
  for (const label of ['Image', 'Command', 'Interactive', 'Ports', 'Volumes', 'Env', 'Memory', 'CPUs', 'CPU shares']) t.true(f.includes(label), label);
  t.regex(lineOf(f, 'Command'), /·/, 'nothing spilled into the next field');
});


// ---- the list: Backspace, marks and filters, narrow screens ----

test.serial('Backspace on a row does nothing; D and Delete ask before removing', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'keepme' });
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('─ keepme'), 'selected');
  await h.press(KEY.backspace, KEY.backspace);
  await h.press('j');
  t.false(h.frame().includes('[y/n]'));
  await h.press(KEY.delete);
  await h.until((f) => f.includes('Remove keepme (running: killed first)? [y/n]'), 'Delete asks');
  await h.press('n');
  await h.until((f) => !f.includes('[y/n]'), 'cancelled');
  t.deepEqual(c.calls, []);
});

test.serial('a filter hides marked containers from a bulk action, and the question says so', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'alpha' });
  c.add({ name: 'beta' });
  c.add({ name: 'gamma' });
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('─ alpha'), 'alpha selected');
  await h.press(' ', ' ', ' ');
  await h.until((f) => f.includes('3 marked'), 'three marks');
  await h.press('/', 'a', 'l', KEY.enter);
  await h.until((f) => f.includes('filter "al"') && !f.includes('gamma'), 'filtered to alpha');
  await h.press('x');
  const f = await h.until((f) => f.includes('[y/n]'), 'the question');
  t.regex(f, /Stop alpha, not the 2 marked the filter hides\? \[y\/n\]/);
  await h.press('y');
  await h.until(() => c.calls.length === 1, 'one stop');
  t.deepEqual(c.calls, ['stop alpha']);
});

test.serial('80x24: the footer keeps ? help and q quit; a bulk question keeps [y/n]; NAME wins at 60 and 40', async (t) => {
  const c = new FakeClient();
  for (let i = 0; i < 8; i++) c.add({ name: `service-with-a-long-name-${i}` });
  const h = mount(c, { columns: 80, rows: 24 });
  t.teardown(h.unmount);
  let f = await h.until((f) => f.includes('─ service-with-a-long-name-0'), 'list');
  const footer = f.split('\n').at(-1)!;
  t.regex(footer, /\? help {2}q quit$/);
  await h.press(' ', ' ', ' ', ' ', ' ', ' ', 'D');
  f = await h.until((f) => f.includes('[y/n]'), 'the bulk question');
  t.regex(f, /Remove 6 containers \(service-with-a-long-name.*…\) \(running: killed first\)\? \[y\/n\]/);
  t.true(f.includes('service-with-a-long-name-0 '), 'the whole name at 80 columns');
  for (const l of f.split('\n')) t.true(l.length <= 80, l);
  await h.press('n');
  h.unmount();
  for (const cols of [60, 40]) {
    const n = mount(c, { columns: cols, rows: 24 });
    const g = await n.until((f) => f.includes('running 3m'), `the list at ${cols}`);
    t.true(g.includes('service-with-a-long-name-0'), `the whole name at ${cols}:\n${g}`);
    t.regex(g.split('\n').at(-1)!, /\? help {2}q quit$/);
    n.unmount();
  }
});

test.serial('an error stays until read, and goes once the same action succeeds', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'flaky' });
  let fail = true;
  const stop = c.stopContainer.bind(c);
  c.stopContainer = async (ref: string) => {
    if (fail) throw new BoxifyError('conflict', 'the container is busy');
    return stop(ref);
  };
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('─ flaky'), 'selected');
  await h.press('x', 'y');
  let f = await h.until((f) => f.includes('✗ stop flaky: flaky: the container is busy'), 'the error');
  t.regex(f, /1 error \(6\)/);
  fail = false;
  await h.press('x', 'y');
  f = await h.until((f) => /exited \(137\)/.test(lineOf(f, 'flaky')), 'stopped');
  await h.until((f) => !f.includes('✗'), 'the error answered by the success');
});

// ---- panes, the command line, the mouse ----

test.serial('panes switch with 1-6, Tab and the : command line', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'web' });
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('─ web'), 'containers');
  await h.press('2');
  let f = await h.until((f) => f.includes('REPOSITORY') && f.includes('alpine'), 'images');
  await h.press(KEY.tab);
  f = await h.until((f) => f.includes('MOUNTPOINT') || f.includes('no volumes'), 'volumes');
  await h.press(':', 'e', 'v', KEY.enter);
  f = await h.until((f) => f.includes('TIME') && f.includes('ACTION'), 'events by :ev');
  await h.press(':', 'i', 'm', KEY.tab);
  await h.until((f) => f.includes(':images'), 'completed to :images');
  await h.press(KEY.enter);
  await h.until((f) => f.includes('REPOSITORY'), 'images by :images');
  await h.press(':', 'n', 'o', 'p', 'e', KEY.enter);
  f = await h.until((f) => f.includes('unknown command "nope"'), 'the refusal on the line');
  await h.press(KEY.esc, '1');
  await h.until((f) => f.includes('─ web'), 'containers again');
  t.pass();
});

test.serial('the mouse: a click selects a row and a pane; the wheel moves', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'one' });
  c.add({ name: 'two' });
  c.add({ name: 'three' });
  const h = mount(c);
  t.teardown(h.unmount);
  let f = await h.until((f) => f.includes('─ one'), 'one selected');
  const y = f.split('\n').findIndex((l) => /^\s*three\s/.test(l));
  await h.press(KEY.click(5, y));
  await h.until((f) => f.includes('─ three'), 'three by a click');
  await h.press(KEY.wheelDown(5, 5));
  f = await h.until((f) => f.includes('─ two'), 'the wheel moved to the last');
  const x = f.split('\n')[1]!.indexOf('Images');
  await h.press(KEY.click(x, 1));
  await h.until((f) => f.includes('REPOSITORY'), 'images by a click on its tab');
  t.pass();
});

test.serial('images: pull with per-layer progress in the background, remove refused with the reason, run prefilled', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'user-of-busybox' });
  let release!: () => void;
  c.pullGate = new Promise((r) => (release = r));
  c.pullScript = [
    { status: 'Pulling from library/nginx', id: 'latest' },
    { status: 'Pulling fs layer', id: 'aaaaaaaaaaaa' },
    { status: 'Downloading', id: 'aaaaaaaaaaaa', progressDetail: { current: 512, total: 1024 } },
    { status: 'Pulling fs layer', id: 'bbbbbbbbbbbb' },
  ];
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('user-of-busybox'), 'list');
  await h.press('2');
  await h.until((f) => f.includes('alpine'), 'images');
  await h.press('p', ...'nginx'.split(''), KEY.enter);
  let f = await h.until((f) => /pull nginx\s+\d+% ▕/.test(f), 'the pull progress under the table');
  t.regex(f, /3 layers/);
  await h.press('6');
  f = await h.until((f) => f.includes('aaaaaaaaaaaa') && f.includes('Downloading'), 'the layers in the tasks pane');
  t.regex(f, /512B\/1K/);
  release();
  await h.until((f) => /done\s+pull nginx/.test(f), 'the pull done');
  await h.press('2');
  await h.until((f) => f.includes('nginx'), 'nginx listed');
  // busybox is used by a container: removal is refused with who uses it.
  await h.press('g', 'j');
  await h.until((f) => /─ busybox:latest/.test(f), 'busybox selected');
  await h.press('D');
  await h.until((f) => f.includes('Remove busybox:latest? [y/n]'), 'the question');
  await h.press('y');
  f = await h.until((f) => f.includes('✗ remove image busybox:latest'), 'the refusal');
  t.regex(f, /remove image busybox:latest: used by container user-of-busybox: remove it first/);
  // Enter: the create form with this image.
  await h.press(KEY.esc, KEY.enter);
  await h.until((f) => f.includes('◀ busybox:latest ▶'), 'the form prefilled');
  t.true(c.calls.includes('pull nginx'));
});

test.serial('volumes: create, who uses it, remove refused while used, prune', async (t) => {
  const c = new FakeClient();
  c.volumeList = [{ Name: 'data', Driver: 'local', Mountpoint: '/var/lib/boxify/volumes/data/_data', Labels: {} }];
  c.add({ name: 'db', volumes: ['data'] });
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('db'), 'list');
  await h.press('3');
  let f = await h.until((f) => f.includes('used by: db'), 'the volume and its user');
  t.regex(lineOf(f, 'data'), /data\s+local/);
  await h.press('c', ...'scratch'.split(''), KEY.enter);
  f = await h.until((f) => f.includes('─ scratch'), 'created and selected');
  t.regex(f, /used by no container/);
  await h.press('k', 'D', 'y');
  f = await h.until((f) => f.includes('✗ remove volume data'), 'refused');
  t.regex(f, /remove volume data: used by container db: remove it first/);
  await h.press(KEY.esc, 'P', 'y');
  await h.until((f) => !f.includes('scratch'), 'pruned');
  t.true(c.calls.includes('prune volumes'));
});

test.serial('events: live from the stream, filterable', async (t) => {
  const c = new FakeClient();
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('no containers'), 'list');
  await h.press('5');
  await h.until((f) => f.includes('live, following'), 'the stream is open');
  c.feed.push({ Type: 'container', Action: 'start', Actor: { ID: 'a'.repeat(64), Attributes: { name: 'web', image: 'busybox' } }, time: 1_700_000_000 });
  c.feed.push({ Type: 'image', Action: 'pull', Actor: { ID: 'nginx:latest', Attributes: {} }, time: 1_700_000_001 });
  let f = await h.until((f) => f.includes('nginx:latest'), 'both events');
  t.regex(f, /container\s+start\s+web/);
  await h.press('/', 'p', 'u', 'l', 'l', KEY.enter);
  f = await h.until((f) => f.includes('1 of 2 events'), 'filtered');
  t.false(/container\s+start/.test(f));
});

test.serial('a compose project is a group: folded, and stopped as one', async (t) => {
  const c = new FakeClient();
  const labels = (s: string) => ({ 'com.docker.compose.project': 'shop', 'com.docker.compose.service': s });
  c.add({ name: 'shop-web-1', labels: labels('web') });
  c.add({ name: 'shop-db-1', labels: labels('db') });
  c.add({ name: 'other' });
  const h = mount(c);
  t.teardown(h.unmount);
  let f = await h.until((f) => f.includes('▾ shop'), 'the project header');
  t.regex(f, /shop\s+compose project · 2\/2 running/);
  await h.press(KEY.left);
  f = await h.until((f) => f.includes('▸ shop') && !f.includes('shop-web-1'), 'folded');
  await h.press('x');
  await h.until((f) => f.includes('Stop project shop: 2 containers (shop-web-1, shop-db-1)? [y/n]') || f.includes('Stop project shop: 2 containers (shop-db-1, shop-web-1)? [y/n]'), 'the project question');
  await h.press('y');
  await h.until((f) => f.includes('0/2 running'), 'both stopped');
  t.deepEqual(c.calls.sort(), ['stop shop-db-1', 'stop shop-web-1']);
  t.is(c.containers.find((x) => x.name === 'other')!.state, 'running');
});

test.serial('the container screen: stats graphs, env, foldable config, top; logs reconnect', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'busy', env: ['PATH=/bin', 'MODE=prod'], cpu: 40 });
  let logCalls = 0;
  const logs = c.logs.bind(c);
  c.logs = (ref, opts) => {
    logCalls++;
    // The first stream breaks like a daemon restart does; the next one works.
    if (logCalls === 1) {
      return {
        async *[Symbol.asyncIterator]() {
          yield { stream: 'stdout' as const, data: Buffer.from('2024-01-01T00:00:00.000000001Z before\n') };
          throw new BoxifyError('unavailable', 'lost the connection to boxifyd at /tmp/fake.sock: socket hang up');
        },
      };
    }
    return logs(ref, opts);
  };
  c.logLines = [
    { stream: 'stdout', data: Buffer.from('2024-01-01T00:00:00.000000001Z before\n') },
    { stream: 'stdout', data: Buffer.from('2024-01-01T00:00:01.000000000Z after\n') },
  ];
  const h = mount(c, { rows: 30 });
  t.teardown(h.unmount);
  await h.until((f) => f.includes('─ busy'), 'list');
  await h.press('l');
  let f = await h.until((f) => f.includes('after') && f.includes('following'), 'the stream back after the break');
  t.is(f.split('before').length, 2, 'the line before the break once, not twice');
  await h.press(KEY.tab);
  f = await h.until((f) => f.includes('CPU') && f.includes('NET rx') && /[⡀-⣿]/.test(f), 'graphs drawn');
  t.regex(f, /BLK write/);
  await h.press(KEY.tab);
  f = await h.until((f) => f.includes('MODE=prod'), 'env');
  await h.press(KEY.tab);
  f = await h.until((f) => f.includes('"State": { … '), 'config folded to its sections');
  await h.press('E');
  await h.until((f) => f.includes('"Running": true'), 'unfolded');
  await h.press(KEY.tab);
  f = await h.until((f) => f.includes('sleep 1000') && f.includes('PPID'), 'top');
  t.regex(f, /1 processes · refreshed/);
  await h.press(KEY.esc);
  await h.until((f) => f.includes('NAME'), 'back');
});

test.serial('Esc and a key typed together (read as Alt+key) are taken as the two keys', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'web' });
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('─ web'), 'list');
  await h.press('d');
  await h.until((f) => f.includes(' Info '), 'the container screen');
  // Esc then ":" in one piece: back to the list, then the command line.
  await h.press('\x1b:');
  await h.until((f) => f.includes('NAME') && /^:/m.test(f.split('\n').at(-1)!), 'the command line over the list');
  t.pass();
});
