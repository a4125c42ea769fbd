import { Box, Text } from 'ink';
import { fit } from '../state/format.js';
import { useTheme } from '../theme.js';
import type { KeyHelp } from './keyHelp.js';

export interface HelpSection {
  title: string;
  keys: KeyHelp[];
}

/** The help as lines: a title line per section, then "keys  what" lines. */
export function helpLines(sections: HelpSection[]): { key: string; text: string; title: boolean }[] {
  const out: { key: string; text: string; title: boolean }[] = [];
  for (const s of sections) {
    if (out.length) out.push({ key: '', text: '', title: false });
    out.push({ key: '', text: s.title, title: true });
    for (const k of s.keys) out.push({ key: k.keys, text: k.what, title: false });
  }
  return out;
}

/**
 * Every key in as many columns as the width allows (each at least 40 wide), filled top to
 * bottom; what does not fit scrolls with ↑/↓. Descriptions wrap within their column rather
 * than being cut.
 */
export function Help({ sections, width, height, scroll }: { sections: HelpSection[]; width: number; height: number; scroll: number }) {
  const theme = useTheme();
  const body = Math.max(1, height - 1);
  const keyWidth = KEY_WIDTH;
  const columns = helpColumns(width);
  const colWidth = Math.floor(width / columns);
  const textWidth = Math.max(10, colWidth - keyWidth - 2);
  // Wrap descriptions into the column.
  const lines: { key: string; text: string; title: boolean }[] = [];
  for (const l of helpLines(sections)) {
    if (l.title || l.text.length <= textWidth) {
      lines.push(l);
      continue;
    }
    const words = l.text.split(' ');
    let cur = '';
    let first = true;
    for (const w of words) {
      if (cur && cur.length + 1 + w.length > textWidth) {
        lines.push({ key: first ? l.key : '', text: cur, title: false });
        first = false;
        cur = w;
      } else cur = cur ? `${cur} ${w}` : w;
    }
    if (cur) lines.push({ key: first ? l.key : '', text: cur, title: false });
  }
  const perPage = body * columns;
  const maxScroll = Math.max(0, lines.length - perPage);
  const from = Math.min(scroll, maxScroll);
  const shown = lines.slice(from, from + perPage);
  const cols = Array.from({ length: columns }, (_, i) => shown.slice(i * body, (i + 1) * body));
  const more = lines.length > perPage ? `  ↑↓ scroll (${from + 1}-${Math.min(lines.length, from + perPage)}/${lines.length})` : '';
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color={theme.color('accent')} wrap="truncate">
        {fit(`Keys  (Esc or ? closes)${more}`, width)}
      </Text>
      <Box flexDirection="row">
        {cols.map((col, i) => (
          <Box key={i} flexDirection="column" width={colWidth}>
            {col.map((l, j) =>
              l.title ? (
                <Text key={j} bold underline wrap="truncate">
                  {fit(l.text, colWidth - 1)}
                </Text>
              ) : (
                <Text key={j} wrap="truncate">
                  <Text bold>{fit(l.key, keyWidth)}</Text>
                  {'  ' + fit(l.text, colWidth - keyWidth - 3)}
                </Text>
              ),
            )}
          </Box>
        ))}
      </Box>
    </Box>
  );
}

const KEY_WIDTH = 15;

/** Columns of the help: as many as fit at 40 wide each (two on an 80-column screen). */
function helpColumns(width: number): number {
  return Math.max(1, Math.min(3, Math.floor(width / 40)));
}

/** Lines the help has at this width, for scrolling bounds. */
export function helpMaxScroll(sections: HelpSection[], width: number, height: number): number {
  const columns = helpColumns(width);
  const textWidth = Math.max(10, Math.floor(width / columns) - KEY_WIDTH - 2);
  let n = 0;
  for (const l of helpLines(sections)) n += l.title ? 1 : Math.max(1, Math.ceil(l.text.length / textWidth));
  return Math.max(0, n - Math.max(1, height - 1) * columns);
}
