// The logs view: lines as they arrive (split per stream, timestamps kept apart so they can be
// toggled without fetching again), a scroll position that follows the end until the user
// scrolls, and a search with the lines that match. Pure.

/** Lines kept in memory; older ones are dropped (the daemon still has them). */
export const MAX_LOG_LINES = 10000;

export interface LogLine {
  stream: 'stdout' | 'stderr';
  ts: string | null;
  text: string;
}

export interface LogSearch {
  editing: boolean;
  draft: string;
  term: string;
  /** Indexes into `lines` of the lines containing `term` (case-insensitive). */
  matches: number[];
  /** Index into `matches` of the current match, -1 for none. */
  current: number;
}

export interface LogsState {
  lines: LogLine[];
  partial: { stdout: string; stderr: string };
  /** First line shown; null follows the end. */
  top: number | null;
  timestamps: boolean;
  search: LogSearch;
  ended: boolean;
  error: string | null;
}

export type LogsAction =
  | { type: 'logs/append'; chunks: { stream: 'stdout' | 'stderr'; text: string }[] }
  | { type: 'logs/ended'; error?: string }
  | { type: 'logs/scroll'; delta: number; height: number }
  | { type: 'logs/home' }
  | { type: 'logs/follow' }
  | { type: 'logs/toggleTimestamps' }
  | { type: 'logs/searchStart' }
  | { type: 'logs/searchDraft'; text: string }
  | { type: 'logs/searchCommit'; height: number }
  | { type: 'logs/searchCancel' }
  | { type: 'logs/next'; dir: 1 | -1; height: number };

export function initialLogs(): LogsState {
  return {
    lines: [],
    partial: { stdout: '', stderr: '' },
    top: null,
    timestamps: false,
    search: { editing: false, draft: '', term: '', matches: [], current: -1 },
    ended: false,
    error: null,
  };
}

const TS_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (.*)$/s;

// Escape sequences and control characters from a container's output would move the cursor
// and tear the screen: drop them, and expand tabs so widths are what they seem.
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const CTRL_RE = /[\x00-\x08\x0b-\x1f\x7f]/g;

export function cleanText(raw: string): string {
  return raw.replace(ANSI_RE, '').replace(/\t/g, '    ').replace(CTRL_RE, '');
}

function parseLine(stream: 'stdout' | 'stderr', raw: string): LogLine {
  const m = TS_RE.exec(raw);
  return m ? { stream, ts: m[1]!, text: cleanText(m[2]!) } : { stream, ts: null, text: cleanText(raw) };
}

function matchesOf(lines: LogLine[], term: string, from = 0): number[] {
  if (!term) return [];
  const t = term.toLowerCase();
  const out: number[] = [];
  for (let i = from; i < lines.length; i++) if (lines[i]!.text.toLowerCase().includes(t)) out.push(i);
  return out;
}

/** The first line shown for a window of `height` lines. */
export function effectiveTop(s: LogsState, height: number): number {
  const maxTop = Math.max(0, s.lines.length - height);
  return s.top === null ? maxTop : Math.min(Math.max(0, s.top), maxTop);
}

/** Puts line `i` in view (a third from the top) unless it is already visible. */
function reveal(s: LogsState, i: number, height: number): number | null {
  const top = effectiveTop(s, height);
  if (i >= top && i < top + height) return s.top;
  const t = Math.max(0, i - Math.floor(height / 3));
  return t >= Math.max(0, s.lines.length - height) ? null : t;
}

export function logsReducer(s: LogsState, a: LogsAction): LogsState {
  switch (a.type) {
    case 'logs/append': {
      const partial = { ...s.partial };
      const added: LogLine[] = [];
      for (const c of a.chunks) {
        const parts = (partial[c.stream] + c.text).split('\n');
        partial[c.stream] = parts.pop()!;
        for (const p of parts) added.push(parseLine(c.stream, p));
      }
      if (added.length === 0) return { ...s, partial };
      let lines = s.lines.concat(added);
      const drop = Math.max(0, lines.length - MAX_LOG_LINES);
      let top = s.top;
      let matches = s.search.matches;
      let current = s.search.current;
      if (drop > 0) {
        lines = lines.slice(drop);
        top = top === null ? null : Math.max(0, top - drop);
        const kept = matches.filter((m) => m >= drop).map((m) => m - drop);
        current = current < 0 ? -1 : Math.max(-1, current - (matches.length - kept.length));
        matches = kept;
      }
      matches = matches.concat(matchesOf(lines, s.search.term, lines.length - added.length));
      return { ...s, lines, partial, top, search: { ...s.search, matches, current } };
    }
    case 'logs/ended': {
      // Whatever is left without a newline is still a line.
      const rest = (['stdout', 'stderr'] as const).filter((k) => s.partial[k] !== '');
      const lines = s.lines.concat(rest.map((k) => parseLine(k, s.partial[k])));
      return { ...s, lines, partial: { stdout: '', stderr: '' }, ended: true, error: a.error ?? null };
    }
    case 'logs/scroll': {
      const maxTop = Math.max(0, s.lines.length - a.height);
      const t = effectiveTop(s, a.height) + a.delta;
      return { ...s, top: t >= maxTop ? null : Math.max(0, t) };
    }
    case 'logs/home':
      return { ...s, top: 0 };
    case 'logs/follow':
      return { ...s, top: null };
    case 'logs/toggleTimestamps':
      return { ...s, timestamps: !s.timestamps };
    case 'logs/searchStart':
      return { ...s, search: { ...s.search, editing: true, draft: s.search.term } };
    case 'logs/searchDraft':
      return { ...s, search: { ...s.search, draft: a.text } };
    case 'logs/searchCancel':
      return { ...s, search: { ...s.search, editing: false, draft: '' } };
    case 'logs/searchCommit': {
      const term = s.search.draft;
      const matches = matchesOf(s.lines, term);
      // Start from the first match at or below the top of the view, as `less` does.
      const top = effectiveTop(s, a.height);
      let current = matches.findIndex((m) => m >= top);
      if (current < 0) current = matches.length - 1;
      const next = { ...s, search: { editing: false, draft: '', term, matches, current } };
      return current >= 0 ? { ...next, top: reveal(next, matches[current]!, a.height) } : next;
    }
    case 'logs/next': {
      const { matches } = s.search;
      if (matches.length === 0) return s;
      const current = (s.search.current + a.dir + matches.length) % matches.length;
      const next = { ...s, search: { ...s.search, current } };
      return { ...next, top: reveal(next, matches[current]!, a.height) };
    }
  }
}
