import { Box, Text } from 'ink';
import type { Item, ListState } from '../state/containers.js';
import { fit, formatBytes, formatPercent, sparkline } from '../state/format.js';
import { useTheme } from '../theme.js';
import { stateCell } from './Table.js';

/** Height of the pane: a title line and one sparkline each for CPU and memory. */
export const DETAIL_HEIGHT = 3;

/** CPU below this is drawn near the floor, so an idle container does not look busy. */
const CPU_SCALE_FLOOR = 5;
/** Memory is drawn against its recent peak plus a third, so a flat line reads as steady, not full. */
const MEM_HEADROOM = 4 / 3;

export function DetailPane({ list, item, width }: { list: ListState; item: Item | undefined; width: number }) {
  const theme = useTheme();
  if (!item) {
    return (
      <Box flexDirection="column" height={DETAIL_HEIGHT}>
        <Text color={theme.color('muted')}>{fit('─'.repeat(width), width)}</Text>
      </Box>
    );
  }
  if (item.kind === 'group') {
    const cpu = item.rows.reduce((a, r) => a + (r.cpu ?? 0), 0);
    const mem = item.rows.reduce((a, r) => a + (r.memUsage ?? 0), 0);
    return (
      <Box flexDirection="column" height={DETAIL_HEIGHT}>
        <Text color={theme.color('muted')} wrap="truncate">
          {fit(`─ project ${item.project} ${'─'.repeat(width)}`, width)}
        </Text>
        <Text wrap="truncate">{fit(`${item.rows.length} containers, ${item.running} running: ${item.rows.map((r) => r.service ?? r.name).join(', ')}`, width)}</Text>
        <Text wrap="truncate">{fit(`CPU ${formatPercent(cpu)}  MEM ${formatBytes(mem)}   x stop  u start  D remove the whole project · ←/→ fold`, width)}</Text>
      </Box>
    );
  }
  const row = item.row;
  const h = list.history[row.id] ?? { cpu: [], mem: [] };
  const st = stateCell(row, list);
  const title = `─ ${row.name} ${row.id.slice(0, 12)} ${row.image} ${row.ip || ''} ${row.command} `;
  const label = 16;
  const graph = Math.max(4, width - 4 - 1 - label);
  const cpuNow = formatPercent(row.cpu);
  const memNow = row.memUsage === null ? '-' : `${formatBytes(row.memUsage)}/${formatBytes(row.memLimit)}`;
  return (
    <Box flexDirection="column" height={DETAIL_HEIGHT}>
      <Text wrap="truncate">
        <Text color={theme.color('muted')}>{fit(title.replace(/\s+/g, ' ') + '─'.repeat(width), Math.max(0, width - st.text.length - 1))}</Text>
        <Text color={theme.color(st.tone)}> {st.text}</Text>
      </Text>
      <Text wrap="truncate">
        {'CPU '}
        <Text color={theme.color('accent')}>{sparkline(h.cpu, graph, Math.max(CPU_SCALE_FLOOR, ...h.cpu.slice(-graph)))}</Text>
        {' ' + fit(cpuNow, label, 'left')}
      </Text>
      <Text wrap="truncate">
        {'MEM '}
        <Text color={theme.color('running')}>{sparkline(h.mem, graph, Math.max(...h.mem.slice(-graph), 0) * MEM_HEADROOM)}</Text>
        {' ' + fit(memNow, label, 'left')}
      </Text>
    </Box>
  );
}
