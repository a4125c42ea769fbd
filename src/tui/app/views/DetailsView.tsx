import { Box, Text } from 'ink';
import { fit } from '../state/format.js';
import { useTheme } from '../theme.js';

export function DetailsView({ name, lines, error, top, width, height }: { name: string; lines: string[] | null; error: string | null; top: number; width: number; height: number }) {
  const theme = useTheme();
  const body = Math.max(1, height - 1);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color={theme.color('accent')} wrap="truncate">
        {fit(`details ${name}${lines && lines.length > body ? ` · ${top + 1}-${Math.min(lines.length, top + body)}/${lines.length}` : ''}`, width)}
      </Text>
      {error ? (
        <Text bold color={theme.color('error')}>
          {error}
        </Text>
      ) : lines === null ? (
        <Text color={theme.color('muted')}>loading…</Text>
      ) : (
        lines.slice(top, top + body).map((l, i) => (
          <Text key={top + i} wrap="truncate">
            {l || ' '}
          </Text>
        ))
      )}
    </Box>
  );
}

export const DETAILS_HINTS = '↑↓ PgUp PgDn scroll  Esc back';
