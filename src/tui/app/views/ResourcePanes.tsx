// The images, volumes and networks panes: a table and, below it, what the selected item is
// used by. Pulls that run show their layers under the images table.
import { Box, Text } from 'ink';
import type { Row } from '../state/containers.js';
import { ago, fit, formatBytes } from '../state/format.js';
import { containersByImage, containersByVolume, type ImageRow, type NetworkRow, type ResourceRow, type ResourceState, type VolumeRow } from '../state/resources.js';
import type { Task } from '../state/tasks.js';
import { taskProgress } from '../state/tasks.js';
import { useTheme } from '../theme.js';
import { layoutColumns, type Column, type ColumnSpec } from './layout.js';

/** Lines under a resource table: a rule and two lines about the selected item. */
export const RESOURCE_DETAIL_HEIGHT = 3;

interface TableProps<T extends ResourceRow, K extends string> {
  state: ResourceState<T>;
  items: T[];
  specs: ColumnSpec<K>[];
  cell: (item: T, key: K) => string;
  want?: Partial<Record<K, number>>;
  width: number;
  height: number;
  top: number;
  noun: string;
  empty: string;
}

function ResourceTable<T extends ResourceRow, K extends string>({ state, items, specs, cell, want, width, height, top, noun, empty }: TableProps<T, K>) {
  const theme = useTheme();
  const cols: Column<K>[] = layoutColumns(specs, width, want);
  const body = Math.max(1, height - 1);
  const header = cols.map((c) => fit(c.title, c.width, c.align)).join(' ');
  return (
    <Box flexDirection="column" height={height}>
      <Text bold underline wrap="truncate">
        {fit(header, width)}
      </Text>
      {state.error && items.length === 0 ? (
        <Text color={theme.color('error')} wrap="wrap">
          {state.error}
        </Text>
      ) : !state.loaded ? (
        <Text color={theme.color('muted')}>loading {noun}s…</Text>
      ) : items.length === 0 ? (
        <Text color={theme.color('muted')}>{state.filter ? `no ${noun} matches "${state.filter}" (Esc clears)` : empty}</Text>
      ) : (
        items.slice(top, top + body).map((it) => {
          const marked = state.marks.includes(it.key);
          return (
            <Text key={it.key} inverse={it.key === state.selection.key} bold={marked} wrap="truncate">
              {cols.map((c, i) => fit(c.key === 'mark' ? (marked ? '*' : ' ') : cell(it, c.key), c.width, c.align) + (i < cols.length - 1 ? ' ' : '')).join('')}
            </Text>
          );
        })
      )}
    </Box>
  );
}

function Rule({ title, width }: { title: string; width: number }) {
  const theme = useTheme();
  return (
    <Text color={theme.color('muted')} wrap="truncate">
      {fit(`─ ${title} ${'─'.repeat(width)}`, width)}
    </Text>
  );
}

type ImageKey = 'mark' | 'repo' | 'tag' | 'id' | 'size' | 'created' | 'used';

export function ImagesPane({ state, items, containers, pulls, width, height, top, now }: { state: ResourceState<ImageRow>; items: ImageRow[]; containers: Row[]; pulls: Task[]; width: number; height: number; top: number; now: number }) {
  const theme = useTheme();
  const users = containersByImage(containers);
  const specs: ColumnSpec<ImageKey>[] = [
    { key: 'mark', title: '', width: 1, priority: 0 },
    { key: 'repo', title: 'REPOSITORY', width: 20, priority: 0, max: 50 },
    { key: 'tag', title: 'TAG', width: 10, priority: 1, max: 24 },
    { key: 'id', title: 'IMAGE ID', width: 12, priority: 3 },
    { key: 'size', title: 'SIZE', width: 7, align: 'right', priority: 2 },
    { key: 'created', title: 'CREATED', width: 7, align: 'right', priority: 5 },
    { key: 'used', title: 'CONTAINERS', width: 10, align: 'right', priority: 4 },
  ];
  const want = { repo: Math.max(10, ...items.map((i) => i.repository.length)), tag: Math.max(3, ...items.map((i) => i.tag.length)) };
  const cell = (i: ImageRow, k: ImageKey) => {
    switch (k) {
      case 'repo':
        return i.repository;
      case 'tag':
        return i.tag;
      case 'id':
        return i.id.slice(0, 12);
      case 'size':
        return formatBytes(i.size);
      case 'created':
        return i.created ? ago(i.created * 1000, now) : '-';
      case 'used':
        return String(users.get(i.id)?.length ?? 0);
      default:
        return '';
    }
  };
  // Running pulls take the lines under the table: one per pull, with its progress.
  const active = pulls.filter((p) => p.status === 'running');
  const pullLines = Math.min(active.length, 3);
  const tableHeight = Math.max(3, height - RESOURCE_DETAIL_HEIGHT - pullLines);
  const sel = items.find((i) => i.key === state.selection.key);
  const used = sel ? (users.get(sel.id) ?? []) : [];
  return (
    <Box flexDirection="column" height={height}>
      <ResourceTable state={state} items={items} specs={specs} cell={cell} want={want} width={width} height={tableHeight} top={top} noun="image" empty="no images: press p to pull one" />
      {active.slice(0, pullLines).map((p) => (
        <Text key={p.id} color={theme.color('pending')} wrap="truncate">
          {fit(pullSummary(p, width), width)}
        </Text>
      ))}
      <Rule title={sel ? `${sel.ref} ${sel.id.slice(0, 12)}` : 'images'} width={width} />
      <Text wrap="truncate">{fit(sel ? `names: ${sel.names.join(', ') || '<none>'}` : '', width)}</Text>
      <Text wrap="truncate">{fit(sel ? (used.length ? `used by: ${used.join(', ')}` : 'used by no container') : '', width)}</Text>
    </Box>
  );
}

/** "pull busybox:latest  42% ▕████░░░░▏ 3 layers (1 done)". */
export function pullSummary(t: Task, width: number): string {
  const p = taskProgress(t);
  const done = t.layers.filter((l) => /complete|exists/i.test(l.status)).length;
  const head = `${t.label} `;
  const tail = ` ${t.layers.length} layer${t.layers.length === 1 ? '' : 's'}${t.layers.length ? ` (${done} done)` : ''}`;
  const barWidth = Math.max(4, Math.min(30, width - head.length - tail.length - 6));
  return `${head}${p === null ? '…   ' : `${String(Math.round(p * 100)).padStart(3)}% `}${bar(p ?? 0, barWidth)}${tail}`;
}

/** A progress bar `width` cells wide (eighths for the partial cell). */
export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  const partial = part ? '▏▎▍▌▋▊▉'[part - 1]! : '';
  return '▕' + '█'.repeat(full) + partial + ' '.repeat(Math.max(0, width - full - (partial ? 1 : 0))) + '▏';
}

type VolumeKey = 'mark' | 'name' | 'driver' | 'mountpoint' | 'size' | 'used';

export function VolumesPane({ state, items, containers, width, height, top }: { state: ResourceState<VolumeRow>; items: VolumeRow[]; containers: Row[]; width: number; height: number; top: number }) {
  const users = containersByVolume(containers);
  const specs: ColumnSpec<VolumeKey>[] = [
    { key: 'mark', title: '', width: 1, priority: 0 },
    { key: 'name', title: 'NAME', width: 20, priority: 0, max: 64 },
    { key: 'driver', title: 'DRIVER', width: 6, priority: 3 },
    { key: 'size', title: 'SIZE', width: 7, align: 'right', priority: 4 },
    { key: 'used', title: 'CONTAINERS', width: 16, priority: 1, max: 40 },
    { key: 'mountpoint', title: 'MOUNTPOINT', width: 20, priority: 5, max: 80 },
  ];
  const want = { name: Math.max(4, ...items.map((i) => i.name.length)), used: Math.max(10, ...items.map((i) => (users.get(i.name) ?? []).join(', ').length)) };
  const cell = (v: VolumeRow, k: VolumeKey) => {
    switch (k) {
      case 'name':
        return v.name;
      case 'driver':
        return v.driver;
      case 'mountpoint':
        return v.mountpoint;
      case 'size':
        return v.size === null ? '-' : formatBytes(v.size);
      case 'used':
        return (users.get(v.name) ?? []).join(', ') || '-';
      default:
        return '';
    }
  };
  const sel = items.find((i) => i.key === state.selection.key);
  const used = sel ? (users.get(sel.name) ?? []) : [];
  return (
    <Box flexDirection="column" height={height}>
      <ResourceTable state={state} items={items} specs={specs} cell={cell} want={want} width={width} height={height - RESOURCE_DETAIL_HEIGHT} top={top} noun="volume" empty="no volumes: press c to create one" />
      <Rule title={sel ? sel.name : 'volumes'} width={width} />
      <Text wrap="truncate">{fit(sel ? `mountpoint: ${sel.mountpoint}` : '', width)}</Text>
      <Text wrap="truncate">{fit(sel ? (used.length ? `used by: ${used.join(', ')}` : 'used by no container') : '', width)}</Text>
    </Box>
  );
}

type NetworkKey = 'mark' | 'name' | 'driver' | 'subnet' | 'gateway' | 'used';

export function NetworksPane({ state, items, width, height, top }: { state: ResourceState<NetworkRow>; items: NetworkRow[]; width: number; height: number; top: number }) {
  const specs: ColumnSpec<NetworkKey>[] = [
    { key: 'mark', title: '', width: 1, priority: 0 },
    { key: 'name', title: 'NAME', width: 16, priority: 0, max: 40 },
    { key: 'driver', title: 'DRIVER', width: 7, priority: 2 },
    { key: 'subnet', title: 'SUBNET', width: 18, priority: 1 },
    { key: 'gateway', title: 'GATEWAY', width: 15, priority: 3 },
    { key: 'used', title: 'CONTAINERS', width: 10, priority: 4, max: 60 },
  ];
  const cell = (n: NetworkRow, k: NetworkKey) => {
    switch (k) {
      case 'name':
        return n.name;
      case 'driver':
        return n.driver;
      case 'subnet':
        return n.subnet || '-';
      case 'gateway':
        return n.gateway || '-';
      case 'used':
        return n.containers.map((c) => c.name).join(', ') || '-';
      default:
        return '';
    }
  };
  const sel = items.find((i) => i.key === state.selection.key);
  return (
    <Box flexDirection="column" height={height}>
      <ResourceTable state={state} items={items} specs={specs} cell={cell} width={width} height={height - RESOURCE_DETAIL_HEIGHT} top={top} noun="network" empty="no networks" />
      <Rule title={sel ? `${sel.name} ${sel.id.slice(0, 12)}` : 'networks'} width={width} />
      <Text wrap="truncate">{fit(sel ? `subnet ${sel.subnet || '-'}  gateway ${sel.gateway || '-'}  driver ${sel.driver}` : '', width)}</Text>
      <Text wrap="truncate">{fit(sel ? (sel.containers.length ? `attached: ${sel.containers.map((c) => `${c.name} ${c.address}`).join(', ')}` : 'no container attached') : '', width)}</Text>
    </Box>
  );
}
