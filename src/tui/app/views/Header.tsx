import { Box, Text } from 'ink';
import { memo } from 'react';
import type { AppState } from '../state/app.js';
import { PANE_TITLES, PANES, type PaneId } from '../state/command.js';
import { clock, fit } from '../state/format.js';
import { runningTasks, unreadErrors } from '../state/tasks.js';
import { useTheme } from '../theme.js';

/** Lines the header takes: the title line and the pane tabs. */
export const HEADER_HEIGHT = 2;

export interface PaneTab {
  pane: PaneId;
  label: string;
  x: number;
}

/** The pane tabs and where each starts (for the mouse); short titles on a narrow screen. */
export function paneTabs(width: number): PaneTab[] {
  const full = PANES.map((p, i) => ` ${i + 1} ${PANE_TITLES[p]} `);
  const short = PANES.map((p, i) => ` ${i + 1} ${PANE_TITLES[p].slice(0, 3)} `);
  const labels = full.join('').length <= width ? full : short;
  let x = 0;
  return PANES.map((pane, i) => {
    const t = { pane, label: labels[i]!, x };
    x += labels[i]!.length;
    return t;
  });
}

function HeaderView({ state, socketPath, width, paneInfo }: { state: AppState; socketPath: string; width: number; paneInfo: string }) {
  const theme = useTheme();
  const rows = state.list.rows;
  const running = rows.filter((r) => r.state === 'running').length;
  const busy = runningTasks(state.tasks).length;
  const errors = unreadErrors(state.tasks).length;
  const left = `boxify  ${socketPath}`;
  const counts = `${running} running / ${rows.length} total`;
  const work = `${busy ? `  ${busy} task${busy === 1 ? '' : 's'} running` : ''}${errors ? `  ${errors} error${errors === 1 ? '' : 's'} (6)` : ''}`;
  const right = `${counts}${work}  ${clock(state.now)}`;
  // The socket path gives way first: the counts and the clock matter more on a narrow screen.
  const room = Math.max(0, width - right.length - 2);
  const shownLeft = left.length > room ? fit(left, room) : left;
  const space = Math.max(1, width - shownLeft.length - right.length);
  const tabs = paneTabs(width);
  const tabsWidth = tabs.reduce((a, t) => a + t.label.length, 0);
  const info = fit(paneInfo, Math.max(0, width - tabsWidth));
  return (
    <Box flexDirection="column" height={HEADER_HEIGHT}>
      <Text bold color={theme.color('accent')} wrap="truncate">
        {fit(shownLeft + ' '.repeat(space) + right, width)}
      </Text>
      <Text wrap="truncate">
        {tabs.map((t) =>
          t.pane === state.pane ? (
            <Text key={t.pane} inverse bold>
              {t.label}
            </Text>
          ) : (
            <Text key={t.pane} color={theme.color('muted')}>
              {t.label}
            </Text>
          ),
        )}
        <Text color={theme.color('muted')}>{info.length ? info.padStart(Math.max(0, width - tabsWidth)) : ''}</Text>
      </Text>
    </Box>
  );
}

export const Header = memo(HeaderView);
