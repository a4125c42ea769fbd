import { Box, Text } from 'ink';
import { useRef } from 'react';
import { isOomKilled, visibleRows, type ListState, type Row } from '../state/containers.js';
import { compactUptime, fit, formatBytes, formatPercent } from '../state/format.js';
import { useTheme, type Tone } from '../theme.js';
import { scrollTop, tableColumns, type Column } from './layout.js';

/** The STATE cell: always a word (NO_COLOR still reads), with the tone the colour carries. */
export function stateCell(row: Row, list: ListState): { text: string; tone: Tone } {
  const busy = list.busy[row.id];
  if (busy) return { text: `${busy}…`, tone: 'pending' };
  switch (row.state) {
    case 'running': {
      const up = compactUptime(row.status);
      return { text: up ? `running ${up}` : 'running', tone: 'running' };
    }
    case 'exited': {
      const oom = isOomKilled(list, row.id);
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

function cell(row: Row, list: ListState, col: Column): string {
  switch (col.key) {
    case 'mark':
      return list.marks.includes(row.id) ? '*' : ' ';
    case 'name':
      return row.name;
    case 'image':
      return row.image;
    case 'state':
      return stateCell(row, list).text;
    case 'ip':
      return row.ip || '-';
    case 'cpu':
      return formatPercent(row.cpu);
    case 'mem':
      return row.memUsage === null ? '-' : `${formatBytes(row.memUsage)}/${formatBytes(row.memLimit)}`;
    case 'pids':
      return row.pids === null ? '-' : String(row.pids);
  }
}

export function Table({ list, width, height }: { list: ListState; width: number; height: number }) {
  const theme = useTheme();
  const cols = tableColumns(width);
  const rows = visibleRows(list);
  const index = rows.findIndex((r) => r.id === list.selectedId);
  // The scroll position is view state: it only depends on the previous one and the selection.
  const topRef = useRef(0);
  const bodyHeight = Math.max(1, height - 1);
  const top = scrollTop(topRef.current, Math.max(0, index), rows.length, bodyHeight);
  topRef.current = top;
  const arrow = list.sort.reverse ? '▼' : '▲';
  const header = cols
    .map((c) => fit(c.key === list.sort.key ? `${c.title}${arrow}` : c.title, c.width, c.align))
    .join(' ');
  return (
    <Box flexDirection="column" height={height}>
      <Text bold underline wrap="truncate">
        {fit(header, width)}
      </Text>
      {!list.loaded ? (
        <Text color={theme.color('muted')}>loading containers…</Text>
      ) : rows.length === 0 ? (
        <Text color={theme.color('muted')}>
          {list.filter ? `no container matches "${list.filter}" (Esc clears)` : 'no containers: press c to create one'}
        </Text>
      ) : (
        rows.slice(top, top + bodyHeight).map((row) => {
          const selected = row.id === list.selectedId;
          const marked = list.marks.includes(row.id);
          const { tone } = stateCell(row, list);
          return (
            <Text key={row.id} inverse={selected} bold={marked} wrap="truncate">
              {cols.map((c, i) => {
                const text = fit(cell(row, list, c), c.width, c.align) + (i < cols.length - 1 ? ' ' : '');
                if (c.key === 'state') return <Text key={c.key} color={theme.color(tone)}>{text}</Text>;
                if (c.key === 'mark' && marked) return <Text key={c.key} color={theme.color('accent')}>{text}</Text>;
                return text;
              })}
            </Text>
          );
        })
      )}
    </Box>
  );
}
