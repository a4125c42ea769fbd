import { Box, Text } from 'ink';
import { fit } from '../state/format.js';
import { useTheme } from '../theme.js';

export const KEYS: [string, string][] = [
  ['↑ ↓  j k', 'move the selection'],
  ['PgUp PgDn g G', 'page, first, last'],
  ['Enter  a', 'shell in the container'],
  ['c', 'create a container'],
  ['l', 'logs of the container'],
  ['d', 'details (inspect)'],
  ['u', 'start'],
  ['r', 'restart'],
  ['x', 'stop (marked or selected)'],
  ['K', 'kill (marked or selected)'],
  ['D  Delete', 'remove (marked or selected)'],
  ['space', 'mark / unmark'],
  ['/', 'filter by name, image, state'],
  ['s  S', 'next sort column / reverse'],
  ['Esc', 'back, clear marks and filter'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit'],
];

export const LOG_KEYS: [string, string][] = [
  ['↑ ↓ PgUp PgDn', 'scroll (leaves follow)'],
  ['f  End  G', 'follow the end'],
  ['Home g', 'first line'],
  ['/  n  N', 'search, next, previous'],
  ['t', 'timestamps on/off'],
];

export function Help({ width, height }: { width: number; height: number }) {
  const theme = useTheme();
  const all = [...KEYS, ['', ''] as [string, string], ['In logs:', ''] as [string, string], ...LOG_KEYS];
  const perCol = Math.max(1, height - 2);
  const twoCols = all.length > perCol && width >= 80;
  const colWidth = twoCols ? Math.floor(width / 2) : width;
  const columns = twoCols ? [all.slice(0, Math.ceil(all.length / 2)), all.slice(Math.ceil(all.length / 2))] : [all];
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color={theme.color('accent')}>
        {fit('Keys  (any key closes)', width)}
      </Text>
      <Box flexDirection="row">
        {columns.map((col, i) => (
          <Box key={i} flexDirection="column" width={colWidth}>
            {col.slice(0, perCol).map(([k, d], j) => (
              <Text key={j} wrap="truncate">
                <Text bold>{fit(k, 15)}</Text>
                {fit(d, colWidth - 16)}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
