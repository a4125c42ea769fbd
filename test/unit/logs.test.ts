// Container logs in json-file format: writing lines from streams, reading with filters and
// tail, and following a growing file.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { followLogRecords, LogWriter, nowRfc3339Nano, parseLogLine, readLogRecords, type LogRecord } from '../../src/core/containers/logs.js';

function tmpFile(t: import('ava').ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxify-logs-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'container-json.log');
}

const all = { stdout: true, stderr: true };
const line = (log: string, stream: 'stdout' | 'stderr', time: string) => JSON.stringify({ log, stream, time }) + '\n';

test('nowRfc3339Nano: RFC3339 with 9 fractional digits, close to now', (t) => {
  const s = nowRfc3339Nano();
  t.regex(s, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
  t.true(Math.abs(Date.parse(s) - Date.now()) < 5000);
  t.true(nowRfc3339Nano() >= s, 'non-decreasing');
});

test('LogWriter writes one json-file record per line, streams kept apart', async (t) => {
  const file = tmpFile(t);
  const w = new LogWriter(file);
  const out = new PassThrough();
  const err = new PassThrough();
  const done = Promise.all([w.follow(out, 'stdout'), w.follow(err, 'stderr')]);
  out.write('one\ntw');
  out.write('o\nthree');
  err.end('oops\n');
  out.end();
  await done;
  await w.close();
  const recs = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogRecord);
  t.deepEqual(
    recs.filter((r) => r.stream === 'stdout').map((r) => r.log),
    ['one\n', 'two\n', 'three'],
    'a partial last line is written at the end, without a newline',
  );
  t.deepEqual(recs.filter((r) => r.stream === 'stderr').map((r) => r.log), ['oops\n']);
  for (const r of recs) t.regex(r.time, /Z$/);
});

test('LogWriter splits a line longer than 16 KiB and ignores writes after close', async (t) => {
  const file = tmpFile(t);
  const w = new LogWriter(file);
  const src = new PassThrough();
  const done = w.follow(src, 'stdout');
  src.end('x'.repeat(20 * 1024) + '\n');
  await done;
  await w.close();
  w.write('late\n', 'stdout');
  const recs = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogRecord);
  t.is(recs.map((r) => r.log).join(''), 'x'.repeat(20 * 1024) + '\n', 'no byte lost or added');
  t.true(recs.length >= 1);
  t.false(recs.some((r) => r.log.includes('late')));
  t.true(recs.every((r) => r.log.length <= 20 * 1024 + 1));
});

test('parseLogLine: a record, or null for junk', (t) => {
  t.deepEqual(parseLogLine(line('a\n', 'stdout', 't')), { log: 'a\n', stream: 'stdout', time: 't' });
  t.is(parseLogLine(''), null);
  t.is(parseLogLine('{not json'), null);
  t.is(parseLogLine('{"stream":"stdout"}'), null);
});

test('readLogRecords filters by stream and time, tails, and skips a torn last line', (t) => {
  const file = tmpFile(t);
  const text =
    line('o1\n', 'stdout', '2024-01-01T00:00:01.000000000Z') +
    line('e1\n', 'stderr', '2024-01-01T00:00:02.000000000Z') +
    'garbage\n' +
    line('o2\n', 'stdout', '2024-01-01T00:00:03.000000000Z') +
    line('e2\n', 'stderr', '2024-01-01T00:00:04.000000000Z');
  fs.writeFileSync(file, text + '{"log":"torn');
  const logs = (o: Parameters<typeof readLogRecords>[1]) => readLogRecords(file, o).records.map((r) => r.log.trim());
  t.deepEqual(logs(all), ['o1', 'e1', 'o2', 'e2']);
  t.deepEqual(logs({ stdout: true, stderr: false }), ['o1', 'o2']);
  t.deepEqual(logs({ stdout: false, stderr: true }), ['e1', 'e2']);
  t.deepEqual(logs({ ...all, tail: 1 }), ['e2']);
  t.deepEqual(logs({ ...all, tail: 3 }), ['e1', 'o2', 'e2']);
  t.deepEqual(logs({ ...all, tail: 0 }), []);
  t.deepEqual(logs({ ...all, tail: 99 }), ['o1', 'e1', 'o2', 'e2']);
  t.deepEqual(logs({ stdout: true, stderr: false, tail: 1 }), ['o2'], 'tail counts the records of the chosen streams');
  const at = (s: string) => Date.parse(s) / 1000;
  t.deepEqual(logs({ ...all, since: at('2024-01-01T00:00:02Z') }), ['e1', 'o2', 'e2']);
  t.deepEqual(logs({ ...all, until: at('2024-01-01T00:00:02Z') }), ['o1', 'e1']);
  t.deepEqual(logs({ ...all, since: at('2024-01-01T00:00:02Z'), until: at('2024-01-01T00:00:03Z') }), ['e1', 'o2']);
  // The offset stops before the torn line, so a follower picks it up once it is complete.
  t.is(readLogRecords(file, all).offset, Buffer.byteLength(text));
  t.deepEqual(readLogRecords(path.join(path.dirname(file), 'missing'), all), { records: [], total: 0, offset: 0 });
  t.is(readLogRecords(file, { ...all, tail: 1 }).total, 4, 'how many there were before the tail');
  t.is(readLogRecords(file, { stdout: true, stderr: false, tail: 1 }).total, 2);
});

test('followLogRecords delivers appended records until aborted', async (t) => {
  const file = tmpFile(t);
  fs.writeFileSync(file, line('old\n', 'stdout', '2024-01-01T00:00:00Z'));
  const { offset } = readLogRecords(file, all);
  const got: string[] = [];
  const stop = new AbortController();
  const following = followLogRecords(file, offset, { stdout: true, stderr: false }, (r) => got.push(r.log), stop.signal);
  fs.appendFileSync(file, line('new1\n', 'stdout', '2024-01-01T00:00:01Z') + line('err\n', 'stderr', '2024-01-01T00:00:01Z'));
  // A record written in two pieces arrives once, whole.
  const rec = line('new2\n', 'stdout', '2024-01-01T00:00:02Z');
  fs.appendFileSync(file, rec.slice(0, 10));
  const deadline = Date.now() + 5000;
  while (got.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  fs.appendFileSync(file, rec.slice(10));
  while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  stop.abort();
  await following;
  t.deepEqual(got, ['new1\n', 'new2\n']);
  fs.appendFileSync(file, line('after\n', 'stdout', '2024-01-01T00:00:03Z'));
  t.deepEqual(got, ['new1\n', 'new2\n'], 'nothing after abort');
});

test('followLogRecords with an aborted signal reads what is there and returns', async (t) => {
  const file = tmpFile(t);
  fs.writeFileSync(file, line('a\n', 'stdout', 't') + line('b\n', 'stderr', 't'));
  const got: string[] = [];
  const stop = new AbortController();
  stop.abort();
  await followLogRecords(file, 0, all, (r) => got.push(r.log), stop.signal);
  t.deepEqual(got, ['a\n', 'b\n']);
});
