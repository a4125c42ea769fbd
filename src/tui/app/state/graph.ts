// Line graphs in text: each cell is a Braille character, 2 dots wide and 4 dots high, so a
// graph of W x H cells plots 2W samples at 4H levels, with the points joined by vertical runs
// (the look of btop and gotop). Pure: values in, lines of text out.

const BRAILLE_BASE = 0x2800;
/** Dot bits of a Braille cell by [column][row], rows from the top. */
const DOTS = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

/**
 * The last 2*width values as a line graph `height` rows tall, scaled to [0, max]. The newest
 * value is at the right edge; missing history leaves the left empty.
 */
export function lineGraph(values: readonly number[], width: number, height: number, max: number): string[] {
  const w = Math.max(1, width);
  const h = Math.max(1, height);
  const cells = Array.from({ length: h }, () => new Array<number>(w).fill(0));
  const dotsY = h * 4;
  const n = w * 2;
  const tail = values.slice(-n);
  const offset = n - tail.length;
  const level = (v: number) => {
    if (!(max > 0) || !Number.isFinite(v) || v <= 0) return 0;
    return Math.min(dotsY - 1, Math.round((v / max) * (dotsY - 1)));
  };
  let prev: number | null = null;
  for (let i = 0; i < tail.length; i++) {
    const x = offset + i;
    const y = level(tail[i]!);
    // Join to the previous point with a vertical run in this column.
    const from = prev === null ? y : prev;
    const lo = Math.min(from, y);
    const hi = Math.max(from, y);
    for (let d = lo; d <= hi; d++) {
      // Level 0 is the bottom dot row.
      const row = dotsY - 1 - d;
      cells[Math.floor(row / 4)]![Math.floor(x / 2)]! |= DOTS[x % 2]![row % 4]!;
    }
    prev = y;
  }
  return cells.map((r) => r.map((bits) => String.fromCharCode(BRAILLE_BASE + bits)).join(''));
}

/** A "nice" top of scale at or above `v` (1, 2, 5 x 10^n), so axis labels read well. */
export function niceMax(v: number, floor = 0): number {
  const x = Math.max(v, floor);
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}
