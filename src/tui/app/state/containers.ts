// The container table: rows merged from the container list and the all-containers stats,
// sorting, filtering, marks, a selection that follows the same container across refreshes,
// and per-container CPU/memory history for the sparklines. Pure: no I/O, no clock.
import type { BoxifyStatsEntry, ContainerStatus, ContainerSummary } from '../../../core/api/types.js';
import { exitCodeFromStatus } from './format.js';

export const SORT_KEYS = ['state', 'name', 'image', 'ip', 'cpu', 'mem', 'pids'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Samples kept per container: two minutes at 1 Hz, more than any sparkline is wide. */
export const HISTORY = 120;

export interface Row {
  id: string;
  name: string;
  image: string;
  command: string;
  state: ContainerStatus;
  /** Docker's status text ("Up 5 minutes", "Exited (0) 2 minutes ago"). */
  status: string;
  created: number;
  ip: string;
  exitCode: number | null;
  cpu: number | null;
  memUsage: number | null;
  memLimit: number | null;
  pids: number | null;
}

export interface History {
  cpu: number[];
  mem: number[];
}

export interface ListState {
  rows: Row[];
  sort: { key: SortKey; reverse: boolean };
  filter: string;
  marks: string[];
  selectedId: string | null;
  /** Where the selection was, so it stays in place when its container disappears. */
  selectedIndex: number;
  /** A container just created: select it as soon as it shows up in the list. */
  pendingSelect: string | null;
  history: Record<string, History>;
  /** OOM-killed flags learned by inspecting exited containers (the list does not carry it). */
  oom: Record<string, boolean>;
  /** Actions in flight per container ("stopping"), shown in the STATE column. */
  busy: Record<string, string>;
  loaded: boolean;
}

export type ListAction =
  | { type: 'refresh'; containers: ContainerSummary[]; stats: BoxifyStatsEntry[]; at?: number }
  | { type: 'oom'; id: string; oomKilled: boolean }
  | { type: 'move'; delta: number }
  | { type: 'moveTo'; to: 'first' | 'last' }
  | { type: 'select'; id: string }
  | { type: 'sortNext' }
  | { type: 'sortReverse' }
  | { type: 'setFilter'; text: string }
  | { type: 'toggleMark' }
  | { type: 'clearMarks' }
  | { type: 'busy'; ids: string[]; label: string | null }
  | { type: 'created'; id: string };

export function initialList(): ListState {
  return {
    rows: [],
    sort: { key: 'state', reverse: false },
    filter: '',
    marks: [],
    selectedId: null,
    selectedIndex: 0,
    pendingSelect: null,
    history: {},
    oom: {},
    busy: {},
    loaded: false,
  };
}

function rowFrom(c: ContainerSummary, s: BoxifyStatsEntry | undefined): Row {
  const nets = Object.values(c.NetworkSettings?.Networks ?? {});
  const running = c.State === 'running';
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
    image: c.Image,
    command: c.Command,
    state: c.State,
    status: c.Status,
    created: c.Created,
    ip: nets.find((n) => n.IPAddress)?.IPAddress ?? '',
    exitCode: exitCodeFromStatus(c.Status),
    cpu: running && s ? s.cpuPercent : null,
    memUsage: running && s ? s.memoryUsage : null,
    memLimit: running && s ? s.memoryLimit : null,
    pids: running && s ? s.pids : null,
  };
}

function push(arr: number[] | undefined, v: number): number[] {
  const next = arr ? arr.slice(Math.max(0, arr.length - HISTORY + 1)) : [];
  next.push(v);
  return next;
}

/** Running first, then paused/restarting/created, then exited and dead. */
const STATE_ORDER: Record<ContainerStatus, number> = {
  running: 0,
  restarting: 1,
  paused: 2,
  created: 3,
  removing: 4,
  exited: 5,
  dead: 6,
};

function ipKey(ip: string): number {
  if (!ip) return Number.MAX_SAFE_INTEGER;
  return ip.split('.').reduce((a, p) => a * 256 + Number(p), 0);
}

function compare(a: Row, b: Row, key: SortKey): number {
  const num = (x: number | null, y: number | null) => (y ?? -1) - (x ?? -1); // biggest first
  switch (key) {
    case 'state':
      return STATE_ORDER[a.state] - STATE_ORDER[b.state];
    case 'name':
      return a.name.localeCompare(b.name);
    case 'image':
      return a.image.localeCompare(b.image);
    case 'ip':
      return ipKey(a.ip) - ipKey(b.ip);
    case 'cpu':
      return num(a.cpu, b.cpu);
    case 'mem':
      return num(a.memUsage, b.memUsage);
    case 'pids':
      return num(a.pids, b.pids);
  }
}

export function matchesFilter(r: Row, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  return (
    r.name.toLowerCase().includes(f) ||
    r.image.toLowerCase().includes(f) ||
    r.state.includes(f) ||
    r.id.startsWith(f) ||
    (r.ip !== '' && r.ip.includes(f))
  );
}

/** The rows shown, in order: filtered, sorted by the chosen column, ties broken by name. */
export function visibleRows(s: ListState): Row[] {
  const dir = s.sort.reverse ? -1 : 1;
  return s.rows
    .filter((r) => matchesFilter(r, s.filter))
    .sort((a, b) => dir * compare(a, b, s.sort.key) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

export function selectedRow(s: ListState): Row | undefined {
  return s.rows.find((r) => r.id === s.selectedId);
}

/** The containers an action applies to: the marked ones, or else the selected one. */
export function targets(s: ListState): Row[] {
  const marked = s.rows.filter((r) => s.marks.includes(r.id));
  if (marked.length > 0) return marked;
  const sel = selectedRow(s);
  return sel ? [sel] : [];
}

/** Exited containers whose OOM flag is not known yet (the poller inspects them once). */
export function needsOomCheck(s: ListState): string[] {
  return s.rows.filter((r) => r.state === 'exited' && !(r.id in s.oom)).map((r) => r.id);
}

export function isOomKilled(s: ListState, id: string): boolean {
  return s.oom[id] === true;
}

/** Keeps the selection on the same container; if it went away, on the same line. */
function reselect(s: ListState): ListState {
  const vis = visibleRows(s);
  if (vis.length === 0) return { ...s, selectedId: null, selectedIndex: 0 };
  if (s.pendingSelect) {
    const i = vis.findIndex((r) => r.id === s.pendingSelect);
    if (i >= 0) return { ...s, selectedId: s.pendingSelect, selectedIndex: i, pendingSelect: null };
  }
  const i = s.selectedId ? vis.findIndex((r) => r.id === s.selectedId) : -1;
  if (i >= 0) return i === s.selectedIndex ? s : { ...s, selectedIndex: i };
  const j = Math.min(Math.max(0, s.selectedIndex), vis.length - 1);
  return { ...s, selectedId: vis[j]!.id, selectedIndex: j };
}

export function listReducer(s: ListState, a: ListAction): ListState {
  switch (a.type) {
    case 'refresh': {
      const stats = new Map(a.stats.map((e) => [e.id, e]));
      const byPrefix = (id: string) => stats.get(id) ?? a.stats.find((e) => id.startsWith(e.id) || e.id.startsWith(id));
      const rows = a.containers.map((c) => rowFrom(c, byPrefix(c.Id)));
      const ids = new Set(rows.map((r) => r.id));
      const history: Record<string, History> = {};
      const oom: Record<string, boolean> = {};
      for (const r of rows) {
        const prev = s.history[r.id];
        history[r.id] =
          r.state === 'running' && r.cpu !== null
            ? { cpu: push(prev?.cpu, r.cpu), mem: push(prev?.mem, r.memUsage ?? 0) }
            : (prev ?? { cpu: [], mem: [] });
        // A container that runs again may exit for another reason: forget what we knew.
        if (r.state === 'exited' && r.id in s.oom) oom[r.id] = s.oom[r.id]!;
      }
      const busy: Record<string, string> = {};
      for (const [id, label] of Object.entries(s.busy)) if (ids.has(id)) busy[id] = label;
      return reselect({
        ...s,
        rows,
        history,
        oom,
        busy,
        marks: s.marks.filter((id) => ids.has(id)),
        loaded: true,
      });
    }
    case 'oom':
      return { ...s, oom: { ...s.oom, [a.id]: a.oomKilled } };
    case 'move': {
      const vis = visibleRows(s);
      if (vis.length === 0) return s;
      const cur = s.selectedId ? vis.findIndex((r) => r.id === s.selectedId) : -1;
      const i = Math.min(Math.max(0, (cur < 0 ? 0 : cur) + a.delta), vis.length - 1);
      return { ...s, selectedId: vis[i]!.id, selectedIndex: i, pendingSelect: null };
    }
    case 'moveTo': {
      const vis = visibleRows(s);
      if (vis.length === 0) return s;
      const i = a.to === 'first' ? 0 : vis.length - 1;
      return { ...s, selectedId: vis[i]!.id, selectedIndex: i, pendingSelect: null };
    }
    case 'select':
      return reselect({ ...s, selectedId: a.id, pendingSelect: null });
    case 'sortNext': {
      const i = SORT_KEYS.indexOf(s.sort.key);
      return reselect({ ...s, sort: { key: SORT_KEYS[(i + 1) % SORT_KEYS.length]!, reverse: false } });
    }
    case 'sortReverse':
      return reselect({ ...s, sort: { ...s.sort, reverse: !s.sort.reverse } });
    case 'setFilter':
      return reselect({ ...s, filter: a.text });
    case 'toggleMark': {
      const id = s.selectedId;
      if (!id) return s;
      const marks = s.marks.includes(id) ? s.marks.filter((m) => m !== id) : [...s.marks, id];
      return { ...s, marks };
    }
    case 'clearMarks':
      return s.marks.length === 0 ? s : { ...s, marks: [] };
    case 'busy': {
      const busy = { ...s.busy };
      for (const id of a.ids) {
        if (a.label === null) delete busy[id];
        else busy[id] = a.label;
      }
      return { ...s, busy };
    }
    case 'created':
      return reselect({ ...s, pendingSelect: a.id });
  }
}
