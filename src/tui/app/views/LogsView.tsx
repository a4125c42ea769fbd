import { Box, Text } from 'ink';
import { segments } from '../state/ansi.js';
import { fit } from '../state/format.js';
import { effectiveTop, lineMatches, type LogLine, type LogsState } from '../state/logs.js';
import { useTheme } from '../theme.js';

/** Nanosecond RFC3339 stamps are long; milliseconds are enough to read. */
function stamp(l: LogLine, timestamps: boolean): string {
  return timestamps && l.ts ? l.ts.replace(/(\.\d{3})\d*/, '$1') + ' ' : '';
}

interface VisualRow {
  line: number;
  /** Start column in the line's text. */
  from: number;
  prefix: string;
  first: boolean;
}

/** How many screen rows a line takes when wrapped at `width` columns. */
function rowsOf(l: LogLine, width: number, timestamps: boolean): number {
  const w = Math.max(1, width - stamp(l, timestamps).length);
  return Math.max(1, Math.ceil(l.text.text.length / w));
}

/**
 * The screen rows for `height` rows of the window starting at line `top` (or, following,
 * ending at the last line): wrapped lines take several rows; without wrap one each.
 */
export function visualRows(logs: LogsState, width: number, height: number): VisualRow[] {
  const body = Math.max(1, width - 1);
  const out: VisualRow[] = [];
  const push = (i: number) => {
    const l = logs.lines[i]!;
    const prefix = stamp(l, logs.timestamps);
    if (!logs.wrap) {
      out.push({ line: i, from: logs.left, prefix, first: true });
      return;
    }
    const w = Math.max(1, body - prefix.length);
    const n = rowsOf(l, body, logs.timestamps);
    for (let k = 0; k < n; k++) out.push({ line: i, from: k * w, prefix: k === 0 ? prefix : ' '.repeat(prefix.length), first: k === 0 });
  };
  if (!logs.wrap) {
    const top = effectiveTop(logs, height);
    for (let i = top; i < Math.min(logs.lines.length, top + height); i++) push(i);
    return out;
  }
  if (logs.top === null) {
    // Following: fill from the last line upwards.
    let used = 0;
    let i = logs.lines.length - 1;
    while (i >= 0 && used + rowsOf(logs.lines[i]!, body, logs.timestamps) <= height) used += rowsOf(logs.lines[i--]!, body, logs.timestamps);
    for (let j = Math.max(0, i + 1); j < logs.lines.length; j++) push(j);
    return out.slice(-height);
  }
  for (let i = Math.max(0, logs.top); i < logs.lines.length && out.length < height; i++) push(i);
  return out.slice(0, height);
}

export function logsStatus(logs: LogsState, name: string, height: number): string {
  const top = effectiveTop(logs, height);
  const n = logs.lines.length;
  const count = logs.older ? `last ${n} of ${n + logs.older} lines (↑ at the top loads older)` : `${n} lines`;
  const { search } = logs;
  const stream =
    logs.status === 'reconnecting'
      ? `reconnecting${logs.error ? ` (${logs.error})` : ''}…`
      : logs.status === 'ended'
        ? logs.error
          ? `ended: ${logs.error}`
          : 'ended (the container stopped)'
        : logs.status === 'connecting'
          ? 'connecting…'
          : logs.top === null
            ? 'following'
            : `line ${top + 1}/${n}`;
  return [
    `logs ${name}`,
    stream,
    logs.loadingOlder ? 'loading older lines…' : count,
    logs.wrap ? 'wrap on' : logs.left ? `columns ${logs.left + 1}-` : 'wrap off',
    search.term ? `/${search.term} ${search.matches.length ? `${search.current + 1}/${search.matches.length}` : 'no match'}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

export function LogsView({ logs, name, width, height }: { logs: LogsState; name: string; width: number; height: number }) {
  const theme = useTheme();
  const body = Math.max(1, height - 1);
  const { search } = logs;
  const currentLine = search.current >= 0 ? search.matches[search.current] : -1;
  const rows = visualRows(logs, width, body);
  const textWidth = Math.max(1, width - 1);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color={theme.color('accent')} wrap="truncate">
        {fit(logsStatus(logs, name, body), width)}
      </Text>
      {rows.length === 0 ? (
        <Text color={theme.color('muted')}>{logs.status === 'ended' ? '(no output)' : 'waiting for output…'}</Text>
      ) : null}
      {rows.map((r) => {
        const l = logs.lines[r.line]!;
        const isCurrent = r.line === currentLine;
        const room = Math.max(0, textWidth - r.prefix.length);
        const segs = segments(l.text, r.from, room, search.term ? lineMatches(l, search.term) : []);
        return (
          <Text key={`${r.line}:${r.from}`} wrap="truncate" color={l.stream === 'stderr' ? theme.color('error') : undefined}>
            <Text bold>{isCurrent && r.first ? '▶' : ' '}</Text>
            <Text color={theme.color('muted')}>{r.prefix}</Text>
            {segs.map((s, j) =>
              s.match ? (
                <Text key={j} inverse bold={isCurrent} color={theme.color('match')}>
                  {s.text}
                </Text>
              ) : (
                // The container's own colours (SGR only), reset after the segment.
                <Text key={j}>{s.style && !theme.mono ? `${s.style}${s.text}\x1b[0m` : s.text}</Text>
              ),
            )}
          </Text>
        );
      })}
    </Box>
  );
}
