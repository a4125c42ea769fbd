import { Box, Text } from 'ink';
import { effectiveTop, type LogLine, type LogsState } from '../state/logs.js';
import { fit } from '../state/format.js';
import { useTheme } from '../theme.js';

/** Splits `text` around case-insensitive occurrences of `term`. */
export function splitMatches(text: string, term: string): { text: string; match: boolean }[] {
  if (!term) return [{ text, match: false }];
  const lower = text.toLowerCase();
  const t = term.toLowerCase();
  const out: { text: string; match: boolean }[] = [];
  let at = 0;
  for (let i = lower.indexOf(t); i >= 0; i = lower.indexOf(t, i + t.length)) {
    if (i > at) out.push({ text: text.slice(at, i), match: false });
    out.push({ text: text.slice(i, i + t.length), match: true });
    at = i + t.length;
  }
  if (at < text.length) out.push({ text: text.slice(at), match: false });
  return out;
}

function lineText(l: LogLine, timestamps: boolean): { prefix: string; body: string } {
  // Nanosecond RFC3339 stamps are long; milliseconds are enough to read.
  const ts = timestamps && l.ts ? l.ts.replace(/(\.\d{3})\d*/, '$1') + ' ' : '';
  return { prefix: ts, body: l.text };
}

export function LogsView({ logs, name, width, height }: { logs: LogsState; name: string; width: number; height: number }) {
  const theme = useTheme();
  const body = Math.max(1, height - 1);
  const top = effectiveTop(logs, body);
  const { search } = logs;
  const currentLine = search.current >= 0 ? search.matches[search.current] : -1;
  const status = [
    `logs ${name}`,
    logs.top === null ? 'following' : `line ${top + 1}/${logs.lines.length}`,
    `${logs.lines.length} lines`,
    `timestamps ${logs.timestamps ? 'on' : 'off'}`,
    search.term ? `/${search.term} ${search.matches.length ? `${search.current + 1}/${search.matches.length}` : 'no match'}` : '',
    logs.ended ? (logs.error ? `ended: ${logs.error}` : 'ended') : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const shown = logs.lines.slice(top, top + body);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color={theme.color('accent')} wrap="truncate">
        {fit(status, width)}
      </Text>
      {shown.length === 0 ? <Text color={theme.color('muted')}>{logs.ended ? '(no output)' : 'waiting for output…'}</Text> : null}
      {shown.map((l, i) => {
        const n = top + i;
        const { prefix, body: text } = lineText(l, logs.timestamps);
        const isCurrent = n === currentLine;
        const room = Math.max(0, width - 1 - prefix.length);
        const parts = splitMatches(fit(text, room).trimEnd(), search.term);
        return (
          <Text key={n} wrap="truncate" color={l.stream === 'stderr' ? theme.color('error') : undefined}>
            <Text bold>{isCurrent ? '▶' : ' '}</Text>
            <Text color={theme.color('muted')}>{prefix}</Text>
            {parts.map((p, j) =>
              p.match ? (
                <Text key={j} inverse bold={isCurrent} color={theme.color('match')}>
                  {p.text}
                </Text>
              ) : (
                p.text
              ),
            )}
          </Text>
        );
      })}
    </Box>
  );
}

export const LOGS_HINTS = '↑↓ PgUp PgDn scroll  f follow  / search  n/N next/prev  t timestamps  Esc back';
