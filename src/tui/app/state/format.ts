// Pure text helpers for the views: sizes, percentages, state words, padding and sparklines.
// Everything here returns plain strings so the layout can be unit-tested and never wraps.

const UNITS = ['B', 'K', 'M', 'G', 'T'];

/** 1536 -> "1.5K", 104857600 -> "100M" (binary units, as docker and ctop show them). */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return '-';
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const text = u === 0 || v >= 100 ? Math.round(v).toString() : v.toFixed(1).replace(/\.0$/, '');
  return text + UNITS[u];
}

export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '-';
  return p >= 100 ? `${Math.round(p)}%` : `${p.toFixed(1)}%`;
}

/** "Up 5 minutes" / "Up About an hour" / "Up 3 seconds" -> "5m" / "1h" / "3s". */
export function compactUptime(status: string): string | null {
  const m = /^Up\s+(?:About\s+)?(an?|less than a|\d+)\s+(second|minute|hour|day|week|month|year)s?/i.exec(status);
  if (!m) return null;
  const count = /^\d+$/.test(m[1]!) ? m[1]! : m[1]!.toLowerCase().startsWith('less') ? '<1' : '1';
  const unit = { second: 's', minute: 'm', hour: 'h', day: 'd', week: 'w', month: 'mo', year: 'y' }[
    m[2]!.toLowerCase() as 'second'
  ];
  return count + unit;
}

/** The exit code in a Docker status text like "Exited (137) 2 minutes ago". */
export function exitCodeFromStatus(status: string): number | null {
  const m = /^Exited\s+\((-?\d+)\)/i.exec(status);
  return m ? Number(m[1]) : null;
}

/** Pads or cuts `s` to exactly `width` columns (ASCII-width text; cut text ends with …). */
export function fit(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  if (s.length > width) return width === 1 ? '…' : s.slice(0, width - 1) + '…';
  return align === 'left' ? s.padEnd(width) : s.padStart(width);
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * The last `width` values as unicode blocks, scaled to `max` (or the largest value).
 * Missing history is left blank on the left so a young container's line grows rightwards.
 */
export function sparkline(values: readonly number[], width: number, max?: number): string {
  if (width <= 0) return '';
  const tail = values.slice(-width);
  const top = Math.max(max ?? 0, ...tail, 0);
  const out = tail.map((v) => {
    if (!(top > 0) || !(v > 0)) return BLOCKS[0];
    const i = Math.min(BLOCKS.length - 1, Math.max(0, Math.ceil((v / top) * BLOCKS.length) - 1));
    return BLOCKS[i];
  });
  return ' '.repeat(width - tail.length) + out.join('');
}

/** HH:MM:SS of a millisecond timestamp, local time. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Bytes per second: "1.5K/s", "0B/s". */
export function formatRate(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '-' : `${formatBytes(Math.max(0, n))}/s`;
}

/** How long ago, compact: "12s", "5m", "3h", "2d", "6w", "1y". */
export function ago(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  if (s < 86400 * 14) return `${Math.floor(s / 86400)}d`;
  if (s < 86400 * 365) return `${Math.floor(s / (86400 * 7))}w`;
  return `${Math.floor(s / (86400 * 365))}y`;
}

/**
 * A sentence cut to `width` in its middle part only: `head` and `tail` are kept whole (the
 * verb and the "[y/n]" of a question), the middle gives way with "…".
 */
export function fitMiddle(head: string, middle: string, tail: string, width: number): string {
  const room = width - head.length - tail.length;
  if (room >= middle.length) return head + middle + tail;
  if (room >= 2) return head + middle.slice(0, room - 1) + '…' + tail;
  // Not even that: the tail (the answer keys) wins over the head.
  return fit(head, Math.max(0, width - tail.length)) + tail.slice(0, width);
}
