// The images, volumes and networks panes: each a list fetched from the daemon while its pane
// is up, with a selection, marks and a filter. One reducer shape for the three; the rows are
// built from Docker's JSON here so the views only format. Pure.
import type { ImageSummary } from '../../../core/api/types.js';
import type { Row } from './containers.js';
import { keepSelection, matchesText, memoOne, moveSelection, moveSelectionTo, toggle, type Selection } from './table.js';

export type ResourceKind = 'images' | 'volumes' | 'networks';

export interface ImageRow {
  key: string;
  /** What to call it in a request: repo:tag, or the ID for an untagged image. */
  ref: string;
  repository: string;
  tag: string;
  id: string;
  size: number;
  created: number;
  /** Every name of this image ID (a remove of the ID removes them all). */
  names: string[];
}

export interface VolumeRow {
  key: string;
  name: string;
  driver: string;
  mountpoint: string;
  size: number | null;
  created: string;
  labels: Record<string, string>;
}

export interface NetworkContainer {
  name: string;
  address: string;
}

export interface NetworkRow {
  key: string;
  id: string;
  name: string;
  driver: string;
  subnet: string;
  gateway: string;
  /** From the network's own `Containers` (a network inspect); empty from a plain list. */
  containers: NetworkContainer[];
  builtin: boolean;
}

export type ResourceRow = ImageRow | VolumeRow | NetworkRow;

export interface ResourceState<T extends ResourceRow> {
  items: T[];
  loaded: boolean;
  /** Why the last load failed (e.g. the daemon has no such API yet). */
  error: string | null;
  selection: Selection;
  marks: string[];
  filter: string;
  /** Select this key as soon as it shows up (a volume just created). */
  pendingSelect: string | null;
}

export function initialResource<T extends ResourceRow>(): ResourceState<T> {
  return { items: [], loaded: false, error: null, selection: { key: null, index: 0 }, marks: [], filter: '', pendingSelect: null };
}

export type ResourceAction =
  | { type: 'res/loaded'; kind: 'images'; items: ImageRow[] }
  | { type: 'res/loaded'; kind: 'volumes'; items: VolumeRow[] }
  | { type: 'res/loaded'; kind: 'networks'; items: NetworkRow[] }
  | { type: 'res/failed'; kind: ResourceKind; message: string }
  | { type: 'res/move'; kind: ResourceKind; delta: number }
  | { type: 'res/moveTo'; kind: ResourceKind; to: 'first' | 'last' | number }
  | { type: 'res/select'; kind: ResourceKind; key: string }
  | { type: 'res/toggleMark'; kind: ResourceKind }
  | { type: 'res/clearMarks'; kind: ResourceKind }
  | { type: 'res/setFilter'; kind: ResourceKind; text: string };

// ---- building rows from Docker's JSON ----

/** One row per name of an image (as `docker images`), or one `<none>` row for an untagged one. */
export function imageRows(images: ImageSummary[]): ImageRow[] {
  const out: ImageRow[] = [];
  for (const img of images) {
    const id = img.Id.replace(/^sha256:/, '');
    const names = (img.RepoTags ?? []).filter((t) => t && t !== '<none>:<none>');
    if (names.length === 0) {
      out.push({ key: img.Id, ref: img.Id, repository: '<none>', tag: '<none>', id, size: img.Size, created: img.Created, names });
      continue;
    }
    for (const n of names) {
      const colon = n.lastIndexOf(':');
      const slash = n.lastIndexOf('/');
      const [repository, tag] = colon > slash ? [n.slice(0, colon), n.slice(colon + 1)] : [n, 'latest'];
      out.push({ key: `${img.Id} ${n}`, ref: n, repository, tag, id, size: img.Size, created: img.Created, names });
    }
  }
  return out.sort((a, b) => a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag) || a.id.localeCompare(b.id));
}

interface VolumeJson {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt?: string;
  Labels?: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number } | null;
}

export function volumeRows(volumes: VolumeJson[]): VolumeRow[] {
  return volumes
    .map((v) => ({
      key: v.Name,
      name: v.Name,
      driver: v.Driver,
      mountpoint: v.Mountpoint,
      size: v.UsageData && v.UsageData.Size >= 0 ? v.UsageData.Size : null,
      created: v.CreatedAt ?? '',
      labels: v.Labels ?? {},
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface NetworkJson {
  Name: string;
  Id: string;
  Driver: string;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null } | null;
  Containers?: Record<string, { Name?: string; IPv4Address?: string }> | null;
}

const BUILTIN_NETWORKS = new Set(['bridge', 'host', 'none']);

export function networkRows(nets: NetworkJson[]): NetworkRow[] {
  return nets
    .map((n) => {
      const cfg = n.IPAM?.Config?.[0];
      return {
        key: n.Id || n.Name,
        id: n.Id,
        name: n.Name,
        driver: n.Driver,
        subnet: cfg?.Subnet ?? '',
        gateway: cfg?.Gateway ?? '',
        containers: Object.values(n.Containers ?? {}).map((c) => ({ name: c.Name ?? '', address: c.IPv4Address ?? '' })),
        builtin: BUILTIN_NETWORKS.has(n.Name),
      };
    })
    .sort((a, b) => Number(b.builtin) - Number(a.builtin) || a.name.localeCompare(b.name));
}

// ---- what the rows are used by, from the container list ----

/** Names of the containers made from each image ID. */
export function containersByImage(rows: Row[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of rows) {
    const id = r.imageId.replace(/^sha256:/, '');
    const list = m.get(id);
    if (list) list.push(r.name);
    else m.set(id, [r.name]);
  }
  return m;
}

/** Names of the containers mounting each named volume. */
export function containersByVolume(rows: Row[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of rows) {
    for (const v of r.volumes) {
      const list = m.get(v);
      if (list) list.push(r.name);
      else m.set(v, [r.name]);
    }
  }
  return m;
}

// ---- the list itself ----

function matches(item: ResourceRow, filter: string): boolean {
  if ('repository' in item) return matchesText(filter, item.repository, item.tag, item.id);
  if ('mountpoint' in item) return matchesText(filter, item.name, item.driver, ...Object.entries(item.labels).map(([k, v]) => `${k}=${v}`));
  return matchesText(filter, item.name, item.driver, item.subnet, item.id);
}

const computeVisible = memoOne((items: ResourceRow[], filter: string) => items.filter((i) => matches(i, filter)));
const computeKeys = memoOne((items: ResourceRow[]) => items.map((i) => i.key));

export function visibleResources<T extends ResourceRow>(s: ResourceState<T>): T[] {
  return computeVisible(s.items, s.filter) as T[];
}

function keysOf<T extends ResourceRow>(s: ResourceState<T>): string[] {
  return computeKeys(visibleResources(s));
}

export function selectedResource<T extends ResourceRow>(s: ResourceState<T>): T | undefined {
  const vis = visibleResources(s);
  return vis.find((i) => i.key === s.selection.key);
}

/** Marked items that are shown (and how many marked ones the filter hides), else the selected one. */
export function resourceTargets<T extends ResourceRow>(s: ResourceState<T>): { items: T[]; hidden: number } {
  const vis = visibleResources(s);
  const marked = s.items.filter((i) => s.marks.includes(i.key));
  const shown = marked.filter((i) => vis.includes(i));
  if (shown.length > 0) return { items: shown, hidden: marked.length - shown.length };
  const sel = selectedResource(s);
  return { items: sel ? [sel] : [], hidden: marked.length };
}

function reselect<T extends ResourceRow>(s: ResourceState<T>): ResourceState<T> {
  const selection = keepSelection(s.selection, keysOf(s), s.pendingSelect);
  const pendingSelect = s.pendingSelect && selection.key === s.pendingSelect ? null : s.pendingSelect;
  return selection === s.selection && pendingSelect === s.pendingSelect ? s : { ...s, selection, pendingSelect };
}

export function resourceReducer<T extends ResourceRow>(s: ResourceState<T>, a: ResourceAction): ResourceState<T> {
  switch (a.type) {
    case 'res/loaded': {
      const items = a.items as T[];
      const keys = new Set(items.map((i) => i.key));
      return reselect({ ...s, items, loaded: true, error: null, marks: s.marks.filter((m) => keys.has(m)) });
    }
    case 'res/failed':
      return { ...s, loaded: true, error: a.message };
    case 'res/move': {
      const selection = moveSelection(s.selection, keysOf(s), a.delta);
      return selection === s.selection ? s : { ...s, selection };
    }
    case 'res/moveTo':
      return { ...s, selection: moveSelectionTo(s.selection, keysOf(s), a.to) };
    case 'res/select':
      return reselect({ ...s, selection: { ...s.selection, key: a.key }, pendingSelect: s.items.some((i) => i.key === a.key) ? null : a.key });
    case 'res/toggleMark':
      return s.selection.key ? { ...s, marks: toggle(s.marks, s.selection.key) } : s;
    case 'res/clearMarks':
      return s.marks.length ? { ...s, marks: [] } : s;
    case 'res/setFilter':
      return reselect({ ...s, filter: a.text });
  }
}
