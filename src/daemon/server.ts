// The HTTP/1.1 server on the Unix socket: Docker's headers on every answer, JSON errors from
// the error registry, and hijacked (upgraded) requests handed to their handlers raw.
import http from 'node:http';
import type { Socket } from 'node:net';
import { API_VERSION } from '../core/api/types.js';
import { BoxifyError, toBoxifyError } from '../core/errors.js';
import { Reply, type RequestContext, type Router } from './router.js';

export const SERVER_VERSION = '0.1.0';

export function commonHeaders(apiVersion = API_VERSION): Record<string, string> {
  return {
    Server: `Boxify/${SERVER_VERSION} (linux)`,
    'Api-Version': apiVersion,
    Ostype: 'linux',
    'Docker-Experimental': 'false',
  };
}

/** Largest JSON body accepted; uploads (image loads) stream instead. */
const MAX_JSON_BODY = 8 * 1024 * 1024;

function readJsonBody<T>(req: http.IncomingMessage): Promise<T> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_JSON_BODY) {
        reject(new BoxifyError('invalid_argument', 'request body too large', { field: 'body' }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.once('end', () => parseJson<T>(Buffer.concat(chunks)).then(resolve, reject));
    req.once('error', reject);
  });
}

function parseJson<T>(buf: Buffer): Promise<T> {
  const text = buf.toString('utf8').trim();
  if (!text) return Promise.resolve({} as T);
  try {
    return Promise.resolve(JSON.parse(text) as T);
  } catch (e) {
    return Promise.reject(new BoxifyError('invalid_argument', `invalid JSON in request body: ${(e as Error).message}`, { field: 'body' }));
  }
}

/** Reads `length` body bytes of an upgraded request from what came with the headers and the socket. */
function readUpgradeBody(socket: Socket, head: Buffer, length: number): Promise<{ body: Buffer; rest: Buffer }> {
  if (length > MAX_JSON_BODY) return Promise.reject(new BoxifyError('invalid_argument', 'request body too large', { field: 'body' }));
  if (head.length >= length) return Promise.resolve({ body: head.subarray(0, length), rest: head.subarray(length) });
  return new Promise((resolve, reject) => {
    let buf = head;
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= length) {
        cleanup();
        resolve({ body: buf.subarray(0, length), rest: buf.subarray(length) });
      }
    };
    const onEnd = () => {
      cleanup();
      reject(new BoxifyError('invalid_argument', 'connection closed before the request body was complete', { field: 'body' }));
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.pause();
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, apiVersion?: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const data = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...commonHeaders(apiVersion),
    ...(data ? { 'Content-Type': 'application/json' } : {}),
    'Content-Length': Buffer.byteLength(data),
  });
  res.end(data);
}

export function sendError(res: http.ServerResponse, err: unknown, log: (m: string) => void): void {
  const e = toBoxifyError(err);
  if (!e.isUserError) log(`internal error: ${e.stack ?? e.message}`);
  if (e.status === 304) {
    if (!res.headersSent) res.writeHead(304, commonHeaders());
    res.end();
    return;
  }
  sendJson(res, e.status, { message: e.message });
}

function writeRawError(socket: Socket, err: unknown, log: (m: string) => void): void {
  const e = toBoxifyError(err);
  if (!e.isUserError) log(`internal error: ${e.stack ?? e.message}`);
  const body = JSON.stringify({ message: e.message });
  const head = Object.entries({ ...commonHeaders(), 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  socket.end(`HTTP/1.1 ${e.status} ${http.STATUS_CODES[e.status] ?? ''}\r\n${head}\r\n\r\n${body}`);
}

export function createApiServer(router: Router, log: (m: string) => void): http.Server {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://boxify');
        const m = router.match(req.method ?? 'GET', url.pathname);
        const ctx: RequestContext = {
          req,
          res,
          params: m.params,
          query: url.searchParams,
          json: <T>() => readJsonBody<T>(req),
          apiVersion: m.apiVersion,
        };
        const out = await m.handler(ctx);
        if (res.writableEnded || res.headersSent) {
          if (!res.writableEnded && !(out === undefined)) res.end();
          return;
        }
        if (out instanceof Reply) sendJson(res, out.status, out.body, m.apiVersion);
        else if (out !== undefined) sendJson(res, 200, out, m.apiVersion);
        else sendJson(res, 204, undefined, m.apiVersion);
      } catch (err) {
        sendError(res, err, log);
      }
    })();
  });
  // Hijacked streams (attach, exec start) arrive as upgrades: the handler owns the socket.
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    void (async () => {
      socket.on('error', () => undefined);
      try {
        const url = new URL(req.url ?? '/', 'http://boxify');
        const m = router.match(req.method ?? 'GET', url.pathname);
        // The body of a hijacked request (exec start's JSON) is the first Content-Length
        // bytes after the headers; whatever follows is already the client's stdin.
        const body = await readUpgradeBody(socket, head, Number(req.headers['content-length'] ?? 0) || 0);
        const ctx: RequestContext = {
          req,
          socket,
          head: body.rest,
          params: m.params,
          query: url.searchParams,
          json: <T>() => parseJson<T>(body.body),
          apiVersion: m.apiVersion,
        };
        await m.handler(ctx);
      } catch (err) {
        if (!socket.destroyed) writeRawError(socket, err, log);
      }
    })();
  });
  server.on('clientError', (err, socket) => {
    if (!socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{"message":"malformed HTTP request"}');
  });
  return server;
}
