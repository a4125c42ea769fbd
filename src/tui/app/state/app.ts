// The whole TUI state: one list per pane (containers, images, volumes, networks, events,
// tasks), the pane shown, what is over it (the help, a question, the create form, a
// container's screen), the prompt at the bottom, the connection to the daemon and a short
// notice. One reducer over a discriminated union of actions; each part's reducer applies
// only to its part.
import { PANES, type PaneId } from './command.js';
import { initialList, listReducer, type ListAction, type ListState } from './containers.js';
import { detailReducer, openDetail, type DetailAction, type DetailState, type Tab } from './detail.js';
import { eventsReducer, initialEvents, type EventsAction, type EventsState } from './events.js';
import { formReducer, initialForm, type FormAction, type FormState } from './form.js';
import { promptReducer, type Prompt, type PromptAction } from './prompt.js';
import { initialResource, resourceReducer, type ImageRow, type NetworkRow, type ResourceAction, type ResourceState, type VolumeRow } from './resources.js';
import { initialTasks, tasksReducer, type TasksAction, type TasksState } from './tasks.js';

export type { PaneId };

export type ContainerVerb = 'stop' | 'kill' | 'remove' | 'start' | 'restart';

/** What a confirmed question does. */
export type PendingOp =
  | { kind: 'containers'; action: ContainerVerb; ids: string[]; force: boolean; project: string | null }
  | { kind: 'images/remove'; refs: string[] }
  | { kind: 'images/prune'; all: boolean }
  | { kind: 'volumes/remove'; names: string[] }
  | { kind: 'volumes/prune' }
  | { kind: 'networks/remove'; names: string[] };

export interface Confirm {
  op: PendingOp;
  /** "Remove", "Stop"... */
  verb: string;
  /** What it acts on, one name each (shortened on a narrow screen, never the [y/n]). */
  names: string[];
  /** "container", "image"...: for "3 containers". */
  noun: string;
  /** A warning after the names ("running: it is killed first"). */
  extra: string;
  /** Marked items the filter hides: left alone, said so. */
  hidden: number;
}

export type Mode =
  | { kind: 'browse' }
  /** `back`: the screen the help was opened from (Esc returns there). */
  | { kind: 'help'; scroll: number; back?: Mode }
  | { kind: 'confirm'; confirm: Confirm }
  | { kind: 'create'; form: FormState }
  | { kind: 'detail'; detail: DetailState };

export type Connection = { kind: 'connecting' } | { kind: 'up' } | { kind: 'down'; message: string; attempts: number };

export interface Notice {
  text: string;
  at: number;
}

export interface AppState {
  pane: PaneId;
  list: ListState;
  images: ResourceState<ImageRow>;
  volumes: ResourceState<VolumeRow>;
  networks: ResourceState<NetworkRow>;
  events: EventsState;
  tasks: TasksState;
  mode: Mode;
  prompt: Prompt | null;
  connection: Connection;
  /** A short message (an action's outcome) that goes away by itself. */
  notice: Notice | null;
  /** Wall clock of the last refresh, for the header (kept in state so renders stay pure). */
  now: number;
}

export type AppAction =
  | ListAction
  | FormAction
  | DetailAction
  | ResourceAction
  | EventsAction
  | TasksAction
  | PromptAction
  | { type: 'pane'; pane: PaneId }
  | { type: 'cyclePane'; delta: number }
  | { type: 'mode'; mode: Mode }
  | { type: 'back' }
  | { type: 'helpScroll'; delta: number; max: number }
  | { type: 'connected'; at: number }
  | { type: 'disconnected'; message: string; at: number }
  | { type: 'notice'; text: string | null; at?: number };

export function initialState(now = Date.now()): AppState {
  return {
    pane: 'containers',
    list: initialList(),
    images: initialResource(),
    volumes: initialResource(),
    networks: initialResource(),
    events: initialEvents(),
    tasks: initialTasks(),
    mode: { kind: 'browse' },
    prompt: null,
    connection: { kind: 'connecting' },
    notice: null,
    now,
  };
}

export function openCreate(image?: string): Mode {
  return { kind: 'create', form: initialForm(image) };
}

export function openContainer(id: string, name: string, tab: Tab = 'info'): Mode {
  return { kind: 'detail', detail: openDetail(id, name, tab) };
}

function filterOf(s: AppState, pane: PaneId): string {
  switch (pane) {
    case 'containers':
      return s.list.filter;
    case 'images':
    case 'volumes':
    case 'networks':
      return s[pane].filter;
    case 'events':
      return s.events.filter;
    case 'tasks':
      return '';
  }
}

/** Sets the filter of a pane (the filter prompt edits it live). */
function setFilter(s: AppState, pane: PaneId, text: string): AppState {
  switch (pane) {
    case 'containers':
      return { ...s, list: listReducer(s.list, { type: 'setFilter', text }) };
    case 'images':
    case 'volumes':
    case 'networks':
      return { ...s, [pane]: resourceReducer(s[pane] as ResourceState<ImageRow>, { type: 'res/setFilter', kind: pane, text }) };
    case 'events':
      return { ...s, events: eventsReducer(s.events, { type: 'events/setFilter', text }) };
    case 'tasks':
      return s;
  }
}

export function currentFilter(s: AppState): string {
  return filterOf(s, s.pane);
}

export function appReducer(s: AppState, a: AppAction): AppState {
  const t = a.type;
  if (t.startsWith('form/')) {
    if (s.mode.kind !== 'create') return s;
    const form = formReducer(s.mode.form, a as FormAction);
    return form === s.mode.form ? s : { ...s, mode: { ...s.mode, form } };
  }
  if (t.startsWith('logs/') || t.startsWith('json/') || t.startsWith('detail/')) {
    if (s.mode.kind !== 'detail') return s;
    const detail = detailReducer(s.mode.detail, a as DetailAction);
    return detail === s.mode.detail ? s : { ...s, mode: { ...s.mode, detail } };
  }
  if (t.startsWith('res/')) {
    const r = a as ResourceAction;
    const cur = s[r.kind] as ResourceState<ImageRow>;
    const next = resourceReducer(cur, r);
    return next === cur ? s : { ...s, [r.kind]: next };
  }
  if (t.startsWith('events/')) {
    const events = eventsReducer(s.events, a as EventsAction);
    return events === s.events ? s : { ...s, events };
  }
  if (t.startsWith('tasks/')) {
    const tasks = tasksReducer(s.tasks, a as TasksAction);
    return tasks === s.tasks ? s : { ...s, tasks };
  }
  if (t.startsWith('prompt/')) {
    const prompt = promptReducer(s.prompt, a as PromptAction);
    if (prompt === s.prompt) return s;
    let next: AppState = { ...s, prompt };
    // The filter applies as it is typed.
    if (prompt?.kind === 'filter' && s.prompt?.kind === 'filter') next = setFilter(next, (prompt.target as PaneId) ?? s.pane, prompt.fields[0]!.line.value);
    return next;
  }
  switch (a.type) {
    case 'pane':
      return s.pane === a.pane && s.mode.kind === 'browse' ? s : { ...s, pane: a.pane, mode: { kind: 'browse' }, prompt: null };
    case 'cyclePane': {
      const i = PANES.indexOf(s.pane);
      return { ...s, pane: PANES[(i + a.delta + PANES.length) % PANES.length]!, mode: { kind: 'browse' }, prompt: null };
    }
    case 'mode':
      return { ...s, mode: a.mode, prompt: null };
    case 'back': {
      // Esc: the prompt first (a filter goes back to what it was), then the screen over the
      // pane; on the pane itself it reads the errors and clears marks and filter.
      if (s.prompt) {
        const restored = s.prompt.kind === 'filter' ? setFilter(s, (s.prompt.target as PaneId) ?? s.pane, s.prompt.previous ?? '') : s;
        return { ...restored, prompt: null };
      }
      if (s.mode.kind === 'help' && s.mode.back) return { ...s, mode: s.mode.back };
      if (s.mode.kind !== 'browse') return { ...s, mode: { kind: 'browse' } };
      let next: AppState = { ...s, notice: null, tasks: tasksReducer(s.tasks, { type: 'tasks/readAll' }) };
      if (s.pane === 'containers') next = { ...next, list: listReducer(listReducer(next.list, { type: 'clearMarks' }), { type: 'setFilter', text: '' }) };
      else if (s.pane === 'images' || s.pane === 'volumes' || s.pane === 'networks') {
        const kind = s.pane;
        const cleared = resourceReducer(resourceReducer(next[kind] as ResourceState<ImageRow>, { type: 'res/clearMarks', kind }), { type: 'res/setFilter', kind, text: '' });
        next = { ...next, [kind]: cleared };
      } else if (s.pane === 'events') next = { ...next, events: eventsReducer(next.events, { type: 'events/setFilter', text: '' }) };
      return next;
    }
    case 'helpScroll': {
      if (s.mode.kind !== 'help') return s;
      const scroll = Math.min(Math.max(0, s.mode.scroll + a.delta), Math.max(0, a.max));
      return scroll === s.mode.scroll ? s : { ...s, mode: { ...s.mode, scroll } };
    }
    case 'refresh':
      // A refresh is also the proof that the daemon answers.
      return {
        ...s,
        list: listReducer(s.list, a),
        connection: s.connection.kind === 'up' ? s.connection : { kind: 'up' },
        now: a.at ?? s.now,
      };
    case 'connected':
      return s.connection.kind === 'up' ? { ...s, now: a.at } : { ...s, connection: { kind: 'up' }, now: a.at };
    case 'disconnected': {
      const attempts = s.connection.kind === 'down' ? s.connection.attempts + 1 : 1;
      return { ...s, connection: { kind: 'down', message: a.message, attempts }, now: a.at };
    }
    case 'notice':
      return { ...s, notice: a.text === null ? null : { text: a.text, at: a.at ?? s.now } };
    default: {
      const list = listReducer(s.list, a as ListAction);
      return list === s.list ? s : { ...s, list };
    }
  }
}
