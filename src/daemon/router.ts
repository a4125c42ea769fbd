// Routes Docker-API-shaped requests to handlers. Every route is served unversioned and under
// a /v1.NN prefix; a prefix above the API version we speak is refused as Docker does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { API_VERSION } from '../core/api/types.js';
import { BoxifyError, errors } from '../core/errors.js';

export interface RequestContext {
  req: IncomingMessage;
  /** Absent for hijacked (upgraded) requests, which own `socket` instead. */
  res?: ServerResponse;
  /** For hijacked requests: the raw socket and bytes already read past the headers. */
  socket?: Socket;
  head?: Buffer;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The request body parsed as JSON (`{}` when empty). Bad JSON is a 400. */
  json<T = Record<string, unknown>>(): Promise<T>;
  /** The raw request body as a stream (for uploads such as image loads). */
  apiVersion: string;
}

/**
 * A handler either writes the response itself (streams) and returns undefined, or returns a
 * value that the server sends as JSON with status 200 (or `reply(status, body)`).
 */
export type Handler = (ctx: RequestContext) => Promise<unknown> | unknown;

export class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
  ) {}
}

export const reply = (status: number, body?: unknown) => new Reply(status, body);

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

const VERSION_PREFIX = /^\/v(\d+)\.(\d+)(\/.*)$/;

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  get(p: string, h: Handler) {
    return this.add('GET', p, h);
  }
  post(p: string, h: Handler) {
    return this.add('POST', p, h);
  }
  delete(p: string, h: Handler) {
    return this.add('DELETE', p, h);
  }
  head(p: string, h: Handler) {
    return this.add('HEAD', p, h);
  }
  put(p: string, h: Handler) {
    return this.add('PUT', p, h);
  }

  /**
   * Finds the handler for a request path (query string already removed). Names may contain
   * slashes (image references like `library/alpine:3`), so a `:name*` part matches the rest
   * of the path up to the route's fixed suffix.
   */
  match(method: string, rawPath: string): { handler: Handler; params: Record<string, string>; apiVersion: string } {
    let path = rawPath;
    let apiVersion = API_VERSION;
    const m = VERSION_PREFIX.exec(rawPath);
    if (m) {
      const requested = `${Number(m[1])}.${Number(m[2])}`;
      if (compareVersions(requested, API_VERSION) > 0) {
        throw new BoxifyError(
          'invalid_argument',
          `client version ${requested} is too new. Maximum supported API version is ${API_VERSION}`,
        );
      }
      apiVersion = requested;
      path = m[3]!;
    }
    const segs = path.split('/').filter(Boolean).map(decodeSegment);
    let methodMismatch = false;
    for (const route of this.routes) {
      const params = matchParts(route.parts, segs);
      if (!params) continue;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
        methodMismatch = true;
        continue;
      }
      return { handler: route.handler, params, apiVersion };
    }
    if (methodMismatch) throw new BoxifyError('invalid_argument', `method ${method} not allowed on ${path}`);
    throw errors.notFound(`page not found: ${method} ${path}`);
  }
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw errors.invalid('path', `bad percent-encoding in "${s}"`);
  }
}

function matchParts(parts: string[], segs: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  const greedy = parts.findIndex((p) => p.endsWith('*'));
  if (greedy === -1) {
    if (parts.length !== segs.length) return null;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p.startsWith(':')) params[p.slice(1)] = segs[i]!;
      else if (p !== segs[i]) return null;
    }
    return params;
  }
  // A greedy parameter takes every segment between the fixed prefix and the fixed suffix.
  const suffix = parts.length - greedy - 1;
  if (segs.length < parts.length) return null;
  for (let i = 0; i < greedy; i++) {
    const p = parts[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = segs[i]!;
    else if (p !== segs[i]) return null;
  }
  for (let j = 0; j < suffix; j++) {
    const p = parts[parts.length - 1 - j]!;
    const s = segs[segs.length - 1 - j]!;
    if (p.startsWith(':')) params[p.slice(1)] = s;
    else if (p !== s) return null;
  }
  params[parts[greedy]!.slice(1, -1)] = segs.slice(greedy, segs.length - suffix).join('/');
  return params;
}

export function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 !== b1 ? a1 - b1 : a2 - b2;
}

/** Docker's boolean query values: "1", "true", "True" are true; absent is `dflt`. */
export function queryBool(q: URLSearchParams, key: string, dflt = false): boolean {
  const v = q.get(key);
  if (v === null) return dflt;
  return v === '1' || v.toLowerCase() === 'true';
}

export function queryInt(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw errors.invalid(key, `"${v}" is not an integer`);
  return n;
}
