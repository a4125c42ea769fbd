// Container logs in Docker's json-file format: one JSON object per line,
// {"log":"text\n","stream":"stdout"|"stderr","time":"<RFC3339Nano>"}. The daemon reads the
// container's stdout/stderr FIFOs and appends here; `logs` reads (tail, since/until, follow).
import fs from 'node:fs';
import type { Readable } from 'node:stream';

export type LogStream = 'stdout' | 'stderr';

export interface LogRecord {
  log: string;
  stream: LogStream;
  time: string;
}

/** RFC3339 with nanoseconds (microsecond precision, as Node gives). */
export function nowRfc3339Nano(): string {
  const t = performance.timeOrigin + performance.now();
  const ms = Math.floor(t);
  const micro = Math.floor((t - ms) * 1000);
  return new Date(ms).toISOString().replace('Z', '') + String(micro).padStart(3, '0') + '000Z';
}

/** Longest partial line kept before it is written out on its own (Docker uses 16 KiB). */
const MAX_PARTIAL = 16 * 1024;

export class LogWriter {
  private readonly out: fs.WriteStream;
  private open = 0;
  private closed = false;

  constructor(readonly file: string) {
    this.out = fs.createWriteStream(file, { flags: 'a' });
    this.out.on('error', () => {
      /* a full disk must not take the daemon down; the lines are lost */
    });
  }

  /** Appends every line read from `source` as records of `stream`; resolves at its end. */
  follow(source: Readable, stream: LogStream): Promise<void> {
    this.open++;
    let partial = '';
    return new Promise((resolve) => {
      source.setEncoding('utf8');
      source.on('data', (chunk: string) => {
        partial += chunk;
        let nl: number;
        while ((nl = partial.indexOf('\n')) !== -1) {
          this.write(partial.slice(0, nl + 1), stream);
          partial = partial.slice(nl + 1);
        }
        if (partial.length > MAX_PARTIAL) {
          this.write(partial, stream);
          partial = '';
        }
      });
      const done = () => {
        if (partial) this.write(partial, stream);
        partial = '';
        this.open--;
        resolve();
      };
      source.once('end', done);
      source.once('error', done);
      source.once('close', () => {
        if (source.listenerCount('end') > 0) done();
      });
    });
  }

  write(text: string, stream: LogStream): void {
    if (this.closed) return;
    const rec: LogRecord = { log: text, stream, time: nowRfc3339Nano() };
    this.out.write(JSON.stringify(rec) + '\n');
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.out.end(resolve));
  }
}

export interface ReadLogOptions {
  stdout: boolean;
  stderr: boolean;
  /** Number of last records, or undefined for all. */
  tail?: number;
  /** Unix seconds (fractional allowed); records before are skipped. */
  since?: number;
  until?: number;
}

export function parseLogLine(line: string): LogRecord | null {
  if (!line) return null;
  try {
    const r = JSON.parse(line) as LogRecord;
    return typeof r.log === 'string' ? r : null;
  } catch {
    return null;
  }
}

function keep(r: LogRecord, o: ReadLogOptions): boolean {
  if (r.stream === 'stdout' ? !o.stdout : !o.stderr) return false;
  if (o.since !== undefined || o.until !== undefined) {
    const t = Date.parse(r.time) / 1000;
    if (o.since !== undefined && t < o.since) return false;
    if (o.until !== undefined && t > o.until) return false;
  }
  return true;
}

/**
 * Reads the records now in the file, filtered; returns them, how many matched before `tail`
 * cut them, and the byte offset reached.
 */
export function readLogRecords(file: string, o: ReadLogOptions): { records: LogRecord[]; total: number; offset: number } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { records: [], total: 0, offset: 0 };
  }
  const end = text.lastIndexOf('\n') + 1;
  let records = text
    .slice(0, end)
    .split('\n')
    .map(parseLogLine)
    .filter((r): r is LogRecord => r !== null && keep(r, o));
  const total = records.length;
  if (o.tail !== undefined && o.tail >= 0) records = o.tail === 0 ? [] : records.slice(-o.tail);
  return { records, total, offset: Buffer.byteLength(text.slice(0, end)) };
}

/**
 * Follows the file from `offset`, calling `onRecord` for each new record until `stop` is
 * aborted. Woken by fs.watch, with a slow timer as a safety net for missed notifications.
 */
export function followLogRecords(
  file: string,
  offset: number,
  o: ReadLogOptions,
  onRecord: (r: LogRecord) => void,
  stop: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    let pos = offset;
    let partial = '';
    let reading = false;
    let again = false;
    const pump = () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        const fd = fs.openSync(file, 'r');
        try {
          const buf = Buffer.alloc(64 * 1024);
          for (;;) {
            const n = fs.readSync(fd, buf, 0, buf.length, pos);
            if (n <= 0) break;
            pos += n;
            partial += buf.subarray(0, n).toString('utf8');
            let nl: number;
            while ((nl = partial.indexOf('\n')) !== -1) {
              const r = parseLogLine(partial.slice(0, nl));
              partial = partial.slice(nl + 1);
              if (r && keep(r, o)) onRecord(r);
            }
          }
        } finally {
          fs.closeSync(fd);
        }
      } catch {
        /* the file may be gone with its container */
      }
      reading = false;
      if (again) {
        again = false;
        pump();
      }
    };
    let watcher: fs.FSWatcher | undefined;
    try {
      watcher = fs.watch(file, pump);
      watcher.on('error', () => undefined);
    } catch {
      watcher = undefined;
    }
    const timer = setInterval(pump, 500);
    const finish = () => {
      clearInterval(timer);
      watcher?.close();
      pump();
      resolve();
    };
    if (stop.aborted) finish();
    else stop.addEventListener('abort', finish, { once: true });
    pump();
  });
}
