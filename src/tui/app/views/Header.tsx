import { Box, Text } from 'ink';
import type { AppState } from '../state/app.js';
import { clock, fit } from '../state/format.js';
import { useTheme } from '../theme.js';

export function Header({ state, socketPath, width }: { state: AppState; socketPath: string; width: number }) {
  const theme = useTheme();
  const rows = state.list.rows;
  const running = rows.filter((r) => r.state === 'running').length;
  const { key, reverse } = state.list.sort;
  const left = `boxify  ${socketPath}`;
  const counts = `${running} running / ${rows.length} total`;
  const sort = `sort ${key}${reverse ? '↓' : '↑'}`;
  const filter = state.list.filter && state.mode.kind !== 'filter' ? `  filter "${state.list.filter}"` : '';
  const marks = state.list.marks.length ? `  ${state.list.marks.length} marked` : '';
  const right = `${counts}  ${sort}${filter}${marks}  ${clock(state.now)}`;
  // The socket path gives way first: the counts and the clock matter more on a narrow screen.
  const room = Math.max(0, width - right.length - 2);
  const shownLeft = left.length > room ? fit(left, room) : left;
  const space = Math.max(1, width - shownLeft.length - right.length);
  const line = fit(shownLeft + ' '.repeat(space) + right, width);
  return (
    <Box height={1}>
      <Text bold color={theme.color('accent')} wrap="truncate">
        {line}
      </Text>
    </Box>
  );
}
