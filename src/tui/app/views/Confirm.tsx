import { Box, Text } from 'ink';
import type { Confirm as ConfirmState } from '../state/app.js';
import { fitMiddle } from '../state/format.js';
import { useTheme } from '../theme.js';

/** Height of the question box (its border and one line). */
export const CONFIRM_HEIGHT = 3;

/**
 * The question, cut to `width` in the list of names only: the verb and "[y/n]" always show.
 * "Remove 3 containers (a, b, c) (running: killed first)? [y/n]".
 */
export function confirmQuestion(c: ConfirmState, width = Infinity): string {
  const many = c.names.length !== 1;
  const head = c.names.length === 0 ? `${c.verb} ${c.noun}s` : many ? `${c.verb} ${c.names.length} ${c.noun}s (` : `${c.verb} `;
  const middle = c.names.join(', ');
  const close = c.names.length > 1 ? ')' : '';
  const extra = c.extra ? ` (${c.extra})` : '';
  // The notes after the names shorten before anything else; "[y/n]" always stays.
  const tails = [
    `${close}${extra}${c.hidden ? `, not the ${c.hidden} marked the filter hides` : ''}? [y/n]`,
    `${close}${extra}${c.hidden ? ` (+${c.hidden} hidden)` : ''}? [y/n]`,
    `${close}${c.hidden ? ` (+${c.hidden} hidden)` : ''}? [y/n]`,
    `${close}? [y/n]`,
  ];
  const tail = tails.find((t) => head.length + Math.min(middle.length, 2) + t.length <= width) ?? tails[tails.length - 1]!;
  return fitMiddle(head, middle, tail, width);
}

export function Confirm({ confirm, width }: { confirm: ConfirmState; width: number }) {
  const theme = useTheme();
  return (
    <Box borderStyle="round" borderColor={theme.color('error')} width={width} height={CONFIRM_HEIGHT}>
      <Text bold wrap="truncate">
        {confirmQuestion(confirm, width - 2)}
      </Text>
    </Box>
  );
}
