// Long operations run in the background: a pull (a progress bar per layer), a prune, stopping
// twenty marked containers. Each is a task with its progress and its outcome; the user moves
// on while it runs. A failure stays until it is read (the tasks pane, or Esc on the list);
// a later success on the same subject (the same container's stop, the same image's pull)
// makes an older failure about it moot. Pure.

export interface Layer {
  id: string;
  status: string;
  current: number;
  total: number;
}

export interface Task {
  id: number;
  /** What it does, e.g. "pull busybox:latest", "stop 20 containers". */
  label: string;
  /** What it acts on ("container:<id>", "image:busybox:latest"). */
  subjects: string[];
  status: 'running' | 'done' | 'failed';
  /** Targets done out of all, for operations on several things. */
  steps: { done: number; total: number } | null;
  /** A pull's layers, in the order they were announced. */
  layers: Layer[];
  /** Output lines that belong to no layer ("Digest: ...", build steps), the last few. */
  lines: string[];
  /** The outcome: a summary when done, the error when failed. */
  message: string | null;
  read: boolean;
  started: number;
  ended: number | null;
}

/** One message of Docker's progress stream (a pull's). */
export interface ProgressMessage {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
}

export interface TasksState {
  items: Task[];
  /** The task the tasks pane shows in full. */
  selected: number | null;
}

export type TasksAction =
  | { type: 'tasks/start'; id: number; label: string; subjects: string[]; total?: number; at: number }
  | { type: 'tasks/step'; id: number; done: number }
  | { type: 'tasks/progress'; id: number; messages: ProgressMessage[] }
  | { type: 'tasks/done'; id: number; message: string | null; at: number }
  | { type: 'tasks/failed'; id: number; error: string; at: number }
  | { type: 'tasks/readAll' }
  | { type: 'tasks/move'; delta: number }
  | { type: 'tasks/clearFinished' };

/** Tasks kept: the running ones and the last finished ones. */
const MAX_FINISHED = 50;
const MAX_LINES = 20;

export function initialTasks(): TasksState {
  return { items: [], selected: null };
}

export function unreadErrors(s: TasksState): Task[] {
  return s.items.filter((t) => t.status === 'failed' && !t.read);
}

export function runningTasks(s: TasksState): Task[] {
  return s.items.filter((t) => t.status === 'running');
}

/** 0..1 of a task, when it can be told (steps, or the bytes of the layers that have a size). */
export function taskProgress(t: Task): number | null {
  if (t.steps && t.steps.total > 0) return t.steps.done / t.steps.total;
  const sized = t.layers.filter((l) => l.total > 0);
  if (sized.length === 0) return null;
  const total = sized.reduce((a, l) => a + l.total, 0);
  const cur = sized.reduce((a, l) => a + Math.min(l.current, l.total), 0);
  return total > 0 ? cur / total : null;
}

function update(s: TasksState, id: number, fn: (t: Task) => Task): TasksState {
  const i = s.items.findIndex((t) => t.id === id);
  if (i < 0) return s;
  const items = s.items.slice();
  items[i] = fn(items[i]!);
  return { ...s, items };
}

/** Layer states that mean the bytes are all there. */
const LAYER_DONE = /^(Download complete|Pull complete|Already exists|Verifying Checksum)$/;

function trim(s: TasksState): TasksState {
  const finished = s.items.filter((t) => t.status !== 'running');
  if (finished.length <= MAX_FINISHED) return s;
  // Drop the oldest read ones first; unread failures stay.
  const drop = new Set(finished.filter((t) => t.read || t.status === 'done').slice(0, finished.length - MAX_FINISHED).map((t) => t.id));
  return { ...s, items: s.items.filter((t) => !drop.has(t.id)) };
}

/** One progress message applied to a task: a layer's state and bytes, or an output line. */
function applyProgress(t: Task, m: ProgressMessage): Task {
  if (m.id && m.status && !/^(Digest|Status):/.test(m.status)) {
    const layers = t.layers.slice();
    let i = layers.findIndex((l) => l.id === m.id);
    if (i < 0) {
      layers.push({ id: m.id, status: '', current: 0, total: 0 });
      i = layers.length - 1;
    }
    const l = layers[i]!;
    const total = m.progressDetail?.total ?? l.total;
    const current = LAYER_DONE.test(m.status) && total > 0 ? total : (m.progressDetail?.current ?? l.current);
    layers[i] = { id: l.id, status: m.status, current, total };
    return { ...t, layers };
  }
  if (!m.status) return t;
  return { ...t, lines: [...t.lines, m.status].slice(-MAX_LINES) };
}

export function tasksReducer(s: TasksState, a: TasksAction): TasksState {
  switch (a.type) {
    case 'tasks/start': {
      const t: Task = {
        id: a.id,
        label: a.label,
        subjects: a.subjects,
        status: 'running',
        steps: a.total !== undefined && a.total > 1 ? { done: 0, total: a.total } : null,
        layers: [],
        lines: [],
        message: null,
        read: true,
        started: a.at,
        ended: null,
      };
      return trim({ ...s, items: [...s.items, t], selected: s.selected ?? a.id });
    }
    case 'tasks/step':
      return update(s, a.id, (t) => (t.steps ? { ...t, steps: { ...t.steps, done: a.done } } : t));
    case 'tasks/progress':
      return update(s, a.id, (t) => a.messages.reduce(applyProgress, t));
    case 'tasks/done': {
      const done = update(s, a.id, (t) => ({ ...t, status: 'done', message: a.message, ended: a.at, steps: t.steps ? { ...t.steps, done: t.steps.total } : null }));
      const subjects = new Set(done.items.find((t) => t.id === a.id)?.subjects ?? []);
      // An older failure about the same thing is answered by this success.
      const items = done.items.map((t) =>
        t.status === 'failed' && !t.read && t.id < a.id && t.subjects.some((x) => subjects.has(x)) ? { ...t, read: true } : t,
      );
      return trim({ ...done, items });
    }
    case 'tasks/failed':
      return trim(update(s, a.id, (t) => ({ ...t, status: 'failed', message: a.error, ended: a.at, read: false })));
    case 'tasks/readAll':
      return s.items.some((t) => !t.read) ? { ...s, items: s.items.map((t) => (t.read ? t : { ...t, read: true })) } : s;
    case 'tasks/move': {
      if (s.items.length === 0) return s;
      // The pane lists the newest first.
      const order = s.items.map((t) => t.id).reverse();
      const cur = s.selected === null ? -1 : order.indexOf(s.selected);
      const i = Math.min(Math.max(0, (cur < 0 ? 0 : cur) + a.delta), order.length - 1);
      return { ...s, selected: order[i]! };
    }
    case 'tasks/clearFinished': {
      const items = s.items.filter((t) => t.status === 'running' || (t.status === 'failed' && !t.read));
      return { items, selected: items.some((t) => t.id === s.selected) ? s.selected : (items.at(-1)?.id ?? null) };
    }
  }
}
