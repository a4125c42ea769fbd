import test from 'ava';
import { BoxifyError } from '../../src/core/errors.js';
import { formatBytes, formatBytesDecimal, parseSize } from '../../src/core/size.js';

test('parseSize reads docker units: binary, case-insensitive, optional b/ib', (t) => {
  const M = 1024 * 1024;
  t.is(parseSize('100m', 'memory'), 100 * M);
  t.is(parseSize('1g', 'memory'), 1024 * M);
  t.is(parseSize('512k', 'memory'), 512 * 1024);
  t.is(parseSize('1024', 'memory'), 1024);
  t.is(parseSize('1.5g', 'memory'), 1.5 * 1024 * M);
  t.is(parseSize('100MB', 'memory'), 100 * M);
  t.is(parseSize('100MiB', 'memory'), 100 * M);
  t.is(parseSize('100M', 'memory'), 100 * M);
  t.is(parseSize('7b', 'memory'), 7);
  t.is(parseSize('2t', 'memory'), 2 * 1024 ** 4);
  t.is(parseSize(' 64 m ', 'memory'), 64 * M);
  t.is(parseSize(4096, 'memory'), 4096);
  t.is(parseSize('0', 'memory'), 0);
});

test('parseSize refuses what is not a size, naming the field and the fix', (t) => {
  for (const bad of ['100x', '', 'm', '-1m', '1.2.3m', '10 mm', 'ten', '1e3', '100ib']) {
    const err = t.throws(() => parseSize(bad, 'settings.memoryLimit'), { instanceOf: BoxifyError });
    t.is(err?.code, 'invalid_argument');
    t.is(err?.field, 'settings.memoryLimit');
    t.is(
      err?.message,
      `invalid settings.memoryLimit: "${bad}" is not a size: use a number with an optional unit b, k, m, g (e.g. 100m)`,
    );
  }
  t.throws(() => parseSize(-5, 'memory'), { instanceOf: BoxifyError });
  t.throws(() => parseSize(Number.NaN, 'memory'), { instanceOf: BoxifyError });
  t.throws(() => parseSize('99999999999t', 'memory'), { message: /too large/ });
});

test('formatBytes uses binary units with four significant digits, like docker stats', (t) => {
  t.is(formatBytes(0), '0B');
  t.is(formatBytes(512), '512B');
  t.is(formatBytes(1024), '1KiB');
  t.is(formatBytes(1536), '1.5KiB');
  t.is(formatBytes(100 * 1024 * 1024), '100MiB');
  t.is(formatBytes(2048000), '1.953MiB');
  t.is(formatBytes(1024 ** 3), '1GiB');
  t.is(formatBytes(-1), '--');
});

test('formatBytesDecimal uses decimal units, like docker images', (t) => {
  t.is(formatBytesDecimal(648), '648B');
  t.is(formatBytesDecimal(2_100_000), '2.1MB');
  t.is(formatBytesDecimal(1000), '1kB');
  t.is(formatBytesDecimal(1_234_567_890), '1.235GB');
});
