// Column layout by priority. NAME comes first and gets a readable width before anything else;
// then the columns join in priority order while they fit (STATE, CPU, MEM before IMAGE, IP,
// PIDS, PORTS), and whatever is left widens NAME, then the flexible columns. Narrow screens
// lose whole columns rather than squeezing every one into "…".

export interface ColumnSpec<K extends string = string> {
  key: K;
  title: string;
  /** Width it takes when shown; flexible columns start at what they want (up to `max`). */
  width: number;
  align?: 'left' | 'right';
  /** Lower goes first; 0 is always shown. */
  priority: number;
  /** Grows into spare room up to this width (flexible). */
  max?: number;
  /** May join narrower than `width`, down to this, when that is all the room left. */
  min?: number;
}

export interface Column<K extends string = string> {
  key: K;
  title: string;
  width: number;
  align: 'left' | 'right';
}

/**
 * Chooses the columns for `width` (one space between columns). `want` is the width each
 * flexible column would like (its longest value): the always-shown flexible columns (NAME)
 * get it first, so a narrow screen drops columns before it cuts a name.
 */
export function layoutColumns<K extends string>(specs: ColumnSpec<K>[], width: number, want: Partial<Record<K, number>> = {}): Column<K>[] {
  const widths = new Map<ColumnSpec<K>, number>();
  const byPriority = [...specs].sort((a, b) => a.priority - b.priority);
  const mandatory = byPriority.filter((s) => s.priority === 0);
  const wantOf = (s: ColumnSpec<K>) => Math.min(s.max ?? s.width, Math.max(s.width, want[s.key] ?? s.width));
  // The always-shown columns, flexible ones at what they want.
  for (const s of mandatory) widths.set(s, s.max !== undefined ? wantOf(s) : s.width);
  const used = () => [...widths.values()].reduce((a, w) => a + w, 0) + widths.size - 1;
  // Not even those fit: the flexible ones give way (NAME keeps 8 at least).
  if (used() > width) {
    for (const s of mandatory.filter((x) => x.max !== undefined).reverse()) {
      const over = used() - width;
      if (over <= 0) break;
      widths.set(s, Math.max(8, widths.get(s)! - over));
    }
  }
  for (const s of byPriority) {
    if (widths.has(s)) continue;
    const room = width - used() - 1;
    if (s.width <= room) widths.set(s, s.width);
    else if (s.min !== undefined && s.min <= room) widths.set(s, room);
  }
  // Spare room: flexible columns grow toward what they want, by priority, then up to their
  // maximum; what is left after that stays at the right.
  const flex = byPriority.filter((s) => widths.has(s) && s.max !== undefined);
  for (const limit of [wantOf, (s: ColumnSpec<K>) => s.max!]) {
    for (const s of flex) {
      const add = Math.max(0, Math.min(width - used(), limit(s) - widths.get(s)!));
      widths.set(s, widths.get(s)! + add);
    }
  }
  return specs.filter((s) => widths.has(s)).map((s) => ({ key: s.key, title: s.title, width: widths.get(s)!, align: s.align ?? 'left' }));
}

export type ContainerColumnKey = 'mark' | 'name' | 'state' | 'health' | 'cpu' | 'mem' | 'image' | 'ip' | 'ports' | 'pids' | 'restarts';

/** The container table's columns; HEALTH and RESTARTS join when the daemon reports them. */
export function containerColumns(width: number, opts: { health?: boolean; restarts?: boolean; want?: Partial<Record<ContainerColumnKey, number>> } = {}): Column<ContainerColumnKey>[] {
  // Listed in display order; `priority` decides what a narrow screen keeps.
  const specs: ColumnSpec<ContainerColumnKey>[] = [
    { key: 'mark', title: '', width: 1, priority: 0 },
    { key: 'name', title: 'NAME', width: 16, priority: 0, max: 40 },
    { key: 'image', title: 'IMAGE', width: 12, priority: 4, max: 40 },
    { key: 'state', title: 'STATE', width: 16, priority: 1, min: 10 },
    ...(opts.health ? [{ key: 'health' as const, title: 'HEALTH', width: 9, priority: 2 }] : []),
    ...(opts.restarts ? [{ key: 'restarts' as const, title: 'RESTARTS', width: 8, align: 'right' as const, priority: 5 }] : []),
    { key: 'ip', title: 'IP', width: 15, priority: 6 },
    { key: 'ports', title: 'PORTS', width: 14, priority: 8, max: 40 },
    { key: 'cpu', title: 'CPU%', width: 6, align: 'right', priority: 2 },
    { key: 'mem', title: 'MEM', width: 13, align: 'right', priority: 3 },
    { key: 'pids', title: 'PIDS', width: 5, align: 'right', priority: 7 },
  ];
  // Without any published port the column would be empty: leave it out.
  const shown = opts.want?.ports === 0 ? specs.filter((s) => s.key !== 'ports') : specs;
  return layoutColumns(shown, width, opts.want);
}

/** First row shown so that `index` stays visible in `height` rows, moving as little as possible. */
export function scrollTop(prevTop: number, index: number, count: number, height: number): number {
  if (height <= 0 || count <= height) return 0;
  let top = Math.min(Math.max(0, prevTop), count - height);
  if (index < top) top = index;
  else if (index >= top + height) top = index - height + 1;
  return top;
}
