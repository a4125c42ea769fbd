// The container table: rows merged from the container list and the all-containers stats,
// sorting, filtering, marks, compose projects as collapsible groups, a selection that follows
// the same container (or group) across refreshes, and per-container history of CPU, memory,
// network and block I/O for the sparklines and the stats graphs. Pure: no I/O, no clock.
import type { BoxifyStatsEntry, ContainerStatus, ContainerSummary } from '../../../core/api/types.js';
import { exitCodeFromStatus } from './format.js';
import { keepSelection, matchesText, memoOne, moveSelection, moveSelectionTo, toggle, type Selection } from './table.js';

export const SORT_KEYS = ['state', 'name', 'image', 'ip', 'cpu', 'mem', 'pids'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Columns whose first order is biggest first (the busiest container on top). */
export const DESCENDING_FIRST: ReadonlySet<SortKey> = new Set(['cpu', 'mem', 'pids']);

/** Samples kept per container: five minutes at 1 Hz. */
export const HISTORY = 300;

/** The label compose puts on every container of a project. */
export const COMPOSE_PROJECT = 'com.docker.compose.project';
export const COMPOSE_SERVICE = 'com.docker.compose.service';

export interface Row {
  id: string;
  name: string;
  image: string;
  imageId: string;
  command: string;
  state: ContainerStatus;
  /** Docker's status text ("Up 5 minutes", "Exited (0) 2 minutes ago"). */
  status: string;
  created: number;
  ip: string;
  ports: string;
  exitCode: number | null;
  /** "healthy", "unhealthy", "starting" when the container has a healthcheck. */
  health: string | null;
  project: string | null;
  service: string | null;
  /** Named volumes it mounts (for the volumes pane). */
  volumes: string[];
  cpu: number | null;
  memUsage: number | null;
  memLimit: number | null;
  pids: number | null;
}

/** Rates per second, except memory (bytes) and CPU (percent of one core). */
export interface History {
  cpu: number[];
  mem: number[];
  netRx: number[];
  netTx: number[];
  blkRead: number[];
  blkWrite: number[];
}

export const METRICS = ['cpu', 'mem', 'netRx', 'netTx', 'blkRead', 'blkWrite'] as const;
export type Metric = (typeof METRICS)[number];

interface Counters {
  netRx: number;
  netTx: number;
  blkRead: number;
  blkWrite: number;
  at: number;
}

export interface ListState {
  rows: Row[];
  sort: { key: SortKey; reverse: boolean };
  filter: string;
  marks: string[];
  /** A container id, or `group:<project>` for a compose project's header line. */
  selection: Selection;
  /** A container just created: select it as soon as it shows up in the list. */
  pendingSelect: string | null;
  /** Compose projects shown folded (one line). */
  collapsed: string[];
  /** Group containers by compose project. */
  grouping: boolean;
  history: Record<string, History>;
  counters: Record<string, Counters>;
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
  | { type: 'moveTo'; to: 'first' | 'last' | number }
  | { type: 'select'; id: string }
  | { type: 'sortNext' }
  | { type: 'sortReverse' }
  | { type: 'sortBy'; key: SortKey }
  | { type: 'setFilter'; text: string }
  | { type: 'toggleMark' }
  | { type: 'clearMarks' }
  | { type: 'toggleGroup'; project?: string; collapse?: boolean }
  | { type: 'toggleGrouping' }
  | { type: 'busy'; ids: string[]; label: string | null }
  | { type: 'created'; id: string };

export function initialList(): ListState {
  return {
    rows: [],
    sort: { key: 'state', reverse: false },
    filter: '',
    marks: [],
    selection: { key: null, index: 0 },
    pendingSelect: null,
    collapsed: [],
    grouping: true,
    history: {},
    counters: {},
    oom: {},
    busy: {},
    loaded: false,
  };
}

/** Docker's PORTS text: "0.0.0.0:8080->80/tcp, 53/udp" (the any-address left out). */
export function portsText(ports: ContainerSummary['Ports']): string {
  const seen = new Set<string>();
  for (const p of ports ?? []) {
    const host = p.PublicPort ? `${p.IP && p.IP !== '0.0.0.0' && p.IP !== '::' ? `${p.IP}:` : ''}${p.PublicPort}->` : '';
    seen.add(`${host}${p.PrivatePort}/${p.Type}`);
  }
  return [...seen].join(', ');
}

/** "(healthy)", "(unhealthy)", "(health: starting)" in Docker's status text. */
export function healthFromStatus(status: string): string | null {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (!m) return null;
  return m[1] === 'health: starting' ? 'starting' : m[1]!;
}

function rowFrom(c: ContainerSummary, s: BoxifyStatsEntry | undefined): Row {
  const nets = Object.values(c.NetworkSettings?.Networks ?? {});
  const running = c.State === 'running';
  const labels = c.Labels ?? {};
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
    image: c.Image,
    imageId: c.ImageID,
    command: c.Command,
    state: c.State,
    status: c.Status,
    created: c.Created,
    ip: nets.find((n) => n.IPAddress)?.IPAddress ?? '',
    ports: portsText(c.Ports),
    exitCode: exitCodeFromStatus(c.Status),
    health: healthFromStatus(c.Status),
    project: labels[COMPOSE_PROJECT] || null,
    service: labels[COMPOSE_SERVICE] || null,
    volumes: (c.Mounts ?? []).filter((m) => m.Type === 'volume' && m.Name).map((m) => m.Name!),
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

const EMPTY_HISTORY: History = { cpu: [], mem: [], netRx: [], netTx: [], blkRead: [], blkWrite: [] };

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
  const num = (x: number | null, y: number | null) => (x ?? -1) - (y ?? -1);
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

/** The direction rows are in: true when the biggest (or last) value is on top. */
export function isDescending(sort: ListState['sort']): boolean {
  return DESCENDING_FIRST.has(sort.key) !== sort.reverse;
}

export function matchesFilter(r: Row, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  return matchesText(f, r.name, r.image, r.state, r.ip, r.project, r.ports) || r.id.startsWith(f);
}

export type Item =
  | { kind: 'group'; key: string; project: string; rows: Row[]; running: number; collapsed: boolean }
  | { kind: 'row'; key: string; row: Row; grouped: boolean };

export const groupKey = (project: string) => `group:${project}`;

function sortRows(rows: Row[], sort: ListState['sort']): Row[] {
  const dir = isDescending(sort) ? -1 : 1;
  return rows.sort((a, b) => dir * compare(a, b, sort.key) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

const computeItems = memoOne((rows: Row[], sortKey: SortKey, reverse: boolean, filter: string, grouping: boolean, collapsed: string[]): Item[] => {
  const sort = { key: sortKey, reverse };
  const shown = rows.filter((r) => matchesFilter(r, filter));
  const out: Item[] = [];
  if (grouping && shown.some((r) => r.project)) {
    const groups = new Map<string, Row[]>();
    const loose: Row[] = [];
    for (const r of shown) {
      if (r.project) {
        const g = groups.get(r.project);
        if (g) g.push(r);
        else groups.set(r.project, [r]);
      } else loose.push(r);
    }
    for (const project of [...groups.keys()].sort((a, b) => a.localeCompare(b))) {
      const members = sortRows(groups.get(project)!, sort);
      const isCollapsed = collapsed.includes(project);
      out.push({ kind: 'group', key: groupKey(project), project, rows: members, running: members.filter((r) => r.state === 'running').length, collapsed: isCollapsed });
      if (!isCollapsed) for (const row of members) out.push({ kind: 'row', key: row.id, row, grouped: true });
    }
    for (const row of sortRows(loose, sort)) out.push({ kind: 'row', key: row.id, row, grouped: false });
    return out;
  }
  for (const row of sortRows(shown, sort)) out.push({ kind: 'row', key: row.id, row, grouped: false });
  return out;
});

const computeKeys = memoOne((items: Item[]) => items.map((i) => i.key));

/** The lines of the table, in order: project headers and containers, filtered and sorted. */
export function visibleItems(s: ListState): Item[] {
  return computeItems(s.rows, s.sort.key, s.sort.reverse, s.filter, s.grouping, s.collapsed);
}

function visibleKeys(s: ListState): string[] {
  return computeKeys(visibleItems(s));
}

/** The containers shown (without group headers), in order. */
export function visibleRows(s: ListState): Row[] {
  return visibleItems(s).flatMap((i) => (i.kind === 'row' ? [i.row] : []));
}

export function selectedItem(s: ListState): Item | undefined {
  const items = visibleItems(s);
  const i = s.selection.key === null ? -1 : visibleKeys(s).indexOf(s.selection.key);
  return i >= 0 ? items[i] : undefined;
}

/** The selected container (not a project header). */
export function selectedRow(s: ListState): Row | undefined {
  const it = selectedItem(s);
  return it?.kind === 'row' ? it.row : undefined;
}

export interface Targets {
  rows: Row[];
  /** Marked containers the filter (or a folded project) hides: left alone, and said so. */
  hidden: number;
  /** The project when the selection is a project header and nothing is marked. */
  project: string | null;
}

/**
 * The containers an action applies to: the marked ones that are shown; else the selected
 * project's containers; else the selected container.
 */
export function targets(s: ListState): Targets {
  const shown = new Set(visibleRows(s).map((r) => r.id));
  const marked = s.rows.filter((r) => s.marks.includes(r.id));
  const visibleMarked = marked.filter((r) => shown.has(r.id));
  const hidden = marked.length - visibleMarked.length;
  if (visibleMarked.length > 0) return { rows: visibleMarked, hidden, project: null };
  const it = selectedItem(s);
  if (!it) return { rows: [], hidden, project: null };
  if (it.kind === 'group') return { rows: it.rows, hidden, project: it.project };
  return { rows: [it.row], hidden, project: null };
}

/** Exited containers whose OOM flag is not known yet (the poller inspects them once). */
export function needsOomCheck(s: ListState): string[] {
  return s.rows.filter((r) => r.state === 'exited' && !(r.id in s.oom)).map((r) => r.id);
}

export function isOomKilled(s: ListState, id: string): boolean {
  return s.oom[id] === true;
}

function reselect(s: ListState): ListState {
  const keys = visibleKeys(s);
  const selection = keepSelection(s.selection, keys, s.pendingSelect);
  const pendingSelect = s.pendingSelect && selection.key === s.pendingSelect ? null : s.pendingSelect;
  return selection === s.selection && pendingSelect === s.pendingSelect ? s : { ...s, selection, pendingSelect };
}

/** Bytes per second between two counter readings (0 when a counter went back: a restart). */
function rate(prev: number | undefined, cur: number, seconds: number): number {
  if (prev === undefined || seconds <= 0 || cur < prev) return 0;
  return (cur - prev) / seconds;
}

export function listReducer(s: ListState, a: ListAction): ListState {
  switch (a.type) {
    case 'refresh': {
      const stats = new Map(a.stats.map((e) => [e.id, e]));
      const at = a.at ?? 0;
      const history: Record<string, History> = {};
      const counters: Record<string, Counters> = {};
      const oom: Record<string, boolean> = {};
      const rows: Row[] = [];
      for (const c of a.containers) {
        const st = stats.get(c.Id);
        const r = rowFrom(c, st);
        rows.push(r);
        const prev = s.history[r.id];
        const pc = s.counters[r.id];
        if (r.state === 'running' && st) {
          const cur: Counters = { netRx: st.netRx, netTx: st.netTx, blkRead: st.blkRead ?? 0, blkWrite: st.blkWrite ?? 0, at };
          const secs = pc ? (at - pc.at) / 1000 : 0;
          counters[r.id] = cur;
          history[r.id] = {
            cpu: push(prev?.cpu, st.cpuPercent),
            mem: push(prev?.mem, r.memUsage ?? 0),
            netRx: push(prev?.netRx, rate(pc?.netRx, cur.netRx, secs)),
            netTx: push(prev?.netTx, rate(pc?.netTx, cur.netTx, secs)),
            blkRead: push(prev?.blkRead, rate(pc?.blkRead, cur.blkRead, secs)),
            blkWrite: push(prev?.blkWrite, rate(pc?.blkWrite, cur.blkWrite, secs)),
          };
        } else {
          history[r.id] = prev ?? EMPTY_HISTORY;
        }
        // A container that runs again may exit for another reason: forget what we knew.
        if (r.state === 'exited' && r.id in s.oom) oom[r.id] = s.oom[r.id]!;
      }
      const ids = new Set(rows.map((r) => r.id));
      const busy: Record<string, string> = {};
      for (const [id, label] of Object.entries(s.busy)) if (ids.has(id)) busy[id] = label;
      const projects = new Set(rows.map((r) => r.project).filter(Boolean));
      const marks = s.marks.filter((id) => ids.has(id));
      const collapsed = s.collapsed.filter((p) => projects.has(p));
      return reselect({
        ...s,
        rows,
        history,
        counters,
        oom,
        busy,
        marks: marks.length === s.marks.length ? s.marks : marks,
        collapsed: collapsed.length === s.collapsed.length ? s.collapsed : collapsed,
        loaded: true,
      });
    }
    case 'oom':
      return { ...s, oom: { ...s.oom, [a.id]: a.oomKilled } };
    case 'move': {
      const selection = moveSelection(s.selection, visibleKeys(s), a.delta);
      return selection === s.selection && s.pendingSelect === null ? s : { ...s, selection, pendingSelect: null };
    }
    case 'moveTo':
      return { ...s, selection: moveSelectionTo(s.selection, visibleKeys(s), a.to), pendingSelect: null };
    case 'select':
      return reselect({ ...s, selection: { ...s.selection, key: a.id }, pendingSelect: null });
    case 'sortNext': {
      const i = SORT_KEYS.indexOf(s.sort.key);
      return reselect({ ...s, sort: { key: SORT_KEYS[(i + 1) % SORT_KEYS.length]!, reverse: false } });
    }
    case 'sortReverse':
      return reselect({ ...s, sort: { ...s.sort, reverse: !s.sort.reverse } });
    case 'sortBy':
      return reselect({ ...s, sort: { key: a.key, reverse: s.sort.key === a.key ? !s.sort.reverse : false } });
    case 'setFilter':
      return reselect({ ...s, filter: a.text });
    case 'toggleMark': {
      const it = selectedItem(s);
      if (!it) return s;
      if (it.kind === 'row') return { ...s, marks: toggle(s.marks, it.row.id) };
      // On a project header: mark (or unmark) all its containers.
      const ids = it.rows.map((r) => r.id);
      const all = ids.every((id) => s.marks.includes(id));
      return { ...s, marks: all ? s.marks.filter((m) => !ids.includes(m)) : [...new Set([...s.marks, ...ids])] };
    }
    case 'clearMarks':
      return s.marks.length === 0 ? s : { ...s, marks: [] };
    case 'toggleGroup': {
      const it = selectedItem(s);
      const project = a.project ?? (it?.kind === 'group' ? it.project : it?.kind === 'row' && it.grouped ? it.row.project : null);
      if (!project) return s;
      const isCollapsed = s.collapsed.includes(project);
      const collapse = a.collapse ?? !isCollapsed;
      if (collapse === isCollapsed) return s;
      const collapsed = collapse ? [...s.collapsed, project] : s.collapsed.filter((p) => p !== project);
      // Folding moves the selection from a member onto its header line.
      const selection = collapse ? { ...s.selection, key: groupKey(project) } : s.selection;
      return reselect({ ...s, collapsed, selection });
    }
    case 'toggleGrouping':
      return reselect({ ...s, grouping: !s.grouping });
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
