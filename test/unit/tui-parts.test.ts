// The TUI's pure parts besides the reducers of tui-state: input decoding, readline editing,
// styled text, the foldable JSON, the command line, tasks, events, resources, layout, graphs.
import test from 'ava';
import { decode, initialDecoder, keyId, type InputEvent } from '../../src/tui/app/input/keys.js';
import { editLine, line, type Line } from '../../src/tui/app/input/lineEdit.js';
import { findAll, parseStyled, segments } from '../../src/tui/app/state/ansi.js';
import { completeCommand, parseCommand } from '../../src/tui/app/state/command.js';
import { eventFrom, eventsReducer, initialEvents, visibleEvents } from '../../src/tui/app/state/events.js';
import { lineGraph, niceMax } from '../../src/tui/app/state/graph.js';
import { foldableAt, foldTarget, jsonLines } from '../../src/tui/app/state/json.js';
import { imageRows, initialResource, networkRows, resourceReducer, resourceTargets, type ImageRow } from '../../src/tui/app/state/resources.js';
import { initialTasks, taskProgress, tasksReducer, unreadErrors } from '../../src/tui/app/state/tasks.js';
import { fitMiddle } from '../../src/tui/app/state/format.js';
import { confirmQuestion } from '../../src/tui/app/views/Confirm.js';
import { footerHints, GLOBAL_KEYS, PANE_KEYS } from '../../src/tui/app/views/keyHelp.js';
import { containerColumns, layoutColumns } from '../../src/tui/app/views/layout.js';

function keys(...pieces: string[]): string[] {
  let st = initialDecoder;
  const out: string[] = [];
  for (const p of pieces) {
    const r = decode(st, p);
    st = r.state;
    for (const e of r.events) out.push(e.type === 'key' ? keyId(e.key) : e.type === 'paste' ? `paste:${e.text}` : `mouse:${e.mouse.action}@${e.mouse.x},${e.mouse.y}`);
  }
  return out;
}

test('input: a burst of text is one key per character; Backspace and Delete differ; Ctrl and Alt', (t) => {
  t.deepEqual(keys('ab\tc\r'), ['a', 'b', 'tab', 'c', 'return']);
  t.deepEqual(keys('\x7f', '\x1b[3~', '\x08'), ['backspace', 'delete', 'ctrl-backspace']);
  t.deepEqual(keys('\x15\x17\x01\x05\x0b'), ['ctrl-u', 'ctrl-w', 'ctrl-a', 'ctrl-e', 'ctrl-k']);
  t.deepEqual(keys('\x1bb', '\x1b\x7f', '\x1b'), ['alt-b', 'alt-backspace', 'escape']);
  t.deepEqual(keys('\x1b[A', '\x1bOB', '\x1b[1;5C', '\x1b[Z', '\x1b[5~', '\x1b[H'), ['up', 'down', 'ctrl-right', 'shift-tab', 'pageup', 'home']);
  t.deepEqual(keys('\x1b[I', '\x1b[?1;2c'), [], 'focus reports and device answers are not keys');
});

test('input: bracketed paste is one event, even across pieces; SGR mouse reports', (t) => {
  t.deepEqual(keys('\x1b[200~', 'hello\tworld', '\x1b[201~', 'x'), ['paste:hello\tworld', 'x']);
  t.deepEqual(keys('\x1b[200~one\x1b[201~'), ['paste:one']);
  t.deepEqual(keys('\x1b[<0;10;5M', '\x1b[<0;10;5m', '\x1b[<64;3;4M', '\x1b[<65;3;4M', '\x1b[<32;2;2M'), [
    'mouse:press@9,4',
    'mouse:release@9,4',
    'mouse:wheelUp@2,3',
    'mouse:wheelDown@2,3',
    'mouse:drag@1,1',
  ]);
});

function edit(l: Line, ...pieces: string[]): Line {
  let st = initialDecoder;
  let cur = l;
  for (const p of pieces) {
    const r = decode(st, p);
    st = r.state;
    for (const e of r.events as InputEvent[]) cur = editLine(cur, e) ?? cur;
  }
  return cur;
}

test('readline keys edit a line', (t) => {
  t.deepEqual(edit(line(), 'hello world'), { value: 'hello world', cursor: 11 });
  t.deepEqual(edit(line('hello world'), '\x17'), { value: 'hello ', cursor: 6 }, 'Ctrl-W');
  t.deepEqual(edit(line('hello world'), '\x01', 'X'), { value: 'Xhello world', cursor: 1 }, 'Ctrl-A');
  t.deepEqual(edit(line('hello world'), '\x01', '\x05', '!'), { value: 'hello world!', cursor: 12 }, 'Ctrl-E');
  t.deepEqual(edit(line('hello world'), '\x1b[D', '\x1b[D', '\x15'), { value: 'ld', cursor: 0 }, 'Ctrl-U');
  t.deepEqual(edit(line('hello world'), '\x01', '\x1bf', '\x0b'), { value: 'hello', cursor: 5 }, 'Alt-F, Ctrl-K');
  t.deepEqual(edit(line('ab'), '\x7f'), { value: 'a', cursor: 1 }, 'Backspace');
  t.deepEqual(edit(line('ab'), '\x01', '\x1b[3~'), { value: 'b', cursor: 0 }, 'Delete');
  t.deepEqual(edit(line('a-b c'), '\x1b\x7f'), { value: 'a-b ', cursor: 4 }, 'Alt-Backspace');
  t.deepEqual(edit(line('x'), '\x1b[200~two\nlines\x1b[201~'), { value: 'xtwo lines', cursor: 10 }, 'a pasted newline is a space');
  t.is(editLine(line('x'), { type: 'key', key: { name: 'return', text: '', ctrl: false, meta: false, shift: false } }), null, 'Enter is not an edit');
});

test('styled text: segments cut at colours and matches', (t) => {
  const l = parseStyled('\x1b[1;32mok\x1b[0m error here');
  t.is(l.text, 'ok error here');
  const segs = segments(l, 0, 20, findAll(l.text, 'error'));
  t.deepEqual(
    segs.map((s) => [s.text, s.style, s.match]),
    [
      ['ok', '\x1b[1;32m', false],
      [' ', '', false],
      ['error', '', true],
      [' here', '', false],
    ],
  );
  t.deepEqual(segments(l, 1, 3).map((s) => s.text), ['k', ' e'], 'a window starts inside a colour');
  t.is(segments(l, 1, 3)[0]!.style, '\x1b[1;32m');
  t.is(parseStyled('a\tb').text, 'a   b');
});

test('the Config tab folds JSON to an outline and walks out of a structure with ←', (t) => {
  const doc = { Id: 'x', State: { Running: true, Pid: 4 }, Config: { Env: ['A=1', 'B=2'], Labels: {} } };
  const all = jsonLines(doc, []);
  t.deepEqual(
    all.map((l) => '  '.repeat(l.depth) + l.text),
    ['{', '  "Id": "x",', '  "State": {', '    "Running": true,', '    "Pid": 4', '  },', '  "Config": {', '    "Env": [', '      "A=1",', '      "B=2"', '    ],', '    "Labels": {}', '  }', '}'],
  );
  const outline = jsonLines(doc, foldableAt(doc, 1));
  t.deepEqual(outline.map((l) => l.text), ['{', '"Id": "x",', '"State": { … 2 keys },', '"Config": { … 2 keys }', '}']);
  const envItem = all.findIndex((l) => l.text === '"A=1",');
  const target = foldTarget(all, envItem)!;
  t.is(jsonLines(doc, [target]).find((l) => l.path === target)!.text, '"Env": [ … 2 items ],');
});

test('the command line: panes by prefix or alias, verbs with an argument, completion', (t) => {
  t.deepEqual(parseCommand(':images'), { kind: 'pane', pane: 'images' });
  t.deepEqual(parseCommand('img'), { kind: 'pane', pane: 'images' });
  t.deepEqual(parseCommand('vol'), { kind: 'pane', pane: 'volumes' });
  t.deepEqual(parseCommand('ev'), { kind: 'pane', pane: 'events' });
  t.deepEqual(parseCommand('co'), { kind: 'pane', pane: 'containers' });
  t.deepEqual(parseCommand('3'), { kind: 'pane', pane: 'volumes' });
  t.deepEqual(parseCommand('pull busybox:1.36'), { kind: 'pull', ref: 'busybox:1.36' });
  t.deepEqual(parseCommand('run alpine'), { kind: 'run', image: 'alpine' });
  t.deepEqual(parseCommand('q'), { kind: 'quit' });
  t.is(parseCommand('bogus').kind, 'error');
  t.is(parseCommand('pull').kind, 'error');
  t.deepEqual(completeCommand('vo'), { text: 'volume', candidates: ['volumes', 'volume'] });
  t.is(completeCommand('ima').text, 'images');
  t.is(completeCommand('pu').text, 'pull ');
  t.deepEqual(completeCommand('n').candidates, ['networks']);
});

test('tasks: progress from layers, errors unread until read, a later success answers an older failure', (t) => {
  let s = initialTasks();
  s = tasksReducer(s, { type: 'tasks/start', id: 1, label: 'pull x', subjects: ['image:x'], at: 0 });
  s = tasksReducer(s, {
    type: 'tasks/progress',
    id: 1,
    messages: [
      { id: 'aaa', status: 'Pulling fs layer' },
      { id: 'bbb', status: 'Downloading', progressDetail: { current: 50, total: 100 } },
      { id: 'aaa', status: 'Downloading', progressDetail: { current: 10, total: 100 } },
      { status: 'Digest: sha256:1' },
    ],
  });
  t.is(taskProgress(s.items[0]!), 0.3);
  t.deepEqual(s.items[0]!.lines, ['Digest: sha256:1']);
  s = tasksReducer(s, { type: 'tasks/progress', id: 1, messages: [{ id: 'aaa', status: 'Pull complete' }] });
  t.is(taskProgress(s.items[0]!), 0.75);
  s = tasksReducer(s, { type: 'tasks/failed', id: 1, error: 'manifest unknown', at: 1 });
  t.is(unreadErrors(s).length, 1);
  s = tasksReducer(s, { type: 'tasks/start', id: 2, label: 'pull x', subjects: ['image:x'], at: 2 });
  s = tasksReducer(s, { type: 'tasks/done', id: 2, message: 'pulled x', at: 3 });
  t.is(unreadErrors(s).length, 0, 'the retry succeeded: the old error is moot');
  s = tasksReducer(s, { type: 'tasks/start', id: 3, label: 'stop 3 containers', subjects: ['container:a'], total: 3, at: 4 });
  s = tasksReducer(s, { type: 'tasks/step', id: 3, done: 1 });
  t.is(Math.round(taskProgress(s.items[2]!)! * 3), 1);
  s = tasksReducer(s, { type: 'tasks/failed', id: 3, error: 'a: boom', at: 5 });
  s = tasksReducer(s, { type: 'tasks/readAll' });
  t.is(unreadErrors(s).length, 0);
});

test('events: rows from the stream, a filter over every field, a capped list', (t) => {
  let s = initialEvents();
  s = eventsReducer(s, {
    type: 'events/add',
    events: [
      eventFrom({ Type: 'container', Action: 'start', Actor: { ID: 'a'.repeat(64), Attributes: { name: 'web', image: 'busybox' } }, timeNano: 1_700_000_000_000_000_000 }),
      eventFrom({ Type: 'image', Action: 'pull', Actor: { ID: 'busybox:latest', Attributes: {} }, time: 1_700_000_001 }),
      eventFrom({ Type: 'container', Action: 'die', Actor: { ID: 'b'.repeat(64), Attributes: { name: 'db', exitCode: '1' } }, time: 1_700_000_002 }),
    ],
  });
  t.deepEqual(s.items.map((e) => `${e.type} ${e.action} ${e.actor}`), ['container start web', 'image pull busybox:latest', 'container die db']);
  t.is(s.items[0]!.time, 1_700_000_000_000);
  s = eventsReducer(s, { type: 'events/setFilter', text: 'container exitCode=1' });
  t.deepEqual(visibleEvents(s).map((e) => e.actor), ['db']);
});

test('resources: image rows per name, targets respect the filter, networks in Docker shape', (t) => {
  const rows = imageRows([
    { Id: 'sha256:' + 'a'.repeat(64), ParentId: '', RepoTags: ['busybox:latest', 'my/box:1'], RepoDigests: [], Created: 0, Size: 10, SharedSize: -1, Labels: {}, Containers: -1 },
    { Id: 'sha256:' + 'b'.repeat(64), ParentId: '', RepoTags: [], RepoDigests: [], Created: 0, Size: 5, SharedSize: -1, Labels: {}, Containers: -1 },
  ]);
  t.deepEqual(rows.map((r) => `${r.repository}:${r.tag} ${r.ref}`), ['<none>:<none> sha256:' + 'b'.repeat(64), 'busybox:latest busybox:latest', 'my/box:1 my/box:1']);
  let s = resourceReducer(initialResource<ImageRow>(), { type: 'res/loaded', kind: 'images', items: rows });
  s = resourceReducer(s, { type: 'res/move', kind: 'images', delta: 1 });
  s = resourceReducer(s, { type: 'res/toggleMark', kind: 'images' });
  s = resourceReducer(s, { type: 'res/setFilter', kind: 'images', text: 'my/' });
  const tg = resourceTargets(s);
  t.deepEqual(tg.items.map((i) => i.ref), ['my/box:1']);
  t.is(tg.hidden, 1);
  const nets = networkRows([
    { Name: 'app', Id: 'n1', Driver: 'bridge', IPAM: { Config: [{ Subnet: '10.1.0.0/24', Gateway: '10.1.0.1' }] }, Containers: { x: { Name: 'web', IPv4Address: '10.1.0.2/24' } } },
    { Name: 'bridge', Id: 'n0', Driver: 'bridge', IPAM: null, Containers: null },
  ]);
  t.deepEqual(nets.map((n) => [n.name, n.subnet, n.containers.map((c) => c.name).join()]), [
    ['bridge', '', ''],
    ['app', '10.1.0.0/24', 'web'],
  ]);
});

test('layout by priority: NAME and STATE win on a narrow screen; the footer keeps ? help and q quit', (t) => {
  const names = (w: number) => containerColumns(w, { want: { name: 30, image: 20, ports: 12 } }).map((c) => `${c.key}:${c.width}`);
  const at40 = containerColumns(40, { want: { name: 26 } });
  t.deepEqual(at40.map((c) => `${c.key}:${c.width}`), ['mark:1', 'name:26', 'state:11'], 'the whole name; STATE narrower');
  t.deepEqual(containerColumns(60, { want: { name: 20 } }).map((c) => c.key), ['mark', 'name', 'state', 'cpu', 'mem']);
  t.deepEqual(containerColumns(80, { want: { name: 26, image: 14 } }).map((c) => c.key), ['mark', 'name', 'image', 'state', 'cpu', 'mem']);
  t.true(names(140).some((c) => c.startsWith('ports:')), 'PORTS when there is room');
  t.false(containerColumns(140, { want: { name: 10, ports: 0 } }).some((c) => c.key === 'ports'), 'no PORTS column without published ports');
  for (const w of [40, 60, 80, 100, 140]) {
    const cols = containerColumns(w, { want: { name: 30, image: 20, ports: 12 } });
    t.true(cols.reduce((a, c) => a + c.width, 0) + cols.length - 1 <= w, `fits ${w}`);
  }
  t.deepEqual(layoutColumns([{ key: 'a', title: 'A', width: 10, priority: 0, max: 20 }], 15, { a: 30 }).map((c) => c.width), [15]);
  t.deepEqual(layoutColumns([{ key: 'a', title: 'A', width: 10, priority: 0, max: 20 }], 40, { a: 12 }).map((c) => c.width), [20], 'up to its maximum, no further');
  for (const w of [40, 60, 80]) {
    const f = footerHints([...PANE_KEYS.containers, ...GLOBAL_KEYS], w);
    t.true(f.endsWith('? help  q quit'), f);
    t.true(f.length <= w, f);
  }
});

test('questions keep the verb and [y/n] whatever the width; hidden marks are said', (t) => {
  const q = { op: { kind: 'volumes/prune' as const }, verb: 'Remove', names: Array.from({ length: 20 }, (_, i) => `container-number-${i}`), noun: 'container', extra: 'running: killed first', hidden: 2 };
  for (const w of [40, 78, 200]) {
    const text = confirmQuestion(q, w);
    t.true(text.endsWith('? [y/n]'), text);
    t.true(text.length <= w, text);
    t.true(text.startsWith('Remove'), text);
  }
  t.regex(confirmQuestion(q), /not the 2 marked the filter hides/);
  t.is(confirmQuestion({ ...q, names: ['web'], extra: '', hidden: 0 }), 'Remove web? [y/n]');
  t.is(fitMiddle('Go ', 'abcdefgh', ' [y/n]', 14), 'Go abcd… [y/n]');
});

test('line graphs: braille dots joined by vertical runs, newest at the right', (t) => {
  const g = lineGraph([0, 10], 1, 1, 10);
  t.is(g.length, 1);
  // Left column at the bottom (dot 7), right column from the bottom to the top (dots 4,5,6,8).
  t.is(g[0], String.fromCharCode(0x2800 | 0x40 | 0x08 | 0x10 | 0x20 | 0x80));
  t.is(lineGraph([], 3, 2, 1).join(''), '⠀'.repeat(6));
  t.is(niceMax(3.2), 5);
  t.is(niceMax(0, 5), 5);
  t.is(niceMax(1100), 2000);
});
