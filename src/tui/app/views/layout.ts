// Column layout of the container table for a given width. Fixed columns first; NAME and
// IMAGE share what is left; IP is dropped below 100 columns (the detail pane still shows it).
import type { SortKey } from '../state/containers.js';

export interface Column {
  key: SortKey | 'mark';
  title: string;
  width: number;
  align: 'left' | 'right';
}

export function tableColumns(width: number): Column[] {
  const cols: Column[] = [
    { key: 'mark', title: '', width: 1, align: 'left' },
    { key: 'name', title: 'NAME', width: 0, align: 'left' },
    { key: 'image', title: 'IMAGE', width: 0, align: 'left' },
    { key: 'state', title: 'STATE', width: 16, align: 'left' },
    { key: 'ip', title: 'IP', width: 15, align: 'left' },
    { key: 'cpu', title: 'CPU%', width: 6, align: 'right' },
    { key: 'mem', title: 'MEM', width: 13, align: 'right' },
    { key: 'pids', title: 'PIDS', width: 5, align: 'right' },
  ];
  const shown = width >= 100 ? cols : cols.filter((c) => c.key !== 'ip');
  const gaps = shown.length - 1;
  const fixed = shown.reduce((a, c) => a + c.width, 0);
  const rest = Math.max(8, width - fixed - gaps);
  const name = Math.max(4, Math.ceil(rest * 0.55));
  shown.find((c) => c.key === 'name')!.width = name;
  shown.find((c) => c.key === 'image')!.width = Math.max(4, rest - name);
  return shown;
}

/** First row shown so that `index` stays visible in `height` rows, moving as little as possible. */
export function scrollTop(prevTop: number, index: number, count: number, height: number): number {
  if (height <= 0 || count <= height) return 0;
  let top = Math.min(Math.max(0, prevTop), count - height);
  if (index < top) top = index;
  else if (index >= top + height) top = index - height + 1;
  return top;
}
