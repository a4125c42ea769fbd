import test from 'ava';
import type { BoxifyStatsEntry, ContainerSummary } from '../../src/core/api/types.js';
import { appReducer, initialState, openCreate, openLogs } from '../../src/tui/app/state/app.js';
import {
  HISTORY,
  initialList,
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
  sharesFromWeight,
  splitCommand,
  validateForm,
  type FormState,
} from '../../src/tui/app/state/form.js';
import { initialLogs, logsReducer, MAX_LOG_LINES, effectiveTop, type LogsState } from '../../src/tui/app/state/logs.js';
import { compactUptime, exitCodeFromStatus, fit, formatBytes, sparkline } from '../../src/tui/app/state/format.js';
import { makeTheme } from '../../src/tui/app/theme.js';
import { scrollTop } from '../../src/tui/app/views/layout.js';

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
  t.deepEqual(visibleRows(s).map((r) => r.name), ['mid', 'zeta', 'alpha']);
  while (s.sort.key !== 'mem') s = listReducer(s, { type: 'sortNext' });
  t.deepEqual(visibleRows(s).map((r) => r.name), ['zeta', 'mid', 'alpha']);
});

test('the selection follows the same container when the order changes, and stays in place when it goes', (t) => {
  let s = refresh(initialList(), [summary('a', 'a1', 'running'), summary('b', 'b1', 'running'), summary('c', 'c1', 'running')]);
  t.is(s.selectedId, full('a'));
  s = listReducer(s, { type: 'move', delta: 1 });
  t.is(s.selectedId, full('b'));
  // b stops: it moves to the end under the state sort, and the selection goes with it.
  s = refresh(s, [summary('a', 'a1', 'running'), summary('b', 'b1', 'exited'), summary('c', 'c1', 'running')]);
  t.is(s.selectedId, full('b'));
  t.is(s.selectedIndex, 2);
  // b is removed: the selection stays on the last line.
  s = refresh(s, [summary('a', 'a1', 'running'), summary('c', 'c1', 'running')]);
  t.is(s.selectedId, full('c'));
  // Moving past either end clamps.
  s = listReducer(s, { type: 'move', delta: 10 });
  t.is(s.selectedId, full('c'));
  s = listReducer(s, { type: 'move', delta: -10 });
  t.is(s.selectedId, full('a'));
  s = listReducer(s, { type: 'moveTo', to: 'last' });
  t.is(s.selectedId, full('c'));
});

test('a created container is selected as soon as it appears', (t) => {
  let s = refresh(initialList(), [summary('a', 'a1', 'running')]);
  s = listReducer(s, { type: 'created', id: full('n') });
  t.is(s.selectedId, full('a'));
  s = refresh(s, [summary('a', 'a1', 'running'), summary('n', 'new', 'running')]);
  t.is(s.selectedId, full('n'));
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
  t.is(s.selectedId, full('bb'));
  s = listReducer(s, { type: 'setFilter', text: 'exited' });
  t.deepEqual(visibleRows(s).map((r) => r.name), ['cache']);
  s = listReducer(s, { type: 'setFilter', text: 'aa' });
  t.deepEqual(visibleRows(s).map((r) => r.name), ['web']);
  s = listReducer(s, { type: 'setFilter', text: 'nothing-matches' });
  t.deepEqual(visibleRows(s), []);
  t.is(s.selectedId, null);
});

test('marks choose the targets of an action and vanish with their container', (t) => {
  let s = refresh(initialList(), [summary('a', 'a1', 'running'), summary('b', 'b1', 'running'), summary('c', 'c1', 'running')]);
  t.deepEqual(targets(s).map((r) => r.name), ['a1']);
  s = listReducer(s, { type: 'toggleMark' });
  s = listReducer(s, { type: 'move', delta: 2 });
  s = listReducer(s, { type: 'toggleMark' });
  t.deepEqual(targets(s).map((r) => r.name).sort(), ['a1', 'c1']);
  s = listReducer(s, { type: 'toggleMark' });
  t.deepEqual(targets(s).map((r) => r.name), ['a1']);
  s = refresh(s, [summary('b', 'b1', 'running'), summary('c', 'c1', 'running')]);
  t.deepEqual(s.marks, []);
  t.deepEqual(targets(s).map((r) => r.name), ['c1']);
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

function form(values: Partial<FormState['values']>, images: string[] = ['busybox:latest']): FormState {
  let f = formReducer(initialForm(), { type: 'form/images', images });
  for (const [k, v] of Object.entries(values)) f = formReducer(f, { type: 'form/set', field: k as never, value: v! });
  return f;
}

test('the form builds a Docker create request from valid fields', (t) => {
  const v = validateForm(
    form({ name: 'web-1', command: 'sh -c "echo hi; sleep 5"', env: 'A=1 B=x=y', memory: '100m', cpus: '0.5', cpuWeight: '100' }),
  );
  if (!v.ok) return t.fail(JSON.stringify(v.errors));
  t.is(v.name, 'web-1');
  t.deepEqual(v.body, {
    Image: 'busybox:latest',
    Cmd: ['sh', '-c', 'echo hi; sleep 5'],
    Env: ['A=1', 'B=x=y'],
    HostConfig: { Memory: 100 * 1024 * 1024, NanoCpus: 500_000_000, CpuShares: sharesFromWeight(100) },
  });
  const empty = validateForm(form({}));
  t.true(empty.ok);
  if (empty.ok) t.deepEqual(empty.body, { Image: 'busybox:latest', HostConfig: {} });
});

test('every bad field gets its own message and the focus goes to the first one', (t) => {
  const f = form({ name: '-bad', command: 'echo "open', env: 'NOEQUALS', memory: '12 parsecs', cpus: '0', cpuWeight: '10001' }, []);
  const v = validateForm(f);
  if (v.ok) return t.fail('accepted bad input');
  t.deepEqual(Object.keys(v.errors).sort(), ['command', 'cpuWeight', 'cpus', 'env', 'image', 'memory', 'name']);
  t.regex(v.errors.memory!, /100m/);
  t.regex(v.errors.image!, /no images/);
  let g = formReducer({ ...f, focus: 5 }, { type: 'form/errors', errors: { memory: 'x', cpus: 'y' } });
  t.is(g.focus, 4);
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
  t.is(f.focus, 6);
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
  t.is(sharesFromWeight(1), 2);
  t.is(sharesFromWeight(10000), 262144);
});

function logs(...texts: string[]): LogsState {
  return logsReducer(initialLogs(), { type: 'logs/append', chunks: texts.map((text) => ({ stream: 'stdout' as const, text })) });
}

test('log chunks become lines per stream, timestamps are split off, the rest waits for its newline', (t) => {
  let s = logs('2024-01-02T03:04:05.123456789Z hello\nwor', 'ld\n');
  s = logsReducer(s, { type: 'logs/append', chunks: [{ stream: 'stderr', text: 'oops\r\npart' }] });
  t.deepEqual(s.lines, [
    { stream: 'stdout', ts: '2024-01-02T03:04:05.123456789Z', text: 'hello' },
    { stream: 'stdout', ts: null, text: 'world' },
    { stream: 'stderr', ts: null, text: 'oops' },
  ]);
  s = logsReducer(s, { type: 'logs/ended' });
  t.is(s.lines.at(-1)!.text, 'part');
  t.true(s.ended);
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
  s = logsReducer(s, { type: 'logs/searchStart' });
  t.true(s.search.editing);
  s = logsReducer(s, { type: 'logs/searchDraft', text: 'error' });
  s = logsReducer(s, { type: 'logs/searchCommit', height: 10 });
  t.deepEqual(s.search.matches, [0, 25, 50, 75]);
  t.false(s.search.editing);
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
  s = logsReducer(s, { type: 'logs/searchStart' });
  s = logsReducer(s, { type: 'logs/searchCancel' });
  t.is(s.search.term, 'error');
});

test('old log lines are dropped past the cap and positions shift with them', (t) => {
  let s = logs('match\n' + 'x\n'.repeat(MAX_LOG_LINES - 1));
  s = logsReducer(s, { type: 'logs/searchStart' });
  s = logsReducer(s, { type: 'logs/searchDraft', text: 'match' });
  s = logsReducer(s, { type: 'logs/searchCommit', height: 10 });
  t.deepEqual(s.search.matches, [0]);
  s = logsReducer(s, { type: 'logs/append', chunks: [{ stream: 'stdout', text: 'match again\n' }] });
  t.is(s.lines.length, MAX_LOG_LINES);
  t.deepEqual(s.search.matches, [MAX_LOG_LINES - 1]);
});

test('the app reducer routes form and logs actions only to their mode, and Esc restores the filter', (t) => {
  let s = initialState(0);
  t.is(appReducer(s, { type: 'form/focus', delta: 1 }), s, 'no form open: nothing changes');
  s = appReducer(s, { type: 'mode', mode: openCreate() });
  s = appReducer(s, { type: 'form/focus', delta: 1 });
  t.is(s.mode.kind === 'create' && s.mode.form.focus, 1);
  s = appReducer(s, { type: 'back' });
  t.is(s.mode.kind, 'list');
  s = appReducer(s, { type: 'mode', mode: openLogs('id', 'n') });
  s = appReducer(s, { type: 'logs/append', chunks: [{ stream: 'stdout', text: 'a\n' }] });
  t.is(s.mode.kind === 'logs' && s.mode.logs.lines.length, 1);
  s = appReducer(s, { type: 'back' });
  s = appReducer(s, { type: 'setFilter', text: 'web' });
  s = appReducer(s, { type: 'mode', mode: { kind: 'filter', previous: 'web' } });
  s = appReducer(s, { type: 'setFilter', text: 'webxyz' });
  s = appReducer(s, { type: 'back' });
  t.is(s.list.filter, 'web');
  t.is(s.mode.kind, 'list');
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
