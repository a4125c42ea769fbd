// A container's stdin, stdout and stderr, and the readers that log its output and pass it to
// attached clients.
//
// With a TTY: a pseudo-terminal whose master the daemon keeps. Without: stdout/stderr are
// FIFOs in the container directory, opened read-write for the container: a FIFO that has a
// reader never raises SIGPIPE, so the container keeps running (and blocks once the pipe is
// full) while the daemon is down, and the restarted daemon reopens them and carries on
// logging. stdin (with OpenStdin) is a FIFO the daemon writes; closing it gives the container
// end-of-file.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tty from 'node:tty';
import type { Readable } from 'node:stream';
import { makeFifo, setBlocking } from '../sys/fifo.js';
import { openPty } from '../sys/pty.js';
import { fdSink, type ContainerIO } from './io.js';
import type { LogStream } from './logs.js';
import type { ContainerRecord } from './record.js';
import type { ContainerRuntime, Live } from './runtime.js';

export interface ContainerStdio {
  /** What the container's process gets as fds 0, 1 and 2. */
  child: [stdin: number | 'ignore', stdout: number, stderr: number];
  /** Closes the daemon's copies of the child's ends (once the container holds them). */
  closeChildEnds(): void;
  /** Releases what connect() would have taken over, when the start failed. */
  abort(): void;
  /** Starts logging the output and connects attach clients' stdin. */
  connect(live: Live): void;
}

export function openStdio(rt: ContainerRuntime, rec: ContainerRecord, io: ContainerIO): ContainerStdio {
  if (rec.config.Tty) {
    const [rows, cols] = rec.hostConfig.ConsoleSize?.[0] ? rec.hostConfig.ConsoleSize : io.consoleSize;
    const pty = openPty(rows, cols);
    io.ptyMaster = pty.master;
    return {
      child: [pty.slave, pty.slave, pty.slave],
      closeChildEnds: () => fs.closeSync(pty.slave),
      abort: () => {
        io.ptyMaster = undefined;
        fs.closeSync(pty.master);
      },
      connect: (live) => {
        const master = new tty.ReadStream(pty.master);
        master.on('error', () => master.destroy());
        follow(rt, rec.id, live, master, 'stdout');
        if (rec.config.OpenStdin) io.connectStdin(fdSink(pty.master));
      },
    };
  }
  const dir = rt.dir(rec.id);
  const out = path.join(dir, 'stdout.fifo');
  const err = path.join(dir, 'stderr.fifo');
  const inp = path.join(dir, 'stdin.fifo');
  const fifos = rec.config.OpenStdin ? [out, err, inp] : [out, err];
  for (const f of fifos) {
    fs.rmSync(f, { force: true });
    makeFifo(f, 0o600);
  }
  const outFd = fs.openSync(out, 'r+');
  const errFd = fs.openSync(err, 'r+');
  let inFd: number | 'ignore' = 'ignore';
  let inWriteFd: number | undefined;
  if (rec.config.OpenStdin) {
    // The reader end opens first (non-blocking, so it does not wait for a writer), then the
    // writer; the reader is made blocking again before the container gets it.
    inFd = fs.openSync(inp, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    inWriteFd = fs.openSync(inp, fs.constants.O_WRONLY);
    setBlocking(inFd);
  }
  const childFds = [outFd, errFd, ...(typeof inFd === 'number' ? [inFd] : [])];
  return {
    child: [inFd, outFd, errFd],
    closeChildEnds: () => childFds.forEach((fd) => fs.closeSync(fd)),
    abort: () => {
      if (inWriteFd !== undefined) fs.closeSync(inWriteFd);
    },
    connect: (live) => {
      readFifos(rt, rec.id, live);
      if (inWriteFd !== undefined) {
        const w = new net.Socket({ fd: inWriteFd, readable: false, writable: true });
        w.on('error', () => undefined);
        io.connectStdin({ write: (b) => void w.write(b), end: () => void w.end() });
      }
    },
  };
}

/** (Re)opens the output FIFOs of a container: at start, and when a restarted daemon re-adopts it. */
export function readFifos(rt: ContainerRuntime, id: string, live: Live): void {
  const dir = rt.dir(id);
  for (const stream of ['stdout', 'stderr'] as const) {
    const file = path.join(dir, `${stream}.fifo`);
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
      rt.d.log(`container ${id.slice(0, 12)}: cannot open ${file}: ${String(e)}`);
      continue;
    }
    const sock = new net.Socket({ fd, readable: true, writable: false });
    sock.on('error', () => undefined);
    follow(rt, id, live, sock, stream);
  }
}

/** Logs a source and passes its chunks to attached clients. */
function follow(rt: ContainerRuntime, id: string, live: Live, source: Readable, stream: LogStream): void {
  live.readers.push(source);
  const io = rt.io(id);
  void live.writer.follow(source, stream);
  source.on('data', (chunk: string | Buffer) => io.output(stream, typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
}
