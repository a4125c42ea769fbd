// A session on a hijacked connection (`run -i/-t`, `attach`, `exec -i/-t`): this side's
// input to the socket, the socket's output (raw with a TTY, demultiplexed without) to
// stdout and stderr, the local terminal in raw mode and its size passed on while a TTY
// session lasts, and restored however the session ends. The daemon watches for the detach
// keys; this side watches for them too, only to tell a detach from the end of the output.
import { constants } from 'node:os';
import type { WriteStream } from 'node:tty';
import { Demuxer, type Hijacked } from '../client.js';
import { bool, str, UsageError } from './args.js';
import { CommandFailed, type CliContext, type Command, type InputStream } from './context.js';

/** Docker's default detach sequence: ctrl-p ctrl-q. */
export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** `--detach-keys` syntax ("ctrl-p,ctrl-q", "a,ctrl-x") to bytes; the daemon reads the same syntax. */
export function parseDetachKeys(spec: string = DEFAULT_DETACH_KEYS): Buffer {
  const bytes = spec.split(',').map((raw) => {
    const k = raw.trim();
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(k);
    if (m) return m[1]!.charCodeAt(0) & 0x1f;
    if (k.length === 1) return k.charCodeAt(0);
    throw new UsageError(`invalid argument "${spec}" for --detach-keys: "${k}" is not a key; use a letter or ctrl-<letter>, comma separated (e.g. ctrl-p,ctrl-q)`);
  });
  return Buffer.from(bytes);
}

/** Sees a key sequence across chunk boundaries (the same matching as the daemon's). */
export class KeySequence {
  private matched = 0;
  constructor(private readonly keys: Buffer) {}

  /** True once the whole sequence has gone by. */
  push(chunk: Buffer): boolean {
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        if (++this.matched === this.keys.length) return true;
      } else {
        this.matched = byte === this.keys[0] ? 1 : 0;
      }
    }
    return false;
  }
}

/** The local terminal's [rows, cols], when stdout is one. */
export function terminalSize(ctx: CliContext): [number, number] | undefined {
  const out = ctx.stdout as Partial<WriteStream>;
  if (!ctx.stdoutIsTTY || !out.rows || !out.columns) return undefined;
  return [out.rows, out.columns];
}

export function inputOf(ctx: CliContext): InputStream {
  return ctx.stdin ?? process.stdin;
}

/** docker's check: -i and -t together need a terminal to read from. */
export function requireTerminalInput(ctx: CliContext): void {
  if (!inputOf(ctx).isTTY) throw new CommandFailed('the input device is not a TTY; leave out -t (or -i) when input comes from a pipe or file', 1);
}

export interface SessionOptions {
  /** Send this side's input; its end half-closes the connection. */
  stdin: boolean;
  /** Put the local terminal in raw mode (a TTY session reading a terminal). */
  raw: boolean;
  /** The daemon's detach sequence: when this side sent it, the end of the output is a detach. */
  detachKeys?: Buffer;
  /** Passes the terminal size on, at the start and on each window change (TTY sessions). */
  resize?: (rows: number, cols: number) => Promise<void>;
  /** SIGINT, SIGTERM and SIGHUP while the terminal is not raw (e.g. passed to the container). */
  onSignal?: (sig: NodeJS.Signals) => void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs the session until the output ends. Resolves 'detached' when the detach keys went out
 * (the container keeps running), 'ended' otherwise. A SIGTERM or SIGHUP during a raw
 * session ends it with 128+N, after the terminal is restored.
 */
export async function runSession(ctx: CliContext, h: Hijacked, opts: SessionOptions): Promise<'ended' | 'detached'> {
  const { socket } = h;
  const input = inputOf(ctx);
  const undo: (() => void)[] = [];
  let detached = false;

  const raw = opts.raw && input.isTTY === true && typeof input.setRawMode === 'function';
  if (raw) {
    const was = input.isRaw ?? false;
    input.setRawMode!(true);
    const restore = () => void input.setRawMode!(was);
    // Also on a process.exit() from anywhere while the session is open.
    process.once('exit', restore);
    undo.push(() => {
      process.off('exit', restore);
      restore();
    });
  }

  const resize = opts.resize;
  const sendSize = resize
    ? () => {
        const size = terminalSize(ctx);
        if (size) resize(...size).catch(() => {});
      }
    : undefined;

  try {
    return await new Promise<'ended' | 'detached'>((resolve, reject) => {
      // Output, with backpressure: a slow reader of our stdout slows the container down.
      const write = (to: NodeJS.WritableStream, data: Buffer) => {
        if (!to.write(data)) {
          socket.pause();
          to.once('drain', () => socket.resume());
        }
      };
      const demux = h.tty ? undefined : new Demuxer();
      let firstOutput = true;
      socket.on('data', (chunk: Buffer) => {
        if (firstOutput) {
          firstOutput = false;
          // Output means the terminal exists now: a resize sent before it opened (an exec's
          // terminal opens after the 101) may have found nothing to resize.
          sendSize?.();
        }
        if (!demux) return write(ctx.stdout, chunk);
        for (const f of demux.push(chunk)) {
          if (f.stream === 'system') ctx.stderr.write(`boxify: ${f.data.toString('utf8').trimEnd()}\n`);
          else write(f.stream === 'stderr' ? ctx.stderr : ctx.stdout, f.data);
        }
      });
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        resolve(detached ? 'detached' : 'ended');
      };
      socket.once('end', finish);
      socket.once('close', finish);
      socket.on('error', (err: NodeJS.ErrnoException) => {
        // Writing input after the daemon closed its side is the ordinary end of a session.
        if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return finish();
        if (!done) {
          done = true;
          reject(new CommandFailed(`the connection to boxifyd broke: ${err.message}`, 125));
        }
      });

      if (opts.stdin) {
        const keys = opts.detachKeys ? new KeySequence(opts.detachKeys) : undefined;
        const onData = (d: Buffer | string) => {
          const b = typeof d === 'string' ? Buffer.from(d) : d;
          if (keys?.push(b)) detached = true;
          if (!socket.destroyed && socket.writable) socket.write(b);
        };
        const onEnd = () => {
          if (!socket.destroyed && socket.writable) socket.end();
        };
        input.on('data', onData);
        input.once('end', onEnd);
        input.resume();
        undo.push(() => {
          input.off('data', onData);
          input.off('end', onEnd);
          input.pause();
        });
      }

      if (sendSize) {
        sendSize();
        ctx.stdout.on('resize', sendSize);
        undo.push(() => ctx.stdout.off('resize', sendSize));
      }

      const onSignal = (sig: NodeJS.Signals) => {
        if (!raw && opts.onSignal) return opts.onSignal(sig);
        if (sig === 'SIGINT' && raw) return; // ctrl-c is a byte for the container in raw mode
        done = true;
        socket.destroy();
        reject(new CommandFailed(`ended by ${sig}`, 128 + (constants.signals[sig] ?? 1)));
      };
      if (raw || opts.onSignal) {
        for (const s of SIGNALS) process.on(s, onSignal);
        undo.push(() => {
          for (const s of SIGNALS) process.off(s, onSignal);
        });
      }
    });
  } finally {
    for (const f of undo.reverse()) f();
    socket.destroy();
  }
}

/** The line printed after a detach: the container goes on, and how to come back. */
export function detachedHint(ctx: CliContext, id: string): void {
  ctx.stderr.write(`\nboxify: detached from ${id.slice(0, 12)}, which keeps running; return with: boxify attach ${id.slice(0, 12)}\n`);
}

export const ATTACH_FLAGS = [
  { long: 'no-stdin', help: 'Do not attach STDIN' },
  { long: 'detach-keys', value: true, metavar: 'KEYS', help: `Key sequence that detaches, leaving the container running (default ${DEFAULT_DETACH_KEYS})` },
];

export const attachCommand: Command = {
  name: 'attach',
  usage: '[OPTIONS] CONTAINER',
  summary: "Attach this terminal's input and output to a running container",
  details: [
    "Shows the container's output from now on and, when it was started with -i, sends it",
    'your input. Ctrl-P Ctrl-Q (or --detach-keys) detaches and leaves it running; when the',
    "container exits, attach exits with the container's exit code.",
  ].join('\n'),
  flags: ATTACH_FLAGS,
  async run(ctx, p) {
    const [ref, ...extra] = p.args;
    if (!ref || extra.length) throw new UsageError('requires exactly one container');
    const keysSpec = str(p, 'detach-keys');
    const detachKeys = parseDetachKeys(keysSpec);
    const info = await ctx.client.inspectContainer(ref);
    if (!info.State.Running) throw new CommandFailed('You cannot attach to a stopped container, start it first', 1);
    const tty = info.Config.Tty === true;
    const stdin = info.Config.OpenStdin === true && !bool(p, 'no-stdin');
    if (tty && stdin) requireTerminalInput(ctx);
    const h = await ctx.client.attach(info.Id, { stdin, stdout: true, stderr: true, detachKeys: keysSpec });
    const outcome = await runSession(ctx, h, {
      stdin,
      raw: tty && stdin,
      detachKeys,
      resize: tty ? (rows, cols) => ctx.client.resize(info.Id, rows, cols) : undefined,
      onSignal: tty ? undefined : (sig) => void ctx.client.killContainer(info.Id, sig).catch(() => {}),
    });
    if (outcome === 'detached') {
      detachedHint(ctx, info.Id);
      return 0;
    }
    const { StatusCode } = await ctx.client.waitContainer(info.Id, 'not-running');
    return StatusCode;
  },
};
