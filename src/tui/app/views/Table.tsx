import { Box, Text } from 'ink';
import { memo } from 'react';
import { isDescending, isOomKilled, type Item, type ListState, type Row } from '../state/containers.js';
import { compactUptime, fit, formatBytes, formatPercent } from '../state/format.js';
import { useTheme, type Tone } from '../theme.js';
import type { Column, ContainerColumnKey } from './layout.js';

/** The STATE cell: always a word (NO_COLOR still reads), with the tone the colour carries. */
export function stateCell(row: Row, list: Pick<ListState, 'busy' | 'oom'>): { text: string; tone: Tone } {
  const busy = list.busy[row.id];
  if (busy) return { text: `${busy}…`, tone: 'pending' };
  switch (row.state) {
    case 'running': {
      const up = compactUptime(row.status);
      return { text: up ? `running ${up}` : 'running', tone: 'running' };
    }
    case 'exited': {
      const oom = isOomKilled(list as ListState, row.id);
      const code = row.exitCode === null ? 'exited' : `exited (${row.exitCode})`;
      if (oom) return { text: `${code} OOM`, tone: 'failed' };
      return { text: code, tone: row.exitCode ? 'failed' : 'stopped' };
    }
    case 'dead':
      return { text: 'dead', tone: 'failed' };
    default:
      return { text: row.state, tone: 'pending' };
  }
}

function healthTone(h: string | null): Tone {
  return h === 'healthy' ? 'running' : h === 'unhealthy' ? 'failed' : h ? 'pending' : 'muted';
}

function cell(row: Row, col: ContainerColumnKey, state: string, marked: boolean, grouped: boolean): string {
  switch (col) {
    case 'mark':
      return marked ? '*' : ' ';
    case 'name':
      return grouped ? `  ${row.name}` : row.name;
    case 'image':
      return row.image;
    case 'state':
      return state;
    case 'health':
      return row.health ?? '-';
    case 'ip':
      return row.ip || '-';
    case 'ports':
      return row.ports || '-';
    case 'cpu':
      return formatPercent(row.cpu);
    case 'mem':
      return row.memUsage === null ? '-' : `${formatBytes(row.memUsage)}/${formatBytes(row.memLimit)}`;
    case 'pids':
      return row.pids === null ? '-' : String(row.pids);
    case 'restarts':
      return '-';
  }
}

interface RowProps {
  row: Row;
  cols: Column<ContainerColumnKey>[];
  selected: boolean;
  marked: boolean;
  grouped: boolean;
  state: string;
  tone: Tone;
}

const RowLine = memo(function RowLine({ row, cols, selected, marked, grouped, state, tone }: RowProps) {
  const theme = useTheme();
  return (
    <Text inverse={selected} bold={marked} wrap="truncate">
      {cols.map((c, i) => {
        const text = fit(cell(row, c.key, state, marked, grouped), c.width, c.align) + (i < cols.length - 1 ? ' ' : '');
        if (c.key === 'state') return <Text key={c.key} color={theme.color(tone)}>{text}</Text>;
        if (c.key === 'health') return <Text key={c.key} color={theme.color(healthTone(row.health))}>{text}</Text>;
        if (c.key === 'mark' && marked) return <Text key={c.key} color={theme.color('accent')}>{text}</Text>;
        return text;
      })}
    </Text>
  );
});

const GroupLine = memo(function GroupLine({ item, width, selected, marked }: { item: Extract<Item, { kind: 'group' }>; width: number; selected: boolean; marked: number }) {
  const theme = useTheme();
  const arrow = item.collapsed ? '▸' : '▾';
  const text = ` ${arrow} ${item.project}  compose project · ${item.running}/${item.rows.length} running${marked ? ` · ${marked} marked` : ''}`;
  return (
    <Text inverse={selected} bold color={selected ? undefined : theme.color('accent')} wrap="truncate">
      {fit(text, width)}
    </Text>
  );
});

export function tableHeader(cols: Column<ContainerColumnKey>[], sort: ListState['sort']): string {
  const arrow = isDescending(sort) ? '▼' : '▲';
  return cols.map((c) => fit(c.key === sort.key ? `${c.title}${arrow}` : c.title, c.width, c.align)).join(' ');
}

export function Table({ list, items, cols, width, height, top }: { list: ListState; items: Item[]; cols: Column<ContainerColumnKey>[]; width: number; height: number; top: number }) {
  const theme = useTheme();
  const bodyHeight = Math.max(1, height - 1);
  const selectedKey = list.selection.key;
  return (
    <Box flexDirection="column" height={height}>
      <Text bold underline wrap="truncate">
        {fit(tableHeader(cols, list.sort), width)}
      </Text>
      {!list.loaded ? (
        <Text color={theme.color('muted')}>loading containers…</Text>
      ) : items.length === 0 ? (
        <Text color={theme.color('muted')}>
          {list.filter ? `no container matches "${list.filter}" (Esc clears)` : 'no containers: press c to create one'}
        </Text>
      ) : (
        items.slice(top, top + bodyHeight).map((it) => {
          if (it.kind === 'group') {
            const marked = it.rows.filter((r) => list.marks.includes(r.id)).length;
            return <GroupLine key={it.key} item={it} width={width} selected={it.key === selectedKey} marked={marked} />;
          }
          const st = stateCell(it.row, list);
          return (
            <RowLine
              key={it.key}
              row={it.row}
              cols={cols}
              selected={it.key === selectedKey}
              marked={list.marks.includes(it.row.id)}
              grouped={it.grouped}
              state={st.text}
              tone={st.tone}
            />
          );
        })
      )}
    </Box>
  );
}
