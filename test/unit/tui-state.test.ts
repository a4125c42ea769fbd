import test from 'ava';
import type { BoxifyStatsEntry, ContainerSummary } from '../../src/core/api/types.js';
import { appReducer, initialState, openContainer, openCreate } from '../../src/tui/app/state/app.js';
import {
  COMPOSE_PROJECT,
  HISTORY,
  initialList,
  isDescending,
  selectedItem,
  visibleItems,
  listReducer,
  needsOomCheck,
  targets,
  visibleRows,
  type ListState,
} from '../../src/tui/app/state/containers.js';
import {
  formReducer,
  initialForm,
  parseMemory,
  parseVolumes,
  splitCommand,
  ttyOn,
  validateForm,
  type FormState,
} from '../../src/tui/app/state/form.js';
import { initialLogs, logsReducer, MAX_LOG_LINES, effectiveTop, wantsOlder, recordTimestamp, type LogsState } from '../../src/tui/app/state/logs.js';
import { compactUptime, exitCodeFromStatus, fit, fitMiddle, formatBytes, sparkline } from '../../src/tui/app/state/format.js';
import { makeTheme } from '../../src/tui/app/theme.js';
import { makePrompt } from '../../src/tui/app/state/prompt.js';
import { containerColumns, scrollTop } from '../../src/tui/app/views/layout.js';

function summary(id: string, name: string, state: ContainerSummary['State'], extra: Partial<ContainerSummary> = {}): ContainerSummary {
  return {
    Id: id.padEnd(64, '0'),
    Names: ['/' + name],
    Image: 'busybox:latest',
    ImageID: 'sha256:1',
    Command: 'sleep 1000',
    Created: 1,
    Ports: [],
    Labels: {},
    State: state,
    Status: state === 'running' ? 'Up 5 minutes' : 'Exited (0) 1 minute ago',
    HostConfig: { NetworkMode: 'bridge' },
    NetworkSettings: { Networks: {} },
    Mounts: [],
    ...extra,
  };
}

function stat(id: string, cpu: number, mem: number): BoxifyStatsEntry {
  return { id: id.padEnd(64, '0'), name: '/x', cpuPercent: cpu, memoryUsage: mem, memoryLimit: 1 << 30, pids: 1, netRx: 0, netTx: 0 };
}

const full = (id: string) => id.padEnd(64, '0');

function refresh(s: ListState, containers: ContainerSummary[], stats: BoxifyStatsEntry[] = []): ListState {
  return listReducer(s, { type: 'refresh', containers, stats });
}

test('refresh merges stats into rows; stopped containers have no figures', (t) => {
  const s = refresh(initialList(), [summary('a', 'web', 'running'), summary('b', 'db', 'exited')], [stat('a', 12.5, 2048)]);
  const web = s.rows.find((r) => r.name === 'web')!;
  t.is(web.cpu, 12.5);
  t.is(web.memUsage, 2048);
  t.is(web.pids, 1);
  const db = s.rows.find((r) => r.name === 'db')!;
  t.is(db.cpu, null);
  t.is(db.exitCode, 0);
  t.true(s.loaded);
});

test('the default sort puts running containers first; s cycles columns and S reverses', (t) => {
  let s = refresh(
    initialList(),
    [summary('a', 'zeta', 'running'), summary('b', 'alpha', 'exited'), summary('c', 'mid', 'running')],
    [stat('a', 1, 300), stat('c', 50, 100)],
  );
  t.deepEqual(visibleRows(s).map((r) => r.name), ['mid', 'zeta', 'alpha']);
  s = listReducer(s, { type: 'sortNext' }); // name
  t.is(s.sort.key, 'name');
  t.deepEqual(visibleRows(s).map((r) => r.name), ['alpha', 'mid', 'zeta']);
  s = listReducer(s, { type: 'sortReverse' });
  t.deepEqual(visibleRows(s).map((r) => r.name), ['zeta', 'mid', 'alpha']);
  while (s.sort.key !== 'cpu') s = listReducer(s, { type: 'sortNext' });
  t.false(s.sort.reverse);
  t.true(isDescending(s.sort), 'CPU starts with the busiest on top');
  t.deepEqual(visibleRows(s).map((r) => r.name), ['mid', 'zeta', 'alpha']);
  while (s.sort.key !== 'mem') s = listReducer(s, { type: 'sortNext' });
  t.deepEqual(visibleRows(s).map((r) => r.name), ['zeta', 'mid', 'alpha']);
});

test('the selection follows the same container when the order changes, and stays in place when it goes', (t) => {
  let s = refresh(initialList(), [summary('a', 'a1', 'running'), summary('b', 'b1', 'running'), summary('c', 'c1', 'running')]);
  t.is(s.selection.key, full('a'));
  s = listReducer(s, { type: 'move', delta: 1 });
  t.is(s.selection.key, full('b'));
  // b stops: it moves to the end under the state sort, and the selection goes with it.
  s = refresh(s, [summary('a', 'a1', 'running'), summary('b', 'b1', 'exited'), summary('c', 'c1', 'running')]);
  t.is(s.selection.key, full('b'));
  t.is(s.selection.index, 2);
  // b is removed: the selection stays on the last line.
  s = refresh(s, [summary('a', 'a1', 'running'), summary('c', 'c1', 'running')]);
  t.is(s.selection.key, full('c'));
  // Moving past either end clamps.
  s = listReducer(s, { type: 'move', delta: 10 });
  t.is(s.selection.key, full('c'));
  s = listReducer(s, { type: 'move', delta: -10 });
  t.is(s.selection.key, full('a'));
  s = listReducer(s, { type: 'moveTo', to: 'last' });
  t.is(s.selection.key, full('c'));
});

test('a created container is selected as soon as it appears', (t) => {
  let s = refresh(initialList(), [summary('a', 'a1', 'running')]);
  s = listReducer(s, { type: 'created', id: full('n') });
  t.is(s.selection.key, full('a'));
  s = refresh(s, [summary('a', 'a1', 'running'), summary('n', 'new', 'running')]);
  t.is(s.selection.key, full('n'));
  t.is(s.pendingSelect, null);
});

test('the filter matches name, image, state and id prefix, and the selection moves into it', (t) => {
  let s = refresh(initialList(), [
    summary('aa', 'web', 'running'),
    summary('bb', 'db', 'running', { Image: 'postgres:16' }),
    summary('cc', 'cache', 'exited'),
  ]);
  s = listReducer(s, { type: 'setFilter', text: 'POST' });
  t.deepEqual(visibleRows(s).map((r) => r.name), ['db']);
  t.is(s.selection.key, full('bb'));
  s = listReducer(s, { type: 'setFilter', text: 'exited' });
  t.deepEqual(visibleRows(s).map((r) => r.name), ['cache']);
  s = listReducer(s, { type: 'setFilter', text: 'aa' });
  t.deepEqual(visibleRows(s).map((r) => r.name), ['web']);
  s = listReducer(s, { type: 'setFilter', text: 'nothing-matches' });
  t.deepEqual(visibleRows(s), []);
  t.is(s.selection.key, null);
});

test('marks choose the targets of an action and vanish with their container', (t) => {
  let s = refresh(initialList(), [summary('a', 'a1', 'running'), summary('b', 'b1', 'running'), summary('c', 'c1', 'running')]);
  t.deepEqual(targets(s).rows.map((r) => r.name), ['a1']);
  s = listReducer(s, { type: 'toggleMark' });
  s = listReducer(s, { type: 'move', delta: 2 });
  s = listReducer(s, { type: 'toggleMark' });
  t.deepEqual(targets(s).rows.map((r) => r.name).sort(), ['a1', 'c1']);
  s = listReducer(s, { type: 'toggleMark' });
  t.deepEqual(targets(s).rows.map((r) => r.name), ['a1']);
  s = refresh(s, [summary('b', 'b1', 'running'), summary('c', 'c1', 'running')]);
  t.deepEqual(s.marks, []);
  t.deepEqual(targets(s).rows.map((r) => r.name), ['c1']);
});

test('history keeps a bounded ring of CPU and memory samples per running container', (t) => {
  let s = initialList();
  for (let i = 0; i < HISTORY + 10; i++) s = refresh(s, [summary('a', 'a1', 'running')], [stat('a', i, i * 10)]);
  const h = s.history[full('a')]!;
  t.is(h.cpu.length, HISTORY);
  t.is(h.cpu.at(-1), HISTORY + 9);
  t.is(h.mem.at(-1), (HISTORY + 9) * 10);
  t.is(h.cpu[0], 10);
  // A stopped container keeps its history but gains no samples; a removed one loses it.
  s = refresh(s, [summary('a', 'a1', 'exited')]);
  t.is(s.history[full('a')]!.cpu.length, HISTORY);
  s = refresh(s, []);
  t.deepEqual(s.history, {});
});

test('exited containers are inspected once for OOM, and again after they run', (t) => {
  let s = refresh(initialList(), [summary('a', 'a1', 'exited', { Status: 'Exited (137) 1 second ago' })]);
  t.deepEqual(needsOomCheck(s), [full('a')]);
  s = listReducer(s, { type: 'oom', id: full('a'), oomKilled: true });
  t.deepEqual(needsOomCheck(s), []);
  s = refresh(s, [summary('a', 'a1', 'exited', { Status: 'Exited (137) 2 seconds ago' })]);
  t.true(s.oom[full('a')]);
  s = refresh(s, [summary('a', 'a1', 'running')]);
  s = refresh(s, [summary('a', 'a1', 'exited')]);
  t.deepEqual(needsOomCheck(s), [full('a')]);
});

test('busy labels are set and cleared per container', (t) => {
  let s = refresh(initialList(), [summary('a', 'a1', 'running')]);
  s = listReducer(s, { type: 'busy', ids: [full('a')], label: 'stopping' });
  t.is(s.busy[full('a')], 'stopping');
  s = listReducer(s, { type: 'busy', ids: [full('a')], label: null });
  t.deepEqual(s.busy, {});
});

function form(values: Partial<Record<keyof FormState['values'], string>>, images: string[] = ['busybox:latest']): FormState {
  let f = formReducer(initialForm(), { type: 'form/images', images });
  for (const [k, v] of Object.entries(values)) f = formReducer(f, { type: 'form/set', field: k as never, value: v as string });
  return f;
}

test('the form builds a Docker create request from valid fields', (t) => {
  const v = validateForm(
    form({ name: 'web-1', command: 'sh -c "echo hi; sleep 5"', env: 'A=1 B=x=y', memory: '100m', cpus: '0.5', cpuShares: '512', ports: '8080:80 127.0.0.1:53:53/udp', volumes: '/srv:/data:ro cache:/cache' }),
  );
  if (!v.ok) return t.fail(JSON.stringify(v.errors));
  t.is(v.name, 'web-1');
  t.deepEqual(v.body, {
    Image: 'busybox:latest',
    Cmd: ['sh', '-c', 'echo hi; sleep 5'],
    Env: ['A=1', 'B=x=y'],
    ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    HostConfig: {
      Memory: 100 * 1024 * 1024,
      NanoCpus: 500_000_000,
      CpuShares: 512,
      PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '53' }] },
      Binds: ['/srv:/data:ro', 'cache:/cache'],
    },
  });
  // No command: the container gets a terminal and an open stdin, so its shell stays up.
  const empty = validateForm(form({}));
  t.true(empty.ok);
  if (empty.ok) t.deepEqual(empty.body, { Image: 'busybox:latest', HostConfig: {}, Tty: true, OpenStdin: true });
  // The toggle can say otherwise either way.
  const off = validateForm(formReducer(form({}), { type: 'form/toggleTty' }));
  t.true(off.ok && off.body.Tty === undefined);
  const on = validateForm(formReducer(form({ command: 'top' }), { type: 'form/toggleTty' }));
  t.true(on.ok && on.body.Tty === true && on.body.OpenStdin === true);
});

test('every bad field gets its own message and the focus goes to the first one', (t) => {
  const f = form({ name: '-bad', command: 'echo "open', env: 'NOEQUALS', memory: '12 parsecs', cpus: '0', cpuShares: '1', ports: '80:80:80:80', volumes: 'relative:path' }, []);
  const v = validateForm(f);
  if (v.ok) return t.fail('accepted bad input');
  t.deepEqual(Object.keys(v.errors).sort(), ['command', 'cpuShares', 'cpus', 'env', 'image', 'memory', 'name', 'ports', 'volumes']);
  t.regex(v.errors.memory!, /100m/);
  t.regex(v.errors.image!, /no images/);
  t.regex(v.errors.cpuShares!, /2 to 262144/);
  t.regex(v.errors.volumes!, /must be absolute/);
  // Docker's names have two characters at least; the message says so.
  const one = validateForm(form({ name: 'a' }));
  t.true(!one.ok && /at least 2 characters/.test(one.errors.name!));
  let g = formReducer({ ...f, focus: 5 }, { type: 'form/errors', errors: { memory: 'x', cpus: 'y' } });
  t.is(g.focus, 7);
  // Editing a field clears its error only.
  g = formReducer(g, { type: 'form/set', field: 'memory', value: '1g' });
  t.deepEqual(g.errors, { cpus: 'y' });
});

test('focus and image choice wrap around; busybox is preselected', (t) => {
  let f = form({}, ['zeta:1', 'busybox:latest', 'alpine:3']);
  t.deepEqual(f.images, ['alpine:3', 'busybox:latest', 'zeta:1']);
  t.is(f.imageIndex, 1);
  f = formReducer(f, { type: 'form/cycleImage', delta: 2 });
  t.is(f.imageIndex, 0);
  f = formReducer(f, { type: 'form/focus', delta: -1 });
  t.is(f.focus, 9);
  f = formReducer(f, { type: 'form/focus', delta: 1 });
  t.is(f.focus, 0);
  f = formReducer(f, { type: 'form/submitting' });
  f = formReducer(f, { type: 'form/failed', message: 'Conflict. name in use' });
  t.false(f.submitting);
  t.is(f.serverError, 'Conflict. name in use');
});

test('size and command parsing', (t) => {
  t.is(parseMemory('1g'), 1024 ** 3);
  t.is(parseMemory('512k'), 512 * 1024);
  t.is(parseMemory('1.5MB'), 1.5 * 1024 * 1024);
  t.is(parseMemory('4096'), 4096);
  t.throws(() => parseMemory('0'), { message: /more than 0/ });
  t.throws(() => parseMemory('ten'), { message: /not a size/ });
  t.deepEqual(splitCommand(`  echo 'a b'  c\\ d "e\\"f" `), ['echo', 'a b', 'c d', 'e"f']);
  t.deepEqual(splitCommand(''), []);
  t.deepEqual(splitCommand(`""`), ['']);
  t.deepEqual(parseVolumes('/a:/b vol:/c:ro'), ['/a:/b', 'vol:/c:ro']);
  t.throws(() => parseVolumes('/a:/b:rx'), { message: /not ro or rw/ });
});

function logs(...texts: string[]): LogsState {
  return logsReducer(initialLogs(), { type: 'logs/append', chunks: texts.map((text) => ({ stream: 'stdout' as const, text })) });
}

test('log chunks become lines per stream, timestamps are split off, the rest waits for its newline', (t) => {
  let s = logs('2024-01-02T03:04:05.123456789Z hello\nwor', 'ld\n');
  s = logsReducer(s, { type: 'logs/append', chunks: [{ stream: 'stderr', text: 'oops\r\npart' }] });
  t.deepEqual(s.lines, [
    { stream: 'stdout', ts: '2024-01-02T03:04:05.123456789Z', text: { text: 'hello' } },
    { stream: 'stdout', ts: null, text: { text: 'world' } },
    { stream: 'stderr', ts: null, text: { text: 'oops' } },
  ]);
  s = logsReducer(s, { type: 'logs/status', status: 'ended' });
  t.is(s.lines.at(-1)!.text.text, 'part');
  t.is(s.status, 'ended');
  t.false(s.timestamps);
  t.true(logsReducer(s, { type: 'logs/toggleTimestamps' }).timestamps);
});

test('scrolling leaves follow mode and scrolling to the end returns to it', (t) => {
  let s = logs(Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(''));
  t.is(s.top, null);
  t.is(effectiveTop(s, 10), 40);
  s = logsReducer(s, { type: 'logs/scroll', delta: -10, height: 10 });
  t.is(s.top, 30);
  s = logsReducer(s, { type: 'logs/append', chunks: [{ stream: 'stdout', text: 'more\n' }] });
  t.is(effectiveTop(s, 10), 30, 'new lines do not move a scrolled view');
  s = logsReducer(s, { type: 'logs/scroll', delta: -100, height: 10 });
  t.is(s.top, 0);
  s = logsReducer(s, { type: 'logs/scroll', delta: 1000, height: 10 });
  t.is(s.top, null);
  s = logsReducer(s, { type: 'logs/home' });
  t.is(s.top, 0);
  s = logsReducer(s, { type: 'logs/follow' });
  t.is(s.top, null);
});

test('search finds matching lines, n/N cycle and reveal them, new lines are searched too', (t) => {
  let s = logs(Array.from({ length: 100 }, (_, i) => (i % 25 === 0 ? `ERROR ${i}\n` : `ok ${i}\n`)).join(''));
  s = logsReducer(s, { type: 'logs/searchCommit', term: 'error', height: 10 });
  t.deepEqual(s.search.matches, [0, 25, 50, 75]);
  // The view followed the end (top 90): no match there, so the last one is current.
  t.is(s.search.current, 3);
  t.true(effectiveTop(s, 10) <= 75 && 75 < effectiveTop(s, 10) + 10);
  s = logsReducer(s, { type: 'logs/next', dir: 1, height: 10 });
  t.is(s.search.current, 0);
  t.is(effectiveTop(s, 10), 0);
  s = logsReducer(s, { type: 'logs/next', dir: -1, height: 10 });
  t.is(s.search.current, 3);
  s = logsReducer(s, { type: 'logs/append', chunks: [{ stream: 'stdout', text: 'another error\n' }] });
  t.deepEqual(s.search.matches, [0, 25, 50, 75, 100]);
  // A new search replaces the term (it does not add to the old one).
  s = logsReducer(s, { type: 'logs/searchCommit', term: 'ok 7', height: 10 });
  t.is(s.search.term, 'ok 7');
  t.is(s.search.matches.length, 10, 'ok 7 and ok 70-79 but 75');
});

test('old log lines are dropped past the cap and positions shift with them', (t) => {
  let s = logs('match\n' + 'x\n'.repeat(MAX_LOG_LINES - 1));
  s = logsReducer(s, { type: 'logs/searchCommit', term: 'match', height: 10 });
  t.deepEqual(s.search.matches, [0]);
  s = logsReducer(s, { type: 'logs/append', chunks: [{ stream: 'stdout', text: 'match again\n' }] });
  t.is(s.lines.length, MAX_LOG_LINES);
  t.deepEqual(s.search.matches, [MAX_LOG_LINES - 1]);
  t.is(s.older, 1, 'the dropped line can be loaded again');
});

test('the app reducer routes form and logs actions only to their mode, and Esc restores the filter', (t) => {
  let s = initialState(0);
  t.is(appReducer(s, { type: 'form/focus', delta: 1 }), s, 'no form open: nothing changes');
  s = appReducer(s, { type: 'mode', mode: openCreate() });
  s = appReducer(s, { type: 'form/focus', delta: 1 });
  t.is(s.mode.kind === 'create' && s.mode.form.focus, 1);
  s = appReducer(s, { type: 'back' });
  t.is(s.mode.kind, 'browse');
  s = appReducer(s, { type: 'mode', mode: openContainer('id', 'n', 'logs') });
  s = appReducer(s, { type: 'logs/append', chunks: [{ stream: 'stdout', text: 'a\n' }] });
  t.is(s.mode.kind === 'detail' && s.mode.detail.logs.lines.length, 1);
  s = appReducer(s, { type: 'back' });
  s = appReducer(s, { type: 'setFilter', text: 'web' });
  s = appReducer(s, { type: 'prompt/open', prompt: makePrompt('filter', [{ label: 'filter', value: 'web' }], { previous: 'web', target: 'containers' }) });
  s = appReducer(s, { type: 'prompt/edit', ev: { type: 'paste', text: 'xyz' } });
  t.is(s.list.filter, 'webxyz', 'the filter applies as it is typed');
  s = appReducer(s, { type: 'back' });
  t.is(s.list.filter, 'web');
  t.is(s.prompt, null);
  t.is(s.mode.kind, 'browse');
});

test('connection state counts failed attempts and recovers', (t) => {
  let s = initialState(0);
  s = appReducer(s, { type: 'disconnected', message: 'down', at: 1 });
  s = appReducer(s, { type: 'disconnected', message: 'down', at: 2 });
  t.deepEqual(s.connection, { kind: 'down', message: 'down', attempts: 2 });
  s = appReducer(s, { type: 'connected', at: 3 });
  t.deepEqual(s.connection, { kind: 'up' });
  t.is(s.now, 3);
});

test('formatting helpers', (t) => {
  t.is(formatBytes(0), '0B');
  t.is(formatBytes(1536), '1.5K');
  t.is(formatBytes(100 * 1024 * 1024), '100M');
  t.is(formatBytes(null), '-');
  t.is(compactUptime('Up 5 minutes'), '5m');
  t.is(compactUptime('Up About an hour'), '1h');
  t.is(compactUptime('Up Less than a second'), '<1s');
  t.is(compactUptime('Exited (0) 1 minute ago'), null);
  t.is(exitCodeFromStatus('Exited (137) 3 seconds ago'), 137);
  t.is(exitCodeFromStatus('Up 1 second'), null);
  t.is(fit('abcdef', 4), 'abc…');
  t.is(fit('ab', 4, 'right'), '  ab');
  t.is(sparkline([0, 50, 100], 5, 100), '  ▁▄█');
  t.is(sparkline([], 3), '   ');
  t.is(sparkline([1, 2, 3, 4, 5, 6, 7, 8], 4), '▅▆▇█');
});

test('the table keeps the selection in view, moving as little as possible', (t) => {
  t.is(scrollTop(0, 5, 100, 10), 0);
  t.is(scrollTop(0, 10, 100, 10), 1);
  t.is(scrollTop(1, 3, 100, 10), 1);
  t.is(scrollTop(20, 3, 100, 10), 3);
  t.is(scrollTop(95, 99, 100, 10), 90, 'never past the end');
  t.is(scrollTop(7, 2, 5, 10), 0, 'everything fits');
});

test('NO_COLOR drops every colour; the words stay', (t) => {
  t.is(makeTheme({ NO_COLOR: '1' }).color('running'), undefined);
  t.true(makeTheme({ NO_COLOR: '1' }).mono);
  t.is(makeTheme({}).color('running'), 'green');
  t.is(makeTheme({ NO_COLOR: '' }).color('failed'), 'red', 'an empty NO_COLOR is unset (no-color.org)');
});

// ---- compose projects, marks under a filter ----

const compose = (project: string, service: string) => ({ Labels: { [COMPOSE_PROJECT]: project, 'com.docker.compose.service': service } });

test('compose projects are groups: a header line, folded and unfolded, actions on the whole project', (t) => {
  let s = refresh(initialList(), [
    summary('a', 'shop-web-1', 'running', compose('shop', 'web')),
    summary('b', 'shop-db-1', 'exited', compose('shop', 'db')),
    summary('c', 'loose', 'running'),
  ]);
  t.deepEqual(
    visibleItems(s).map((i) => (i.kind === 'group' ? `[${i.project} ${i.running}/${i.rows.length}]` : i.row.name)),
    ['[shop 1/2]', 'shop-web-1', 'shop-db-1', 'loose'],
  );
  t.is(s.selection.key, 'group:shop');
  t.deepEqual(targets(s).rows.map((r) => r.name), ['shop-web-1', 'shop-db-1']);
  t.is(targets(s).project, 'shop');
  // Fold from a member: the selection goes to the header.
  s = listReducer(s, { type: 'move', delta: 1 });
  s = listReducer(s, { type: 'toggleGroup', collapse: true });
  t.is(s.selection.key, 'group:shop');
  t.deepEqual(visibleItems(s).map((i) => i.key), ['group:shop', full('c')]);
  s = listReducer(s, { type: 'toggleGroup' });
  t.is(visibleItems(s).length, 4);
  // Space on the header marks the whole project.
  s = listReducer(s, { type: 'toggleMark' });
  t.deepEqual(s.marks.sort(), [full('a'), full('b')].sort());
  // Grouping off: a plain list.
  s = listReducer(s, { type: 'toggleGrouping' });
  t.true(visibleItems(s).every((i) => i.kind === 'row'));
  t.is(selectedItem(s)?.kind, 'row');
});

test('marks hidden by a filter are left out of an action, and counted', (t) => {
  let s = refresh(initialList(), [summary('a', 'web', 'running'), summary('b', 'db', 'running'), summary('c', 'cache', 'running')]);
  s = listReducer(s, { type: 'toggleMark' });
  s = listReducer(s, { type: 'move', delta: 1 });
  s = listReducer(s, { type: 'toggleMark' });
  t.is(s.marks.length, 2);
  // cache and db are marked (the list is sorted by name within the running ones).
  s = listReducer(s, { type: 'setFilter', text: 'web' });
  // No marked container shown: the action is on the selected one, and says 2 are hidden.
  t.deepEqual(targets(s).rows.map((r) => r.name), ['web']);
  t.is(targets(s).hidden, 2);
  s = listReducer(s, { type: 'setFilter', text: 'db' });
  t.deepEqual(targets(s).rows.map((r) => r.name), ['db']);
  t.is(targets(s).hidden, 1);
});

// ---- logs: older lines, the count, colours, the stream's state ----

test('logs: the count says how many are not loaded; older lines go in front and keep the view', (t) => {
  let s = logs(...Array.from({ length: 5 }, (_, i) => `2024-01-01T00:00:0${i + 5}.000000000Z new ${i}\n`));
  s = logsReducer(s, { type: 'logs/count', total: 12 });
  t.is(s.older, 7);
  s = logsReducer(s, { type: 'logs/searchCommit', term: 'old 2', height: 3 });
  s = logsReducer(s, { type: 'logs/home' });
  t.true(wantsOlder(s));
  s = logsReducer(s, { type: 'logs/olderLoading' });
  t.false(wantsOlder(s), 'one request at a time');
  s = logsReducer(s, { type: 'logs/prepend', chunks: [{ stream: 'stdout', text: '2024-01-01T00:00:01.000000000Z old 1\n2024-01-01T00:00:02.000000000Z old 2\n' }], more: true });
  t.deepEqual(s.lines.map((l) => l.text.text).slice(0, 3), ['old 1', 'old 2', 'new 0']);
  t.is(s.top, 2, 'the same line stays on top');
  t.is(s.older, 5);
  t.false(s.loadingOlder);
  s = logsReducer(s, { type: 'logs/prepend', chunks: [], more: false });
  t.is(s.older, 0);
  t.false(wantsOlder(logsReducer(s, { type: 'logs/home' })), 'nothing older is left');
  t.is(recordTimestamp('2024-01-01T00:00:01.000000000Z x'), '2024-01-01T00:00:01.000000000Z');
  t.is(recordTimestamp('plain text here'), null);
});

test('logs keep SGR colours as positions and drop every other escape; wrap and sideways scroll', (t) => {
  let s = logs('\x1b[31mred\x1b[0m plain \x1b[2J\x1b]0;title\x07done\n');
  const l = s.lines[0]!;
  t.is(l.text.text, 'red plain done');
  t.deepEqual(l.text.sgr, [
    { at: 0, code: '\x1b[31m' },
    { at: 3, code: '\x1b[0m' },
  ]);
  s = logsReducer(s, { type: 'logs/hscroll', delta: 8 });
  t.is(s.left, 8);
  s = logsReducer(s, { type: 'logs/toggleWrap' });
  t.true(s.wrap);
  t.is(s.left, 0);
  t.is(logsReducer(s, { type: 'logs/hscroll', delta: 8 }).left, 0, 'no sideways scroll while wrapping');
  s = logsReducer(s, { type: 'logs/status', status: 'reconnecting', error: 'lost the connection' });
  t.is(s.status, 'reconnecting');
  s = logsReducer(s, { type: 'logs/status', status: 'following' });
  t.is(s.error, null);
});
