import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { Banner } from '../state/app.js';
import { fit } from '../state/format.js';
import { useTheme } from '../theme.js';

/** One line at the bottom: the banner when there is one, else the keys of the screen. */
export function Footer({ banner, hints, width, children }: { banner: Banner | null; hints: string; width: number; children?: ReactNode }) {
  const theme = useTheme();
  if (children) return <Box height={1}>{children}</Box>;
  if (banner) {
    const prefix = banner.level === 'error' ? 'error: ' : '';
    return (
      <Box height={1}>
        <Text bold={banner.level === 'error'} color={theme.color(banner.level === 'error' ? 'error' : 'accent')} wrap="truncate">
          {fit(prefix + banner.text.replace(/\s+/g, ' '), width)}
        </Text>
      </Box>
    );
  }
  return (
    <Box height={1}>
      <Text color={theme.color('muted')} wrap="truncate">
        {fit(hints, width)}
      </Text>
    </Box>
  );
}

export const LIST_HINTS = '↑↓/jk move  ⏎ shell  c create  l logs  d details  x stop  u start  r restart  D remove  / filter  s sort  ? help  q quit';
