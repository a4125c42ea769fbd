import test from 'ava';
import { render } from 'ink-testing-library';
import { App, type AttachRequest } from '../../src/tui/app/App.js';
import type { AppState } from '../../src/tui/app/state/app.js';
import { makeTheme } from '../../src/tui/app/theme.js';
import { sharesFromWeight } from '../../src/tui/app/state/form.js';
import { tableColumns } from '../../src/tui/app/views/layout.js';
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
};

// eslint-disable-next-line no-control-regex
const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

interface Harness {
  frame(): string;
  press(...keys: string[]): Promise<void>;
  until(pred: (frame: string) => boolean, what: string): Promise<string>;
  attaches: AttachRequest[];
  quits: number;
  saved: AppState | undefined;
  unmount(): void;
}

/** Renders the app against a fake client; waits poll the frame, never sleep a fixed time. */
function mount(client: FakeClient, opts: { columns?: number; rows?: number; initial?: AppState; noColor?: boolean } = {}): Harness {
  const h: Partial<Harness> & { attaches: AttachRequest[]; quits: number } = { attaches: [], quits: 0 };
  const r = render(
    <App
      client={client}
      socketPath="/tmp/fake.sock"
      pollMs={40}
      initial={opts.initial}
      size={{ columns: opts.columns ?? 100, rows: opts.rows ?? 24 }}
      theme={makeTheme(opts.noColor ? { NO_COLOR: '1' } : {})}
      onAttach={(a) => h.attaches.push(a)}
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
  t.true(tableColumns(80).every((col) => col.key !== 'ip'));
  t.true(tableColumns(100).some((col) => col.key === 'ip'));
  for (const l of f.split('\n')) t.true(l.length <= 80, `too wide: ${l}`);
  t.is(f.split('\n').length, 23);
  t.regex(f, /a-rather-long-cont…/);
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
  t.regex(f, /\/ pos/);
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
  t.regex(h.frame(), /running: it is killed first/);
  await h.press('y');
  await h.until((f) => !f.includes('two') && !/\bone\b/.test(lineOf(f, 'busybox')), 'both gone');
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

test.serial('the create form validates fields before sending, then creates, starts and selects', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'existing' });
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('existing'), 'list');
  await h.press('c');
  let f = await h.until((f) => f.includes('◀ busybox:latest ▶'), 'the form with busybox chosen');
  await h.press(...'-bad'.split(''));
  await h.press(KEY.tab, KEY.left); // image: cycle to alpine
  await h.until((f) => f.includes('◀ alpine:3.20 ▶'), 'alpine');
  await h.press(KEY.right);
  await h.until((f) => f.includes('◀ busybox:latest ▶'), 'busybox again');
  await h.press(KEY.tab, ...'sleep 1000'.split(''), KEY.tab, ...'A=1'.split(''), KEY.tab, ...'12 parsecs'.split(''), KEY.tab, '0', KEY.tab, ...'20000'.split(''));
  await h.press(KEY.enter);
  f = await h.until((f) => f.includes('✗ must start with'), 'the name error');
  t.regex(lineOf(f, 'Memory'), /✗ "12 parsecs" is not a size/);
  t.regex(lineOf(f, 'CPUs'), /✗ must be a number above 0/);
  t.regex(lineOf(f, 'CPU weight'), /✗ must be a whole number from 1 to 10000/);
  t.deepEqual(c.calls, [], 'nothing sent while fields are wrong');
  // Focus went to the first bad field (name): fix it, then the others.
  await h.press('\x7f', '\x7f', '\x7f', '\x7f', ...'fresh'.split(''));
  await h.press(KEY.shiftTab, KEY.shiftTab, KEY.shiftTab, '\x7f', '\x7f', '\x7f', '\x7f', '\x7f', '\x7f', '\x7f', '\x7f', '\x7f', '\x7f', ...'64m'.split(''));
  await h.press(KEY.down, '\x7f', ...'0.5'.split(''), KEY.down, '\x7f', '\x7f', '\x7f', '\x7f', '\x7f', ...'200'.split(''));
  await h.press(KEY.enter);
  f = await h.until((f) => f.includes('─ fresh'), 'the new container selected');
  t.regex(lineOf(f, 'fresh'), /running/);
  t.is(c.calls.length, 2, c.calls.join('\n'));
  const [create, start] = c.calls as [string, string];
  t.true(create.startsWith('create fresh '));
  t.deepEqual(JSON.parse(create.slice('create fresh '.length)), {
    Image: 'busybox:latest',
    HostConfig: { Memory: 64 * 1024 * 1024, NanoCpus: 500_000_000, CpuShares: sharesFromWeight(200) },
    Cmd: ['sleep', '1000'],
    Env: ['A=1'],
  });
  t.is(start, 'start fresh');
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

test.serial('logs: lines, search with n/N, timestamps on and off, Esc back', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'chatty' });
  const ts = '2024-05-06T07:08:09.123456789Z';
  c.logLines = [
    { stream: 'stdout', data: Buffer.from(`${ts} starting up\n${ts} error: disk full\n`) },
    { stream: 'stderr', data: Buffer.from(`${ts} ERROR again\n${ts} \x1b[31mcolour\x1b[0m\tdone\n`) },
  ];
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('chatty'), 'list');
  await h.press('l');
  let f = await h.until((f) => f.includes('colour    done'), 'the lines, control codes dropped');
  t.regex(f, /logs chatty · following · 4 lines · timestamps off/);
  t.false(f.includes('2024-05-06'));
  await h.press('t');
  f = await h.until((f) => f.includes('2024-05-06T07:08:09.123Z starting up'), 'timestamps');
  await h.press('/', 'e', 'r', 'r', 'o', 'r');
  await h.until((f) => f.includes('search / error'), 'typing the term');
  await h.press(KEY.enter);
  f = await h.until((f) => f.includes('/error 1/2'), 'two matches');
  t.regex(lineOf(f, 'disk full'), /▶/);
  await h.press('n');
  f = await h.until((f) => f.includes('/error 2/2'), 'next match');
  t.regex(lineOf(f, 'again'), /▶/);
  await h.press('N');
  await h.until((f) => f.includes('/error 1/2'), 'previous match');
  await h.press(KEY.esc);
  await h.until((f) => f.includes('NAME') && !f.includes('logs chatty'), 'back to the list');
  t.deepEqual(c.calls, ['logs chatty']);
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
  for (const word of ['create a container', 'shell in the container', 'remove', 'filter', 'timestamps']) t.true(f.includes(word), word);
  await h.press('x');
  await h.until((f) => f.includes('no containers'), 'closed');
});

test.serial('Enter asks for a shell in a running container and refuses a stopped one', async (t) => {
  const c = new FakeClient();
  c.add({ name: 'up' });
  c.add({ name: 'down', state: 'exited' });
  const h = mount(c);
  t.teardown(h.unmount);
  await h.until((f) => f.includes('─ up'), 'up selected');
  await h.press(KEY.enter);
  await h.until(() => h.attaches.length === 1, 'the attach request');
  t.is(h.attaches[0]!.name, 'up');
  t.is(h.attaches[0]!.info.pid, 4242);
  await h.press('j', 'a');
  await h.until((f) => f.includes('down is not running: press u to start it'), 'the refusal');
  t.is(h.attaches.length, 1);
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
  t.regex(f, /sudo boxifyd/);
  t.regex(f, /is the daemon running\?/);
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
  const h = mount(c);
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
