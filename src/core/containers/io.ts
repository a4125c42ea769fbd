// A container's live input and output, shared by every attached client: output chunks as
// they arrive (besides the log file), stdin that attach clients write (queued until the
// container starts, as `docker run -i` attaches before it starts), and the terminal size.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { resizePty } from '../sys/pty.js';
import type { LogStream } from './logs.js';

export interface StdinSink {
  write(b: Buffer): void;
  end(): void;
}

export class ContainerIO extends EventEmitter {
  private queue: Buffer[] = [];
  private sink?: StdinSink;
  private stdinEnded = false;
  /** The pseudo-terminal master while a TTY container runs. */
  ptyMaster?: number;
  consoleSize: [number, number] = [24, 80];

  constructor() {
    super();
    this.setMaxListeners(0);
  }

  output(stream: LogStream, chunk: Buffer): void {
    this.emit('data', stream, chunk);
  }

  /** The container's output has ended (it exited and its pipes drained). */
  ended(): void {
    this.emit('end');
  }

  connectStdin(sink: StdinSink): void {
    this.sink = sink;
    for (const b of this.queue) sink.write(b);
    this.queue = [];
    if (this.stdinEnded) sink.end();
  }

  disconnectStdin(): void {
    this.sink = undefined;
    this.stdinEnded = false;
  }

  writeStdin(b: Buffer): void {
    if (this.sink) this.sink.write(b);
    else this.queue.push(b);
  }

  closeStdin(): void {
    this.stdinEnded = true;
    this.sink?.end();
  }

  resize(rows: number, cols: number): void {
    this.consoleSize = [rows, cols];
    if (this.ptyMaster !== undefined) {
      try {
        resizePty(this.ptyMaster, rows, cols);
      } catch {
        /* the terminal is closing */
      }
    }
  }
}

/** Writes to a non-blocking fd (a pty master), retrying when the kernel buffer is full. */
export function fdSink(fd: number): StdinSink {
  let pending: Buffer[] = [];
  let busy = false;
  let closed = false;
  const pump = () => {
    if (busy || closed) return;
    const b = pending.shift();
    if (!b) return;
    busy = true;
    fs.write(fd, b, (err, n) => {
      busy = false;
      if (err && (err as NodeJS.ErrnoException).code === 'EAGAIN') {
        pending.unshift(b);
        setTimeout(pump, 5);
        return;
      }
      if (err) {
        pending = [];
        return;
      }
      if (n < b.length) pending.unshift(b.subarray(n));
      pump();
    });
  };
  return {
    write: (b) => {
      pending.push(b);
      pump();
    },
    // A terminal has no end of input; ctrl-d is a byte the shell reads.
    end: () => {
      pending.push(Buffer.from([4]));
      pump();
    },
  };
}
