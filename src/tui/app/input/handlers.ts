// What each key and mouse report does, per screen: translated into reducer actions or calls
// on `ops` (the side effects, in App). Handlers hold no state: they read the newest state
// through `get()` (a key can arrive before the previous one's render) and the geometry of
// the last render through `view` (for pages and for where the mouse points).
import type { Dispatch } from 'react';
import type { AppAction, AppState, ContainerVerb } from '../state/app.js';
import { PANES, type PaneId } from '../state/command.js';
import { selectedItem } from '../state/containers.js';
import { tabsOf, type Tab } from '../state/detail.js';
import { focusedField, type FieldName, type FormState } from '../state/form.js';
import { foldableAt, foldTarget, jsonLines } from '../state/json.js';
import { wantsOlder, HSCROLL_STEP } from '../state/logs.js';
import type { InputEvent, Key, Mouse } from './keys.js';
import { keyId } from './keys.js';

export interface Ops {
  quit(): void;
  /** A shell (or `cmd` as `user`) in the selected container, or the one on screen. */
  shell(opts?: { cmd?: string[]; user?: string }): void;
  /** The container's own process (docker attach), for TTY containers. */
  attach(): void;
  openCreate(image?: string): void;
  openContainer(tab: Tab): void;
  openExecPrompt(): void;
  containers(action: ContainerVerb): void;
  confirmed(): void;
  submitForm(form: FormState): void;
  /** Enter on the prompt at the bottom (the filter, a search, a command, a question). */
  submitPrompt(): void;
  completeCommand(): void;
  images(action: 'remove' | 'prune'): void;
  volumes(action: 'remove' | 'prune'): void;
  networks(action: 'remove'): void;
  openPrompt(kind: 'filter' | 'search' | 'command' | 'pull' | 'volume' | 'network'): void;
  loadOlderLogs(): void;
}

/** Where things were drawn in the last render. */
export interface ViewGeometry {
  width: number;
  height: number;
  /** Screen line of the pane's list header (the first item is on the next line). */
  listY: number;
  /** Items shown, and the first one's index. */
  listRows: number;
  listTop: number;
  /** Keys of the list's items in order (containers, resources, tasks). */
  listKeys: string[];
  /** The pane tabs on line 1: x where each starts. */
  paneTabs: { pane: PaneId; x: number; width: number }[];
  /** The container screen's tab bar (its line) and tabs. */
  tabsY: number;
  detailTabs: { tab: Tab; x: number; width: number }[];
  /** Rows of the scrolling body of the current screen (logs, text tabs, JSON, help). */
  page: number;
  /** Lines of the current text tab / help, to bound scrolling. */
  textLines: number;
  /** The form's field on each screen line from formY. */
  formY: number;
  formRows: FieldName[];
}

export interface InputContext {
  get: () => AppState;
  dispatch: Dispatch<AppAction>;
  ops: Ops;
  view: () => ViewGeometry;
}

type KeyHandler = (k: Key, ctx: InputContext) => void;

const id = keyId;

/** Keys every pane shares (when no prompt, question or screen is up). */
function globalKey(k: Key, ctx: InputContext): boolean {
  const { dispatch, ops } = ctx;
  const key = id(k);
  if (/^[1-6]$/.test(key)) {
    dispatch({ type: 'pane', pane: PANES[Number(key) - 1]! });
    return true;
  }
  switch (key) {
    case 'tab':
      dispatch({ type: 'cyclePane', delta: 1 });
      return true;
    case 'shift-tab':
      dispatch({ type: 'cyclePane', delta: -1 });
      return true;
    case ':':
      ops.openPrompt('command');
      return true;
    case '?':
      dispatch({ type: 'mode', mode: { kind: 'help', scroll: 0 } });
      return true;
    case 'q':
      ops.quit();
      return true;
    case 'escape':
      dispatch({ type: 'back' });
      return true;
    case '/':
      if (ctx.get().pane !== 'tasks') ops.openPrompt('filter');
      return true;
  }
  return false;
}

/** Movement keys of a list: returns the delta or absolute target, or null. */
function listMove(k: Key, page: number): { delta: number } | { to: 'first' | 'last' } | null {
  switch (id(k)) {
    case 'up':
    case 'k':
      return { delta: -1 };
    case 'down':
    case 'j':
      return { delta: 1 };
    case 'pageup':
    case 'ctrl-b':
      return { delta: -page };
    case 'pagedown':
    case 'ctrl-f':
      return { delta: page };
    case 'home':
    case 'g':
      return { to: 'first' };
    case 'end':
    case 'G':
      return { to: 'last' };
  }
  return null;
}

const containersKeys: KeyHandler = (k, ctx) => {
  const { get, dispatch, ops } = ctx;
  const mv = listMove(k, Math.max(1, ctx.view().listRows));
  if (mv) return dispatch('delta' in mv ? { type: 'move', delta: mv.delta } : { type: 'moveTo', to: mv.to });
  const key = id(k);
  const item = selectedItem(get().list);
  switch (key) {
    case 'return':
      if (item?.kind === 'group') return dispatch({ type: 'toggleGroup', project: item.project });
      return ops.shell();
    case 'left':
    case 'h':
      return dispatch({ type: 'toggleGroup', collapse: true });
    case 'right':
      return dispatch({ type: 'toggleGroup', collapse: false });
    case 'e':
      return ops.openExecPrompt();
    case 'a':
      return ops.attach();
    case 'c':
      return ops.openCreate();
    case 'l':
      return ops.openContainer('logs');
    case 'd':
      return ops.openContainer('info');
    case 'x':
      return ops.containers('stop');
    case 'K':
      return ops.containers('kill');
    case 'D':
    case 'delete':
      // Only D and the Delete key remove; Backspace never does (it is too easy to hit).
      return ops.containers('remove');
    case 'r':
      return ops.containers('restart');
    case 'u':
      return ops.containers('start');
    case ' ':
      dispatch({ type: 'toggleMark' });
      return dispatch({ type: 'move', delta: 1 });
    case 's':
      return dispatch({ type: 'sortNext' });
    case 'S':
      return dispatch({ type: 'sortReverse' });
    case 'z':
      return dispatch({ type: 'toggleGrouping' });
  }
};

function resourceKeys(kind: 'images' | 'volumes' | 'networks'): KeyHandler {
  return (k, ctx) => {
    const { get, dispatch, ops } = ctx;
    const mv = listMove(k, Math.max(1, ctx.view().listRows));
    if (mv) return dispatch('delta' in mv ? { type: 'res/move', kind, delta: mv.delta } : { type: 'res/moveTo', kind, to: mv.to });
    const key = id(k);
    if (key === ' ') {
      dispatch({ type: 'res/toggleMark', kind });
      return dispatch({ type: 'res/move', kind, delta: 1 });
    }
    if (kind === 'images') {
      switch (key) {
        case 'p':
          return ops.openPrompt('pull');
        case 'return':
        case 'c': {
          const s = get().images;
          const sel = s.items.find((i) => i.key === s.selection.key);
          return ops.openCreate(sel?.ref);
        }
        case 'D':
        case 'delete':
          return ops.images('remove');
        case 'P':
          return ops.images('prune');
      }
      return;
    }
    if (kind === 'volumes') {
      switch (key) {
        case 'c':
          return ops.openPrompt('volume');
        case 'D':
        case 'delete':
          return ops.volumes('remove');
        case 'P':
          return ops.volumes('prune');
      }
      return;
    }
    switch (key) {
      case 'c':
        return ops.openPrompt('network');
      case 'D':
      case 'delete':
        return ops.networks('remove');
    }
  };
}

const eventsKeys: KeyHandler = (k, ctx) => {
  const { dispatch } = ctx;
  const height = Math.max(1, ctx.view().page);
  switch (id(k)) {
    case 'up':
    case 'k':
      return dispatch({ type: 'events/scroll', delta: -1, height });
    case 'down':
    case 'j':
      return dispatch({ type: 'events/scroll', delta: 1, height });
    case 'pageup':
      return dispatch({ type: 'events/scroll', delta: -height, height });
    case 'pagedown':
      return dispatch({ type: 'events/scroll', delta: height, height });
    case 'home':
    case 'g':
      return dispatch({ type: 'events/home' });
    case 'end':
    case 'G':
    case 'f':
      return dispatch({ type: 'events/follow' });
    case 'C':
      return dispatch({ type: 'events/clear' });
  }
};

const tasksKeys: KeyHandler = (k, ctx) => {
  switch (id(k)) {
    case 'up':
    case 'k':
      return ctx.dispatch({ type: 'tasks/move', delta: -1 });
    case 'down':
    case 'j':
      return ctx.dispatch({ type: 'tasks/move', delta: 1 });
    case 'C':
      return ctx.dispatch({ type: 'tasks/clearFinished' });
  }
};

const PANE_HANDLERS: Record<PaneId, KeyHandler> = {
  containers: containersKeys,
  images: resourceKeys('images'),
  volumes: resourceKeys('volumes'),
  networks: resourceKeys('networks'),
  events: eventsKeys,
  tasks: tasksKeys,
};

const browseKeys: KeyHandler = (k, ctx) => {
  if (globalKey(k, ctx)) return;
  PANE_HANDLERS[ctx.get().pane](k, ctx);
};

const helpKeys: KeyHandler = (k, ctx) => {
  const v = ctx.view();
  const max = v.textLines;
  switch (id(k)) {
    case 'up':
    case 'k':
      return ctx.dispatch({ type: 'helpScroll', delta: -1, max });
    case 'down':
    case 'j':
      return ctx.dispatch({ type: 'helpScroll', delta: 1, max });
    case 'pageup':
      return ctx.dispatch({ type: 'helpScroll', delta: -v.page, max });
    case 'pagedown':
      return ctx.dispatch({ type: 'helpScroll', delta: v.page, max });
  }
  ctx.dispatch({ type: 'back' });
};

const confirmKeys: KeyHandler = (k, ctx) => {
  const key = id(k);
  if (key === 'y' || key === 'Y') ctx.ops.confirmed();
  else if (key === 'n' || key === 'N' || key === 'q' || key === 'escape') ctx.dispatch({ type: 'back' });
};

function formEvent(ev: InputEvent, ctx: InputContext): void {
  const { get, dispatch, ops } = ctx;
  const mode = get().mode;
  if (mode.kind !== 'create' || mode.form.submitting) return;
  if (ev.type === 'paste') return dispatch({ type: 'form/edit', ev });
  if (ev.type !== 'key') return;
  const k = ev.key;
  const key = id(k);
  const field = focusedField(mode.form);
  if (key === 'escape') return dispatch({ type: 'back' });
  if (key === 'shift-tab' || key === 'up') return dispatch({ type: 'form/focus', delta: -1 });
  if (key === 'tab' || key === 'down') return dispatch({ type: 'form/focus', delta: 1 });
  if (key === 'return') return ops.submitForm(mode.form);
  if (field === 'image') {
    if (key === 'left') return dispatch({ type: 'form/cycleImage', delta: -1 });
    if (key === 'right') return dispatch({ type: 'form/cycleImage', delta: 1 });
    return;
  }
  if (field === 'tty') {
    if (key === ' ' || key === 'left' || key === 'right' || key === 'x') dispatch({ type: 'form/toggleTty' });
    return;
  }
  dispatch({ type: 'form/edit', ev });
}

function detailKeys(k: Key, ctx: InputContext): void {
  const { get, dispatch, ops } = ctx;
  const mode = get().mode;
  if (mode.kind !== 'detail') return;
  const d = mode.detail;
  const key = id(k);
  const v = ctx.view();
  const page = Math.max(1, v.page);
  if (key === 'escape' || key === 'q') return dispatch({ type: 'back' });
  if (key === 'tab' || key === ']') return dispatch({ type: 'detail/cycleTab', delta: 1 });
  if (key === 'shift-tab' || key === '[') return dispatch({ type: 'detail/cycleTab', delta: -1 });
  if (key === '?') return dispatch({ type: 'mode', mode: { kind: 'help', scroll: 0, back: mode } });
  if (key === 'return' && d.tab !== 'config') return ops.shell();
  if (key === 'a' && d.tab !== 'logs') return ops.attach();
  if (/^[1-7]$/.test(key)) {
    const tab = tabsOf(d)[Number(key) - 1];
    if (tab) dispatch({ type: 'detail/tab', tab });
    return;
  }
  switch (d.tab) {
    case 'logs': {
      const height = page;
      switch (key) {
        case 'up':
        case 'k':
          dispatch({ type: 'logs/scroll', delta: -1, height });
          break;
        case 'down':
        case 'j':
          return dispatch({ type: 'logs/scroll', delta: 1, height });
        case 'pageup':
        case 'b':
          dispatch({ type: 'logs/scroll', delta: -height, height });
          break;
        case 'pagedown':
        case ' ':
          return dispatch({ type: 'logs/scroll', delta: height, height });
        case 'home':
        case 'g':
          dispatch({ type: 'logs/home' });
          break;
        case 'end':
        case 'G':
        case 'f':
          return dispatch({ type: 'logs/follow' });
        case 'left':
          return dispatch({ type: 'logs/hscroll', delta: -HSCROLL_STEP });
        case 'right':
          return dispatch({ type: 'logs/hscroll', delta: HSCROLL_STEP });
        case 'w':
          return dispatch({ type: 'logs/toggleWrap' });
        case 't':
          return dispatch({ type: 'logs/toggleTimestamps' });
        case '/':
          return ops.openPrompt('search');
        case 'n':
          return dispatch({ type: 'logs/next', dir: 1, height });
        case 'N':
          return dispatch({ type: 'logs/next', dir: -1, height });
        default:
          return;
      }
      // Scrolled to the first line: fetch what comes before it.
      const now = get().mode;
      if (now.kind === 'detail' && wantsOlder(now.detail.logs)) ops.loadOlderLogs();
      return;
    }
    case 'config': {
      if (!d.inspect) return;
      const lines = jsonLines(d.inspect, d.json.folded);
      const count = lines.length;
      const cur = lines[d.json.cursor];
      switch (key) {
        case 'up':
        case 'k':
          return dispatch({ type: 'json/move', delta: -1, count, height: page });
        case 'down':
        case 'j':
          return dispatch({ type: 'json/move', delta: 1, count, height: page });
        case 'pageup':
          return dispatch({ type: 'json/move', delta: -page, count, height: page });
        case 'pagedown':
          return dispatch({ type: 'json/move', delta: page, count, height: page });
        case 'home':
        case 'g':
          return dispatch({ type: 'json/setCursor', cursor: 0, count, height: page });
        case 'end':
        case 'G':
          return dispatch({ type: 'json/setCursor', cursor: count - 1, count, height: page });
        case 'return':
        case ' ':
          if (cur && (cur.foldable || cur.closing)) dispatch({ type: 'json/fold', path: cur.path, fold: 'toggle' });
          return;
        case 'right':
        case 'l':
          if (cur?.folded) dispatch({ type: 'json/fold', path: cur.path, fold: false });
          return;
        case 'left':
        case 'h': {
          const target = foldTarget(lines, d.json.cursor);
          if (target === null) return;
          dispatch({ type: 'json/fold', path: target, fold: true });
          // The cursor goes to the folded line.
          const after = jsonLines(d.inspect, [...d.json.folded, target]);
          const at = after.findIndex((l) => l.path === target && !l.closing);
          if (at >= 0) dispatch({ type: 'json/setCursor', cursor: at, count: after.length, height: page });
          return;
        }
        case 'E':
          return dispatch({ type: 'json/foldAll', paths: [] });
        case 'C':
          return dispatch({ type: 'json/foldAll', paths: foldableAt(d.inspect, 1) });
      }
      return;
    }
    default: {
      const max = v.textLines - page;
      switch (key) {
        case 'up':
        case 'k':
          return dispatch({ type: 'detail/scroll', delta: -1, max });
        case 'down':
        case 'j':
          return dispatch({ type: 'detail/scroll', delta: 1, max });
        case 'pageup':
          return dispatch({ type: 'detail/scroll', delta: -page, max });
        case 'pagedown':
        case ' ':
          return dispatch({ type: 'detail/scroll', delta: page, max });
        case 'home':
        case 'g':
          return dispatch({ type: 'detail/scroll', delta: -v.textLines, max });
        case 'end':
        case 'G':
          return dispatch({ type: 'detail/scroll', delta: v.textLines, max });
      }
    }
  }
}

/** Keys while a prompt is open: readline editing, Tab (next field or completion), Enter, Esc. */
function promptEvent(ev: InputEvent, ctx: InputContext): void {
  const { get, dispatch, ops } = ctx;
  const p = get().prompt;
  if (!p) return;
  if (ev.type === 'key') {
    const key = id(ev.key);
    if (key === 'escape') return dispatch({ type: 'back' });
    if (key === 'return') return ops.submitPrompt();
    if (key === 'tab' || key === 'shift-tab') {
      if (p.kind === 'command') return ops.completeCommand();
      if (p.fields.length > 1) return dispatch({ type: 'prompt/focus', delta: key === 'tab' ? 1 : -1 });
      return;
    }
    // While filtering, the arrows still move through what the filter leaves.
    if (p.kind === 'filter' && (key === 'up' || key === 'down')) {
      const delta = key === 'up' ? -1 : 1;
      const pane = get().pane;
      if (pane === 'containers') dispatch({ type: 'move', delta });
      else if (pane === 'images' || pane === 'volumes' || pane === 'networks') dispatch({ type: 'res/move', kind: pane, delta });
      return;
    }
  }
  if (ev.type === 'mouse') return;
  dispatch({ type: 'prompt/edit', ev });
}

// ---- the mouse ----

function hit(x: number, ranges: { x: number; width: number }[]): number {
  return ranges.findIndex((r) => x >= r.x && x < r.x + r.width);
}

function mouseEvent(m: Mouse, ctx: InputContext): void {
  const { get, dispatch } = ctx;
  const s = get();
  const v = ctx.view();
  const wheel = m.action === 'wheelUp' ? -3 : m.action === 'wheelDown' ? 3 : 0;
  const click = m.action === 'press' && m.button === 0;
  if (!wheel && !click) return;
  if (s.prompt && click) return;
  // The pane tabs, on the header's second line.
  if (click && m.y === 1 && (s.mode.kind === 'browse' || s.mode.kind === 'detail' || s.mode.kind === 'help')) {
    const i = hit(m.x, v.paneTabs);
    if (i >= 0) dispatch({ type: 'pane', pane: v.paneTabs[i]!.pane });
    return;
  }
  switch (s.mode.kind) {
    case 'help':
      if (wheel) dispatch({ type: 'helpScroll', delta: wheel, max: v.textLines });
      return;
    case 'create': {
      const row = m.y - v.formY;
      const field = v.formRows[row];
      if (click && field) dispatch({ type: 'form/focusField', field });
      return;
    }
    case 'detail': {
      const d = s.mode.detail;
      if (click && m.y === v.tabsY) {
        const i = hit(m.x, v.detailTabs);
        if (i >= 0) dispatch({ type: 'detail/tab', tab: v.detailTabs[i]!.tab });
        return;
      }
      if (!wheel) {
        if (d.tab === 'config' && d.inspect && m.y > v.tabsY) {
          const count = jsonLines(d.inspect, d.json.folded).length;
          dispatch({ type: 'json/setCursor', cursor: d.json.top + (m.y - v.tabsY - 1), count, height: v.page });
        }
        return;
      }
      if (d.tab === 'logs') {
        dispatch({ type: 'logs/scroll', delta: wheel, height: v.page });
        const now = get().mode;
        if (now.kind === 'detail' && wantsOlder(now.detail.logs)) ctx.ops.loadOlderLogs();
      } else if (d.tab === 'config' && d.inspect) {
        dispatch({ type: 'json/move', delta: wheel, count: jsonLines(d.inspect, d.json.folded).length, height: v.page });
      } else dispatch({ type: 'detail/scroll', delta: wheel, max: v.textLines - v.page });
      return;
    }
    case 'browse': {
      const pane = s.pane;
      if (pane === 'events') {
        if (wheel) dispatch({ type: 'events/scroll', delta: wheel, height: v.page });
        return;
      }
      if (wheel) {
        if (pane === 'containers') dispatch({ type: 'move', delta: wheel });
        else if (pane === 'tasks') dispatch({ type: 'tasks/move', delta: wheel });
        else dispatch({ type: 'res/move', kind: pane, delta: wheel });
        return;
      }
      const row = m.y - v.listY - 1;
      if (row < 0 || row >= v.listRows) return;
      const key = v.listKeys[v.listTop + row];
      if (key === undefined) return;
      if (pane === 'containers') {
        // A click on the selected project's line folds or unfolds it.
        if (key.startsWith('group:') && s.list.selection.key === key) dispatch({ type: 'toggleGroup', project: key.slice('group:'.length) });
        else dispatch({ type: 'select', id: key });
      } else if (pane === 'tasks') {
        const i = v.listKeys.indexOf(key);
        const cur = s.tasks.selected === null ? 0 : v.listKeys.indexOf(String(s.tasks.selected));
        dispatch({ type: 'tasks/move', delta: i - Math.max(0, cur) });
      } else dispatch({ type: 'res/select', kind: pane, key });
      return;
    }
    default:
      return;
  }
}

/** The Alt keys a text field edits with (readline's word keys). */
const WORD_KEYS = new Set(['b', 'f', 'd', 'backspace', 'left', 'right']);

/** Routes one input event to the screen that is up when it arrives. */
export function route(ev: InputEvent, ctx: InputContext): void {
  const s = ctx.get();
  // Esc and the next key typed quickly arrive together and read as Alt+key. Outside a text
  // field's word keys, Alt means nothing here: take them as the two keys they were.
  if (ev.type === 'key' && ev.key.meta && !ev.key.ctrl && ev.key.name !== 'escape') {
    const editing = s.prompt !== null || s.mode.kind === 'create';
    if (!(editing && WORD_KEYS.has(ev.key.name))) {
      route({ type: 'key', key: { name: 'escape', text: '', ctrl: false, meta: false, shift: false } }, ctx);
      const plain = ev.key.name.length === 1 ? ev.key.name : '';
      route({ type: 'key', key: { ...ev.key, meta: false, text: plain } }, ctx);
      return;
    }
  }
  if (ev.type === 'key' && ev.key.ctrl && ev.key.name === 'c') return ctx.ops.quit();
  if (s.connection.kind === 'down') {
    if (ev.type === 'key' && id(ev.key) === 'q') ctx.ops.quit();
    return;
  }
  if (ev.type === 'mouse') return mouseEvent(ev.mouse, ctx);
  if (s.prompt) return promptEvent(ev, ctx);
  switch (s.mode.kind) {
    case 'create':
      return formEvent(ev, ctx);
    case 'help':
      if (ev.type === 'key') helpKeys(ev.key, ctx);
      return;
    case 'confirm':
      if (ev.type === 'key') confirmKeys(ev.key, ctx);
      return;
    case 'detail':
      if (ev.type === 'key') detailKeys(ev.key, ctx);
      return;
    case 'browse':
      if (ev.type === 'key') browseKeys(ev.key, ctx);
      return;
  }
}
