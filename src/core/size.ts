// Sizes as people write them (`100m`, `1g`, `1.5GiB`) and as Docker reads them: the units
// are binary (k = 1024), case-insensitive, with an optional trailing `b` or `ib`
// (docker/go-units RAMInBytes). One parser for the CLI flags, boxify.yaml and the API.
import { errors } from './errors.js';

const UNIT: Record<string, number> = {
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*(?:([kmgtp])(?:i?b)?|b)?$/i;

/**
 * Bytes in `value`, a size string or a plain number of bytes. `field` names the flag or
 * key in the error, e.g. `settings.memoryLimit` or `--memory`.
 */
export function parseSize(value: string | number, field: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.floor(value);
    throw notASize(String(value), field);
  }
  const m = SIZE.exec(value.trim());
  if (!m) throw notASize(value, field);
  const bytes = Math.floor(Number(m[1]) * UNIT[(m[2] ?? 'b').toLowerCase()]!);
  if (!Number.isSafeInteger(bytes)) throw errors.invalid(field, `"${value}" is too large`);
  return bytes;
}

function notASize(value: string, field: string) {
  return errors.invalid(
    field,
    `"${value}" is not a size: use a number with an optional unit b, k, m, g (e.g. 100m)`,
  );
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

function human(n: number, base: number, units: string[]): string {
  if (!Number.isFinite(n) || n < 0) return '--';
  let i = 0;
  while (n >= base && i < units.length - 1) {
    n /= base;
    i++;
  }
  // Four significant digits, like Go's %.4g in docker's output.
  return `${Number(n.toPrecision(4))}${units[i]}`;
}

/** Binary units, as `docker stats` shows memory: 1.5MiB, 100MiB, 2GiB. */
export function formatBytes(n: number): string {
  return human(n, 1024, BINARY);
}

/** Decimal units, as `docker images` and `docker stats` NET I/O show sizes: 2.1MB, 648B. */
export function formatBytesDecimal(n: number): string {
  return human(n, 1000, DECIMAL);
}
