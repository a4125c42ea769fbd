// Docker's stream framing: without a TTY, output is multiplexed with an 8-byte header
// [stream, 0, 0, 0, size uint32 BE] (1 stdout, 2 stderr, 3 system error); with a TTY the
// bytes go raw.
export const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
export const RAW_STREAM = 'application/vnd.docker.raw-stream';

export const STREAM_ID = { stdin: 0, stdout: 1, stderr: 2, system: 3 } as const;

export function frame(stream: 1 | 2 | 3, data: Buffer | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

import type { RequestContext } from './router.js';
import { commonHeaders } from './server.js';

/** Output to a client, and its input when the connection was hijacked. */
export interface ClientStream {
  write(b: Buffer): void;
  end(): void;
  /** Raw bytes from the client (hijacked only), and its half-close. */
  onInput(data: (b: Buffer) => void, end: () => void): void;
  onClose(f: () => void): void;
  readonly closed: boolean;
}

/**
 * Answers a streaming request: on a hijacked connection with Docker's raw
 * `101 UPGRADED` (the v28 CLI refuses a 200 there), otherwise as a plain 200 response.
 */
export function openClientStream(ctx: RequestContext, tty: boolean): ClientStream {
  const type = tty ? RAW_STREAM : MULTIPLEXED;
  let closed = false;
  if (ctx.socket) {
    const sock = ctx.socket;
    sock.setNoDelay?.(true);
    sock.write(
      `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${type}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n` +
        Object.entries(commonHeaders(ctx.apiVersion))
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('') +
        '\r\n',
    );
    sock.once('close', () => (closed = true));
    // Bytes the client sent right after its headers belong to stdin.
    const early = ctx.head && ctx.head.length ? ctx.head : undefined;
    return {
      write: (b) => void (!closed && sock.writable && sock.write(b)),
      end: () => void (!closed && sock.end()),
      onInput: (data, end) => {
        if (early) data(early);
        sock.on('data', data);
        sock.once('end', end);
        // Reading the request body may have paused the socket.
        sock.resume();
      },
      onClose: (f) => (closed ? f() : sock.once('close', f)),
      get closed() {
        return closed;
      },
    };
  }
  const res = ctx.res!;
  res.writeHead(200, { ...commonHeaders(ctx.apiVersion), 'Content-Type': type });
  res.flushHeaders();
  res.once('close', () => (closed = true));
  return {
    write: (b) => void (!closed && res.write(b)),
    end: () => void (!closed && res.end()),
    onInput: (_data, end) => end(),
    onClose: (f) => (closed ? f() : res.once('close', f)),
    get closed() {
      return closed;
    },
  };
}
