import { Box, Text } from 'ink';
import type { ConfirmAction } from '../state/app.js';
import { fit } from '../state/format.js';
import { useTheme } from '../theme.js';

const VERB: Record<ConfirmAction, string> = { stop: 'Stop', kill: 'Kill', remove: 'Remove' };

export function confirmQuestion(action: ConfirmAction, names: string[], force: boolean): string {
  const what = names.length === 1 ? names[0]! : `${names.length} containers (${names.join(', ')})`;
  const extra = action === 'remove' && force ? ' (running: it is killed first)' : '';
  return `${VERB[action]} ${what}${extra}? [y/n]`;
}

export function Confirm({ action, names, force, width }: { action: ConfirmAction; names: string[]; force: boolean; width: number }) {
  const theme = useTheme();
  return (
    <Box borderStyle="round" borderColor={theme.color('error')} width={width} height={3}>
      <Text bold wrap="truncate">
        {fit(confirmQuestion(action, names, force), width - 2)}
      </Text>
    </Box>
  );
}
