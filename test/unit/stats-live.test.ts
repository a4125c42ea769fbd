// The every-second stats path: descriptors kept open and read at offset 0, single keys out of
// keyed files, and every interface's counters from one read of /proc/net/dev.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileReader, keyedValue } from '../../src/core/cgroups/reader.js';
import { ioTotals, parseBlkio, parseIoStat } from '../../src/core/cgroups/parse.js';
import { parseNetDev } from '../../src/core/stats.js';

test('FileReader rereads a file from its start through one descriptor, and forgets a directory', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxify-reader-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sub = path.join(dir, 'cg');
  fs.mkdirSync(sub);
  const f = path.join(sub, 'memory.current');
  fs.writeFileSync(f, '4096\n');
  const r = new FileReader();
  t.is(r.number(f), 4096);
  // The kernel rewrites its files in place; so does writeFileSync (same inode).
  fs.writeFileSync(f, '8192\n');
  t.is(r.number(f), 8192);
  t.is(r.openCount, 1);
  t.is(r.read(path.join(dir, 'missing')), undefined);
  // A file larger than the buffer is read whole.
  const big = path.join(sub, 'big');
  fs.writeFileSync(big, 'x'.repeat(40_000));
  t.is(r.read(big)!.length, 40_000);
  r.forget(sub);
  t.is(r.openCount, 0);
  r.closeAll();
});

test('one key of a keyed file, without parsing the rest', (t) => {
  const stat = 'cache 10\nrss 20\ntotal_inactive_file 30\ninactive_file 5\n';
  t.is(keyedValue(stat, 'total_inactive_file'), 30);
  t.is(keyedValue(stat, 'inactive_file'), 5);
  t.is(keyedValue(stat, 'cache'), 10);
  t.is(keyedValue(stat, 'swap'), undefined);
  t.is(keyedValue('usage_usec 1234\nuser_usec 1000', 'usage_usec'), 1234);
  t.is(keyedValue(undefined, 'x'), undefined);
});

test('block I/O totals from either cgroup version', (t) => {
  t.deepEqual(ioTotals(parseBlkio('8:0 Read 100\n8:0 Write 50\n8:16 Read 1\nTotal 151\n')), { read: 101, write: 50 });
  t.deepEqual(ioTotals(parseIoStat('8:0 rbytes=10 wbytes=20 rios=1 wios=2\n')), { read: 10, write: 20 });
});

test('/proc/net/dev: every interface, rx and tx as the container sees them', (t) => {
  const text = [
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    '    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0',
    'veth1a2b:  500       5    0    0    0     0          0         0     7000      70    0    0    0     0       0          0',
  ].join('\n');
  const m = parseNetDev(text);
  t.deepEqual(m.get('veth1a2b'), { rxBytes: 7000, txBytes: 500 });
  t.is(m.size, 2);
});
